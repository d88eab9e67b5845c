// Each shipped classifier is the one definition: its file, read back whole into the TF.js JADFER
// definition (lift-trunk.ts: the trunk's plain convolutions become the definition's stem and blocks,
// the trained params are read by name, int8 weights dequantized), computes what onnxruntime computes
// on the file, on FERPlus faces and on noise. Needs nothing but the checkout (no runs/, no trunk).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resizeBilinearGray } from '../../training/backbone/preprocess.js';
import { FER_SIZE, loadFerPlusSplit } from '../../common/ferplus.js';
import { FERPLUS_DIR, ferplusAvailable } from '../../training/data/paths.js';
import { liftShippedModel, type LiftedModel } from '../../training/export/lift-trunk.js';
import { paramsFromOnnx, shippedParams } from '../../training/export/onnx-params.js';
import type { JadferConfig } from '../../training/model/config.js';
import { STORED_TOLERANCE } from '../../training/export/parity.js';
import { compareLogits, loadOrtModel, ORT_RUNTIMES, type OrtRuntime } from '../../training/export/ort-run.js';
import { buildJadfer } from '../../training/model/jadfer.js';
import { Rng } from '../../training/model/rng.js';
import { TfOps, TfParams } from '../../training/model/tf-ops.js';
import { selectBackend } from '../../training/train/backend.js';

const MODELS = 'models';
interface Card {
  name: string;
  file: string;
  task: string;
  input: { name: string; shape: number[]; mean: number[]; std: number[] };
  output: { name: string };
  labels: string[];
  architecture: { config: JadferConfig; logitAdjustment?: { tau: number; trainCounts: number[]; shift?: number[] } };
}
const cards = readdirSync(MODELS)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, card: JSON.parse(readFileSync(join(MODELS, f), 'utf8')) as Card }))
  .filter(({ card }) => card.task === 'expression-classification');
const faces: Uint8Array[] = [];

before(async () => {
  await selectBackend('wasm');
  if (ferplusAvailable()) {
    const split = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Valid`, { pixels: true, limit: 24 });
    faces.push(...split.items.map((item) => item.pixels!));
  } else console.warn('SKIP (in part): ../shared/data/ferplus is absent, so the round trip sees noise faces only');
  const rng = new Rng(11);
  for (let i = 0; i < 4; i++) faces.push(Uint8Array.from({ length: FER_SIZE * FER_SIZE }, () => rng.int(256)));
});

test('models/ holds classifiers to check', () => assert.ok(cards.length >= 1));

/** The lifted definition's logits for gray planes [n, size, size] (the trunk reads them as RGB). */
function definitionLogits(lifted: LiftedModel, gray: Float32Array, n: number, size: number): Float32Array {
  const rgb = new Float32Array(gray.length * 3).map((_, i) => gray[Math.floor(i / 3)]!);
  const params = TfParams.fromStore(lifted.params);
  try {
    return tf.tidy(
      () =>
        buildJadfer(
          new TfOps(params, { training: false }),
          lifted.config,
          tf.tensor4d(rgb, [n, size, size, 3]),
        ).logits.dataSync() as Float32Array,
    );
  } finally {
    params.dispose();
  }
}

async function fileLogits(runtime: OrtRuntime, bytes: Uint8Array, card: Card, gray: Float32Array, n: number) {
  const size = card.input.shape[2]!;
  const model = await loadOrtModel(runtime, bytes, 1);
  try {
    return await model.run(card.input.name, gray, [n, 1, size, size], card.output.name);
  } finally {
    await model.release();
  }
}

for (const { file, card } of cards) {
  test(`${file}: the file read back into the TF.js definition computes what onnxruntime computes`, async () => {
    const bytes = readFileSync(join(MODELS, card.file));
    const lifted = liftShippedModel(bytes, card.architecture.config);
    const size = card.input.shape[2]!;
    const n = faces.length;
    const gray = new Float32Array(n * size * size);
    faces.forEach((face, i) =>
      gray.set(
        resizeBilinearGray(face, FER_SIZE, FER_SIZE, size, size).map(
          (v) => (v - card.input.mean[0]!) / card.input.std[0]!,
        ),
        i * size * size,
      ),
    );
    const reference = definitionLogits(lifted, gray, n, size);
    for (const runtime of ORT_RUNTIMES) {
      const agreement = compareLogits(reference, await fileLogits(runtime, bytes, card, gray, n), card.labels.length);
      assert.equal(agreement.top1Agreement, 1, `${runtime}: top-1 ${agreement.top1Agreement}`);
      assert.ok(agreement.maxAbsDiff <= STORED_TOLERANCE, `${runtime}: max |Δlogit| ${agreement.maxAbsDiff}`);
    }
  });
}

test('a lifted model that differs from the file is caught (the check can fail)', async () => {
  const { card } = cards.find(({ card }) => card.name === 'jadfer-base') ?? cards[0]!;
  const bytes = readFileSync(join(MODELS, card.file));
  const lifted = liftShippedModel(bytes, card.architecture.config);
  const bias = lifted.params.get('tail.3.pw.bias')!;
  lifted.params.set(
    'tail.3.pw.bias',
    bias.shape,
    bias.data.map((v) => v + 0.5),
  );
  const size = card.input.shape[2]!;
  const gray = Float32Array.from({ length: size * size }, (_, i) => (i * 7) % 255);
  const agreement = compareLogits(
    definitionLogits(lifted, gray, 1, size),
    await fileLogits('node', bytes, card, gray, 1),
    card.labels.length,
  );
  assert.ok(
    agreement.maxAbsDiff > STORED_TOLERANCE * 10,
    `a changed block moved the logits by ${agreement.maxAbsDiff}`,
  );
});

test('a shipped model read back for training has its logit adjustment taken out of the last bias', () => {
  const adjusted = cards.filter(({ card }) => card.architecture.logitAdjustment?.tau);
  if (!adjusted.length) return console.warn('SKIP: no shipped model carries a logit adjustment');
  for (const { file, card } of adjusted) {
    const { tau, trainCounts, shift = trainCounts.map(() => 0) } = card.architecture.logitAdjustment!;
    const inFile = paramsFromOnnx(readFileSync(join(MODELS, card.file)), card.architecture.config);
    const asTrained = shippedParams(join(MODELS, file));
    const [fileBias, trainedBias] = [inFile.get('head.cls.bias')!.data, asTrained.get('head.cls.bias')!.data];
    // The adjustment (−τ·log π + shift) raised the rare classes against the frequent ones; the trained bias has it back.
    const [common, rare] = [
      trainCounts.indexOf(Math.max(...trainCounts)),
      trainCounts.indexOf(Math.min(...trainCounts)),
    ];
    const total = trainCounts.reduce((a, b) => a + b, 0);
    const expected =
      tau * (Math.log(trainCounts[common]! / total) - Math.log(trainCounts[rare]! / total)) -
      (shift[common]! - shift[rare]!);
    const moved = trainedBias[common]! - trainedBias[rare]! - (fileBias[common]! - fileBias[rare]!);
    assert.ok(
      Math.abs(moved - expected) < 1e-3,
      `${card.name}: the common-vs-rare margin moved ${moved}, not ${expected}`,
    );
  }
});
