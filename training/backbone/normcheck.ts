/**
 * Which input normalisation does a face-recognition backbone expect? Heuristic check:
 * with the right one, an image and its mirror image give close embeddings while different
 * faces stay apart. Prints, per candidate normalisation, mean cosine(image, flip) minus
 * mean cosine(image, other image) of the batch-centred embedding output (higher is better).
 *
 *   node --import tsx training/backbone/normcheck.ts
 */
import { initTf, loadGraphModelFromDisk, tf } from './tfjs-env.js';
import { CANDIDATES, candidatePath } from './candidates.js';
import { grayBatch, type PreprocessSpec } from './preprocess.js';
import { loadFerPlusSplit } from '../../common/ferplus.js';
import { FERPLUS_DIR } from '../data/paths.js';
import { scriptArgs } from '../../common/args.js';

const variants: Record<string, [number, number]> = {
  'raw 0..255': [0, 1],
  '0..1': [0, 255],
  '-1..1 (127.5/127.5)': [127.5, 127.5],
  '(x-127.5)/128': [127.5, 128],
};
const only = scriptArgs({
  usage: 'usage: normcheck.ts [mobilefacenet|faceres|mobileface]',
  options: {},
  positionals: { max: 1 },
}).positionals[0];
const tests: [string, string][] = (
  [
    ['mobilefacenet', 'embeddings'],
    ['faceres', 'global_pooling/Mean'],
    ['mobileface', 'batchnorm0/add_1'],
  ] as [string, string][]
).filter(([n]) => !only || n === only);

async function main() {
  await initTf('wasm');
  const split = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Valid`, { limit: 48, pixels: true });
  const faces = split.items.map((i) => i.pixels!);
  for (const [name, out] of tests) {
    const cand = CANDIDATES[name]!;
    const { model } = await loadGraphModelFromDisk(candidatePath(cand));
    for (const [label, [mean, std]] of Object.entries(variants)) {
      const spec: PreprocessSpec = { ...cand.spec, mean: [mean, mean, mean], std: [std, std, std] };
      const s = spec.inputSize;
      const emb = (flip: boolean) =>
        tf.tidy(() => {
          const x = tf.tensor4d(grayBatch(faces, 48, spec, 'nhwc', flip), [faces.length, s, s, 3]);
          const e = model.execute(x, out) as tf.Tensor2D;
          // centre on the batch mean: a constant offset would hide how much the inputs matter
          const c = tf.sub(e, tf.mean(e, 0, true));
          return tf.div(c, tf.norm(c, 2, 1, true)) as tf.Tensor2D;
        });
      const a = emb(false);
      const b = emb(true);
      const same = tf.mean(tf.sum(tf.mul(a, b), 1)).dataSync()[0]!;
      const other = tf
        .mean(tf.sum(tf.mul(a, tf.concat([a.slice([1, 0]), a.slice([0, 0], [1, -1])])), 1))
        .dataSync()[0]!;
      console.log(
        `${name.padEnd(14)} ${label.padEnd(22)} cos(flip)=${same.toFixed(3)} cos(other)=${other.toFixed(3)} gap=${(same - other).toFixed(3)}`,
      );
      tf.dispose([a, b]);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack?.split('\n').slice(0, 6).join('\n') : e);
  process.exit(1);
});
