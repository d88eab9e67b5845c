/**
 * TF.js (the training definition) vs the exported ONNX, on onnxruntime-node and
 * onnxruntime-web (WASM, in Node, 1 thread). Prints JSON {maxAbsDiff, top1Agreement} per runtime.
 *
 *   npm run parity -- --run runs/<name> --model models/jadfer-<variant>.onnx [--random 8] [--faces 64] [--mirror-average]
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
import type { RunConfig } from '../train/trainer.js';
import { IMAGE_INPUT, LOGITS_OUTPUT } from './onnx-model.js';
import { compareLogits, loadOrtModel, ORT_RUNTIMES, type Agreement } from './ort-run.js';
import { scriptArgs } from '../../cli/args.js';

export interface ParityReport {
  model: string;
  kind: 'full' | 'heads';
  samples: { random: number; real: number };
  tfBackend: string;
  maxAbsDiff: number;
  top1Agreement: number;
  runtimes: Record<string, Agreement>;
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

/** `mirrorAverage`: the model averages each face with its mirror image (export --mirror-average); the reference does the same. */
export async function runParity(
  runDir: string,
  modelPath: string,
  nRandom: number,
  nReal: number,
  mirrorAverage = false,
): Promise<ParityReport> {
  const run = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as RunConfig;
  const params = TfParams.fromStore(ParamStore.load(join(runDir, 'best', 'params')));
  const bytes = readFileSync(modelPath);
  const graphInput = onnxProto.onnx.ModelProto.decode(bytes).graph!.input![0]!;
  const inputName = graphInput.name!;
  const kind = inputName === IMAGE_INPUT ? 'full' : 'heads';
  // A gray-input model (one channel, replicated inside the graph) gets the first plane only.
  const grayInput = kind === 'full' && Number(graphInput.type?.tensorType?.shape?.dim?.[1]?.dimValue) === 1;
  const backend = (await selectBackend('wasm')).name;

  const batch = kind === 'full' ? await imageBatch(run, nRandom, nReal, grayInput) : featureBatch(run, nRandom, nReal);
  if (mirrorAverage && kind !== 'full') throw new Error('mirror averaging needs a full model (image input)');
  // The trunk is loaded once; the mirrored faces (NHWC width axis) take a second pass, not a batch twice
  // as large: at 160×160 one pass of 144 faces through the whole trunk exhausts the TF.js wasm heap.
  const trunk = kind === 'full' ? await loadBackboneFeatures(run) : (images: tf.Tensor4D) => images;
  const logitsOf = (images: tf.Tensor4D) =>
    tf.tidy(() => buildJadfer(new TfOps(params, { training: false }), run.model, trunk(images)).logits);
  const mirrored = mirrorAverage ? [tf.reverse(batch.tfInput, 2)] : [];
  const views = [batch.tfInput, ...mirrored].map(logitsOf);
  const reference = tf.tidy(() => tf.mean(tf.stack(views), 0).dataSync() as Float32Array);
  tf.dispose([...views, ...mirrored]);

  const runtimes: Record<string, Agreement> = {};
  for (const runtime of ORT_RUNTIMES) {
    const model = await loadOrtModel(runtime, bytes, 1);
    runtimes[runtime] = compareLogits(
      reference,
      await model.run(inputName, batch.onnxInput, batch.onnxDims, LOGITS_OUTPUT),
      run.model.numClasses,
    );
    await model.release();
  }
  const all = Object.values(runtimes);
  return {
    model: modelPath,
    kind,
    samples: { random: batch.random, real: batch.real },
    tfBackend: backend,
    maxAbsDiff: Math.max(...all.map((a) => a.maxAbsDiff)),
    top1Agreement: Math.min(...all.map((a) => a.top1Agreement)),
    runtimes,
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
  const { loadFerPlusSplit } = await import('../data/ferplus.js');
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
  'usage: parity.ts --run runs/<name> --model models/jadfer-<variant>.onnx [--random 8] [--faces 64] [--mirror-average]';

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = scriptArgs({
    usage: USAGE,
    numbers: ['random', 'faces', 'tolerance'],
    options: {
      run: { type: 'string' },
      model: { type: 'string' },
      random: { type: 'string', default: '8' },
      faces: { type: 'string', default: '64' },
      tolerance: { type: 'string', default: '1e-4' },
      'mirror-average': { type: 'boolean', default: false },
    },
  });
  if (!values.run || !values.model) {
    console.error(USAGE);
    process.exit(2);
  }
  const report = await runParity(
    values.run,
    values.model,
    Number(values.random),
    Number(values.faces),
    values['mirror-average'],
  );
  console.log(JSON.stringify(report, null, 2));
  if (report.top1Agreement < 1 || report.maxAbsDiff > Number(values.tolerance)) process.exit(1);
}
