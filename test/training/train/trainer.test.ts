// One optimiser step lowers the loss and moves the params; the Variety loss has known values.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeConfig } from '../../../training/model/config.js';
import { buildJadfer } from '../../../training/model/jadfer.js';
import { Rng } from '../../../training/model/rng.js';
import { TfOps } from '../../../training/model/tf-ops.js';
import { varietyLoss } from '../../../training/model/variety.js';
import { AdamW, learningRate } from '../../../training/train/optimizer.js';
import { writeSyntheticFeatures } from '../../../training/train/synthetic.js';
import { DEFAULT_TRAIN, explainStepFailure, initParams, train, trainStep } from '../../../training/train/trainer.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('Variety loss: identical maps → 1, disjoint maps → 0, half overlap → known value', () => {
  const same = tf.tensor3d([
    [
      [0.5, 0.5, 0, 0],
      [0.5, 0.5, 0, 0],
    ],
  ]);
  const disjoint = tf.tensor3d([
    [
      [0.5, 0.5, 0, 0],
      [0, 0, 0.5, 0.5],
    ],
  ]);
  const half = tf.tensor3d([
    [
      [0.5, 0.5, 0, 0],
      [0, 0.5, 0.5, 0],
    ],
  ]); // cos = 0.25 / 0.5 = 0.5
  assert.ok(Math.abs(varietyLoss(same).dataSync()[0]! - 1) < 1e-6);
  assert.ok(Math.abs(varietyLoss(disjoint).dataSync()[0]!) < 1e-6);
  assert.ok(Math.abs(varietyLoss(half).dataSync()[0]! - 0.5) < 1e-6);
});

test('learning rate warms up linearly then decays by cosine', () => {
  assert.equal(learningRate(0, 100, 10, 1), 0.1);
  assert.equal(learningRate(9, 100, 10, 1), 1);
  assert.ok(Math.abs(learningRate(100, 100, 10, 1) - 0.01) < 1e-9);
  assert.ok(learningRate(50, 100, 10, 1) < 1 && learningRate(50, 100, 10, 1) > 0.01);
});

test('a few training steps lower the loss on the batch and change every param', async () => {
  const config = makeConfig({ h: 4, w: 4, c: 16 }, 8, { dim: 16, heads: 2, pathHidden: 4, dropout: 0 });
  const params = initParams(config, 2);
  const before = await params.toStore();
  const rng = new Rng(3);
  const batch = 16;
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 8);
  const x = Float32Array.from({ length: batch * 4 * 4 * 16 }, () => rng.normal());
  const y = new Float32Array(batch * 8);
  labels.forEach((label, i) => (y[i * 8 + label] = 1));
  const lossNow = () =>
    tf.tidy(() => {
      const logits = buildJadfer(
        new TfOps(params, { training: false }),
        config,
        tf.tensor4d(x, [batch, 4, 4, 16]),
      ).logits;
      return tf.mean(tf.neg(tf.sum(tf.mul(tf.tensor2d(y, [batch, 8]), tf.logSoftmax(logits)), -1))).dataSync()[0]!;
    });
  const initial = lossNow();
  const optimizer = new AdamW(params);
  for (let i = 0; i < 5; i++) await trainStep(params, optimizer, config, x, y, labels, rng, 3e-3, 0.1);
  const after = await params.toStore();
  assert.ok(lossNow() < initial - 0.05, `loss ${initial} → ${lossNow()}`);
  assert.equal(optimizer.step, 5);
  for (const name of before.names) {
    const a = before.get(name)!.data;
    const b = after.get(name)!.data;
    assert.ok(
      a.some((v, i) => v !== b[i]),
      `param ${name} did not change`,
    );
  }
});

test('a whole run reads tensors only asynchronously, as WebGPU in Node requires (it has no synchronous readback)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'jadfer-async-'));
  writeSyntheticFeatures(join(root, 'features'), { h: 3, w: 3, c: 16, classes: 8, train: 64, valid: 32, seed: 5 });
  const sync = { dataSync: tf.Tensor.prototype.dataSync, arraySync: tf.Tensor.prototype.arraySync };
  const refuse = (name: string) =>
    function (): never {
      throw new Error(`${name}() during training: a WebGPU backend in Node cannot do it`);
    };
  tf.Tensor.prototype.dataSync = refuse('dataSync');
  tf.Tensor.prototype.arraySync = refuse('arraySync');
  try {
    const out = join(root, 'run');
    const result = await train({
      ...DEFAULT_TRAIN,
      features: join(root, 'features'),
      out,
      epochs: 1,
      batchSize: 16,
      model: { dim: 16, heads: 2, pathHidden: 4 },
      backend: 'cpu',
      plots: false,
      log: () => {},
    });
    assert.equal(result.state.epoch, 1);
    assert.ok(existsSync(join(out, 'best', 'params.bin')) && existsSync(join(out, 'checkpoint', 'optimizer.bin')));
  } finally {
    Object.assign(tf.Tensor.prototype, sync);
  }
});

test('a wasm heap failure in a step names --batch and keeps the cause; other errors pass through unchanged', () => {
  const heap = new WebAssembly.RuntimeError('memory access out of bounds');
  const explained = explainStepFailure(heap, 128) as Error;
  assert.match(explained.message, /memory access out of bounds\) at --batch 128/);
  assert.match(explained.message, /smaller --batch/);
  assert.equal(explained.cause, heap);
  const other = new Error('AdamW: no gradient for x');
  assert.equal(explainStepFailure(other, 128), other);
});

test('the GPU adapter that trained is recorded with the machine (for the card), not among the settings', async () => {
  const root = mkdtempSync(join(tmpdir(), 'jadfer-device-'));
  writeSyntheticFeatures(join(root, 'features'), { h: 3, w: 3, c: 16, classes: 8, train: 32, valid: 16, seed: 6 });
  const out = join(root, 'run');
  await train({
    ...DEFAULT_TRAIN,
    features: join(root, 'features'),
    out,
    epochs: 1,
    batchSize: 16,
    model: { dim: 16, heads: 2, pathHidden: 4 },
    backend: 'webgpu',
    device: 'WebGPU adapter: nvidia hopper NVIDIA H200',
    plots: false,
    log: () => {},
  });
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.match(config.machine, /×\d+, WebGPU adapter: nvidia hopper NVIDIA H200$/);
  assert.equal(config.train.device, undefined);
});
