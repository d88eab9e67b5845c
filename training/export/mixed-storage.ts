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
import { storeWeights, weightTensors } from './quantize.js';
import { correctBiases } from './bias-correction.js';

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
  const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
  const [inputName, outputName] = [graph.input![0]!.name!, graph.output![0]!.name!];
  const logits = async (bytes: Uint8Array) => {
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, extra: FLOAT_COMPUTE });
    try {
      const out = await session.run({ [inputName]: new ort.Tensor('float32', input.data, input.dims) });
      return out[outputName]!.data as Float32Array;
    } finally {
      await session.release();
    }
  };
  const n = input.dims[0]!;
  const reference = await logits(model);
  const classes = reference.length / n;
  const sensitivity: MixedStoragePlan['sensitivity'] = [];
  for (const { name, elements } of weightTensors(model)) {
    const moved = await logits(storeWeights(model, (t) => (t === name ? 'int8' : 'float32')).bytes);
    let drift = 0;
    for (let i = 0; i < n; i++) {
      let worst = 0;
      for (let k = 0; k < classes; k++)
        worst = Math.max(worst, Math.abs(moved[i * classes + k]! - reference[i * classes + k]!));
      drift += worst / n;
    }
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
