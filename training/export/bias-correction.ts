/**
 * Bias correction for int8 weights (Nagel et al. 2019, "Data-free quantization", §4.2, empirical
 * form): rounding a layer's weights to int8 shifts each output channel by ΔW·E[x], a systematic
 * error that every face shares and that compounds through the layers after it. Measured on
 * calibration faces, it is taken out of the layer's float32 bias, so the stored file computes
 * W_int8·x + b − ΔW·E[x]: the same cost, less drift. Handled: a Conv with group 1 and a bias, and a
 * MatMul whose product feeds one Add with a constant bias (the JADFER heads' dense layers).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { FLOAT_COMPUTE } from './ort-run.js';
import { ElementType, readTensor, tensor, type OnnxTensor, consumersOf } from './onnx-tensors.js';
import { dequantizePerChannel } from './quantize.js';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

interface Target {
  weight: string;
  /** The layer's data input, whose per-channel mean is measured. */
  input: string;
  bias: OnnxTensor;
  kind: 'conv' | 'matmul';
}

/** The model with the biases of the `int8` weight layers corrected; the weights themselves untouched. */
export async function correctBiases(
  model: Uint8Array,
  int8: ReadonlySet<string>,
  calibration: { data: Float32Array; dims: number[] },
): Promise<{ bytes: Uint8Array; corrected: string[] }> {
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  const consumers = consumersOf(graph);
  const targets = [...int8].flatMap((weight) => {
    const target = targetOf(weight, consumers, initializers);
    return target ? [target] : [];
  });
  if (targets.length === 0) return { bytes: model, corrected: [] };

  const means = await inputMeans(model, targets, calibration);
  for (const target of targets) {
    const w = initializers.get(target.weight)!;
    const values = readTensor(w);
    const dims = w.dims!.map(Number);
    const axis = target.kind === 'conv' ? 0 : 1;
    const delta = dequantizePerChannel(values, dims, axis).map((q, i) => q - values[i]!);
    const mean = means.get(target.input)!;
    const bias = readTensor(target.bias);
    if (target.kind === 'conv') {
      // [out, in, kh, kw]: each input channel's mean times the kernel's rounding error, summed.
      const [out, inputs] = dims as [number, number];
      const taps = values.length / (out * inputs);
      for (let o = 0; o < out; o++)
        for (let c = 0; c < inputs; c++)
          for (let t = 0; t < taps; t++) bias[o]! -= delta[(o * inputs + c) * taps + t]! * mean[c]!;
    } else {
      const [inputs, out] = dims as [number, number];
      for (let k = 0; k < inputs; k++) for (let o = 0; o < out; o++) bias[o]! -= delta[k * out + o]! * mean[k]!;
    }
    const replaced = tensor(target.bias.name!, target.bias.dims!.map(Number), ElementType.FLOAT, bias);
    graph.initializer![graph.initializer!.indexOf(target.bias)] = replaced;
  }
  return { bytes: onnx.ModelProto.encode(decoded).finish(), corrected: targets.map((t) => t.weight) };
}

function targetOf(weight: string, consumers: Map<string, Node[]>, initializers: Map<string, OnnxTensor>) {
  const uses = consumers.get(weight) ?? [];
  if (uses.length !== 1) return undefined;
  const use = uses[0]!;
  const group = use.attribute?.find((a) => a.name === 'group')?.i;
  if (use.opType === 'Conv' && use.input![1] === weight && Number(group ?? 1) === 1) {
    const bias = initializers.get(use.input![2] ?? '');
    return bias ? ({ weight, input: use.input![0]!, bias, kind: 'conv' } as Target) : undefined;
  }
  if (use.opType === 'MatMul' && use.input![1] === weight) {
    const adds = consumers.get(use.output![0]!) ?? [];
    const bias =
      adds.length === 1 && adds[0]!.opType === 'Add'
        ? adds[0]!.input!.map((i) => initializers.get(i)).find(Boolean)
        : undefined;
    return bias ? ({ weight, input: use.input![0]!, bias, kind: 'matmul' } as Target) : undefined;
  }
  return undefined;
}

/** Per channel of each target's input, the mean over the calibration faces (NCHW for a Conv, last axis for a MatMul). */
async function inputMeans(
  model: Uint8Array,
  targets: Target[],
  calibration: { data: Float32Array; dims: number[] },
): Promise<Map<string, Float32Array>> {
  const probe = onnx.ModelProto.decode(model);
  const graph = probe.graph!;
  const wanted = [...new Set(targets.map((t) => t.input))];
  for (const name of wanted)
    graph.output!.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: ElementType.FLOAT } } }));
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), {
    intraOpNumThreads: 1,
    extra: FLOAT_COMPUTE,
  });
  try {
    const out = await session.run({
      [graph.input![0]!.name!]: new ort.Tensor('float32', calibration.data, calibration.dims),
    });
    const kinds = new Map(targets.map((t) => [t.input, t.kind]));
    return new Map(
      wanted.map((name) => {
        const { data, dims } = out[name]! as { data: Float32Array; dims: readonly number[] };
        const channels = kinds.get(name) === 'conv' ? dims[1]! : dims.at(-1)!;
        const inner = kinds.get(name) === 'conv' ? dims.slice(2).reduce((a, b) => a * b, 1) : 1;
        const sums = new Float64Array(channels);
        for (let i = 0; i < data.length; i++) {
          const c = Math.floor(i / inner) % channels;
          sums[c] = sums[c]! + data[i]!;
        }
        const count = data.length / channels;
        return [name, Float32Array.from(sums, (s) => s / count)];
      }),
    );
  } finally {
    await session.release();
  }
}
