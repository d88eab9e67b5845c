/**
 * TF.js (the training definition) vs the exported ONNX, on onnxruntime-node and
 * onnxruntime-web (WASM, in Node, 1 thread). Prints JSON {maxAbsDiff, top1Agreement} per runtime.
 *
 *   npm run parity -- --run runs/<name> --model models/jadfer-<variant>.onnx [--random 8] [--faces 64] [--mirror-average]
 *
 * --run: a training run's folder, or a committed checkpoint's (training/checkpoints/<name>) as it is.
 *
 * Full model (input `input`): TF.js = backbone graph model (training/backbone) → JADFER heads;
 *   inputs are random 48×48 "faces" and real FERPlus valid faces, preprocessed as in training.
 * Heads-only model (input `features`): random feature maps + cached valid features of real faces.
 * Exits 1 if any runtime disagrees on a top-1 or differs by more than --tolerance (default 1e-3).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { buildJadfer } from '../model/jadfer.js';
import { ParamStore } from '../model/params.js';
import { Rng } from '../model/rng.js';
import { TfOps, TfParams } from '../model/tf-ops.js';
import { selectBackend } from '../train/backend.js';
import { FeatureSplit } from '../train/features.js';
import { bestParamsOf } from '../train/checkpoint.js';
import type { RunConfig } from '../train/trainer.js';
import { IMAGE_INPUT, LOGITS_OUTPUT } from './onnx-model.js';
import { liftShippedModel } from './lift-trunk.js';
import { withLogitAdjustment, type LogitAdjustment } from '../balance/logit-adjustment.js';
import { compareLogits, loadOrtModel, ORT_RUNTIMES, type Agreement } from './ort-run.js';
import type { WeightFormat } from './quantize.js';
import { scriptArgs } from '../../common/args.js';

export interface ParityReport {
  model: string;
  kind: 'full' | 'heads';
  samples: { random: number; real: number };
  tfBackend: string;
  maxAbsDiff: number;
  top1Agreement: number;
  /** Top-1 agreement on the real faces only (the random inputs sit near ties). */
  faceTop1Agreement?: number;
  runtimes: Record<string, Agreement>;
  /** The file read back into the definition (image models): must agree to float precision. */
  stored?: { maxAbsDiff: number; top1Agreement: number; runtimes: Record<string, Agreement> };
}

interface Batch {
  /** What TF.js gets (NHWC image or feature map). */
  tfInput: tf.Tensor4D;
  /** What ONNX gets, and its dims. */
  onnxInput: Float32Array;
  onnxDims: number[];
  random: number;
  real: number;
}

/**
 * `logitAdjustment`: the one the export folded into the model (the reference folds it the same way).
 * Two comparisons: against the training run (its params, the trunk as TF.js ran it), which sees the
 * rounding of int8/float16 weights; and, for image models, the file read back whole into the
 * definition (lift-trunk.ts), which must match it to float precision whatever the storage.
 */
export async function runParity(
  runDir: string,
  modelPath: string,
  nRandom: number,
  nReal: number,
  logitAdjustment?: LogitAdjustment,
): Promise<ParityReport> {
  const run = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as RunConfig;
  const params = TfParams.fromStore(withLogitAdjustment(ParamStore.load(bestParamsOf(runDir)), logitAdjustment));
  const bytes = readFileSync(modelPath);
  const graphInput = onnxProto.onnx.ModelProto.decode(bytes).graph!.input![0]!;
  const inputName = graphInput.name!;
  const kind = inputName === IMAGE_INPUT ? 'full' : 'heads';
  // A gray-input model (one channel, replicated inside the graph) gets the first plane only.
  const grayInput = kind === 'full' && Number(graphInput.type?.tensorType?.shape?.dim?.[1]?.dimValue) === 1;
  const backend = (await selectBackend('wasm')).name;

  const batch = kind === 'full' ? await imageBatch(run, nRandom, nReal, grayInput) : featureBatch(run, nRandom, nReal);
  const trunk = kind === 'full' ? await loadBackboneFeatures(run) : (images: tf.Tensor4D) => images;
  const reference = inChunks(
    batch.tfInput,
    (x) => buildJadfer(new TfOps(params, { training: false }), run.model, trunk(x)).logits,
  );
  params.dispose();
  const lifted = kind === 'full' ? liftShippedModel(bytes, run.model) : undefined;
  const storedParams = lifted && TfParams.fromStore(lifted.params);
  const stored =
    lifted &&
    inChunks(batch.tfInput, (x) => buildJadfer(new TfOps(storedParams!, { training: false }), lifted.config, x).logits);
  storedParams?.dispose();
  batch.tfInput.dispose();

  const runtimes: Record<string, Agreement> = {};
  const storedRuntimes: Record<string, Agreement> = {};
  const realAgreement: number[] = [];
  for (const runtime of ORT_RUNTIMES) {
    const model = await loadOrtModel(runtime, bytes, 1);
    const logits = await model.run(inputName, batch.onnxInput, batch.onnxDims, LOGITS_OUTPUT);
    runtimes[runtime] = compareLogits(reference, logits, run.model.numClasses);
    // Noise inputs sit near ties that any rounding flips; agreement is judged on the faces.
    const faces = batch.real * run.model.numClasses;
    realAgreement.push(
      compareLogits(reference.subarray(0, faces), logits.subarray(0, faces), run.model.numClasses).top1Agreement,
    );
    if (stored) storedRuntimes[runtime] = compareLogits(stored, logits, run.model.numClasses);
    await model.release();
  }
  const worst = (r: Record<string, Agreement>) => ({
    maxAbsDiff: Math.max(...Object.values(r).map((a) => a.maxAbsDiff)),
    top1Agreement: Math.min(...Object.values(r).map((a) => a.top1Agreement)),
  });
  return {
    model: modelPath,
    kind,
    samples: { random: batch.random, real: batch.real },
    tfBackend: backend,
    ...worst(runtimes),
    faceTop1Agreement: batch.real ? Math.min(...realAgreement) : undefined,
    runtimes,
    ...(stored ? { stored: { ...worst(storedRuntimes), runtimes: storedRuntimes } } : {}),
  };
}

