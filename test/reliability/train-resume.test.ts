// Kill/resume equivalence: 1 epoch + resume for 2 more gives bit-identical weights and
// metrics to an uninterrupted 3-epoch run with the same seed; the run folder is complete.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { scoreConfusion } from '../../training/data/metrics.js';
import { ParamStore } from '../../training/model/params.js';
import { writeSyntheticFeatures } from '../../training/train/synthetic.js';
import { DEFAULT_TRAIN, train, type TrainOptions } from '../../training/train/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'jadfer-resume-'));
const features = join(root, 'features');

const options = (out: string): TrainOptions => ({
  ...DEFAULT_TRAIN,
  features,
  out,
  epochs: 3,
  seed: 42,
  batchSize: 32,
  lr: 3e-3,
  warmupEpochs: 0.2,
  model: { dim: 16, heads: 2, pathHidden: 4, dropout: 0.1, jadProb: 0.5, jadRatio: 0.2 },
  backend: 'cpu',
  log: () => {},
});

before(async () => {
  await tf.setBackend('cpu');
  writeSyntheticFeatures(features, { h: 3, w: 3, c: 16, classes: 8, train: 256, valid: 64, seed: 9, noise: 0.5 });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('resume after a kill reproduces the uninterrupted run exactly', async () => {
  const full = await train(options(join(root, 'full')));
  const partial = await train({ ...options(join(root, 'resumed')), stopAfterEpochs: 1 });
  assert.equal(partial.state.epoch, 1);
  const resumed = await train({ ...options(join(root, 'resumed')), resume: true });
  assert.equal(resumed.state.epoch, 3);

  const a = ParamStore.load(join(root, 'full', 'checkpoint', 'params'));
  const b = ParamStore.load(join(root, 'resumed', 'checkpoint', 'params'));
  for (const name of a.names) assert.deepEqual(b.get(name)!.data, a.get(name)!.data, `param ${name} differs`);
  const strip = (h: typeof full.state.history) => h.map(({ seconds: _s, samplesPerSecond: _r, ...m }) => m);
  assert.deepEqual(strip(resumed.state.history), strip(full.state.history));
  // A different seed must give different weights (the equality above is not vacuous).
  const other = await train({ ...options(join(root, 'other')), seed: 7, epochs: 1 });
  assert.notDeepEqual((await other.params.toStore()).get('head.cls.weight')!.data, a.get('head.cls.weight')!.data);
});

test('the run folder has config, metrics, figures and the best checkpoint', () => {
  const dir = join(root, 'full');
  for (const file of [
    'config.json',
    'metrics.json',
    'confusion-matrix.png',
    'curves.png',
    'best/params.json',
    'best/params.bin',
    'checkpoint/state.json',
    'checkpoint/optimizer.bin',
  ]) {
    assert.ok(existsSync(join(dir, file)), `missing ${file}`);
  }
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as {
    validAccuracy: number;
    validMeanClassAccuracy: number;
    confusion: number[][];
    trainLoss: number;
  }[];
  assert.equal(metrics.length, 3);
  for (const m of metrics) {
    const scored = scoreConfusion(m.confusion);
    assert.equal(m.validAccuracy, scored.accuracy);
    assert.equal(m.validMeanClassAccuracy, scored.meanClassAccuracy, 'each epoch records its mean per-class accuracy');
  }
  // The synthetic task is easy: the heads must learn it (chance is 1/8).
  assert.ok(
    Math.max(...metrics.map((m) => m.validAccuracy)) > 0.5,
    JSON.stringify(metrics.map((m) => m.validAccuracy)),
  );
  assert.ok(metrics[2]!.trainLoss < metrics[0]!.trainLoss);
  const png = readFileSync(join(dir, 'curves.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
});
