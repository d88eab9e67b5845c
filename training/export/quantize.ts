/**
 * Weight storage of an exported graph: the Conv and MatMul weights stored as int8 with one scale per
 * output channel (symmetric, zero point 0) behind a DequantizeLinear, or as float16 behind a Cast.
 * Activations stay float32: the graph computes exactly as before, with weights rounded once.
 *
 * Why weights only (measured on jadfer-base, 2026-11-30, onnxruntime-web WASM in Node, 1 thread, CPU
 * time per run): static QDQ with uint8 activations ran at 23–30 ms against 16–17 ms for float32 —
 * ORT's WASM build has no fast int8 path for these convolutions — while int8 weights alone cut the
 * file from 7.9 to 2.2 MB and, dequantized once when the session is created (the runtime sets
 * `session.disable_quant_qdq`, so constant folding removes every DequantizeLinear), run at float32
 * speed (16.0 against 16.1 ms). Per-tensor scales cost 16 points of accuracy; per-channel 0.14.
 */
import onnxProto from 'onnx-proto';
import { floatToHalf } from '../onnx/float16.js';
import { ElementType, readTensor, tensor, type OnnxTensor, consumersOf } from './onnx-tensors.js';

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;

export const WEIGHT_STORAGE = ['float32', 'float16', 'int8'] as const;
export type WeightStorage = (typeof WEIGHT_STORAGE)[number];
/** What an export may ask for: one storage for every weight, or int8/float16 mixed by measured sensitivity (mixed-storage.ts). */
export const WEIGHT_FORMATS = [...WEIGHT_STORAGE, 'mixed'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

/** Smaller tensors (biases, scales, LayerNorm) stay float32: they are a rounding error of the file. */
const MIN_ELEMENTS = 1024;

export interface StoredWeights {
  bytes: Uint8Array;
  /** Weight tensors converted, and their elements. */
  tensors: number;
  elements: number;
}

/**
 * A float16 value (its bits) rounded to `bits` mantissa bits, to nearest with ties to even, the
 * dropped bits zero. Still a float16, so every reader of the file sees an ordinary half; a value
 * that would round up to infinity is rounded down instead.
 */
export function roundHalf(half: number, bits: number): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > 10) throw new RangeError(`float16 mantissa bits: ${bits}`);
  const sign = half & 0x8000;
  const magnitude = half & 0x7fff;
  if (bits === 10 || magnitude >= 0x7c00) return half; // exact, or Inf/NaN
  const drop = 10 - bits;
  const down = magnitude >> drop;
  const rest = magnitude & ((1 << drop) - 1);
  const halfway = 1 << (drop - 1);
  const up = rest > halfway || (rest === halfway && (down & 1) === 1);
  let rounded = (down + (up ? 1 : 0)) << drop; // a carry into the exponent is still the nearest value
  if (rounded >= 0x7c00) rounded = down << drop;
  return sign | rounded;
}

/** `model` with each float16 initializer's halves rounded to `bitsOf(name)` mantissa bits (10: as they are). */
export function roundFloat16Weights(model: Uint8Array, bitsOf: (name: string) => number): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const initializers = decoded.graph!.initializer!;
  initializers.forEach((t, i) => {
    const bits = t.dataType === ElementType.FLOAT16 ? bitsOf(t.name!) : 10;
    if (bits === 10) return;
    // ONNX keeps halves in raw_data, or one per int32_data entry.
    const halves = t.rawData?.length
      ? new Uint16Array(Uint8Array.from(t.rawData).buffer)
      : Uint16Array.from(t.int32Data ?? []);
    initializers[i] = tensor(
      t.name!,
      t.dims!.map(Number),
      ElementType.FLOAT16,
      halves.map((h) => roundHalf(h, bits)),
    );
  });
  return onnx.ModelProto.encode(decoded).finish();
}

/** The float16 initializers of a model, with their element counts. */
export function float16Tensors(model: Uint8Array): { name: string; elements: number }[] {
  return onnx.ModelProto.decode(model)
    .graph!.initializer!.filter((t) => t.dataType === ElementType.FLOAT16)
    .map((t) => ({ name: t.name!, elements: t.dims!.map(Number).reduce((a, b) => a * b, 1) }));
}

