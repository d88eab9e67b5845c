/**
 * Browser-baseline accuracy on FERPlus validation (majority-vote protocol, 8 classes).
 *
 *   node --import tsx bench/baselines/accuracy.ts [--limit N] [--json] [--only human|faceapi] [--dir <FER2013Valid>]
 *
 * Baselines, loaded from their own npm packages' model files with TF.js (wasm backend, 1 thread):
 *
 * - `@vladmandic/human` 3.3.6, `models/emotion.json` (oarriaga mini-Xception, FER2013), a graph model.
 *   How human feeds it (node_modules/@vladmandic/human/src/...):
 *     - face crop tensor is RGB scaled to 0..1: `tf.div(crop, constants.tf255)` (face/facemeshutil.ts:54);
 *     - `tf.image.resizeBilinear(image, [inputSize, inputSize], false)` with inputSize = model input = 64
 *       (gear/emotion.ts:50,56; no crop by default, config.ts:411-417 sets no `crop`);
 *     - 1-channel model → grayscale `sum(rgb * [0.2989, 0.5870, 0.1140])` (gear/emotion.ts:69-70,
 *       tfjs/constants.ts:10), then `(g - 0.5) * 2` → [-1, 1] (gear/emotion.ts:71-73);
 *     - output is already a probability vector; labels for a 1-channel model
 *       `['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']` (gear/emotion.ts:28-29).
 *
 * - `@vladmandic/face-api` 1.7.15, `model/face_expression_model` (weights manifest + .bin, no graph: the
 *   network is code). Re-implemented here from the library's source (node_modules/@vladmandic/face-api/src/...):
 *     - input: RGB tensor 0..255, `padToSquare` (no-op for square crops) then
 *       `resizeBilinear(img, [112, 112], false, false)` (dom/NetInput.ts:122-137, called with 112 from
 *       faceFeatureExtractor/FaceFeatureExtractor.ts:24);
 *     - subtract meanRgb [122.782, 117.001, 104.298], then divide by 255 (FaceFeatureExtractor.ts:25-26, ops/normalize.ts);
 *     - 4 dense blocks (faceFeatureExtractor/denseBlock.ts `denseBlock4`, first conv is a plain conv2d, stride 2,
 *       'same'; the rest separableConv2d + bias), avgPool 7×7 stride 2 'valid' (FaceFeatureExtractor.ts:28-32),
 *       fc 256→7 (faceProcessor/FaceProcessor.ts:44, common/fullyConnectedLayer.ts), softmax
 *       (faceExpressionNet/FaceExpressionNet.ts:15);
 *     - labels `['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised']`
 *       (faceExpressionNet/FaceExpressions.ts:1).
 *   `test/bench/baselines/accuracy.test.ts` checks this re-implementation against face-api's own FaceExpressionNet.
 *
 * FERPlus images are already aligned 48×48 gray face crops: each is replicated to 3 channels (R=G=B) and
 * resized bilinearly to the model input by the library's own resize call above. Neither library has a
 * `contempt` class, so contempt images always count as wrong for them; accuracy is reported on all 8-class
 * images and on the 7-class subset without contempt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { FER_EMOTIONS, FER_SIZE, loadFerPlusSplit, type FerPlusItem } from '../../common/ferplus.js';
import { readWeightShards } from '../../training/backbone/tfjs-graph.js';
import { FERPLUS_DIR } from '../../training/data/paths.js';
import { argmax, byLabel, ConfusionMatrix, type ClassScore } from '../../common/metrics.js';
import { numberOption, scriptArgs, UsageError } from '../../common/args.js';

const require = createRequire(import.meta.url);
/** Package root of an installed dependency (human's `exports` hides ./package.json, so walk up from its entry). */
function pkgDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (
    !existsSync(join(dir, 'package.json')) ||
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name
  ) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = up;
  }
  return dir;
}

/** human emotion output order (gear/emotion.ts:29) → FERPlus index (FER_EMOTIONS order). */
export const HUMAN_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export const HUMAN_TO_FER = [4, 5, 6, 1, 3, 2, 0] as const;
/** face-api output order (FaceExpressions.ts:1) → FERPlus index. */
export const FACEAPI_LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
export const FACEAPI_TO_FER = [0, 1, 3, 4, 6, 5, 2] as const;

const CONTEMPT = FER_EMOTIONS.indexOf('contempt');

