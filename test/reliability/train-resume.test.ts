// Kill/resume equivalence: 1 epoch + resume for 2 more gives bit-identical weights and
// metrics to an uninterrupted 3-epoch run with the same seed; the run folder is complete.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { scoreConfusion } from '../../common/metrics.js';
import { ParamStore } from '../../training/model/params.js';
import { writeSyntheticFeatures } from '../../training/train/synthetic.js';
import { bestParamsOf } from '../../training/train/checkpoint.js';
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

test('a kill inside an epoch resumes from the mid-epoch checkpoint and reproduces the run exactly', async () => {
  // 256 samples at batch 32: 8 steps an epoch; checkpoints every 3 steps, the kill after step 6 of epoch 2.
  const opts = (out: string): TrainOptions => ({ ...options(join(root, out)), epochs: 2, checkpointEverySteps: 3 });
  const full = await train(opts('mid-full'));
  const killed = await train({ ...opts('mid-resumed'), stopAfterSteps: 14 });
  assert.equal(killed.state.epoch, 1, 'stopped inside the second epoch');
  const saved = JSON.parse(readFileSync(join(root, 'mid-resumed', 'checkpoint', 'state.json'), 'utf8'));
  assert.equal(saved.partial.steps, 6);
  const resumed = await train({ ...opts('mid-resumed'), resume: true });
  assert.equal(resumed.state.epoch, 2);
  const a = ParamStore.load(join(root, 'mid-full', 'checkpoint', 'params'));
  const b = ParamStore.load(join(root, 'mid-resumed', 'checkpoint', 'params'));
  for (const name of a.names) assert.deepEqual(b.get(name)!.data, a.get(name)!.data, `param ${name} differs`);
  const strip = (h: typeof full.state.history) => h.map(({ seconds: _s, samplesPerSecond: _r, ...m }) => m);
  assert.deepEqual(strip(resumed.state.history), strip(full.state.history));
});

test('a run whose folder is lost goes on from the committed checkpoint (float16, the latest only)', async () => {
  const committed = join(root, 'repo', 'training', 'checkpoints', 'lost-run');
  const opts = (out: string): TrainOptions => ({
    ...options(join(root, out)),
    epochs: 2,
    checkpointEverySteps: 3,
    committedCheckpoint: committed,
  });
  await train({ ...opts('lost'), stopAfterSteps: 14 });
  const state = JSON.parse(readFileSync(join(committed, 'state.json'), 'utf8'));
  assert.equal(state.partial.steps, 6, 'the committed copy follows the latest checkpoint');
  assert.deepEqual(readdirSync(committed).sort(), [
    'best-metrics.json',
    'best-params.bin',
    'best-params.json',
    'config.json',
    'optimizer.bin',
    'optimizer.json',
    'params.bin',
    'params.json',
    'state.json',
  ]);
  const full = ParamStore.load(join(root, 'lost', 'checkpoint', 'params'));
  const half = ParamStore.load(join(committed, 'params'));
  const bytes = (f: string) => readFileSync(join(f)).length;
  assert.equal(bytes(join(committed, 'params.bin')) * 2, bytes(join(root, 'lost', 'checkpoint', 'params.bin')));
  for (const name of full.names)
    full
      .get(name)!
      .data.forEach((v, i) => assert.ok(Math.abs(half.get(name)!.data[i]! - v) <= 1e-3 * Math.abs(v) + 1e-7));

  rmSync(join(root, 'lost'), { recursive: true, force: true }); // the session ended; runs/ did not survive
  const logs: string[] = [];
  const resumed = await train({ ...opts('lost'), resume: true, log: (line) => logs.push(line) });
  assert.ok(
    logs.some((line) => line.includes('rebuilt from the committed checkpoint')),
    logs.join('\n'),
  );
  assert.ok(
    logs.some((line) => line.includes('resuming epoch 2 at step 6')),
    logs.join('\n'),
  );
  assert.equal(resumed.state.epoch, 2);
  assert.equal(resumed.state.history.length, 2, "the first epoch's metrics came back with the checkpoint");
  // float16-rounded weights: the run goes on close to, not exactly as, the uninterrupted one.
  const uninterrupted = await train({ ...opts('never-lost'), committedCheckpoint: undefined });
  const [a, b] = [uninterrupted.state.history[1]!, resumed.state.history[1]!];
  assert.ok(Math.abs(a.validAccuracy - b.validAccuracy) <= 0.05, `${a.validAccuracy} vs ${b.validAccuracy}`);
  assert.ok(existsSync(join(root, 'lost', 'best', 'params.json')));
  // Parity and the tools on it take either folder: the run's best weights, or the checkpoint's float16 copy of them.
  assert.equal(bestParamsOf(join(root, 'lost')), join(root, 'lost', 'best', 'params'));
  assert.equal(bestParamsOf(committed), join(committed, 'best-params'));
  const best = ParamStore.load(bestParamsOf(join(root, 'lost')));
  const copy = ParamStore.load(bestParamsOf(committed));
  assert.deepEqual(copy.names, best.names);
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
