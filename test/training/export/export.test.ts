// export.ts: a trained run becomes ONNX + model card; a backbone is one emitter call, and the
// NCHW backbone output is transposed to the heads' NHWC tokens correctly.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { sha256 } from '../../../training/export/card.js';
import { exportRun } from '../../../training/export/export.js';
import { HEADS_INPUT, IMAGE_INPUT, LOGITS_OUTPUT } from '../../../training/export/onnx-model.js';
import { compareLogits, loadOrtModel } from '../../../training/export/ort-run.js';
import { runParity } from '../../../training/export/parity.js';
import { writeSyntheticFeatures } from '../../../training/train/synthetic.js';
import { DEFAULT_TRAIN, train } from '../../../training/train/trainer.js';

interface SavedCard {
  schema: string;
  sha256: string;
  bytes: number;
  input: { name: string };
  labels: string[];
  architecture: { params: number; macs: number; flops: number };
  metrics: { validationAccuracy: unknown };
}

const root = mkdtempSync(join(tmpdir(), 'jadfer-export-'));
const runDir = join(root, 'run');
const [H, W, C] = [3, 3, 8];

before(async () => {
  await tf.setBackend('cpu');
  writeSyntheticFeatures(join(root, 'features'), { h: H, w: W, c: C, classes: 8, train: 64, valid: 32, seed: 4 });
  await train({
    ...DEFAULT_TRAIN,
    features: join(root, 'features'),
    out: runDir,
    epochs: 1,
    batchSize: 32,
    plots: false,
    model: { dim: 16, heads: 2, pathHidden: 4 },
    log: () => {},
  });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('heads-only export writes ONNX + a card with the runtime keys, sha256 and cost', async () => {
  const { onnxPath, cardPath, card } = await exportRun({ run: runDir, variant: 'test', outDir: join(root, 'models') });
  const saved = JSON.parse(readFileSync(cardPath, 'utf8')) as SavedCard;
  assert.deepEqual({ ...saved }, card);
  for (const key of [
    'schema',
    'name',
    'file',
    'sha256',
    'task',
    'input',
    'output',
    'labels',
    'crop',
    'architecture',
    'training',
    'metrics',
  ])
    assert.ok(key in saved, key);
  assert.equal(saved.schema, 'jadfer.model-card/v1');
  assert.equal(saved.sha256, sha256(readFileSync(onnxPath)));
  assert.equal(saved.bytes, readFileSync(onnxPath).length);
  assert.equal(saved.input.name, HEADS_INPUT);
  assert.equal(saved.labels.length, 8);
  assert.ok(saved.architecture.params > 1000 && saved.architecture.flops > 2 * saved.architecture.macs - 1);
  assert.equal(typeof saved.metrics.validationAccuracy, 'number');
});

test('parity CLI core: TF.js vs both ORT runtimes on a heads-only export', async () => {
  const { onnxPath } = await exportRun({ run: runDir, variant: 'parity', outDir: join(root, 'models') });
  const report = await runParity(runDir, onnxPath, 4, 8);
  assert.equal(report.kind, 'heads');
  assert.equal(report.samples.real, 8);
  assert.ok(report.maxAbsDiff <= 1e-4, `maxAbsDiff ${report.maxAbsDiff}`);
  assert.equal(report.top1Agreement, 1);
  assert.deepEqual(Object.keys(report.runtimes).sort(), ['node', 'web-wasm']);
});

/** A "backbone" that returns its input: full model on x must equal the heads on x's tokens. */
const identity = {
  name: 'identity',
  inputShape: [C, H, W] as [number, number, number],
  emit: (_g: unknown, input: string) => ({ output: input, shape: { c: C, h: H, w: W } }),
};

test('a backbone emitter is wired NCHW → NHWC: identity backbone on NCHW == heads on NHWC', async () => {
  // The "backbone" returns its input, so the full model fed x (NCHW) must equal heads fed xᵀ (NHWC).
  const full = await exportRun({
    run: runDir,
    variant: 'identity',
    outDir: join(root, 'models'),
    backbone: {
      emitter: identity,
      input: { color: 'rgb', range: [0, 255], mean: [0, 0, 0], std: [1, 1, 1] },
      info: { name: 'identity', provenance: 'test', licence: 'n/a' },
    },
  });
  assert.equal((full.card.input as { name: string }).name, IMAGE_INPUT);
  const heads = await exportRun({ run: runDir, variant: 'heads', outDir: join(root, 'models') });
  const nchw = Float32Array.from({ length: 2 * C * H * W }, (_, i) => Math.cos(i * 0.7) * 3);
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [2, C, H, W]), [0, 2, 3, 1]).dataSync() as Float32Array);
  const a = await loadOrtModel('node', full.bytes);
  const b = await loadOrtModel('node', heads.bytes);
  const agreement = compareLogits(
    await b.run(HEADS_INPUT, nhwc, [2, H, W, C], LOGITS_OUTPUT),
    await a.run(IMAGE_INPUT, nchw, [2, C, H, W], LOGITS_OUTPUT),
    8,
  );
  assert.ok(agreement.maxAbsDiff < 1e-5, `${agreement.maxAbsDiff}`);
});

test('a gray model takes one channel and replicates it for the trunk, as in training', async () => {
  const gray = await exportRun({
    run: runDir,
    variant: 'gray',
    outDir: join(root, 'models'),
    backbone: {
      emitter: identity,
      input: { color: 'gray', range: [0, 255], mean: [0], std: [1] },
      info: { name: 'identity', provenance: 'test', licence: 'n/a' },
    },
  });
  assert.deepEqual((gray.card.input as { shape: number[] }).shape, [1, 1, H, W]);
  const plane = Float32Array.from({ length: 2 * H * W }, (_, i) => Math.sin(i * 0.3) * 2);
  // The same plane copied into all C channels, as NHWC tokens for the heads.
  const replicated = Float32Array.from({ length: 2 * H * W * C }, (_, i) => plane[Math.floor(i / C)]!);
  const heads = await exportRun({ run: runDir, variant: 'heads', outDir: join(root, 'models') });
  const a = await loadOrtModel('node', gray.bytes);
  const b = await loadOrtModel('node', heads.bytes);
  const agreement = compareLogits(
    await b.run(HEADS_INPUT, replicated, [2, H, W, C], LOGITS_OUTPUT),
    await a.run(IMAGE_INPUT, plane, [2, 1, H, W], LOGITS_OUTPUT),
    8,
  );
  assert.ok(agreement.maxAbsDiff < 1e-5, `${agreement.maxAbsDiff}`);
});
