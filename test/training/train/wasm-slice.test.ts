// The wasm backend's Slice/SplitV replacements (training/train/wasm-slice.ts) return what the CPU
// backend's own kernels return, on every kind of slice the trainer takes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../training/model/rng.js';
import { selectBackend } from '../../../training/train/backend.js';
import { copySlice } from '../../../training/train/wasm-slice.js';

test('copySlice: contiguous runs, strided rows and a slice inside every dim', () => {
  const src = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i); // shape [2,3,4]
  const take = (begin: number[], size: number[]) => {
    const out = new Float32Array(size.reduce((a, b) => a * b, 1));
    copySlice(src, [2, 3, 4], begin, size, out);
    return [...out];
  };
  assert.deepEqual(take([1, 0, 0], [1, 3, 4]), [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
  assert.deepEqual(take([0, 1, 0], [2, 1, 4]), [4, 5, 6, 7, 16, 17, 18, 19]);
  assert.deepEqual(take([0, 1, 2], [2, 2, 1]), [6, 10, 18, 22]);
  assert.deepEqual(take([1, 2, 3], [1, 1, 1]), [23]);
});

test('on the wasm backend, slice and split equal the CPU backend', async () => {
  const rng = new Rng(4);
  const data = Float32Array.from({ length: 3 * 7 * 6 * 5 }, () => rng.normal());
  const cases: [number[], number[]][] = [
    [
      [0, 1, 2, 0],
      [3, 5, 3, 5],
    ],
    [
      [1, 0, 0, 0],
      [2, 7, 6, 5],
    ],
    [
      [2, 6, 5, 4],
      [1, 1, 1, 1],
    ],
    [
      [0, 0, 1, 2],
      [3, 7, 4, 2],
    ],
  ];
  const run = () => {
    const x = tf.tensor4d(data, [3, 7, 6, 5]);
    const slices = cases.map(([begin, size]) => tf.slice(x, begin, size).dataSync());
    const parts = tf.split(tf.reshape(x, [-1]), [5, 600, 25]).map((t) => t.dataSync());
    const rows = tf.split(x, [2, 5], 1).map((t) => t.dataSync());
    return [...slices, ...parts, ...rows].map((a) => [...a]);
  };
  await selectBackend('cpu');
  const expected = run();
  const backend = await selectBackend('wasm');
  assert.equal(backend.name, 'wasm');
  assert.ok(
    (tf.getKernel('Slice', 'wasm')!.kernelFunc as { jadfer?: boolean }).jadfer,
    'our Slice is the registered one',
  );
  assert.deepEqual(run(), expected);
});
