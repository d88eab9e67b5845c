// Weight averaging (average.ts): the average is Σ wᵢ·paramsᵢ, a run's start is rebuilt exactly,
// runs that are not one network are refused, and the averaged run exports with a card that says so.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { scoreConfusion } from '../../../common/metrics.js';
import { ParamStore } from '../../../training/model/params.js';
import { exportRun } from '../../../training/export/export.js';
import { averageRuns } from '../../../training/train/average.js';
import { writeSyntheticFeatures } from '../../../training/train/synthetic.js';
import { DEFAULT_TRAIN, runStart, train, type RunConfig, type TrainOptions } from '../../../training/train/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'jadfer-average-'));
const features = join(root, 'features');
const tiny = { dim: 16, heads: 2, pathHidden: 4 };

async function run(name: string, extra: Partial<TrainOptions>): Promise<string> {
  const out = join(root, name);
  await train({
    ...DEFAULT_TRAIN,
    features,
    out,
    epochs: 1,
    batchSize: 16,
    model: tiny,
    backend: 'cpu',
    plots: false,
    log: () => {},
    command: `train ${name}`,
    ...extra,
  });
  return out;
}
const best = (dir: string) => ParamStore.load(join(dir, 'best', 'params'));
const config = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;

let start: string;
let a: string;
let b: string;

before(async () => {
  await tf.setBackend('cpu');
  writeSyntheticFeatures(features, { h: 3, w: 3, c: 16, classes: 8, train: 64, valid: 32, seed: 9 });
  // lr 0: AdamW (decoupled decay scales with lr) leaves the start untouched, so best = start.
  start = await run('start', { seed: 4, lr: 0 });
  a = await run('a', { seed: 5, lr: 3e-3, warmupEpochs: 0, initFrom: join(root, 'start', 'best', 'params') });
  b = await run('b', { seed: 6, lr: 3e-3, warmupEpochs: 0, initFrom: join(root, 'start', 'best', 'params') });
});

test("runStart rebuilds a run's exact starting params from its config", async () => {
  const rebuilt = await runStart(config(start));
  const trained = best(start);
  assert.deepEqual(rebuilt.names.sort(), trained.names.sort());
  for (const name of trained.names) assert.deepEqual(rebuilt.get(name)!.data, trained.get(name)!.data, name);
});

test('the average is 0.4·a + 0.4·b + 0.2·their start, scored and recorded in the run folder', async () => {
  const out = join(root, 'soup');
  const { average, validation } = await averageRuns({
    runs: [a, b],
    out,
    startWeight: 0.2,
    evalBatch: 16,
    command: 'average a b',
  });
  const [pa, pb, ps, avg] = [best(a), best(b), best(start), best(out)];
  let moved = 0;
  for (const name of avg.names) {
    const got = avg.get(name)!.data;
    got.forEach((v, i) => {
      const want = 0.4 * pa.get(name)!.data[i]! + 0.4 * pb.get(name)!.data[i]! + 0.2 * ps.get(name)!.data[i]!;
      assert.ok(Math.abs(v - want) < 1e-6, `${name}[${i}]: ${v} vs ${want}`);
    });
    if (pa.get(name)!.data.some((v, i) => v !== pb.get(name)!.data[i])) moved++;
  }
  assert.ok(moved > 0, 'the two runs should differ, or the test proves nothing');
  assert.deepEqual(
    average.runs.map((r) => [r.dir, r.weight, r.command]),
    [
      [a, 0.4, 'train a'],
      [b, 0.4, 'train b'],
    ],
  );
  assert.deepEqual(average.start, { initFrom: join(root, 'start', 'best', 'params'), weight: 0.2 });
  assert.ok(validation.validAccuracy >= 0 && validation.validAccuracy <= 1);
  assert.equal(validation.validMeanClassAccuracy, scoreConfusion(validation.confusion).meanClassAccuracy);
  assert.equal(
    validation.confusion.flat().reduce((s, v) => s + v, 0),
    32,
  );
  assert.deepEqual(config(out).average, average);

  const { card } = await exportRun({ run: out, variant: 'soup', outDir: join(root, 'models') });
  const training = card.training as { protocol: string; time: { epochs: number }; average: unknown };
  const metrics = card.metrics as { validationAccuracy: number; meanClassAccuracy: number };
  assert.equal(metrics.validationAccuracy, validation.validAccuracy);
  assert.equal(metrics.meanClassAccuracy, validation.validMeanClassAccuracy, 'the card has both');
  assert.match(training.protocol, /final weights the average of 2 such runs .* and their common start ×0\.2/);
  assert.equal(training.time.epochs, 2);
  assert.deepEqual(training.average, average);
});

test('runs that are not one network, or have no common start for a start weight, are refused', async () => {
  const wider = await run('wider', { seed: 7, model: { ...tiny, dim: 32 } });
  await assert.rejects(
    averageRuns({ runs: [a, wider], out: join(root, 'bad'), startWeight: 0, evalBatch: 16, command: '' }),
    /is not the same network/,
  );
  await assert.rejects(
    averageRuns({ runs: [a, start], out: join(root, 'bad'), startWeight: 0.3, evalBatch: 16, command: '' }),
    /needs one common start/,
  );
  await assert.rejects(
    averageRuns({ runs: [a], out: join(root, 'bad'), startWeight: 0, evalBatch: 16, command: '' }),
    /nothing to average/,
  );
  await assert.rejects(
    averageRuns({ runs: [a, b], out: join(root, 'bad'), startWeight: 1, evalBatch: 16, command: '' }),
    /must be in \[0, 1\)/,
  );
});