export interface Baseline {
  id: 'human' | 'faceapi';
  system: string;
  modelFile: string;
  input: string;
  labels: readonly string[];
  toFer: readonly number[];
  /** Gray 48×48 bytes → 7 probabilities in the library's label order. */
  predict(gray: Uint8Array): Float32Array;
  dispose(): void;
}

export interface BaselineResult {
  id: string;
  system: string;
  modelFile: string;
  input: string;
  mapping: Record<string, string>;
  n: number;
  n7: number;
  correct: number;
  correct7: number;
  accuracy8: number;
  accuracy7: number;
  /** Mean per-class accuracy (macro recall) over the 8 classes with samples (contempt's is 0: no such output). */
  meanClassAccuracy8: number;
  perClass: Record<string, ClassScore>;
  /** confusion[true][pred], both in FER_EMOTIONS order. */
  confusion: number[][];
  msPerImage: { mean: number; median: number; p90: number };
}

export interface Report {
  split: string;
  protocol: string;
  labels: readonly string[];
  n: number;
  classCounts: Record<string, number>;
  rows: number;
  skipped: Record<string, number>;
  limit: number | null;
  backend: string;
  threads: number;
  node: string;
  date: string;
  baselines: BaselineResult[];
}

/** 48×48 gray bytes → [1,48,48,3] float32 tensor with R=G=B (the library then sees an RGB face crop). */
function grayToRgb(gray: Uint8Array, scale: number): tf.Tensor4D {
  const rgb = new Float32Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i]! * scale;
  return tf.tensor4d(rgb, [1, FER_SIZE, FER_SIZE, 3]);
}

async function initWasm(): Promise<void> {
  // 1 thread: tfjs-backend-wasm never enables threads under Node (flags_wasm.js WASM_HAS_MULTITHREAD_SUPPORT
  // returns false when IS_NODE), so the single-threaded SIMD build runs.
  setWasmPaths(join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/');
  const warn = console.warn;
  console.warn = () => {}; // tfjs's "Hi there" banner about tfjs-node
  try {
    await tf.setBackend('wasm');
    await tf.ready();
  } finally {
    console.warn = warn;
  }
  if (tf.getBackend() !== 'wasm') throw new Error('tfjs wasm backend did not initialise');
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: object;
  userDefinedMetadata?: Record<string, unknown>;
}

export async function loadHumanEmotion(): Promise<Baseline> {
  const modelPath = join(pkgDir('@vladmandic/human'), 'models', 'emotion.json');
  const json = JSON.parse(readFileSync(modelPath, 'utf8')) as ModelJson;
  const weightData = readWeightShards(dirname(modelPath), json.weightsManifest);
  const model: GraphModel = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  );
  const shape = model.inputs[0]!.shape!;
  if (shape[3] !== 1) throw new Error(`expected a 1-channel emotion model, got input ${JSON.stringify(shape)}`);
  const inputSize = shape[2]!; // gear/emotion.ts:50
  const rgbWeights = tf.tensor1d([0.2989, 0.587, 0.114], 'float32'); // tfjs/constants.ts:19
  return {
    id: 'human',
    system: '@vladmandic/human 3.3.6 `emotion`',
    modelFile: 'node_modules/@vladmandic/human/models/emotion.json',
    input: `${inputSize}×${inputSize}×1 gray, [-1,1]`,
    labels: HUMAN_LABELS,
    toFer: HUMAN_TO_FER,
    predict(gray) {
      const probs = tf.tidy(() => {
        const image = grayToRgb(gray, 1 / 255); // facemeshutil.ts:54 (crop / 255)
        const resize = tf.image.resizeBilinear(image, [inputSize, inputSize], false); // emotion.ts:56
        const grayscale = tf.sum(tf.mul(resize, rgbWeights), 3, true); // emotion.ts:69-70
        const normalized = tf.mul(tf.sub(grayscale, 0.5), 2); // emotion.ts:71-72
        return model.execute(normalized) as tf.Tensor; // emotion.ts:73
      });
      const data = probs.dataSync() as Float32Array;
      probs.dispose();
      return data;
    },
    dispose() {
      model.dispose();
      rgbWeights.dispose();
    },
  };
}

type W = Record<string, tf.Tensor>;