export function storeWeights(
  model: Uint8Array,
  storage: WeightStorage | ((name: string, elements: number) => WeightStorage),
): StoredWeights {
  if (storage === 'float32') return { bytes: model, tensors: 0, elements: 0 };
  const storageOf = typeof storage === 'function' ? storage : () => storage;
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  const weights = weightChannelAxes(graph, initializers);
  const decoders: Node[] = [];
  let elements = 0;
  for (const [name, axis] of weights) {
    const source = initializers.get(name)!;
    const values = readTensor(source);
    const dims = source.dims!.map(Number);
    const format = storageOf(name, values.length);
    if (format === 'float32') continue;
    const stored = `${name}::${format}`;
    graph.initializer!.splice(graph.initializer!.indexOf(source), 1);
    if (format === 'float16') {
      graph.initializer!.push(tensor(stored, dims, ElementType.FLOAT16, Uint16Array.from(values, floatToHalf)));
      decoders.push(node('Cast', [stored], name, [{ name: 'to', i: ElementType.FLOAT }]));
    } else {
      const { q, scales } = quantizePerChannel(values, dims, axis);
      graph.initializer!.push(
        tensor(stored, dims, ElementType.INT8, q),
        tensor(`${stored}.scale`, [scales.length], ElementType.FLOAT, scales),
        tensor(`${stored}.zero`, [scales.length], ElementType.INT8, new Int8Array(scales.length)),
      );
      decoders.push(
        node('DequantizeLinear', [stored, `${stored}.scale`, `${stored}.zero`], name, [{ name: 'axis', i: axis }]),
      );
    }
    elements += values.length;
  }
  // The decoders read initializers only, so they may lead the node list (it stays topologically sorted).
  graph.node = [...decoders, ...graph.node!];
  return { bytes: onnx.ModelProto.encode(decoded).finish(), tensors: weights.size, elements };
}

/** The weight tensors storeWeights converts, with their element counts. */
export function weightTensors(model: Uint8Array): { name: string; elements: number }[] {
  const graph = onnx.ModelProto.decode(model).graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  return [...weightChannelAxes(graph, initializers).keys()].map((name) => ({
    name,
    elements: initializers
      .get(name)!
      .dims!.map(Number)
      .reduce((a, b) => a * b, 1),
  }));
}

/**
 * Symmetric int8 per channel along `axis`: q = round(w / s). Each channel's scale clips its range at
 * the fraction of max|w| (1, 0.98, …, 0.6) with the least squared error: a lone outlier then no longer
 * coarsens the step of every other weight in its channel.
 */
export function quantizePerChannel(values: Float32Array, dims: number[], axis: number) {
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const members: number[][] = Array.from({ length: channels }, () => []);
  values.forEach((_, i) => members[channelOf(i)]!.push(i));
  const scales = Float32Array.from(members, (indices) => {
    const max = Math.max(...indices.map((i) => Math.abs(values[i]!)));
    if (max === 0) return 1;
    let best = { error: Infinity, scale: max / 127 };
    for (let clip = 1; clip >= 0.6 - 1e-9; clip -= 0.02) {
      const scale = Math.fround((clip * max) / 127);
      let error = 0;
      for (const i of indices)
        error += (values[i]! - Math.max(-127, Math.min(127, Math.round(values[i]! / scale))) * scale) ** 2;
      if (error < best.error) best = { error, scale };
    }
    return best.scale;
  });
  const q = Int8Array.from(values, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scales[channelOf(i)]!))));
  return { q, scales, channelOf };
}

/** The values the stored int8 weights decode to (what DequantizeLinear gives the graph). */
export function dequantizePerChannel(values: Float32Array, dims: number[], axis: number): Float32Array {
  const { q, scales, channelOf } = quantizePerChannel(values, dims, axis);
  return Float32Array.from(q, (v, i) => v * scales[channelOf(i)]!);
}

/**
 * Float initializers used as a Conv weight or a MatMul's right-hand side (directly, or through the
 * Transpose the depthwise export puts in front of its kernel), with the axis that indexes their
 * output channels in their own layout.
 */
function weightChannelAxes(graph: Graph, initializers: Map<string, OnnxTensor>): Map<string, number> {
  const consumers = consumersOf(graph);
  const axes = new Map<string, number>();
  for (const [name, t] of initializers) {
    if (t.dataType !== ElementType.FLOAT || t.dims!.map(Number).reduce((a, b) => a * b, 1) < MIN_ELEMENTS) continue;
    const uses = consumers.get(name) ?? [];
    const axis = uses.map((use) => channelAxis(use, name, consumers));
    if (axis.length > 0 && axis.every((a) => a !== undefined && a === axis[0])) axes.set(name, axis[0]!);
  }
  return axes;
}

function channelAxis(use: Node, name: string, consumers: Map<string, Node[]>): number | undefined {
  if (use.opType === 'Conv' && use.input![1] === name) return 0; // [out, in/group, kh, kw]
  if (use.opType === 'MatMul' && use.input![1] === name) return 1; // [K, N]
  if (use.opType === 'Transpose') {
    const perm = use.attribute!.find((a) => a.name === 'perm')!.ints!.map(Number);
    const after = (consumers.get(use.output![0]!) ?? []).map((next) => channelAxis(next, use.output![0]!, consumers));
    return after.length > 0 && after.every((a) => a !== undefined && a === after[0]) ? perm[after[0]!] : undefined;
  }
  return undefined;
}

function node(opType: string, input: string[], output: string, ints: { name: string; i: number }[]) {
  return onnx.NodeProto.create({
    opType,
    name: `${output}::decode`,
    input,
    output: [output],
    attribute: ints.map(({ name, i }) =>
      onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
    ),
  });
}