/** Logits of a big batch, 32 images at a time (a whole batch at 160×160 exhausts the TF.js wasm heap). */
function inChunks(x: tf.Tensor4D, logitsOf: (x: tf.Tensor4D) => tf.Tensor): Float32Array {
  const n = x.shape[0];
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += 32)
    parts.push(
      tf.tidy(
        () => logitsOf(tf.slice(x, [start, 0, 0, 0], [Math.min(32, n - start), -1, -1, -1])).dataSync() as Float32Array,
      ),
    );
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The file computes what was trained within `tolerance` and `minAgreement`, and what it stores to float precision. */
export function parityHolds(report: ParityReport, tolerance: number, minAgreement: number): boolean {
  const storedOk =
    !report.stored || (report.stored.top1Agreement === 1 && report.stored.maxAbsDiff <= STORED_TOLERANCE);
  return (
    storedOk && (report.faceTop1Agreement ?? report.top1Agreement) >= minAgreement && report.maxAbsDiff <= tolerance
  );
}

/** Float32 through two runtimes and TF.js: the definition and the file agree this well (measured 3e-6). */
export const STORED_TOLERANCE = 1e-4;

/** What a stored format may change (int8: measured on jadfer-base, 0.14 points of accuracy). */
export const STORAGE_PARITY: Record<WeightFormat, { maxAbsDiff: number; top1Agreement: number }> = {
  float32: { maxAbsDiff: 1e-4, top1Agreement: 1 },
  float16: { maxAbsDiff: 0.05, top1Agreement: 0.995 },
  int8: { maxAbsDiff: 0.5, top1Agreement: 0.995 },
  mixed: { maxAbsDiff: 0.5, top1Agreement: 0.995 },
};

/** A card's `parity` section: the report, the tolerance it was held to, and the command that measures it again. */
export function parityCardEntry(
  parity: ParityReport,
  tolerance: { maxAbsDiff: number; top1Agreement: number },
  runDir: string,
  onnxPath: string,
) {
  return {
    maxAbsDiff: parity.maxAbsDiff,
    top1Agreement: parity.top1Agreement,
    faceTop1Agreement: parity.faceTop1Agreement,
    tolerance,
    samples: parity.samples,
    runtimes: parity.runtimes,
    reference: `TF.js (${parity.tfBackend}): the backbone graph model + the JADFER heads from the same definition, with the run's float32 weights`,
    stored: {
      ...parity.stored,
      reference: `the file read back whole into the definition (training/export/lift-trunk.ts), TF.js; tolerance ${STORED_TOLERANCE}, top-1 1`,
    },
    command: `npm run parity -- --run ${runDir} --model ${onnxPath} --faces 512 --tolerance ${tolerance.maxAbsDiff} --min-agreement ${tolerance.top1Agreement}`,
  };
}