/** face-api `FaceExpressionNet` forward pass on a [b,112,112,3] 0..255 tensor (see header for sources). */
export function faceApiForward(w: W, x255: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const normalized = tf.div(tf.sub(x255, tf.tensor1d([122.782, 117.001, 104.298])), 255) as tf.Tensor4D;
    const sep = (x: tf.Tensor4D, p: string, stride: 1 | 2): tf.Tensor4D =>
      tf.add(
        tf.separableConv2d(
          x,
          w[`${p}/depthwise_filter`] as tf.Tensor4D,
          w[`${p}/pointwise_filter`] as tf.Tensor4D,
          stride,
          'same',
        ),
        w[`${p}/bias`]!,
      );
    const block = (x: tf.Tensor4D, p: string, first: boolean): tf.Tensor4D => {
      const out1 = tf.relu(
        first
          ? tf.add(tf.conv2d(x, w[`${p}/conv0/filters`] as tf.Tensor4D, 2, 'same'), w[`${p}/conv0/bias`]!)
          : sep(x, `${p}/conv0`, 2),
      ) as tf.Tensor4D;
      const out2 = sep(out1, `${p}/conv1`, 1);
      const in3 = tf.relu(tf.add(out1, out2)) as tf.Tensor4D;
      const out3 = sep(in3, `${p}/conv2`, 1);
      const in4 = tf.relu(tf.add(out1, tf.add(out2, out3))) as tf.Tensor4D;
      const out4 = sep(in4, `${p}/conv3`, 1);
      return tf.relu(tf.add(out1, tf.add(out2, tf.add(out3, out4)))) as tf.Tensor4D;
    };
    let out = block(normalized, 'dense0', true);
    out = block(out, 'dense1', false);
    out = block(out, 'dense2', false);
    out = block(out, 'dense3', false);
    out = tf.avgPool(out, [7, 7], [2, 2], 'valid');
    const logits = tf.add(
      tf.matMul(tf.reshape(out, [out.shape[0], -1]) as tf.Tensor2D, w['fc/weights'] as tf.Tensor2D),
      w['fc/bias']!,
    );
    return tf.softmax(logits) as tf.Tensor2D;
  });
}

/** Resize a gray 48×48 crop the way face-api's NetInput.toBatchTensor(112) does for a tensor input. */
export function faceApiInput(gray: Uint8Array): tf.Tensor4D {
  return tf.tidy(() => tf.image.resizeBilinear(grayToRgb(gray, 1), [112, 112], false, false));
}

