// The one JADFER definition, run as TF.js (inference) and exported to ONNX, gives the same
// logits on onnxruntime-node and onnxruntime-web (WASM).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeConfig, type JadferConfig } from '../../../training/model/config.js';
import { buildJadfer } from '../../../training/model/jadfer.js';
import { Rng } from '../../../training/model/rng.js';
import { TfOps } from '../../../training/model/tf-ops.js';
import { randomTail, tailInputShape } from '../../../training/model/trunk-tail.js';
import { exportJadferOnnx, HEADS_INPUT, LOGITS_OUTPUT } from '../../../training/export/onnx-model.js';
import { compareLogits, loadOrtModel, ORT_RUNTIMES } from '../../../training/export/ort-run.js';
import { initParams } from '../../../training/train/trainer.js';

const batch = 6;
const heads = makeConfig({ h: 7, w: 7, c: 48 }, 8, { dim: 32, heads: 4, paths: 4, layers: 2, pathHidden: 8 });
const variants = [
  { name: 'heads', config: heads },
  { name: 'heads + a fine-tuned trunk tail of 2 blocks', config: { ...heads, tailBlocks: 2 } },
  // As when training from pixels: strided blocks (even and odd sizes) that widen the map.
  {
    name: 'heads + a tail that halves the resolution twice and widens 16 → 48',
    config: {
      ...heads,
      tailBlocks: 3,
      tailLayout: {
        input: { h: 26, w: 26, c: 16 },
        blocks: [
          { stride: 2, channels: 32 },
          { stride: 1, channels: 32 },
          { stride: 2, channels: 48 },
        ],
      },
    },
  },
] satisfies { name: string; config: JadferConfig }[];

for (const { name, config } of variants) {
  const { h, w, c } = tailInputShape(config);
  let features: Float32Array;
  let tfLogits: Float32Array;
  let onnx: Uint8Array;

  before(async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(11);
    const params = initParams(config, 3, randomTail(config, rng));
    // Perturb LayerNorm/bias params away from their 1/0 init so every param shapes the output.
    for (const v of params.variables.values()) {
      const noise = Float32Array.from({ length: v.size }, () => 0.2 * rng.normal());
      v.assign(tf.add(v, tf.tensor(noise, v.shape)));
    }
    // ReLU6 inputs of the tail: non-negative, some above 6 so the clip is exercised.
    features = Float32Array.from({ length: batch * h * w * c }, () =>
      config.tailBlocks ? Math.abs(4 * rng.normal()) : rng.normal(),
    );
    tfLogits = tf.tidy(
      () =>
        buildJadfer(
          new TfOps(params, { training: false }),
          config,
          tf.tensor4d(features, [batch, h, w, c]),
        ).logits.dataSync() as Float32Array,
    );
    onnx = exportJadferOnnx(await params.toStore(), config);
  });

  for (const runtime of ORT_RUNTIMES) {
    test(`${name}: ONNX on onnxruntime-${runtime} matches TF.js: maxAbsDiff ≤ 1e-4, top-1 100%`, async () => {
      const model = await loadOrtModel(runtime, onnx, 1);
      const logits = await model.run(HEADS_INPUT, features, [batch, h, w, c], LOGITS_OUTPUT);
      await model.release();
      const agreement = compareLogits(tfLogits, logits, 8);
      assert.equal(agreement.samples, batch);
      assert.ok(agreement.maxAbsDiff <= 1e-4, `maxAbsDiff ${agreement.maxAbsDiff}`);
      assert.equal(agreement.top1Agreement, 1);
      // Logits must be informative, or agreement would be trivial.
      assert.ok(Math.max(...tfLogits) - Math.min(...tfLogits) > 0.1);
    });
  }

  test(`${name}: exported graph keeps a dynamic batch (1 and 6 give the same per-sample logits)`, async () => {
    const model = await loadOrtModel('node', onnx, 1);
    const single = await model.run(HEADS_INPUT, features.slice(0, h * w * c), [1, h, w, c], LOGITS_OUTPUT);
    await model.release();
    assert.ok(compareLogits(tfLogits.slice(0, 8), single, 8).maxAbsDiff <= 1e-4);
  });
}
