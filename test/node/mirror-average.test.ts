// Test-time mirroring (export --mirror-average): the graph's logits are the mean of the plain graph's
// logits for a face and for its mirror image, so a face and its mirror image score the same.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeConfig } from '../../training/model/config.js';
import { Rng } from '../../training/model/rng.js';
import type { ParamStore } from '../../training/model/params.js';
import { ints } from '../../training/onnx/builder.js';
import {
  exportJadferOnnx,
  IMAGE_INPUT,
  LOGITS_OUTPUT,
  type BackboneEmitter,
} from '../../training/export/onnx-model.js';
import { loadOrtModel } from '../../training/export/ort-run.js';
import { initParams } from '../../training/train/trainer.js';

const size = 8;
const channels = 16;
const config = makeConfig({ h: size, w: size, c: channels }, 8, { dim: 16, heads: 2, pathHidden: 4 });
const rng = new Rng(21);
// A one-conv "trunk" with random (so left/right asymmetric) 3×3 kernels: mirroring changes its output.
const kernels = Float32Array.from({ length: channels * 3 * 9 }, () => rng.normal());
const trunk: BackboneEmitter = {
  name: 'one-conv',
  inputShape: [3, size, size],
  emit: (g, input) => ({
    output: g.op('Relu', [
      g.op('Conv', [input, g.initializer('w', kernels, [channels, 3, 3, 3])], {
        pads: ints([1, 1, 1, 1]),
        kernel_shape: ints([3, 3]),
      }),
    ]),
    shape: { c: channels, h: size, w: size },
  }),
};

const batch = 3;
const faces = Float32Array.from({ length: batch * size * size }, () => rng.normal());
const mirrored = faces.map((_, i) => faces[i - (i % size) + (size - 1 - (i % size))]!);
let store: ParamStore;

async function logits(mirrorAverage: boolean, input: Float32Array): Promise<Float32Array> {
  const model = await loadOrtModel(
    'node',
    exportJadferOnnx(store, config, trunk, { grayInput: true, mirrorAverage }),
    1,
  );
  try {
    return await model.run(IMAGE_INPUT, input, [batch, 1, size, size], LOGITS_OUTPUT);
  } finally {
    await model.release();
  }
}
const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

before(async () => {
  await tf.setBackend('cpu');
  store = await initParams(config, 5).toStore();
});

test('mirror-averaged logits = the mean of the plain logits of a face and of its mirror image', async () => {
  const [plain, plainOfMirror, averaged] = [
    await logits(false, faces),
    await logits(false, mirrored),
    await logits(true, faces),
  ];
  assert.equal(averaged.length, batch * 8);
  assert.ok(maxDiff(plain, plainOfMirror) > 1e-3, 'the trunk must see the mirror, or this test proves nothing');
  assert.ok(
    maxDiff(
      averaged,
      plain.map((v, i) => (v + plainOfMirror[i]!) / 2),
    ) < 1e-5,
  );
});

test('with mirror averaging, a face and its mirror image get the same logits', async () => {
  assert.ok(maxDiff(await logits(true, faces), await logits(true, mirrored)) < 1e-5);
});

test('a heads-only export refuses mirror averaging (it has no image to mirror)', () => {
  assert.throws(() => exportJadferOnnx(store, config, undefined, { mirrorAverage: true }), /needs the image input/);
});
