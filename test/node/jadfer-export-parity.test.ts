// The one JADFER definition, run as TF.js (inference) and exported to ONNX, gives the same
// logits on onnxruntime-node and onnxruntime-web (WASM).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeConfig } from '../../training/model/config.js';
import { buildJadfer } from '../../training/model/jadfer.js';
import { Rng } from '../../training/model/rng.js';
import { TfOps } from '../../training/model/tf-ops.js';
import { exportJadferOnnx, HEADS_INPUT, LOGITS_OUTPUT } from '../../training/export/onnx-model.js';
import { compareLogits, loadOrtModel, ORT_RUNTIMES } from '../../training/export/ort-run.js';
import { initParams } from '../../training/train/trainer.js';

const config = makeConfig({ h: 7, w: 7, c: 48 }, 8, { dim: 32, heads: 4, paths: 4, layers: 2, pathHidden: 8 });
const batch = 6;
let features: Float32Array;
let tfLogits: Float32Array;
let onnx: Uint8Array;

before(async () => {
  await tf.setBackend('cpu');
  const params = initParams(config, 3);
  // Perturb LayerNorm/bias params away from their 1/0 init so every param shapes the output.
  const rng = new Rng(11);
  for (const v of params.variables.values()) {
    const noise = Float32Array.from({ length: v.size }, () => 0.2 * rng.normal());
    v.assign(tf.add(v, tf.tensor(noise, v.shape)));
  }
  features = Float32Array.from({ length: batch * 7 * 7 * 48 }, () => rng.normal());
  const { h, w, c } = config.featureShape;
  tfLogits = tf.tidy(() => buildJadfer(new TfOps(params, { training: false }), config, tf.tensor4d(features, [batch, h, w, c])).logits.dataSync() as Float32Array);
  onnx = exportJadferOnnx(params.toStore(), config);
});

for (const runtime of ORT_RUNTIMES) {
  test(`ONNX on onnxruntime-${runtime} matches TF.js: maxAbsDiff ≤ 1e-4, top-1 100%`, async () => {
    const model = await loadOrtModel(runtime, onnx, 1);
    const logits = await model.run(HEADS_INPUT, features, [batch, 7, 7, 48], LOGITS_OUTPUT);
    await model.release();
    const agreement = compareLogits(tfLogits, logits, 8);
    assert.equal(agreement.samples, batch);
    assert.ok(agreement.maxAbsDiff <= 1e-4, `maxAbsDiff ${agreement.maxAbsDiff}`);
    assert.equal(agreement.top1Agreement, 1);
    // Logits must be informative, or agreement would be trivial.
    assert.ok(Math.max(...tfLogits) - Math.min(...tfLogits) > 0.1);
  });
}

test('exported graph keeps a dynamic batch (1 and 6 give the same per-sample logits)', async () => {
  const model = await loadOrtModel('node', onnx, 1);
  const single = await model.run(HEADS_INPUT, features.slice(0, 7 * 7 * 48), [1, 7, 7, 48], LOGITS_OUTPUT);
  await model.release();
  assert.ok(compareLogits(tfLogits.slice(0, 8), single, 8).maxAbsDiff <= 1e-4);
});
