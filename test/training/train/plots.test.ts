// Run-folder curves: the y axis follows the data, so a 3-point valid-accuracy climb is visible.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curvesSvg, yRange } from '../../../training/train/plots.js';
import type { EpochMetrics } from '../../../training/train/checkpoint.js';

test('yRange spans the data plus a 5 % margin (not 0..max), and survives flat or empty series', () => {
  const [lo, hi] = yRange([0.8, 0.83, Number.NaN, 0.82]);
  assert.ok(Math.abs(lo - 0.7985) < 1e-9 && Math.abs(hi - 0.8315) < 1e-9, `${lo}..${hi}`);
  const [flatLo, flatHi] = yRange([0.5, 0.5]);
  assert.ok(flatLo < 0.5 && flatHi > 0.5);
  assert.deepEqual(yRange([]), [0, 1]);
});

test('curves SVG labels its axis ticks from the data range', () => {
  const epoch = (i: number, acc: number): EpochMetrics =>
    ({
      epoch: i,
      trainLoss: 1 - acc,
      trainCe: 1 - acc,
      trainVariety: 0,
      trainAccuracy: acc,
      validLoss: 1 - acc,
      validAccuracy: acc - 0.01,
      perClassAccuracy: [],
      confusion: [],
      lr: 1e-4,
      samplesPerSecond: 1,
      seconds: 1,
    }) as EpochMetrics;
  const svg = curvesSvg([epoch(1, 0.8), epoch(2, 0.82), epoch(3, 0.84)]);
  assert.ok(svg.includes('>0.788<'), 'lowest accuracy tick near the data');
  assert.ok(!svg.includes('>0.000<'), 'no zero-based accuracy axis');
});

test('a one-epoch run still shows its values: a dot per epoch and series', () => {
  const one = {
    epoch: 1,
    trainLoss: 0.86,
    trainCe: 0.86,
    trainVariety: 0,
    trainAccuracy: 0.82,
    validLoss: 0.5,
    validAccuracy: 0.84,
    perClassAccuracy: [],
    confusion: [],
    lr: 1e-6,
    samplesPerSecond: 4.6,
    seconds: 5999,
  } as EpochMetrics;
  assert.equal(curvesSvg([one]).match(/<circle /g)?.length, 4);
  assert.equal(curvesSvg([one, { ...one, epoch: 2 }]).match(/<circle /g)?.length, 8);
});