function featureBatch(run: RunConfig, nRandom: number, nReal: number): Batch {
  const { h, w, c } = run.model.featureShape;
  const size = h * w * c;
  const rng = new Rng(2024);
  const parts: Float32Array[] = [];
  let real = 0;
  if (nReal > 0 && existsSync(join(run.features.dir, 'valid.json'))) {
    const valid = FeatureSplit.open(run.features.dir, 'valid', ['orig']);
    real = Math.min(nReal, valid.meta.n);
    parts.push(
      valid.gather(
        Array.from({ length: real }, (_, i) => i),
        [],
      ),
    );
    valid.close();
  }
  // Random maps in the range the trunk produces (ReLU6-like: non-negative).
  parts.push(Float32Array.from({ length: nRandom * size }, () => Math.abs(rng.normal()) * 2));
  const n = real + nRandom;
  const data = new Float32Array(n * size);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { tfInput: tf.tensor4d(data, [n, h, w, c]), onnxInput: data, onnxDims: [n, h, w, c], random: nRandom, real };
}

async function imageBatch(run: RunConfig, nRandom: number, nReal: number, grayInput: boolean): Promise<Batch> {
  const { loadBackbone } = await import('../backbone/convert/tfjs-import.js');
  const { grayBatch } = await import('../backbone/preprocess.js');
  const { loadFerPlusSplit } = await import('../../common/ferplus.js');
  const { FERPLUS_DIR, ferplusAvailable } = await import('../data/paths.js');
  const spec = loadBackbone(run.features.backbone).spec;
  const rng = new Rng(2024);
  const faces: Uint8Array[] = [];
  if (nReal > 0 && ferplusAvailable()) {
    const split = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Valid`, { limit: nReal, pixels: true });
    faces.push(...split.items.map((item) => item.pixels!));
  }
  const real = faces.length;
  for (let i = 0; i < nRandom; i++) faces.push(Uint8Array.from({ length: 48 * 48 }, () => rng.int(256)));
  const s = spec.inputSize;
  const n = faces.length;
  const planar = grayBatch(faces, 48, spec, 'nchw');
  const plane = s * s;
  return {
    tfInput: tf.tensor4d(grayBatch(faces, 48, spec, 'nhwc'), [n, s, s, 3]),
    onnxInput: grayInput
      ? Float32Array.from({ length: n * plane }, (_, i) => planar[Math.floor(i / plane) * 3 * plane + (i % plane)]!)
      : planar,
    onnxDims: [n, grayInput ? 1 : 3, s, s],
    random: nRandom,
    real,
  };
}

/** The backbone as TF.js runs it (the graph the features were cached from), loaded once. */
async function loadBackboneFeatures(run: RunConfig): Promise<(images: tf.Tensor4D) => tf.Tensor4D> {
  const { loadBackbone } = await import('../backbone/convert/tfjs-import.js');
  const { CANDIDATES, candidatePath } = await import('../backbone/candidates.js');
  const { loadGraphModelFromDisk } = await import('../backbone/tfjs-env.js');
  const name = run.features.backbone;
  const candidate = CANDIDATES[name]!;
  const { model } = await loadGraphModelFromDisk(candidatePath(candidate), candidate.spec.inputSize);
  // The node the run's features were cached at: a trunk tail, if any, is part of the heads.
  const node = run.features.featureNode ?? loadBackbone(name).featureNode;
  return (images) => model.execute(images, node) as tf.Tensor4D;
}

const USAGE =
  'usage: parity.ts --run runs/<name> --model models/jadfer-<variant>.onnx [--random 8] [--faces 64] [--tolerance 1e-4] [--min-agreement 1]';

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = scriptArgs({
    usage: USAGE,
    numbers: ['random', 'faces', 'tolerance', 'min-agreement'],
    options: {
      run: { type: 'string' },
      model: { type: 'string' },
      random: { type: 'string', default: '8' },
      faces: { type: 'string', default: '64' },
      tolerance: { type: 'string', default: '1e-4' },
      'min-agreement': { type: 'string', default: '1' },
    },
  });
  if (!values.run || !values.model) {
    console.error(USAGE);
    process.exit(2);
  }
  // The model's own card says which logit adjustment it folded in.
  const card = JSON.parse(readFileSync(values.model.replace(/\.onnx$/, '.json'), 'utf8')) as {
    architecture?: { logitAdjustment?: LogitAdjustment };
  };
  const report = await runParity(
    values.run,
    values.model,
    Number(values.random),
    Number(values.faces),
    card.architecture?.logitAdjustment,
  );
  console.log(JSON.stringify(report, null, 2));
  if (!parityHolds(report, Number(values.tolerance), Number(values['min-agreement']))) process.exit(1);
}
