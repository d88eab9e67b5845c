// The rule that picks minDetectionConfidence's default from the precision–recall curve (bench/curve.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUCKETS, chooseBar, GRID, type CurvePoint } from '../../bench/curve.js';

/** A curve where size i has false faces below `clean[i]` and loses recall above `keeps[i]`. */
function curve(clean: number[], keeps: number[]): CurvePoint[] {
  return GRID.map((bar) => ({
    bar,
    buckets: BUCKETS.map((_, i) => ({
      recall: bar <= keeps[i]! + 1e-9 ? 0.9 : 0.5,
      falseFacesPerImage: bar >= clean[i]! - 1e-9 ? 0 : 0.1,
      precision: 1,
      found: 0,
      falseFaces: 0,
    })),
  }));
}

test('the default is the centre of the bars all sizes allow, on the grid, rounded up', () => {
  const chosen = chooseBar(curve([0.45, 0.4, 0.35, 0.4], [0.7, 0.75, 0.8, 0.8]));
  assert.deepEqual(
    chosen.ranges.map((r) => [r.from, r.to]),
    [
      [0.45, 0.7],
      [0.4, 0.75],
      [0.35, 0.8],
      [0.4, 0.8],
    ],
  );
  assert.equal(chosen.bar, 0.6); // centre of 0.45–0.7 is 0.575: rounded up to the grid
  assert.deepEqual(chosen.perBucket, [0.6, 0.6, 0.6, 0.6]);
});

test('sizes that share no bar get one each', () => {
  const chosen = chooseBar(curve([0.2, 0.2, 0.7, 0.2], [0.4, 0.9, 0.9, 0.9]));
  assert.deepEqual(chosen.perBucket, [0.3, 0.55, 0.8, 0.55]);
  assert.match(chosen.rule, /one per size/);
});
