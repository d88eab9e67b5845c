// Warm starts across input sizes: the contextual branch's positions are resampled to the new grid.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParamStore } from '../../../training/model/params.js';
import { fitPositions, POSITIONS_PARAM } from '../../../training/model/positions.js';

const DIM = 3;

/** A 7×7 table whose channels are (column, row, 1): bilinear resampling keeps such ramps exact inside the grid. */
function rampTable(side: number): Float32Array {
  const table = new Float32Array(side * side * DIM);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) table.set([x, y, 1], (y * side + x) * DIM);
  return table;
}

test('positions from a 7×7 run are resampled bilinearly (half-pixel centres) onto a 10×10 grid', () => {
  const store = new ParamStore();
  store.set(POSITIONS_PARAM, [49, DIM], rampTable(7));
  store.set('head.cls.weight', [2, 2], Float32Array.of(1, 2, 3, 4));
  const fitted = fitPositions(store, { h: 10, w: 10, c: 512 });
  const positions = fitted.get(POSITIONS_PARAM)!;
  assert.deepEqual(positions.shape, [100, DIM]);
  const expected = (o: number) => Math.min(Math.max(((o + 0.5) * 7) / 10 - 0.5, 0), 6);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 10; x++) {
      const at = (y * 10 + x) * DIM;
      assert.ok(Math.abs(positions.data[at]! - expected(x)) < 1e-5, `column at (${x}, ${y})`);
      assert.ok(Math.abs(positions.data[at + 1]! - expected(y)) < 1e-5, `row at (${x}, ${y})`);
      assert.ok(Math.abs(positions.data[at + 2]! - 1) < 1e-5, `weights sum to 1 at (${x}, ${y})`);
    }
  }
  assert.deepEqual([...fitted.get('head.cls.weight')!.data], [1, 2, 3, 4], 'other params are carried over unchanged');
  assert.equal(store.get(POSITIONS_PARAM)!.shape[0], 49, 'the source store is left alone');
});

test('positions that already fit are kept, and a non-square table is refused with a clear error', () => {
  const store = new ParamStore();
  store.set(POSITIONS_PARAM, [49, DIM], rampTable(7));
  assert.equal(fitPositions(store, { h: 7, w: 7, c: 512 }), store);
  const odd = new ParamStore();
  odd.set(POSITIONS_PARAM, [12, DIM], new Float32Array(12 * DIM));
  assert.throws(() => fitPositions(odd, { h: 10, w: 10, c: 512 }), /holds 12 positions, not a square grid/);
});
