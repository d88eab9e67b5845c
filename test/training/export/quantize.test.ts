// Weight storage (quantize.ts), reading params back (onnx-params.ts) and the logit adjustment
// folded into the last bias (logit-adjustment.ts), on a small JADFER graph.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  adjustmentBias,
  biasedAccuracy,
  chooseShift,
  chooseTau,
  reversedAdjustment,
  scoreLogits,
  withLogitAdjustment,
} from '../../../training/balance/logit-adjustment.js';
import { exportJadferOnnx, HEADS_INPUT, LOGITS_OUTPUT } from '../../../training/export/onnx-model.js';
import { paramsFromOnnx } from '../../../training/export/onnx-params.js';
import { loadOrtModel } from '../../../training/export/ort-run.js';
import {
  float16Tensors,
  quantizePerChannel,
  roundFloat16Weights,
  roundHalf,
  storeWeights,
} from '../../../training/export/quantize.js';
import { logitChange, modelLogits, planFloat16Rounding } from '../../../training/export/mixed-storage.js';
import { floatToHalf, halfToFloat } from '../../../training/onnx/float16.js';
import { makeConfig } from '../../../training/model/config.js';
import { buildJadfer } from '../../../training/model/jadfer.js';
import type { ParamStore } from '../../../training/model/params.js';
import { Rng } from '../../../training/model/rng.js';
import { TfOps, TfParams } from '../../../training/model/tf-ops.js';
import { initParams } from '../../../training/train/trainer.js';

const config = makeConfig({ h: 4, w: 4, c: 64 }, 8, { dim: 64, heads: 2, pathHidden: 8 });
let store: ParamStore;
let float: Uint8Array;
const rng = new Rng(4);
const n = 6;
const maps = Float32Array.from({ length: n * 4 * 4 * 64 }, () => Math.abs(rng.normal()));

before(async () => {
  await tf.setBackend('cpu');
  store = await initParams(config, 3).toStore();
  float = exportJadferOnnx(store, config);
});

