// Bias correction (bias-correction.ts): with int8 weights, a layer's output drifts by ΔW·E[x] on
// average; after the correction its mean over the calibration inputs matches float32's again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { correctBiases } from '../../../training/export/bias-correction.js';
import { loadOrtModel } from '../../../training/export/ort-run.js';
import { storeWeights } from '../../../training/export/quantize.js';
import { Ints, OnnxGraphBuilder } from '../../../training/onnx/builder.js';
import { Rng } from '../../../training/model/rng.js';

const rng = new Rng(9);
const [n, inputs, outputs] = [32, 64, 32];
const random = (count: number, f: () => number) => Float32Array.from({ length: count }, f);

/** x → layer (a 1×1 Conv on [n, 64, 2, 2], or MatMul + Add on [n, 64]) → y, and the weight's name. */
function layer(kind: 'conv' | 'matmul') {
  const g = new OnnxGraphBuilder(kind);
  const shape = kind === 'conv' ? [n, inputs, 2, 2] : [n, inputs];
  const x = g.input('x', shape);
  const weight = g.initializer(
    'w',
    random(inputs * outputs, () => 0.1 * rng.normal()),
    kind === 'conv' ? [outputs, inputs, 1, 1] : [inputs, outputs],
  );
  const bias = g.initializer(
    'b',
    random(outputs, () => rng.normal()),
    [outputs],
  );
  const y =
    kind === 'conv'
      ? g.op('Conv', [x, weight, bias], { kernel_shape: new Ints([1, 1]) })
      : g.op('Add', [g.op('MatMul', [x, weight]), bias]);
  g.output(g.alias(y, 'y'), kind === 'conv' ? [n, outputs, 2, 2] : [n, outputs]);
  const bytes = onnxProto.onnx.ModelProto.encode(g.toModel()).finish();
  // Inputs like a ReLU6's: all positive, so the rounding's error does not average out.
  const x0 = random(
    shape.reduce((a, b) => a * b, 1),
    () => 1 + 2 * rng.next(),
  );
  return { bytes, weight, x: { data: x0, dims: shape } };
}

async function meanDrift(bytes: Uint8Array, reference: Uint8Array, x: { data: Float32Array; dims: number[] }) {
  const run = async (b: Uint8Array) => {
    const model = await loadOrtModel('node', b, 1);
    try {
      return await model.run('x', x.data, x.dims, 'y');
    } finally {
      await model.release();
    }
  };
  const [got, want] = [await run(bytes), await run(reference)];
  const perChannel = got.length / n / outputs;
  const sums = new Float64Array(outputs);
  for (let i = 0; i < got.length; i++) {
    const c = Math.floor(i / perChannel) % outputs;
    sums[c] = sums[c]! + got[i]! - want[i]!;
  }
  return Math.max(...Array.from(sums, (s) => Math.abs(s / (got.length / outputs))));
}

for (const kind of ['conv', 'matmul'] as const) {
  test(`${kind}: int8 weights with the corrected bias keep the layer's mean output`, async () => {
    const { bytes, weight, x } = layer(kind);
    const int8 = (b: Uint8Array) => storeWeights(b, (name) => (name === weight ? 'int8' : 'float32')).bytes;
    const corrected = await correctBiases(bytes, new Set([weight]), x);
    assert.deepEqual(corrected.corrected, [weight]);
    const [before, after] = [await meanDrift(int8(bytes), bytes, x), await meanDrift(int8(corrected.bytes), bytes, x)];
    assert.ok(before > 1e-3, `int8 alone shifts the mean by ${before}`);
    assert.ok(after < 1e-5, `corrected: ${after}`);
  });
}

test('layers it cannot correct are left alone', async () => {
  const { bytes, x } = layer('matmul');
  const none = await correctBiases(bytes, new Set(['no-such-weight']), x);
  assert.deepEqual(none.corrected, []);
  assert.equal(none.bytes, bytes);
});
