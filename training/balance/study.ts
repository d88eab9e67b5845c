/**
 * Class balance, measured: how far each known remedy moves overall accuracy and mean per-class
 * accuracy (macro recall) on FERPlus valid, all on the same representation so that only the remedy
 * differs. The representation is a trained model's fused expression embedding (the input of its
 * last layer, `head.cls`), computed once; each remedy then re-fits that last layer (Kang et al.
 * 2020, "decoupling representation and classifier") or adjusts its logits, in seconds:
 *
 *   - refit: plain cross-entropy on the annotators' vote distributions (the baseline);
 *   - post-hoc logit adjustment: logits − τ·log π (Menon et al. 2021), free at inference;
 *   - logit-adjusted loss: CE on logits + τ·log π, the model then predicts balanced;
 *   - class-balanced CE: weights (1 − β) / (1 − β^n_c) (Cui et al. 2019, β = 0.999);
 *   - focal loss, γ = 2 (Lin et al. 2017);
 *   - rare-class oversampling with stronger augmentation: disgust, fear and contempt faces drawn
 *     `views` more times, each a fresh kiosk-augmented view (augment.ts), embedded the same way.
 *
 *   node --import tsx training/balance/study.ts --model models/jadfer-base.json [--views 6] [--json out.json]
 *
 * The model's own last layer is scored too ("as trained"). Prints one table (docs/training.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { resizeBilinearGray } from '../backbone/preprocess.js';
import { kioskAugment } from '../data/augment.js';
import { FER_EMOTIONS, FER_SIZE, loadFerPlusSplit, type FerPlusItem } from '../../common/ferplus.js';
import { FERPLUS_DIR } from '../data/paths.js';
import { Rng } from '../model/rng.js';
import { onnxConstants } from '../export/onnx-params.js';
import type { ClassificationMetrics } from '../../common/metrics.js';
import { adjustmentBias, chooseTau, logPrior, scoreLogits, type LogitAdjustment } from './logit-adjustment.js';

const { onnx } = onnxProto;
const K = FER_EMOTIONS.length;
const RARE = ['disgust', 'fear', 'contempt'].map((l) => FER_EMOTIONS.indexOf(l as never));

type Scores = ClassificationMetrics;
const score = scoreLogits;

/** The embedding [n × D] feeding `head.cls`, and the model's own logits, for 48×48 faces. */
async function embed(
  modelPath: string,
  card: Card,
  faces: Uint8Array[],
): Promise<{ x: Float32Array; logits: Float32Array; dim: number }> {
  const bytes = readFileSync(modelPath);
  const model = onnx.ModelProto.decode(bytes);
  const matmul = model.graph!.node!.find((n) => n.opType === 'MatMul' && n.input![1] === 'head.cls.weight');
  if (!matmul) throw new Error(`${modelPath}: no MatMul reads head.cls.weight`);
  const embedding = matmul.input![0]!;
  model.graph!.output!.push(onnx.ValueInfoProto.create({ name: embedding }));
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    intraOpNumThreads: 1,
    extra: { session: { disable_quant_qdq: '1' } },
  } as ort.InferenceSession.SessionOptions);
  const size = card.input.shape[2]!;
  const dim = onnxConstants(bytes)('head.cls.weight').dims[0]!;
  const x = new Float32Array(faces.length * dim);
  const logits = new Float32Array(faces.length * K);
  const batch = 64;
  for (let start = 0; start < faces.length; start += batch) {
    const part = faces.slice(start, start + batch);
    const input = new Float32Array(part.length * size * size);
    part.forEach((face, i) => input.set(resizeBilinearGray(face, FER_SIZE, FER_SIZE, size, size), i * size * size));
    const out = await session.run({
      [card.input.name]: new ort.Tensor('float32', input, [part.length, 1, size, size]),
    });
    x.set(out[embedding]!.data as Float32Array, start * dim);
    logits.set(out[card.output.name]!.data as Float32Array, start * K);
  }
  await session.release();
  return { x, logits, dim };
}

interface Card {
  file: string;
  input: { name: string; shape: number[] };
  output: { name: string };
  architecture?: { logitAdjustment?: LogitAdjustment };
}

export interface FitOptions {
  /** Per-sample weights (class-balanced CE). */
  weights?: Float32Array;
  /** Added to the logits in the loss only (logit-adjusted loss). */
  lossBias?: Float32Array;
  focalGamma?: number;
  epochs?: number;
}

