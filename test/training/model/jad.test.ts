import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { jointAttentionDrop, jointDropCount } from '../../../training/model/jad.js';
import { TfOps, TfParams } from '../../../training/model/tf-ops.js';
import { Rng } from '../../../training/model/rng.js';

before(async () => {
  await tf.setBackend('cpu');
});

// One sample, 2 heads, 2 queries, 5 keys (rows sum to 1).
const HEAD0 = [
  [0.1, 0.4, 0.2, 0.2, 0.1],
  [0.5, 0.1, 0.1, 0.1, 0.2],
];
const HEAD1 = [
  [0.35, 0.25, 0.1, 0.2, 0.1],
  [0.1, 0.1, 0.6, 0.1, 0.1],
];
const weights = () => tf.tensor4d([[HEAD0, HEAD1]]);

test('drop count is round(r·K), at least 1, never all keys', () => {
  assert.equal(jointDropCount(49, 0.1), 5);
  assert.equal(jointDropCount(5, 0.4), 2);
  assert.equal(jointDropCount(5, 0.01), 1);
  assert.equal(jointDropCount(5, 1), 4);
  assert.equal(jointDropCount(5, 0), 0);
});

test('JAD drops the jointly-highest keys in all heads and renormalises (hand-computed)', () => {
  // Query 0: joint = mean over heads = [0.225, 0.325, 0.15, 0.2, 0.1] → drop keys 1 and 0.
  //   head0 keeps [_, _, .2, .2, .1] / .5 = [0, 0, .4, .4, .2]
  //   head1 keeps [_, _, .1, .2, .1] / .4 = [0, 0, .25, .5, .25]
  //   (per-head top-2 would have dropped keys {1,2|3} in head0 and {0,1} in head1: joint differs)
  // Query 1: joint = [0.3, 0.1, 0.35, 0.1, 0.15] → drop keys 2 and 0.
  //   head0 keeps [_, .1, _, .1, .2] / .4 = [0, .25, 0, .25, .5]
  //   head1 keeps [_, .1, _, .1, .1] / .3 = [0, 1/3, 0, 1/3, 1/3]
  const expected = [
    [
      [0, 0, 0.4, 0.4, 0.2],
      [0, 0.25, 0, 0.25, 0.5],
    ],
    [
      [0, 0, 0.25, 0.5, 0.25],
      [0, 1 / 3, 0, 1 / 3, 1 / 3],
    ],
  ];
  const out = jointAttentionDrop(weights(), 0.4).arraySync()[0]!;
  for (let h = 0; h < 2; h++) {
    for (let q = 0; q < 2; q++) {
      for (let k = 0; k < 5; k++)
        assert.ok(Math.abs(out[h]![q]![k]! - expected[h]![q]![k]!) < 1e-6, `h${h} q${q} k${k}: ${out[h]![q]![k]}`);
    }
  }
});

test('the per-sample gate leaves ungated samples untouched', () => {
  const two = tf.concat([weights(), weights()], 0) as tf.Tensor4D;
  const out = jointAttentionDrop(two, 0.4, tf.tensor1d([0, 1])).arraySync();
  assert.deepEqual(out[0], weights().arraySync()[0]);
  assert.equal(out[1]![0]![0]![1], 0);
});

test('JAD is the identity at inference and active in training (prob 1)', () => {
  const params = new TfParams();
  const inference = new TfOps(params, { training: false });
  assert.deepEqual(inference.jad(weights(), 0.4, 1).arraySync(), weights().arraySync());
  const training = new TfOps(params, { training: true, rng: new Rng(7) });
  const dropped = training.jad(weights(), 0.4, 1).arraySync() as number[][][][];
  assert.equal(dropped[0]![0]![0]![1], 0);
  assert.ok(Math.abs(dropped[0]![1]![1]![3]! - 1 / 3) < 1e-6);
});

test('gradient flows through the kept weights only', () => {
  const w = weights();
  const grad = tf.grad((x: tf.Tensor) =>
    tf.sum(tf.mul(jointAttentionDrop(x as tf.Tensor4D, 0.4), tf.range(0, 5).reshape([1, 1, 1, 5]))),
  )(w);
  const g = grad.arraySync() as number[][][][];
  assert.equal(g[0]![0]![0]![0], 0); // dropped key: no gradient
  assert.notEqual(g[0]![0]![0]![2], 0);
});
