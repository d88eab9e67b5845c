/**
 * Parity of the converted backbone: the same inputs (random pixels and real FERPlus faces)
 * through TF.js (wasm backend, the reference), onnxruntime-node and onnxruntime-web (WASM,
 * 1 thread, in Node). Prints JSON per runtime on the feature map:
 *   maxAbsDiff, featureScale (max |tfjs|), relDiff = maxAbsDiff / featureScale,
 *   top1Agreement of the channel argmax of the pooled features.
 * Exits 1 when relDiff > 1e-4.
 *
 *   node --import tsx training/backbone/parity.ts [--backbone mobilefacenet] [--n 8]
 */
import { loadOrtModel, ORT_RUNTIMES, type OrtRuntime } from '../export/ort-run.js';
import { initTf, loadGraphModelFromDisk, tf } from './tfjs-env.js';
import { CANDIDATES, candidatePath } from './candidates.js';
import { backboneToOnnx } from './convert/emit.js';
import { DEFAULT_BACKBONE, loadBackbone, type TfBackbone } from './convert/tfjs-import.js';
import { grayBatch } from './preprocess.js';
import { loadFerPlusSplit } from '../../common/ferplus.js';
import { FERPLUS_DIR, ferplusAvailable } from '../data/paths.js';
import { scriptArgs } from '../../common/args.js';

export interface ParityStats {
  maxAbsDiff: number;
  featureScale: number;
  relDiff: number;
  meanAbsDiff: number;
  top1Agreement: number;
}

/** Compares NHWC reference features with NCHW candidate features. */
export function compareNhwcNchw(
  ref: Float32Array,
  cand: Float32Array,
  n: number,
  c: number,
  h: number,
  w: number,
): ParityStats {
  let maxAbs = 0;
  let scale = 0;
  let sumAbs = 0;
  let agree = 0;
  for (let b = 0; b < n; b++) {
    const pr = new Float64Array(c);
    const pc = new Float64Array(c);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          const r = ref[((b * h + y) * w + x) * c + k]!;
          const q = cand[((b * c + k) * h + y) * w + x]!;
          const dlt = Math.abs(r - q);
          if (!(dlt <= maxAbs)) maxAbs = Number.isNaN(dlt) ? Infinity : Math.max(maxAbs, dlt);
          scale = Math.max(scale, Math.abs(r));
          sumAbs += dlt;
          pr[k]! += r;
          pc[k]! += q;
        }
    const am = (v: Float64Array) => v.reduce((bi, x, i) => (x > v[bi]! ? i : bi), 0);
    if (am(pr) === am(pc)) agree++;
  }
  return {
    maxAbsDiff: maxAbs,
    featureScale: scale,
    relDiff: maxAbs / (scale || 1),
    meanAbsDiff: sumAbs / ref.length,
    top1Agreement: agree / n,
  };
}

export async function runParity(
  name = DEFAULT_BACKBONE,
  nEach = 4,
): Promise<Record<string, ParityStats & { ms?: number }>> {
  await initTf('wasm');
  const model: TfBackbone = loadBackbone(name);
  const cand = CANDIDATES[name]!;
  const { bytes, shape } = backboneToOnnx(model);
  const s = model.spec.inputSize;

  // inputs: random pixels + real faces (when FERPlus is present), 48×48 gray like the data
  const faces: Uint8Array[] = [];
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 256;
  for (let i = 0; i < nEach; i++) faces.push(Uint8Array.from({ length: 48 * 48 }, rnd));
  if (ferplusAvailable()) {
    const v = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Valid`, { limit: nEach, pixels: true });
    faces.push(...v.items.map((i) => i.pixels!));
  }
  const n = faces.length;
  const nhwc = grayBatch(faces, 48, model.spec, 'nhwc');
  const nchw = grayBatch(faces, 48, model.spec, 'nchw');

  const { model: gm } = await loadGraphModelFromDisk(candidatePath(cand), cand.spec.inputSize);
  // a 1-channel (grayscale) TF model gets channel 0 (the faces are gray, so all channels are equal)
  const tfChannels = gm.inputs[0]?.shape?.[3] === 1 ? 1 : 3;
  const tfIn = tfChannels === 1 ? nhwc.filter((_, i) => i % 3 === 0) : nhwc;
  const refT = gm.execute(tf.tensor4d(tfIn, [n, s, s, tfChannels]), model.featureNode) as tf.Tensor;
  const ref = (await refT.data()) as Float32Array;

  const out: Record<string, ParityStats & { ms?: number }> = {};
  const labels: Record<OrtRuntime, string> = { node: 'onnxruntime-node', 'web-wasm': 'onnxruntime-web-wasm' };
  for (const runtime of ORT_RUNTIMES) {
    const session = await loadOrtModel(runtime, bytes, 1);
    const t0 = performance.now();
    const features = await session.run('input', nchw, [n, 3, s, s], 'features');
    out[labels[runtime]] = {
      ...compareNhwcNchw(ref, features, n, shape.c, shape.h, shape.w),
      ms: (performance.now() - t0) / n,
    };
    await session.release();
  }
  return out;
}

if (process.argv[1]?.endsWith('parity.ts')) {
  const { values } = scriptArgs({
    usage: 'usage: parity.ts [--backbone faceres-112] [--n 4]',
    numbers: ['n'],
    options: { backbone: { type: 'string', default: DEFAULT_BACKBONE }, n: { type: 'string', default: '4' } },
  });
  const name = values.backbone;
  runParity(name, Number(values.n))
    .then((r) => {
      console.log(JSON.stringify({ backbone: name, ferplusFaces: ferplusAvailable(), ...r }, null, 1));
      const bad = Object.values(r).some((v) => !(v.relDiff <= 1e-4));
      process.exit(bad ? 1 : 0);
    })
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.stack?.split('\n').slice(0, 8).join('\n') : e);
      process.exit(1);
    });
}