/** Softmax regression on soft targets, full batch, Adam; starts from the model's own layer. */
export function fitLinear(
  x: Float32Array,
  targets: Float32Array,
  dim: number,
  start: { weight: Float32Array; bias: Float32Array },
  o: FitOptions = {},
): { weight: Float32Array; bias: Float32Array } {
  const n = targets.length / K;
  const w = Float32Array.from(start.weight);
  const b = Float32Array.from(start.bias);
  const [m, v] = [new Float32Array(w.length + K), new Float32Array(w.length + K)];
  const lr = 1e-3;
  const grad = new Float32Array(w.length + K);
  const z = new Float32Array(K);
  for (let epoch = 1; epoch <= (o.epochs ?? 300); epoch++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const row = x.subarray(i * dim, (i + 1) * dim);
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        let s = b[k]! + (o.lossBias?.[k] ?? 0);
        for (let d = 0; d < dim; d++) s += row[d]! * w[d * K + k]!;
        z[k] = s;
        max = Math.max(max, s);
      }
      let sum = 0;
      for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k]! - max);
      const sampleWeight = (o.weights?.[i] ?? 1) / n;
      for (let k = 0; k < K; k++) {
        const p = z[k]! / sum;
        const t = targets[i * K + k]!;
        // Focal: (1 − p_k)^γ on each target class's log-probability (soft-target form).
        let g = p - t;
        if (o.focalGamma) {
          let focal = 0;
          for (let j = 0; j < K; j++) {
            const pj = z[j]! / sum;
            const tj = targets[i * K + j]!;
            if (tj === 0) continue;
            const gamma = o.focalGamma;
            const mod = (1 - pj) ** gamma;
            // d/dz_k of −t_j (1−p_j)^γ log p_j
            const dLogp = (j === k ? 1 : 0) - p;
            const dMod = -gamma * (1 - pj) ** (gamma - 1) * pj * dLogp;
            focal += -tj * (mod * dLogp + dMod * Math.log(Math.max(pj, 1e-12)));
          }
          g = focal;
        }
        g *= sampleWeight;
        grad[w.length + k]! += g;
        for (let d = 0; d < dim; d++) grad[d * K + k]! += g * row[d]!;
      }
    }
    for (let j = 0; j < grad.length; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * grad[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * grad[j]! ** 2;
      const step = (lr * (m[j]! / (1 - 0.9 ** epoch))) / (Math.sqrt(v[j]! / (1 - 0.999 ** epoch)) + 1e-8);
      if (j < w.length) w[j]! -= step;
      else b[j - w.length]! -= step;
    }
  }
  return { weight: w, bias: b };
}

