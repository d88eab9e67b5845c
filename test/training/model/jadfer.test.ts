// The exported graph is deterministic (no random ops) and JAD/dropout vanish at inference.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { makeConfig } from '../../../training/model/config.js';
import { buildJadfer } from '../../../training/model/jadfer.js';
import { Rng } from '../../../training/model/rng.js';
import { TfOps, type TfParams } from '../../../training/model/tf-ops.js';
import { exportJadferOnnx } from '../../../training/export/onnx-model.js';
import { initParams } from '../../../training/train/trainer.js';

const config = makeConfig({ h: 5, w: 5, c: 16 }, 8, {
  dim: 16,
  heads: 2,
  pathHidden: 4,
  jadRatio: 0.3,
  jadProb: 1,
  dropout: 0,
});
let params: TfParams;
let input: tf.Tensor4D;

/** Ops that onnxruntime-web runs on both WASM and WebGPU (opset 17). */
const WEB_SAFE_OPS = new Set([
  'MatMul',
  'Gemm',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Softmax',
  'Reshape',
  'Transpose',
  'ReduceMean',
  'ReduceSum',
  'Concat',
  'LayerNormalization',
  'Erf',
  'Sigmoid',
  'Relu',
  'Identity',
]);

before(async () => {
  await tf.setBackend('cpu');
  params = initParams(config, 5);
  input = tf.tensor4d(
    Float32Array.from({ length: 3 * 5 * 5 * 16 }, (_, i) => Math.sin(i * 0.37) * 2),
    [3, 5, 5, 16],
  );
});

const logits = (ops: TfOps) => tf.tidy(() => buildJadfer(ops, config, input).logits.arraySync() as number[][]);

test('exported graph uses only web-safe, non-random ops at opset 17', async () => {
  const model = onnxProto.onnx.ModelProto.decode(exportJadferOnnx(await params.toStore(), config));
  const opTypes = new Set(model.graph!.node!.map((n) => n.opType!));
  const unsafe = [...opTypes].filter((op) => !WEB_SAFE_OPS.has(op));
  assert.deepEqual(unsafe, []);
  for (const op of opTypes) assert.doesNotMatch(op, /Random|Dropout|Bernoulli|Multinomial|TopK/);
  assert.equal(Number(model.opsetImport![0]!.version), 17);
  // Every learnable param became exactly one initializer.
  const initNames = new Set(model.graph!.initializer!.map((t) => t.name!));
  for (const name of params.variables.keys()) assert.ok(initNames.has(name), `missing initializer ${name}`);
});

test('JAD and dropout are the identity at inference: JAD settings do not change the output', () => {
  const base = logits(new TfOps(params, { training: false }));
  const noJad = makeConfig(config.featureShape, 8, { ...config, jadRatio: 0, jadProb: 0 });
  const withoutJad = tf.tidy(() =>
    buildJadfer(new TfOps(params, { training: false }), noJad, input).logits.arraySync(),
  );
  assert.deepEqual(base, withoutJad);
  assert.deepEqual(logits(new TfOps(params, { training: false })), base); // repeatable
});

test('JAD is active in training (prob 1): training output differs from inference', () => {
  const base = logits(new TfOps(params, { training: false }));
  const trained = logits(new TfOps(params, { training: true, rng: new Rng(1) }));
  const diff = Math.max(...base.flat().map((v, i) => Math.abs(v - trained.flat()[i]!)));
  assert.ok(diff > 1e-4, `diff ${diff}`);
});
