// Models prepared at build time (scripts/prepare-models.ts, src/engine/prepared-model.ts): in
// onnxruntime-web, with no optimisation at load, they give what the shipped models give with the
// engine's optimisation; the packing is exact, and a damaged file fails with E_MODEL_LOAD.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as ort from 'onnxruntime-web';
import { floatToHalf, prepareModel, smallestExactEncoding } from '../../scripts/prepare-models.js';
import { isJadferError } from '../../src/contract/errors.js';
import { WASM_GRAPH_OPTIONS } from '../../src/engine/onnx-runtime.js';
import {
  halfToFloat,
  PREPARED_WEIGHTS_PATH,
  readPreparedHeader,
  unpackPreparedModel,
} from '../../src/engine/prepared-model.js';
import { ensureDist } from '../dist.js';

before(ensureDist);

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const MODELS = 'models';
const cards = readdirSync(MODELS).filter((f) => f.endsWith('.json'));

/** Seeded inputs in the card's shape (two faces where the batch is dynamic). */
function inputFor(card: { input: { shape: number[]; dynamicBatch?: boolean } }, seed: number) {
  const shape = [card.input.dynamicBatch ? 2 : 1, ...card.input.shape.slice(1)];
  let state = seed;
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 2 - 1;
  });
  return new ort.Tensor('float32', data, shape);
}

for (const file of cards) {
  const card = JSON.parse(readFileSync(join(MODELS, file), 'utf8'));
  const modelPath = join(MODELS, card.file);

  test(`${file}: its prepared model gives the shipped model's outputs in onnxruntime-web`, async () => {
    const { file: packed } = await prepareModel(modelPath, card.name);
    const prepared = unpackPreparedModel(packed, card.name);
    assert.equal(prepared.runtime, ort.env.versions.web);
    const original = await ort.InferenceSession.create(readFileSync(modelPath), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      ...WASM_GRAPH_OPTIONS,
    });
    const fast = await ort.InferenceSession.create(prepared.graph, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'disabled',
      externalData: [{ path: PREPARED_WEIGHTS_PATH, data: prepared.weights }],
    });
    try {
      assert.deepEqual(fast.outputNames, original.outputNames);
      for (const seed of [1, 2]) {
        const feeds = { [original.inputNames[0]!]: inputFor(card, seed) };
        const [want, got] = [await original.run(feeds), await fast.run(feeds)];
        for (const name of original.outputNames) {
          const a = want[name]!.data as Float32Array;
          const b = got[name]!.data as Float32Array;
          assert.equal(b.length, a.length);
          let worst = 0;
          for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
          // The same operators on the same weights; only summation order may differ.
          assert.ok(worst <= 1e-4, `${name}: differs by up to ${worst}`);
        }
      }
    } finally {
      await original.release();
      await fast.release();
    }
  });
}

test('dist/models: every card names its prepared file with the right sha256', () => {
  const dist = readdirSync('dist/models').filter((f) => f.endsWith('.json'));
  assert.ok(dist.length > 0);
  for (const file of dist) {
    const card = JSON.parse(readFileSync(join('dist/models', file), 'utf8'));
    assert.ok(card.prepared, `${file} has no prepared entry`);
    const bytes = readFileSync(join('dist/models', card.prepared.file));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), card.prepared.sha256, file);
    assert.equal(card.prepared.runtime, ort.env.versions.web);
    // The shipped model itself is unchanged beside it.
    const shipped = JSON.parse(readFileSync(join(MODELS, file), 'utf8'));
    assert.equal(card.sha256, shipped.sha256);
  }
});

test('weights are packed in the smallest form that gives them back exactly', () => {
  const scales = Float32Array.from([0.5, 0.25]);
  const q8 = Float32Array.from([1, -0.5, 2, 0.75]); // [2 rows, 2 columns], per column: (2, −2, 4, 3) × scale
  assert.equal(smallestExactEncoding(q8, [2, 2], [{ scales, zeroPoints: new Int8Array(2) }]).kind, 'q8');
  const halves = Float32Array.from([1.5, -0.0009765625, 65504, 0]);
  assert.equal(smallestExactEncoding(halves, [4], []).kind, 'f16');
  assert.equal(smallestExactEncoding(Float32Array.from([0.1]), [1], []).kind, 'f32');
  for (const v of [1.5, -2, 65504, 2 ** -24, -(2 ** -14), 0, -0])
    assert.ok(Object.is(halfToFloat(floatToHalf(v)), v), `${v}`);
});

/** The file with its header rewritten (the same length, padded, so that every place stays right). */
function withHeader(file: Uint8Array, change: (header: any) => unknown): Uint8Array {
  const length = new DataView(file.buffer, file.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + length)));
  const json = new TextEncoder().encode(JSON.stringify(change(header)).padEnd(length, ' '));
  assert.equal(json.byteLength, length, 'the changed header must keep its length');
  const out = Uint8Array.from(file);
  out.set(json, 12);
  return out;
}

test('a damaged prepared file fails with E_MODEL_LOAD, saying what is wrong', async () => {
  const card = JSON.parse(readFileSync(join(MODELS, 'blazeface-front-128.json'), 'utf8'));
  const { file } = await prepareModel(join(MODELS, card.file), card.name);
  const cases: [Uint8Array, RegExp][] = [
    [file.subarray(0, 100), /truncated|outside/],
    [file.subarray(0, file.byteLength - 10), /outside the file/],
    [Uint8Array.from(file, (b, i) => (i < 4 ? 0 : b)), /not a prepared model/],
    [readFileSync(join(MODELS, card.file)), /not a prepared model/],
    [withHeader(file, (h) => ({ ...h, weightsBytes: 2 ** 40 })), /cannot come from a file/],
    [
      withHeader(file, (h) => ({
        ...h,
        segments: [{ ...h.segments[0], encoding: { kind: 'q8', dims: [2], axis: 0, scales: [1], zeroPoints: [0] } }],
      })),
      /int8 scales do not fit/,
    ],
  ];
  for (const [bytes, message] of cases)
    assert.throws(
      () => readPreparedHeader(bytes, 'x'),
      (error) => isJadferError(error, 'E_MODEL_LOAD') && message.test(error.message),
    );
});
