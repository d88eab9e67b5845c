/**
 * A shipped classifier read back whole into the one definition: the trunk part the exporter
 * emitted as plain ONNX convolutions (the stem, and the blocks that were frozen in training) is
 * lifted into the definition's own stem and trunk-tail blocks, and the trained part is read by
 * name (onnx-params.ts). The TF.js definition then computes the shipped file from the image, with
 * nothing but the checkout: the round-trip test (test/models/classifiers-roundtrip.test.ts) compares it
 * with onnxruntime on faces.
 */
import onnxProto from 'onnx-proto';
import type { JadferConfig, TailBlock } from '../model/config.js';
import { ParamStore } from '../model/params.js';
import { isTailParam, STEM_PARAMS, tailBlocks, tailInputShape, tailParamNames } from '../model/trunk-tail.js';
import { onnxConstants, paramsFromOnnx } from './onnx-params.js';
import { readTensor, type OnnxTensor, consumersOf } from './onnx-tensors.js';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

export interface LiftedModel {
  /** The card's config with the stem and every trunk block inside the definition; it reads the RGB image NHWC. */
  config: JadferConfig;
  params: ParamStore;
  /** Trunk blocks that were plain convolutions in the file (frozen in training). */
  liftedBlocks: number;
}

export function liftShippedModel(bytes: Uint8Array, cardConfig: JadferConfig): LiftedModel {
  const graph = onnx.ModelProto.decode(bytes).graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  const consumers = consumersOf(graph);
  const valueOf = onnxConstants(bytes);
  const only = (tensor: string, opType: string): Node => {
    const next = consumers.get(tensor) ?? [];
    if (next.length !== 1 || next[0]!.opType !== opType)
      throw new Error(`expected one ${opType} after ${tensor}, found [${next.map((n) => n.opType)}]`);
    return next[0]!;
  };
  const attr = (n: Node, name: string) => n.attribute!.find((a) => a.name === name);
  /** Conv (+ bias) → Clip(0, 6): the trunk's conv unit. Returns its weights and the Clip's output. */
  const convUnit = (from: string) => {
    const conv = only(from, 'Conv');
    const clip = only(conv.output![0]!, 'Clip');
    const [lo, hi] = clip.input!.slice(1).map((i) => readTensor(initializers.get(i)!)[0]);
    if (lo !== 0 || hi !== 6) throw new Error(`${clip.name}: Clip(${lo}, ${hi}) is not ReLU6`);
    const weight = valueOf(conv.input![1]!);
    const bias = conv.input![2] ? valueOf(conv.input![2]).data : new Float32Array(weight.dims[0]!);
    return {
      weight,
      bias,
      group: Number(attr(conv, 'group')?.i ?? 1),
      stride: Number(attr(conv, 'strides')?.ints?.[0] ?? 1) as 1 | 2,
      out: clip.output![0]!,
    };
  };

  const input = graph.input![0]!;
  const [channels, size] = [1, 2].map((d) => Number(input.type!.tensorType!.shape!.dim![d]!.dimValue)) as [
    number,
    number,
  ];
  if (consumers.get(input.name!)?.some((n) => n.opType === 'Gather'))
    throw new Error('the graph has the mirror view built in; mirroring is a runtime option now: re-export without it');
  // A gray model copies its one channel to the trunk's three.
  const rgb = channels === 1 ? only(input.name!, 'Concat').output![0]! : input.name!;
  const params = new ParamStore();
  const stem = convUnit(rgb);
  const [co, ci] = stem.weight.dims as [number, number];
  params.set(STEM_PARAMS.kernel, [3, 3, ci, co], transpose(stem.weight, [2, 3, 1, 0]));
  params.set(STEM_PARAMS.bias, [co], stem.bias);

  const lifted: TailBlock[] = [];
  let at = stem.out;
  let width = co;
  while (consumers.get(at)?.[0]?.opType === 'Conv') {
    const dw = convUnit(at);
    const pw = convUnit(dw.out);
    if (dw.group !== width) throw new Error(`a depthwise conv over ${width} channels has group ${dw.group}`);
    const out = pw.weight.dims[0]!;
    const names = tailParamNames(lifted.length);
    params.set(names.dwKernel, [3, 3, width, 1], transpose(dw.weight, [2, 3, 0, 1]));
    params.set(names.dwBias, [width], dw.bias);
    params.set(names.pwWeight, [width, out], transpose(pw.weight, [1, 0, 2, 3]));
    params.set(names.pwBias, [out], pw.bias);
    lifted.push({ stride: dw.stride, channels: out });
    at = pw.out;
    width = out;
  }

  // The trained blocks follow the lifted ones: same layout, numbered after them.
  const trained = cardConfig.tailBlocks > 0 ? tailBlocks(cardConfig) : [];
  const config: JadferConfig = {
    ...cardConfig,
    stem: { input: { h: size, w: size, c: 3 }, channels: co },
    tailBlocks: lifted.length + trained.length,
    tailLayout: {
      input: { h: Math.ceil(size / 2), w: Math.ceil(size / 2), c: co },
      blocks: [...lifted, ...trained.map(({ stride, channels }) => ({ stride, channels }))],
    },
  };
  if (tailInputShape(config).h !== size) throw new Error('lifted trunk does not start at the image');
  for (const [name, entry] of paramsFromOnnx(bytes, cardConfig).entries) {
    const renamed = isTailParam(name)
      ? name.replace(/^tail\.(\d+)\./, (_, i: string) => `tail.${Number(i) + lifted.length}.`)
      : name;
    params.set(renamed, entry.shape, entry.data);
  }
  tailBlocks(config); // throws unless the lifted and trained blocks chain into the heads' input
  return { config, params, liftedBlocks: lifted.length };
}

/** Permutes a dense tensor: out dims are dims[perm[k]]. */
export function transpose({ data, dims }: { data: Float32Array; dims: number[] }, perm: number[]): Float32Array {
  const outDims = perm.map((p) => dims[p]!);
  const strides = dims.map((_, k) => dims.slice(k + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(data.length);
  const index = new Array<number>(outDims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let k = 0; k < outDims.length; k++) source += index[k]! * strides[perm[k]!]!;
    out[o] = data[source]!;
    for (let k = outDims.length - 1; k >= 0; k--) {
      if (++index[k]! < outDims[k]!) break;
      index[k] = 0;
    }
  }
  return out;
}
