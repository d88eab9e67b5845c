// Training from the faces (training/train/images.ts): the whole trunk after its stem, rebuilt as
// trunk-tail blocks from the trunk's own weights, computes what the trunk does; augmentation is
// drawn from the seed; and a run trains, exports to ONNX and matches TF.js on onnxruntime.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CANDIDATES, candidatePath } from '../../../training/backbone/candidates.js';
import { trunkTailWeights } from '../../../training/backbone/tail-weights.js';
import { loadGraphModelFromDisk } from '../../../training/backbone/tfjs-env.js';
import { writeFacePack } from '../../../training/data/face-pack.js';
import { exportRun, loadBackboneForExport } from '../../../training/export/export.js';
import { runParity } from '../../../training/export/parity.js';
import { makeConfig } from '../../../training/model/config.js';
import { Rng } from '../../../training/model/rng.js';
import { TfOps, TfParams } from '../../../training/model/tf-ops.js';
import { tailOutputShape, trunkTail } from '../../../training/model/trunk-tail.js';
import { blocksBetween, ImageSplit, TRUNK_STEM } from '../../../training/train/images.js';
import { DEFAULT_TRAIN, train } from '../../../training/train/trainer.js';

const BACKBONE = 'faceres-112';
const PW11 = 'conv_pw_11_relu/clip_by_value';
const fetched = existsSync(candidatePath(CANDIDATES[BACKBONE]!));
const skipUnlessFetched = (t: { skip: (m: string) => void }) => {
  if (fetched) return false;
  const msg = `${candidatePath(CANDIDATES[BACKBONE]!)} not fetched (run: node --import tsx training/backbone/fetch.ts): SKIPPING the train-from-images check`;
  console.warn(`\n*** ${msg} ***\n`);
  t.skip(msg);
  return true;
};

/** Distinct synthetic faces (gradients and blobs), one per label, in a face pack per split. */
function facePackDir(perSplit: number): string {
  const root = mkdtempSync(join(tmpdir(), 'jadfer-images-'));
  for (const split of ['train', 'valid']) {
    const labels = Array.from({ length: perSplit }, (_, i) => i % 8);
    const faces = labels.map((label, k) =>
      Uint8Array.from(
        { length: 48 * 48 },
        (_, i) => (((i % 48) - 24 + label * 3) ** 2 / 4 + ((i / 48) | 0) * (2 + label) + k * 17) & 255,
      ),
    );
    writeFacePack(
      join(root, `${split}.facepack`),
      {
        source: 'test',
        files: labels.map((_, k) => `${split}${k}.png`),
        labels,
        votes: labels.map((l) => Array.from({ length: 10 }, (_, c) => (c === l ? 10 : 0))),
        skipped: {},
      },
      faces,
    );
  }
  return root;
}

before(async () => {
  await tf.setBackend('cpu');
});

test('the trunk after its stem, as 11 tail blocks (3 of them strided, widening 32 → 512), reproduces conv_pw_11', async (t) => {
  if (skipUnlessFetched(t)) return;
  const candidate = CANDIDATES[BACKBONE]!;
  const { model } = await loadGraphModelFromDisk(candidatePath(candidate), candidate.spec.inputSize);
  const { weights, blocks } = trunkTailWeights(BACKBONE, TRUNK_STEM, blocksBetween(TRUNK_STEM, BACKBONE));
  assert.deepEqual(
    blocks.map((b) => b.stride),
    [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1],
  );
  const rng = new Rng(3);
  const images = tf.tensor4d(
    Float32Array.from({ length: 2 * 112 * 112 * 3 }, () => rng.int(256)),
    [2, 112, 112, 3],
  );
  const stem = model.execute(images, TRUNK_STEM) as tf.Tensor4D;
  const expected = model.execute(images, PW11) as tf.Tensor4D;
  const layout = { input: { h: stem.shape[1], w: stem.shape[2], c: stem.shape[3] }, blocks };
  const config = makeConfig(tailOutputShape(layout), 8, { tailBlocks: blocks.length, tailLayout: layout });
  const ours = trunkTail(new TfOps(TfParams.fromStore(weights), { training: false }), config, stem);
  assert.deepEqual(ours.shape, expected.shape);
  assert.deepEqual(expected.shape, [2, 7, 7, 512]);
  const maxDiff = tf.max(tf.abs(tf.sub(ours, expected))).dataSync()[0]!;
  const scale = tf.max(expected).dataSync()[0]!;
  assert.ok(scale > 1, `the trunk output is not trivially small (max ${scale})`);
  assert.ok(maxDiff < 1e-4 * scale, `max |tail − trunk| = ${maxDiff} (output max ${scale})`);
});

