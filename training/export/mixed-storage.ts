/**
 * int8 where it costs least, float16 elsewhere, to a byte budget. Storing every weight as int8
 * flips 1.4–2.2 % of top-1 labels against float32 (jadfer-base and its distilled successor, 1,024
 * valid faces), mostly through the trunk's early blocks, whose per-channel ranges are uneven after
 * BatchNorm folding; the attention heads and the wide pointwise layers barely notice. So each weight
 * tensor's sensitivity is measured on its own (only it int8, the mean of the largest |Δlogit| per
 * face, on training faces), and tensors go to int8 in order of sensitivity per byte saved until the
 * file fits the budget. The int8 layers' biases are then corrected for the mean shift their rounding
 * causes (bias-correction.ts).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { FLOAT_COMPUTE } from './ort-run.js';
import { float16Tensors, roundFloat16Weights, storeWeights, weightTensors } from './quantize.js';
import { correctBiases } from './bias-correction.js';
import { argmax } from '../../common/metrics.js';

export interface MixedStoragePlan {
  bytes: Uint8Array;
  budget: number;
  int8: string[];
  /** The int8 layers whose float32 bias was corrected for their rounding's mean shift. */
  biasCorrected: string[];
  float16: string[];
  /** Per weight tensor: elements, and the logit drift when it alone is int8. */
  sensitivity: { name: string; elements: number; drift: number }[];
  calibration: string;
}

export async function planMixedStorage(
  model: Uint8Array,
  /** Calibration inputs, already preprocessed: [n, ...the model input's shape]. */
  input: { data: Float32Array; dims: number[] },
  budget: number,
  calibration: string,
): Promise<MixedStoragePlan> {
  const logits = (bytes: Uint8Array) => modelLogits(bytes, input);
  const n = input.dims[0]!;
  const reference = await logits(model);
  const sensitivity: MixedStoragePlan['sensitivity'] = [];
  for (const { name, elements } of weightTensors(model)) {
    const moved = await logits(storeWeights(model, (t) => (t === name ? 'int8' : 'float32')).bytes);
    const { drift } = logitChange(reference, moved, n);
    sensitivity.push({ name, elements, drift });
  }
  // Least drift per element first: each int8 tensor saves one byte per element over float16.
  const order = [...sensitivity].sort((a, b) => a.drift / a.elements - b.drift / b.elements);
  const int8 = new Set<string>();
  let bytes = storeWeights(model, 'float16').bytes;
  for (const { name } of order) {
    if (bytes.length <= budget) break;
    int8.add(name);
    bytes = storeWeights(model, (t) => (int8.has(t) ? 'int8' : 'float16')).bytes;
  }
  if (bytes.length > budget)
    throw new Error(`even all-int8 weights give ${bytes.length} bytes, over the ${budget} budget`);
  const corrected = await correctBiases(model, int8, input);
  bytes = storeWeights(corrected.bytes, (t) => (int8.has(t) ? 'int8' : 'float16')).bytes;
  return {
    bytes,
    budget,
    int8: [...int8],
    biasCorrected: corrected.corrected,
    float16: sensitivity.map((s) => s.name).filter((name) => !int8.has(name)),
    sensitivity,
    calibration,
  };
}

/** The model's logits on `input` (onnxruntime-node, float32 compute as the SDK runs it). */
export async function modelLogits(
  model: Uint8Array,
  input: { data: Float32Array; dims: number[] },
): Promise<Float32Array> {
  const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
  const [inputName, outputName] = [graph.input![0]!.name!, graph.output![0]!.name!];
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, extra: FLOAT_COMPUTE });
  try {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', input.data, input.dims) });
    return out[outputName]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** How far `moved` is from `reference` over n inputs: the mean of each input's largest |Δlogit|, and the top-1 labels that changed. */
export function logitChange(reference: Float32Array, moved: Float32Array, n: number): { drift: number; flips: number } {
  const classes = reference.length / n;
  const top = (l: Float32Array, i: number) => argmax(l.subarray(i * classes, (i + 1) * classes));
  let drift = 0;
  let flips = 0;
  for (let i = 0; i < n; i++) {
    let worst = 0;
    for (let k = 0; k < classes; k++)
      worst = Math.max(worst, Math.abs(moved[i * classes + k]! - reference[i * classes + k]!));
    drift += worst / n;
    if (top(moved, i) !== top(reference, i)) flips++;
  }
  return { drift, flips };
}

export interface Float16RoundingPlan {
  bytes: Uint8Array;
  bits: number;
  /** The float16 tensors rounded to `bits`; the others keep their 10 mantissa bits. */
  rounded: string[];
  kept: string[];
  /** Top-1 labels changed against the model as it was, on the calibration inputs, and the most allowed. */
  flips: number;
  maxFlips: number;
  calibration: string;
}

/**
 * Rounds float16 weights to `bits` mantissa bits where that costs least: each float16 tensor's
 * drift is measured with it alone rounded; in order of least drift per element, a tensor is rounded
 * when, with those before it, the model changes at most `maxFlipRate` of its top-1 labels on the
 * calibration inputs (training faces, never the validation split). A study (round-float16.ts): on
 * the default model it kept 2 of 1,024 training labels but not the 99.5 % top-1 parity on validation
 * faces that a shipped file keeps (docs/training.md, "Weights that compress").
 */
export async function planFloat16Rounding(
  model: Uint8Array,
  input: { data: Float32Array; dims: number[] },
  bits: number,
  maxFlipRate: number,
  calibration: string,
): Promise<Float16RoundingPlan> {
  const n = input.dims[0]!;
  const reference = await modelLogits(model, input);
  const tensors = float16Tensors(model);
  const cost = new Map<string, number>();
  for (const { name, elements } of tensors) {
    const alone = roundFloat16Weights(model, (t) => (t === name ? bits : 10));
    cost.set(name, logitChange(reference, await modelLogits(alone, input), n).drift / elements);
  }
  const maxFlips = Math.floor(maxFlipRate * n);
  const rounded = new Set<string>();
  let plan = { bytes: model, flips: 0 };
  for (const { name } of [...tensors].sort((a, b) => cost.get(a.name)! - cost.get(b.name)!)) {
    const bytes = roundFloat16Weights(model, (t) => (rounded.has(t) || t === name ? bits : 10));
    const { flips } = logitChange(reference, await modelLogits(bytes, input), n);
    if (flips > maxFlips) continue;
    rounded.add(name);
    plan = { bytes, flips };
  }
  return {
    ...plan,
    bits,
    rounded: [...rounded],
    kept: tensors.map((t) => t.name).filter((name) => !rounded.has(name)),
    maxFlips,
    calibration,
  };
}