export async function loadFaceApiExpression(): Promise<Baseline> {
  const dir = join(pkgDir('@vladmandic/face-api'), 'model');
  const manifest = JSON.parse(
    readFileSync(join(dir, 'face_expression_model-weights_manifest.json'), 'utf8'),
  ) as ModelJson['weightsManifest'];
  // tf.io.decodeWeights dequantises the uint8 entries, as face-api's loader (tf.io.loadWeights) does.
  const weights = tf.io.decodeWeights(
    readWeightShards(dir, manifest),
    manifest.flatMap((g) => g.weights),
  );
  return {
    id: 'faceapi',
    system: '@vladmandic/face-api 1.7.15 `face_expression_model`',
    modelFile: 'node_modules/@vladmandic/face-api/model/face_expression_model-weights_manifest.json',
    input: '112×112×3 RGB, (x − meanRgb)/255',
    labels: FACEAPI_LABELS,
    toFer: FACEAPI_TO_FER,
    predict(gray) {
      const probs = tf.tidy(() => faceApiForward(weights, faceApiInput(gray)));
      const data = probs.dataSync() as Float32Array;
      probs.dispose();
      return data;
    },
    dispose() {
      for (const t of Object.values(weights)) t.dispose();
    },
  };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function evaluate(b: Baseline, items: readonly FerPlusItem[], warmup = 5): BaselineResult {
  for (let i = 0; i < Math.min(warmup, items.length); i++) b.predict(items[i]!.pixels!);
  const counts = new ConfusionMatrix(FER_EMOTIONS.length);
  const times: number[] = [];
  for (const it of items) {
    const t0 = performance.now();
    const probs = b.predict(it.pixels!);
    times.push(performance.now() - t0);
    counts.add(it.label, b.toFer[argmax(probs)]!);
  }
  const scored = counts.metrics();
  const without = scored.perClass.filter((_, c) => c !== CONTEMPT);
  const n7 = without.reduce((a, c) => a + c.n, 0);
  const correct7 = without.reduce((a, c) => a + c.correct, 0);
  const sorted = times.slice().sort((a, b2) => a - b2);
  const mapping: Record<string, string> = {};
  b.labels.forEach((l, i) => (mapping[l] = FER_EMOTIONS[b.toFer[i]!]!));
  return {
    id: b.id,
    system: b.system,
    modelFile: b.modelFile,
    input: b.input,
    mapping,
    n: scored.n,
    n7,
    correct: scored.correct,
    correct7,
    accuracy8: scored.accuracy,
    accuracy7: correct7 / n7,
    meanClassAccuracy8: scored.meanClassAccuracy,
    perClass: byLabel(FER_EMOTIONS, scored.perClass),
    confusion: scored.confusion,
    msPerImage: {
      mean: times.reduce((a, v) => a + v, 0) / times.length,
      median: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
    },
  };
}

const USAGE =
  'usage: node --import tsx bench/baselines/accuracy.ts [--limit N] [--json] [--only human|faceapi] [--dir <FER2013Valid>]';

function readArgs(): { limit?: number; json: boolean; only?: string; dir: string } {
  return scriptArgs(
    {
      usage: USAGE,
      options: {
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        only: { type: 'string' },
        dir: { type: 'string', default: join(FERPLUS_DIR, 'FER2013Valid') },
      },
    },
    ({ values }) => {
      if (values.only !== undefined && values.only !== 'human' && values.only !== 'faceapi')
        throw new UsageError(`--only must be human or faceapi, got '${values.only}'`);
      return {
        json: values.json,
        limit: numberOption(values.limit, 'limit', { integer: true, min: 1 }),
        only: values.only,
        dir: values.dir,
      };
    },
  );
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '—');

function printText(r: Report): void {
  const log = (s = ''): void => void process.stdout.write(s + '\n');
  log(
    `FERPlus ${r.split}: n=${r.n} (rows ${r.rows}, skipped ${JSON.stringify(r.skipped)})${r.limit ? `, limit ${r.limit}` : ''}`,
  );
  log(`class counts: ${FER_EMOTIONS.map((e) => `${e} ${r.classCounts[e]}`).join(', ')}`);
  log(`tfjs ${r.backend} (${r.threads} thread), node ${r.node}`);
  for (const b of r.baselines) {
    log();
    log(`== ${b.system} (${b.modelFile}, input ${b.input})`);
    log(
      `mapping: ${Object.entries(b.mapping)
        .map(([k, v]) => `${k}→${v}`)
        .join(', ')}; contempt → (none)`,
    );
    log(
      `accuracy 8-class: ${pct(b.accuracy8)} (${b.correct}/${b.n})   7-class (no contempt): ${pct(b.accuracy7)} (${b.correct7}/${b.n7})   mean class acc (8): ${pct(b.meanClassAccuracy8)}`,
    );
    log(
      `ms/image: mean ${b.msPerImage.mean.toFixed(2)}, median ${b.msPerImage.median.toFixed(2)}, p90 ${b.msPerImage.p90.toFixed(2)}`,
    );
    log(
      `per class: ${FER_EMOTIONS.map((e) => `${e} ${pct(b.perClass[e]!.accuracy)} (n=${b.perClass[e]!.n})`).join(', ')}`,
    );
    log('confusion (rows = FERPlus label, cols = prediction):');
    const w = 10;
    log(' '.repeat(w) + FER_EMOTIONS.map((e) => e.slice(0, 8).padStart(w)).join(''));
    b.confusion.forEach((row, i) => log(FER_EMOTIONS[i]!.padEnd(w) + row.map((v) => String(v).padStart(w)).join('')));
  }
}

async function main(): Promise<void> {
  const args = readArgs();
  const split = await loadFerPlusSplit(args.dir, { limit: args.limit, pixels: true, concurrency: 4 });
  if (split.items.length === 0) throw new Error(`no usable images in ${args.dir}`);
  await initWasm();
  const loaders = [
    ['human', loadHumanEmotion],
    ['faceapi', loadFaceApiExpression],
  ] as const;
  const baselines: BaselineResult[] = [];
  for (const [id, load] of loaders) {
    if (args.only && args.only !== id) continue;
    const b = await load();
    baselines.push(evaluate(b, split.items));
    b.dispose();
  }
  const classCounts: Record<string, number> = {};
  FER_EMOTIONS.forEach((e, c) => (classCounts[e] = split.items.filter((it) => it.label === c).length));
  const report: Report = {
    split: args.dir.replace(/\/+$/, '').split('/').pop()!,
    protocol: 'FERPlus majority vote, 8 classes; drop top vote unknown/NF or non-unique emotion max',
    labels: FER_EMOTIONS,
    n: split.items.length,
    classCounts,
    rows: split.rows,
    skipped: split.skipped as Record<string, number>,
    limit: args.limit ?? null,
    backend: tf.getBackend(),
    threads: 1,
    node: process.version,
    date: new Date().toISOString(),
    baselines,
  };
  if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else printText(report);
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