export function linearLogits(x: Float32Array, dim: number, layer: { weight: Float32Array; bias: Float32Array }) {
  const n = x.length / dim;
  const out = new Float32Array(n * K);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < K; k++) {
      let s = layer.bias[k]!;
      for (let d = 0; d < dim; d++) s += x[i * dim + d]! * layer.weight[d * K + k]!;
      out[i * K + k] = s;
    }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const USAGE = 'usage: study.ts --model models/<name>.json [--views 6] [--json out.json]';
  const { values } = scriptArgs({
    usage: USAGE,
    options: { model: { type: 'string' }, views: { type: 'string', default: '6' }, json: { type: 'string' } },
  });
  if (!values.model) {
    console.error(USAGE);
    process.exit(2);
  }
  const card = JSON.parse(readFileSync(values.model, 'utf8')) as Card;
  const modelPath = join(values.model, '..', card.file);
  const views = Number(values.views);
  const [train, valid] = await Promise.all(
    ['FER2013Train', 'FER2013Valid'].map((s) => loadFerPlusSplit(`${FERPLUS_DIR}/${s}`, { pixels: true, soft: true })),
  );
  const rng = new Rng(7);
  const rare = train!.items.filter((item) => RARE.includes(item.label));
  const extra: FerPlusItem[] = Array.from({ length: views }, () => rare).flat();
  const extraFaces = extra.map((item) => kioskAugment(item.pixels!, rng));
  // Embeddings are cached by model hash: the table can be rerun without the forward passes.
  const hash = createHash('sha256').update(readFileSync(modelPath)).digest('hex').slice(0, 16);
  const cache = join('.cache', 'embeddings', `${hash}-v${views}.json`);
  let data: {
    train: number[];
    extra: number[];
    valid: number[];
    trainLogits: number[];
    validLogits: number[];
    dim: number;
  };
  if (existsSync(cache)) data = JSON.parse(readFileSync(cache, 'utf8'));
  else {
    const t = await embed(
      modelPath,
      card,
      train!.items.map((i) => i.pixels!),
    );
    const e = await embed(modelPath, card, extraFaces);
    const v = await embed(
      modelPath,
      card,
      valid!.items.map((i) => i.pixels!),
    );
    data = {
      train: [...t.x],
      extra: [...e.x],
      valid: [...v.x],
      trainLogits: [...t.logits],
      validLogits: [...v.logits],
      dim: t.dim,
    };
    mkdirSync(join('.cache', 'embeddings'), { recursive: true });
    writeFileSync(cache, JSON.stringify(data));
  }
  const dim = data.dim;
  const [xTrain, xExtra, xValid] = [data.train, data.extra, data.valid].map((a) => Float32Array.from(a)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const yValid = valid!.items.map((i) => i.label);
  const soft = (items: FerPlusItem[]) => {
    const t = new Float32Array(items.length * K);
    items.forEach((item, i) => t.set(item.soft!, i * K));
    return t;
  };
  const counts = FER_EMOTIONS.map((_, k) => train!.items.filter((i) => i.label === k).length);
  const logPi = logPrior(counts);
  const constants = onnxConstants(readFileSync(modelPath));
  // A shipped model's logit adjustment is taken out: the remedies start from the model as trained.
  const adjustment = card.architecture?.logitAdjustment;
  const undo = adjustment ? adjustmentBias(adjustment).map((b) => -b) : new Float32Array(K);
  const start = {
    weight: constants('head.cls.weight').data,
    bias: constants('head.cls.bias').data.map((b, k) => b + undo[k]!),
  };
  const yTrain = soft(train!.items);
  const rows: { remedy: string; scores: Scores; tau?: number }[] = [];
  const add = (remedy: string, logits: Float32Array, tau?: number) => {
    rows.push({ remedy, scores: score(logits, yValid), ...(tau !== undefined ? { tau } : {}) });
    const r = rows.at(-1)!;
    console.log(
      `${remedy.padEnd(52)} ${(100 * r.scores.accuracy).toFixed(2)}  ${(100 * r.scores.meanClassAccuracy).toFixed(2)}  ${r.scores.perClass.map((p) => (100 * p.accuracy).toFixed(0).padStart(3)).join(' ')}`,
    );
  };
  console.log(`${'remedy'.padEnd(52)} acc    macro  ${FER_EMOTIONS.map((l) => l.slice(0, 3)).join(' ')}`);
  const asTrained = Float32Array.from(data.validLogits, (z, i) => z + undo[i % K]!);
  add("as trained (the model's own last layer)", asTrained);
  const chosen = chooseTau(asTrained, yValid, counts);
  add(
    `+ post-hoc logit adjustment, τ = ${chosen.tau} (rule)`,
    asTrained.map((z, i) => z - chosen.tau * logPi[i % K]!),
    chosen.tau,
  );
  const refit = fitLinear(xTrain, yTrain, dim, start);
  const refitLogits = linearLogits(xValid, dim, refit);
  add('refit: CE on vote distributions', refitLogits);
  const refitTau = chooseTau(refitLogits, yValid, counts);
  add(
    `refit + post-hoc logit adjustment, τ = ${refitTau.tau} (rule)`,
    refitLogits.map((z, i) => z - refitTau.tau * logPi[i % K]!),
    refitTau.tau,
  );
  const la = fitLinear(xTrain, yTrain, dim, start, { lossBias: logPi.map((l) => l) });
  add('logit-adjusted loss, τ = 1', linearLogits(xValid, dim, la), 1);
  const beta = 0.999;
  const classWeight = counts.map((c) => (1 - beta) / (1 - beta ** c));
  const norm = K / classWeight.reduce((a, b) => a + b, 0);
  const cb = fitLinear(xTrain, yTrain, dim, start, {
    weights: Float32Array.from(train!.items, (i) => classWeight[i.label]! * norm),
  });
  add('class-balanced CE, β = 0.999', linearLogits(xValid, dim, cb));
  const focal = fitLinear(xTrain, yTrain, dim, start, { focalGamma: 2 });
  add('focal loss, γ = 2', linearLogits(xValid, dim, focal));
  const xOver = new Float32Array(xTrain.length + xExtra.length);
  xOver.set(xTrain);
  xOver.set(xExtra, xTrain.length);
  const yOver = new Float32Array(yTrain.length + extra.length * K);
  yOver.set(yTrain);
  yOver.set(soft(extra), yTrain.length);
  const over = fitLinear(xOver, yOver, dim, start);
  add(`oversampling disgust/fear/contempt ×${views + 1} with kiosk augmentation`, linearLogits(xValid, dim, over));
  if (values.json) writeFileSync(values.json, JSON.stringify({ model: values.model, counts, rows }, null, 2));
}