test('online augmentation: the same seed gives the same batch, no rng gives the original faces, and views differ', async (t) => {
  if (skipUnlessFetched(t)) return;
  const split = await ImageSplit.open(
    { dataset: `pack=${facePackDir(4)}`, backbone: BACKBONE, featureNode: TRUNK_STEM },
    'train',
  );
  assert.deepEqual([split.meta.n, split.meta.h, split.meta.w, split.meta.c], [4, 56, 56, 32]);
  const a = split.pixels(split.views([0, 1, 2, 3], new Rng(9)));
  const b = split.pixels(split.views([0, 1, 2, 3], new Rng(9)));
  const c = split.pixels(split.views([0, 1, 2, 3], new Rng(10)));
  const orig = split.pixels(split.views([0, 1, 2, 3]));
  assert.deepEqual(a, b);
  const differs = (x: Float32Array, y: Float32Array) => x.some((v, i) => Math.abs(v - y[i]!) > 1);
  assert.ok(differs(a, c), 'another seed draws other views');
  assert.ok(differs(a, orig), 'training views are not the original faces');
  assert.deepEqual(split.pixels(split.views([2])), orig.subarray(2 * 112 * 112 * 3, 3 * 112 * 112 * 3));
});

test('a run from images trains the whole trunk, exports one ONNX, and onnxruntime agrees with TF.js', async (t) => {
  if (skipUnlessFetched(t)) return;
  const dataset = `pack=${facePackDir(6)}`;
  const out = mkdtempSync(join(tmpdir(), 'jadfer-run-images-'));
  const lines: string[] = [];
  const result = await train({
    ...DEFAULT_TRAIN,
    images: { dataset, backbone: BACKBONE, featureNode: TRUNK_STEM },
    out,
    epochs: 1,
    batchSize: 3,
    evalBatch: 6,
    warmupEpochs: 0,
    plots: false,
    model: { tailBlocks: 11, dim: 16, heads: 2, pathHidden: 4 },
    log: (line) => lines.push(line),
  });
  assert.equal(result.config.tailLayout?.blocks.length, 11);
  assert.deepEqual(result.config.featureShape, { h: 7, w: 7, c: 512 });
  assert.match(
    lines.join('\n'),
    /training from images: 6 train \/ 6 valid faces, trunk frozen up to conv1_relu\/clip_by_value \[56×56×32\], 11 blocks trained after it/,
  );
  const first = (await result.params.toStore()).get('tail.0.dw.kernel')!.data;
  const pretrained = trunkTailWeights(BACKBONE, TRUNK_STEM, 1).weights.get('tail.0.dw.kernel')!.data;
  assert.ok(
    first.some((v, i) => v !== pretrained[i]),
    'the first block after the stem moved',
  );

  const exported = await exportRun({
    run: out,
    variant: 'images-test',
    outDir: out,
    backbone: await loadBackboneForExport(BACKBONE, TRUNK_STEM),
  });
  const parity = await runParity(out, exported.onnxPath, 4, 0);
  assert.equal(parity.kind, 'full');
  assert.equal(parity.top1Agreement, 1);
  assert.ok(parity.maxAbsDiff < 1e-3, `max |Δlogit| ${parity.maxAbsDiff}`);
});
