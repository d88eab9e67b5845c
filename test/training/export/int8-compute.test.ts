// Int8 arithmetic for the shipped classifier's MatMuls (training/export/int8-compute.ts): the rewrite keeps
// the function within int8's rounding, on both ONNX runtimes the project uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { foldStoredWeights, int8Candidates, int8Compute } from '../../../training/export/int8-compute.js';
import { loadOrtModel, ORT_RUNTIMES } from '../../../training/export/ort-run.js';
import { Rng } from '../../../training/model/rng.js';

const shipped = readFileSync('models/jadfer-base.onnx');
const rng = new Rng(5);
const faces = 4;
const input = Float32Array.from({ length: faces * 128 * 128 }, () => 30 + rng.int(200));
const ops = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);

async function logits(bytes: Uint8Array, runtime: (typeof ORT_RUNTIMES)[number]): Promise<Float32Array> {
  const model = await loadOrtModel(runtime, bytes);
  try {
    return await model.run('input', input, [faces, 1, 128, 128], 'logits');
  } finally {
    await model.release();
  }
}

const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

for (const runtime of ORT_RUNTIMES)
  test(`${runtime}: folding the stored weights changes nothing; int8 MatMuls stay within int8 rounding`, async () => {
    const float = foldStoredWeights(shipped);
    assert.ok(!ops(float).includes('DequantizeLinear') && !ops(float).includes('Cast'), 'every stored weight folded');
    const reference = await logits(shipped, runtime);
    assert.ok(maxDiff(await logits(float, runtime), reference) < 1e-4, 'the same function');

    const candidates = int8Candidates(float);
    assert.ok(candidates.length >= 20, `the trunk's pointwise layers and the heads' matrices: ${candidates.length}`);
    const fused = int8Compute(float, { form: 'fused' });
    const integer = int8Compute(float, { form: 'integer' });
    assert.equal(ops(fused).filter((op) => op === 'DynamicQuantizeMatMul').length, candidates.length);
    assert.equal(ops(integer).filter((op) => op === 'MatMulInteger').length, candidates.length);
    assert.equal(
      ops(fused).filter((op) => op === 'MatMul').length,
      ops(float).filter((op) => op === 'MatMul').length - candidates.length,
    );
    const [a, b] = [await logits(fused, runtime), await logits(integer, runtime)];
    const drift = maxDiff(a, reference);
    assert.ok(drift > 0 && drift < 0.5, `int8 rounding moves the logits a little: ${drift}`);
    assert.ok(maxDiff(a, b) < 1e-3, 'the fused kernel and the separate ops compute the same');
  });
