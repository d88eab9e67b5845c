// The fine-tuned trunk tail: its depthwise conv is exact, gradients reach it, and without
// pretrained weights it refuses to start from random ones.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeConfig } from '../../../training/model/config.js';
import { Rng } from '../../../training/model/rng.js';
import { TfOps, TfParams } from '../../../training/model/tf-ops.js';
import { AdamW } from '../../../training/train/optimizer.js';
import { alignTail, initParams, trainStep } from '../../../training/train/trainer.js';
import { isTailParam, randomTail, tailBlocks, tailInputShape } from '../../../training/model/trunk-tail.js';

before(async () => {
  await tf.setBackend('cpu');
});

// Stride 2 on even and odd sizes: TF's SAME pads the odd one after on even sizes, one each side on odd ones.
for (const { stride, h, w } of [
  { stride: 1, h: 5, w: 6 },
  { stride: 2, h: 6, w: 8 },
  { stride: 2, h: 7, w: 5 },
] as const) {
  test(`depthwiseConv3x3 at stride ${stride} on ${h}×${w}: forward and hand-written gradients equal TF.js's own depthwise kernels (CPU backend)`, () => {
    const rng = new Rng(5);
    const x = tf.tensor4d(
      Float32Array.from({ length: 2 * h * w * 3 }, () => rng.normal()),
      [2, h, w, 3],
    );
    const kernel = tf.tensor4d(
      Float32Array.from({ length: 27 }, () => rng.normal()),
      [3, 3, 3, 1],
    );
    const [oh, ow] = [Math.ceil(h / stride), Math.ceil(w / stride)];
    // A random projection of the output, so every output element weighs differently in the gradient.
    const probe = tf.tensor4d(
      Float32Array.from({ length: 2 * oh * ow * 3 }, () => rng.normal()),
      [2, oh, ow, 3],
    );
    const ops = new TfOps(new TfParams(), { training: false });
    const conv = (a: tf.Tensor, k: tf.Tensor) =>
      stride === 1 ? ops.depthwiseConv3x3(a, k) : ops.depthwiseConv3x3Stride2(a, k, [h, w]);
    const ours = tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(conv(a, k), probe)))([x, kernel]);
    const reference = tf.grads((a: tf.Tensor, k: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, k as tf.Tensor4D, stride, 'same'), probe)),
    )([x, kernel]);
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    const forward = conv(x, kernel);
    assert.deepEqual(forward.shape, [2, oh, ow, 3]);
    assert.ok(maxDiff(forward, tf.depthwiseConv2d(x, kernel, stride, 'same')) < 1e-5, 'forward');
    assert.ok(maxDiff(ours[0]!, reference[0]!) < 1e-4, `dx ${maxDiff(ours[0]!, reference[0]!)}`);
    assert.ok(maxDiff(ours[1]!, reference[1]!) < 1e-4, `dkernel ${maxDiff(ours[1]!, reference[1]!)}`);
    assert.ok(tf.max(tf.abs(reference[1]!)).dataSync()[0]! > 0.1, 'the kernel gradient is not trivially zero');
  });
}

test('a tail that changes resolution and width must end at the shape the heads read', () => {
  const tailLayout = {
    input: { h: 8, w: 8, c: 4 },
    blocks: [
      { stride: 2 as const, channels: 8 },
      { stride: 1 as const, channels: 16 },
    ],
  };
  const config = makeConfig({ h: 4, w: 4, c: 16 }, 8, { tailBlocks: 2, tailLayout });
  assert.deepEqual(
    tailBlocks(config).map((b) => [b.input.h, b.input.c, b.output.h, b.output.c]),
    [
      [8, 4, 4, 8],
      [4, 8, 4, 16],
    ],
  );
  assert.deepEqual(tailInputShape(config), { h: 8, w: 8, c: 4 });
  assert.throws(
    () => tailBlocks(makeConfig({ h: 8, w: 8, c: 16 }, 8, { tailBlocks: 2, tailLayout })),
    /ends at \[4,4,16\] but the heads read \[8,8,16\]/,
  );
  assert.throws(
    () => tailBlocks(makeConfig({ h: 4, w: 4, c: 16 }, 8, { tailBlocks: 1, tailLayout })),
    /lists 2 blocks but tailBlocks is 1/,
  );
});

test('a tail param that was not loaded is an error, not a silent random init', () => {
  const config = makeConfig({ h: 3, w: 3, c: 8 }, 8, { dim: 8, heads: 2, pathHidden: 4, tailBlocks: 1 });
  assert.throws(() => initParams(config, 1), /pretrained param must be loaded/);
});

test('training steps move the tail params, at the tail learning-rate scale', async () => {
  const config = makeConfig({ h: 3, w: 3, c: 8 }, 8, { dim: 8, heads: 2, pathHidden: 4, dropout: 0, tailBlocks: 1 });
  const rng = new Rng(7);
  const moved = async (lrScale: number) => {
    const params = initParams(config, 2, randomTail(config, new Rng(1)));
    const before = await params.toStore();
    const optimizer = new AdamW(params, {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
      lrScale: (name) => (isTailParam(name) ? lrScale : 1),
    });
    const x = Float32Array.from({ length: 8 * 3 * 3 * 8 }, () => Math.abs(rng.normal()));
    const y = new Float32Array(8 * 8).map((_, i) => (i % 9 === 0 ? 1 : 0));
    await trainStep(
      params,
      optimizer,
      config,
      x,
      y,
      Int32Array.from({ length: 8 }, (_, i) => i),
      new Rng(3),
      1e-2,
      0.1,
    );
    const after = await params.toStore();
    const delta = (name: string) =>
      Math.max(...Array.from(before.get(name)!.data, (v, i) => Math.abs(v - after.get(name)!.data[i]!)));
    return { tail: delta('tail.0.pw.weight'), heads: delta('head.cls.weight') };
  };
  const full = await moved(1);
  const frozen = await moved(0);
  assert.ok(full.tail > 1e-4, `tail moved ${full.tail}`);
  assert.equal(frozen.tail, 0);
  assert.ok(frozen.heads > 1e-4);
});

test('--init-from a run with fewer tail blocks puts its blocks last, where they sit in the trunk', () => {
  const twoBlocks = makeConfig({ h: 3, w: 3, c: 8 }, 8, { tailBlocks: 2 });
  const store = randomTail(twoBlocks, new Rng(5));
  store.set('head.cls.weight', [2], Float32Array.of(1, 2));
  const deeper = alignTail(store, 5);
  assert.deepEqual(
    [...deeper.names]
      .filter(isTailParam)
      .map((n) => n.split('.')[1])
      .sort(),
    ['3', '3', '3', '3', '4', '4', '4', '4'],
  );
  assert.deepEqual(deeper.get('tail.3.pw.weight')!.data, store.get('tail.0.pw.weight')!.data);
  assert.deepEqual(deeper.get('tail.4.dw.bias')!.data, store.get('tail.1.dw.bias')!.data);
  assert.deepEqual(deeper.get('head.cls.weight')!.data, Float32Array.of(1, 2));
  assert.equal(alignTail(store, 2), store);
  assert.throws(() => alignTail(store, 1), /holds 2 trunk-tail blocks, more than --tail-blocks 1/);
});