const tfLogits = (params: ParamStore) => {
  const p = TfParams.fromStore(params);
  const out = tf.tidy(
    () =>
      buildJadfer(
        new TfOps(p, { training: false }),
        config,
        tf.tensor4d(maps, [n, 4, 4, 64]),
      ).logits.dataSync() as Float32Array,
  );
  p.dispose();
  return out;
};
const ortLogits = async (bytes: Uint8Array) => {
  const model = await loadOrtModel('node', bytes, 1);
  try {
    return await model.run(HEADS_INPUT, maps, [n, 4, 4, 64], LOGITS_OUTPUT);
  } finally {
    await model.release();
  }
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

test('float32 storage reads back bit for bit', () => {
  const back = paramsFromOnnx(float, config);
  for (const [name, entry] of store.entries) assert.deepEqual(back.get(name)!.data, entry.data, name);
});

for (const storage of ['int8', 'float16'] as const) {
  test(`${storage}: smaller file, weights within half a step, and the file computes the definition with them`, async () => {
    const stored = storeWeights(float, storage);
    assert.ok(stored.tensors > 0);
    assert.ok(
      stored.bytes.length < float.length * (storage === 'int8' ? 0.4 : 0.6),
      `${stored.bytes.length} vs ${float.length}`,
    );
    const back = paramsFromOnnx(stored.bytes, config);
    let changed = 0;
    for (const [name, entry] of store.entries) {
      const read = back.get(name)!.data;
      const d = maxDiff(read, entry.data);
      if (d > 0) changed++;
      const step =
        storage === 'int8' ? Math.max(...entry.data.map(Math.abs)) / 127 : Math.max(...entry.data.map(Math.abs)) / 1024;
      assert.ok(d <= step / 2 + 1e-7, `${name}: off by ${d}, half a step is ${step / 2}`);
    }
    assert.ok(changed > 0, 'some weights were rounded');
    // The file equals the definition run on the weights it stores (float math, as the SDK runs it)…
    assert.ok(maxDiff(await ortLogits(stored.bytes), tfLogits(back)) < 1e-4);
    // …and is close to, but not the same as, the float model.
    const drift = maxDiff(await ortLogits(stored.bytes), await ortLogits(float));
    assert.ok(drift > 0 && drift < 0.1, `logits moved by ${drift}`);
  });
}

test('float16 rounded to fewer mantissa bits: the nearest such half, ties to even, never infinity', () => {
  // 1 + 1/1024 … 1 + 31/1024 at 5 bits (steps of 32/1024): below the middle down, above up, the middle to even.
  const one = floatToHalf(1);
  assert.equal(roundHalf(one + 15, 5), one);
  assert.equal(roundHalf(one + 17, 5), one + 32);
  assert.equal(roundHalf(one + 16, 5), one, 'a tie goes to the even neighbour (1.0)');
  assert.equal(roundHalf(one + 48, 5), one + 64, 'a tie goes to the even neighbour (1 + 64/1024)');
  assert.equal(roundHalf(floatToHalf(-1) + 17, 5), floatToHalf(-1) + 32, 'the sign is kept');
  assert.equal(roundHalf(0x3bff, 5), floatToHalf(1), 'a carry into the exponent gives the next power of two');
  assert.equal(roundHalf(0x7bff, 5), 0x7be0, 'the largest half rounds down, not to infinity');
  assert.equal(roundHalf(0x7c00, 5), 0x7c00);
  assert.equal(roundHalf(0x1234, 10), 0x1234);
  assert.throws(() => roundHalf(one, 11), RangeError);
  // Every half below the top binade (whose rounding up would overflow), at several widths: the result keeps
  // only `bits` mantissa bits and is the nearest such half.
  for (const bits of [3, 5, 7])
    for (let h = 0; h < 0x7800; h += 7) {
      const r = roundHalf(h, bits);
      assert.equal(r & ((1 << (10 - bits)) - 1), 0, `${h.toString(16)} at ${bits} bits`);
      const ulp = halfToFloat((h & 0x7c00) | 1) - halfToFloat(h & 0x7c00);
      const step = (1 << (10 - bits)) * ulp;
      assert.ok(Math.abs(halfToFloat(r) - halfToFloat(h)) <= step / 2, `${h.toString(16)} at ${bits} bits`);
    }
});

test('float16 weights rounded to 5 mantissa bits: the same graph, rounder weights, a file that compresses better', () => {
  const exact = storeWeights(float, 'float16');
  const rounded = { bytes: roundFloat16Weights(exact.bytes, () => 5) };
  assert.equal(rounded.bytes.length, exact.bytes.length);
  assert.ok(
    gzipSync(rounded.bytes).length < gzipSync(exact.bytes).length * 0.9,
    `${gzipSync(rounded.bytes).length} vs ${gzipSync(exact.bytes).length}`,
  );
  const back = paramsFromOnnx(rounded.bytes, config);
  for (const [name, entry] of store.entries) {
    const step = Math.max(...entry.data.map(Math.abs)) / 32;
    assert.ok(maxDiff(back.get(name)!.data, entry.data) <= step / 2 + 1e-7, name);
  }
});

test('float16 rounding plan: every tensor with no flip budget to mind, none that changes a label without one', async () => {
  const exact = storeWeights(float, 'float16').bytes;
  const input = { data: maps, dims: [n, 4, 4, 64] };
  const tensors = float16Tensors(exact).length;
  const free = await planFloat16Rounding(exact, input, 2, 1, 'test maps');
  assert.equal(free.rounded.length, tensors);
  assert.deepEqual(
    free.bytes,
    roundFloat16Weights(exact, () => 2),
  );
  const strict = await planFloat16Rounding(exact, input, 2, 0, 'test maps');
  assert.equal(strict.rounded.length + strict.kept.length, tensors);
  assert.ok(strict.rounded.length > 0, 'some tensor can lose bits without changing a label');
  const reference = await modelLogits(exact, input);
  assert.equal(logitChange(reference, await modelLogits(strict.bytes, input), n).flips, 0);
});

test('per-channel int8: each output channel gets its own scale', () => {
  const values = Float32Array.from([1, -2, 0.5, 100, -50, 25]);
  const { q, scales } = quantizePerChannel(values, [2, 3], 0);
  assert.deepEqual(
    Array.from(scales),
    [2 / 127, 100 / 127].map((v) => Math.fround(v)),
  );
  assert.deepEqual(Array.from(q), [64, -127, 32, 127, -64, 32]);
});

test('logit adjustment: folded into the bias, it shifts every logit by −τ·log π', async () => {
  const trainCounts = [300, 200, 100, 100, 80, 10, 20, 5];
  const adjusted = withLogitAdjustment(store, { tau: 0.5, trainCounts, rule: 'test' });
  assert.notEqual(adjusted.get('head.cls.bias')!.data, store.get('head.cls.bias')!.data);
  const [plain, shifted] = [await ortLogits(float), await ortLogits(exportJadferOnnx(adjusted, config))];
  const bias = adjustmentBias({ tau: 0.5, trainCounts });
  assert.ok(
    maxDiff(
      shifted,
      plain.map((v, i) => v + bias[i % 8]!),
    ) < 1e-5,
  );
  assert.ok(bias[7]! > bias[0]!, 'the rarest class gains the most');
  assert.equal(withLogitAdjustment(store, { tau: 0, trainCounts, rule: 'test' }), store);
  // A shift is added on top, and the reversed adjustment takes both out again.
  const shift = [0, 0.3, 0, -0.2, 0, 0, 0.1, 0];
  const both = withLogitAdjustment(store, { tau: 0.5, trainCounts, rule: 'test', shift });
  const withShift = await ortLogits(exportJadferOnnx(both, config));
  assert.ok(
    maxDiff(
      withShift,
      plain.map((v, i) => v + bias[i % 8]! + shift[i % 8]!),
    ) < 1e-5,
  );
  const back = withLogitAdjustment(both, reversedAdjustment({ tau: 0.5, trainCounts, rule: 'test', shift }));
  assert.ok(maxDiff(back.get('head.cls.bias')!.data, store.get('head.cls.bias')!.data) < 1e-6);
});

test('the shift is fitted on one set and taken only where the other loses nothing', () => {
  // Three labels; label 1 is under-called in the "wild" set: its true faces score 0.4 below label 0.
  const rng = new Rng(9);
  const faces = (n: number, lean: number) => {
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const logits = new Float32Array(n * 3);
    labels.forEach((label, i) => {
      for (let k = 0; k < 3; k++) logits[i * 3 + k] = 0.2 * rng.normal();
      logits[i * 3 + label]! += 1;
      if (label === 1) [logits[i * 3 + 1], logits[i * 3]] = [logits[i * 3 + 1]! - lean, logits[i * 3]! + lean];
    });
    return { logits, labels };
  };
  const wild = faces(300, 0.7);
  const fair = faces(300, 0);
  const { shift, fit } = chooseShift(wild, [0, 1, 2], fair, 3);
  assert.ok(shift[1]! > shift[0]!, `label 1 lifted against label 0: ${shift}`);
  assert.ok(fit.wildTrain.after.meanClassAccuracy > fit.wildTrain.before.meanClassAccuracy);
  assert.ok(fit.ferplusValid.after.accuracy >= fit.ferplusValid.before.accuracy);
  assert.ok(fit.ferplusValid.after.meanClassAccuracy >= fit.ferplusValid.before.meanClassAccuracy);
  // Where any shift costs the other set, none is taken: the other set is the wild one with its lean reversed.
  const opposite = { logits: wild.logits.map((v) => -v), labels: wild.labels };
  const held = chooseShift(wild, [0, 1, 2], opposite, 3);
  assert.ok(biasedAccuracy(opposite, held.shift).accuracy >= biasedAccuracy(opposite, [0, 0, 0]).accuracy);
});

test('τ is chosen by the rule: the largest τ within one standard error of the best macro F1', () => {
  // Two classes, 9:1 prior, 50 groups of 10 faces: the rare class's 2 faces sit below the frequent one
  // by margins up to 0.5, one frequent face close to them (0.3–1.0), 7 far from them.
  const labels = Array.from({ length: 50 }, () => [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]).flat();
  const logits = Float32Array.from(
    labels.flatMap((y, i) => {
      const [g, j] = [Math.floor(i / 10), i % 10];
      if (y === 1) return [1, 1 - (0.5 * (g + (j - 8) / 2)) / 50];
      return j < 7 ? [2, 0] : [1, 1 - 0.3 - (0.7 * g) / 50];
    }),
  );
  const chosen = chooseTau(logits, labels, [900, 100]);
  const none = scoreLogits(logits, labels);
  const { tau: bestTau, standardError } = chosen.bestMacroF1!;
  const best = chosen.sweep!.find((s) => s.tau === bestTau)!;
  const taken = chosen.sweep!.find((s) => s.tau === chosen.tau)!;
  assert.ok(bestTau > 0 && best.macroF1 > none.macroF1);
  for (const s of chosen.sweep!) assert.ok(s.macroF1 <= best.macroF1 + 1e-12);
  assert.ok(standardError > 0 && standardError < 0.05, `standard error ${standardError}`);
  assert.ok(chosen.tau >= bestTau && taken.macroF1 >= best.macroF1 - standardError);
  const next = chosen.sweep!.find((s) => s.tau > chosen.tau + 1e-9)!;
  assert.ok(next.macroF1 < best.macroF1 - standardError, 'the next τ is beyond the noise');
  // τ 1 calls every face rare: the rule does not go there.
  assert.ok(chosen.tau < 0.5 && chosen.sweep!.at(-1)!.macroF1 < best.macroF1 - standardError);
  assert.deepEqual(chooseTau(logits, labels, [900, 100]), chosen, 'deterministic');

  // Where macro F1 is flat over a range of τ, the rule takes the most balanced end of it.
  const flat = Float32Array.from(labels.flatMap((y) => (y === 1 ? [1, 0.8] : [2, 0])));
  const plateau = chooseTau(flat, labels, [900, 100]);
  assert.equal(plateau.bestMacroF1!.tau, 0.1);
  assert.equal(plateau.tau, 0.9);
});
