/**
 * TF.js graph model → ONNX (opset 17) converter for CNN face backbones.
 *
 * Walks `modelTopology.node` backwards from a chosen feature node, builds a small NCHW
 * intermediate representation, simplifies it (Pad and per-channel affine ops folded into
 * Conv, FusedBatchNorm folded, the PReLU idioms the TF.js converter leaves behind matched
 * back to PRelu, Relu/Minimum/Maximum chains turned into Clip) and emits it through
 * `OnnxGraphBuilder`. Only ops onnxruntime-web runs on WASM and WebGPU are emitted:
 * Conv, PRelu, Relu, Clip, LeakyRelu, Add, Sub, Mul, Max, Min, Abs, Sigmoid, MaxPool,
 * GlobalAveragePool, Flatten.
 *
 * Supported TF ops: Placeholder, Const, Identity, Conv2D, _FusedConv2D (BiasAdd,
 * FusedBatchNorm, Relu, Relu6, Prelu, LeakyRelu), DepthwiseConv2dNative,
 * FusedDepthwiseConv2dNative, BiasAdd, FusedBatchNorm(V2/V3), Relu, Relu6, Prelu,
 * LeakyRelu, Abs, Sigmoid, Add, AddV2, Sub, Mul, RealDiv (by constant), Maximum, Minimum,
 * Pad/PadV2 (spatial zero padding), MaxPool, Mean (over H,W). A 1-channel (grayscale) model
 * gets a 3-channel input whose first conv averages the channels. Anything else throws, naming the op.
 *
 *   node --import tsx training/backbone/to-onnx.ts [--backbone mobilefacenet] [--out path.onnx]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OnnxGraphBuilder, int, ints } from '../onnx/builder.js';
import { CANDIDATES, candidatePath, type BackboneCandidate } from './candidates.js';
import type { PreprocessSpec } from './preprocess.js';
import {
  attrBool,
  attrFloat,
  attrInts,
  attrString,
  attrStrings,
  decodeWeightsPure,
  readModelFiles,
  type ModelJson,
  type TfNode,
  type TfTensor,
} from './tfjs-graph.js';

/** The backbone chosen by the linear probe (training/backbone/PROBE.md). */
export const DEFAULT_BACKBONE = 'faceres-112';

export interface TfBackbone {
  name: string;
  json: ModelJson;
  weights: Map<string, TfTensor>;
  /** TF node whose output is the feature map (NHWC in TF, emitted as NCHW). */
  featureNode: string;
  /** Preprocessing the ONNX input expects (unless emitted with `normalize: true`). */
  spec: PreprocessSpec;
}

/** Loads a fetched candidate (see fetch.ts) with its preprocessing spec and feature node. */
export function loadBackbone(
  name = DEFAULT_BACKBONE,
  opts: { modelsDir?: string; featureNode?: string } = {},
): TfBackbone {
  const cand: BackboneCandidate | undefined = CANDIDATES[name];
  if (!cand) throw new Error(`unknown backbone ${name}; known: ${Object.keys(CANDIDATES).join(', ')}`);
  const { json, weightData } = readModelFiles(candidatePath(cand, opts.modelsDir));
  setInputSize(json, cand.spec.inputSize);
  return {
    name,
    json,
    weights: decodeWeightsPure(json, weightData),
    featureNode: opts.featureNode ?? cand.features[0]!.node,
    spec: cand.spec,
  };
}

/** Rewrites the H,W of NHWC placeholders (the trunks are fully convolutional). */
export function setInputSize(json: ModelJson, size: number): void {
  for (const n of json.modelTopology.node) {
    const dims = (n.attr?.shape?.shape as { dim?: { size: string | number }[] } | undefined)?.dim;
    if (n.op === 'Placeholder' && dims?.length === 4) {
      dims[1]!.size = String(size);
      dims[2]!.size = String(size);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Intermediate representation (NCHW, batch implicit)

type Shape = [number, number, number]; // C, H, W
type Pads = [number, number, number, number]; // top, left, bottom, right

type IrOp =
  | { op: 'input' }
  | {
      op: 'conv';
      x: number;
      w: Float32Array; // [co, ci/group, kh, kw]
      wShape: [number, number, number, number];
      b: Float32Array | null;
      strides: [number, number];
      dil: [number, number];
      pads: Pads;
      group: number;
    }
  | { op: 'pad'; x: number; pads: Pads }
  | { op: 'relu'; x: number }
  | { op: 'clip'; x: number; min: number; max: number }
  | { op: 'prelu'; x: number; slope: Float32Array }
  | { op: 'leakyrelu'; x: number; alpha: number }
  | { op: 'unary'; kind: 'Abs' | 'Sigmoid'; x: number }
  | { op: 'bin'; kind: BinKind; a: number; b: number }
  /** tensor ∘ constant; `c` is a scalar (length 1) or per-channel (length C); constFirst: c ∘ x */
  | { op: 'binc'; kind: BinKind; x: number; c: Float32Array; constFirst: boolean }
  | { op: 'gap'; x: number; keepDims: boolean }
  | { op: 'maxpool'; x: number; k: [number, number]; strides: [number, number]; pads: Pads }
  | { op: 'identity'; x: number };

type BinKind = 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min';

interface IrNode {
  id: number;
  tfName: string;
  shape: Shape | [number]; // [C] after a non-keepdims GAP
  def: IrOp;
}

type Val = { kind: 'ir'; id: number } | { kind: 'const'; t: TfTensor };

const inputsOf = (d: IrOp): number[] => {
  switch (d.op) {
    case 'input':
      return [];
    case 'bin':
      return [d.a, d.b];
    default:
      return [d.x];
  }
};

class Ir {
  nodes: IrNode[] = [];
  add(tfName: string, shape: IrNode['shape'], def: IrOp): number {
    const id = this.nodes.length;
    this.nodes.push({ id, tfName, shape, def });
    return id;
  }
  get(id: number): IrNode {
    return this.nodes[id]!;
  }
  consumers(outputs: number[]): Map<number, number> {
    const live = this.liveSet(outputs);
    const c = new Map<number, number>();
    for (const id of live) for (const i of inputsOf(this.get(id).def)) c.set(i, (c.get(i) ?? 0) + 1);
    for (const o of outputs) c.set(o, (c.get(o) ?? 0) + 1); // graph outputs count as consumers
    return c;
  }
  liveSet(outputs: number[]): Set<number> {
    const seen = new Set<number>();
    const stack = [...outputs];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...inputsOf(this.get(id).def));
    }
    return seen;
  }
}

// ---------------------------------------------------------------------------------------
// TF graph → IR

function samePads(inH: number, inW: number, kh: number, kw: number, s: [number, number], d: [number, number]): Pads {
  const one = (n: number, k: number, st: number, dl: number) => {
    const out = Math.ceil(n / st);
    const total = Math.max((out - 1) * st + (k - 1) * dl + 1 - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as const;
  };
  const [t, b] = one(inH, kh, s[0], d[0]);
  const [l, r] = one(inW, kw, s[1], d[1]);
  return [t, l, b, r];
}

const convOut = (n: number, k: number, s: number, d: number, p0: number, p1: number) =>
  Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;

function stripPort(name: string): string {
  // TF.js inputs may be "node:1" (second output) or "^node" (control dependency)
  return name.replace(/^\^/, '').replace(/:0$/, '');
}

class TfToIr {
  readonly ir = new Ir();
  private readonly nodes = new Map<string, TfNode>();
  private readonly memo = new Map<string, Val>();
  /** True when the TF model takes 1-channel input (its convs on the input absorb the channel average). */
  grayInput = false;
  inputId = -1;

  constructor(private readonly model: TfBackbone) {
    for (const n of model.json.modelTopology.node) this.nodes.set(n.name, n);
  }

  value(name: string): Val {
    const key = stripPort(name);
    if (/:\d+$/.test(key)) throw new Error(`multi-output TF node reference ${name} is not supported`);
    const hit = this.memo.get(key);
    if (hit) return hit;
    const v = this.convert(key);
    this.memo.set(key, v);
    return v;
  }

  private tensor(name: string, ctx: string): number {
    const v = this.value(name);
    if (v.kind !== 'ir') throw new Error(`${ctx}: expected a tensor input, got constant ${name}`);
    return v.id;
  }

  private constant(name: string, ctx: string): TfTensor {
    const v = this.value(name);
    if (v.kind !== 'const') throw new Error(`${ctx}: expected a constant input, got tensor ${name}`);
    return v.t;
  }

  private shape4(id: number, ctx: string): Shape {
    const s = this.ir.get(id).shape;
    if (s.length !== 3) throw new Error(`${ctx}: expected a 4-D feature map input`);
    return s as Shape;
  }

  /** Per-channel or scalar constant as a flat Float32Array of length 1 or C. */
  private channelConst(t: TfTensor, channels: number, ctx: string): Float32Array {
    const n = t.data.length;
    const nonUnit = t.shape.filter((d) => d !== 1);
    if (n === 1) return Float32Array.from(t.data);
    if (n === channels && nonUnit.length === 1 && t.shape[t.shape.length - 1] === channels)
      return Float32Array.from(t.data);
    throw new Error(
      `${ctx}: constant of shape [${t.shape}] does not broadcast as scalar or per-channel (C=${channels})`,
    );
  }

  private convert(name: string): Val {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`TF node ${name} not found in model.json`);
    const ctx = `${node.op} ${node.name}`;
    const ins = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const a = node.attr ?? {};
    switch (node.op) {
      case 'Const': {
        const t = this.model.weights.get(node.name);
        if (!t) throw new Error(`${ctx}: no weight data`);
        return { kind: 'const', t };
      }
      case 'Placeholder': {
        const dims = ((a.shape?.shape as { dim?: { size: string | number }[] } | undefined)?.dim ?? []).map((d) =>
          Number(d.size),
        );
        if (dims.length !== 4 || !(dims[1]! > 0 && dims[2]! > 0 && dims[3]! > 0))
          throw new Error(`${ctx}: expected NHWC input with static H,W,C, got [${dims}]`);
        if (dims[3] !== 3 && dims[3] !== 1) throw new Error(`${ctx}: expected 1 or 3 input channels, got ${dims[3]}`);
        // A 1-channel (grayscale) model still gets a 3-channel input: its first conv averages the
        // three channels (weights / 3 on each), exact for gray-replicated input.
        this.grayInput = dims[3] === 1;
        const id = this.ir.add(node.name, [3, dims[1]!, dims[2]!], { op: 'input' });
        this.inputId = id;
        return { kind: 'ir', id };
      }
      case 'Identity':
      case 'StopGradient':
        return this.value(ins[0]!);
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return { kind: 'ir', id: this.convertConv(node, ins, ctx) };
      case 'BiasAdd':
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum':
        return this.convertBinary(node, ins, ctx);
      case 'FusedBatchNorm':
      case 'FusedBatchNormV2':
      case 'FusedBatchNormV3': {
        if (attrBool(a.is_training)) throw new Error(`${ctx}: training-mode batch norm is not supported`);
        const x = this.tensor(ins[0]!, ctx);
        const [c] = this.shape4(x, ctx);
        const [scale, offset, mean, variance] = ins
          .slice(1, 5)
          .map((i) => this.channelConst(this.constant(i, ctx), c, ctx));
        const eps = attrFloat(a.epsilon) ?? 1e-3;
        const { mul, add } = bnAffine(scale!, offset!, mean!, variance!, eps, c);
        const m = this.ir.add(`${node.name}/mul`, [...this.shape4(x, ctx)], {
          op: 'binc',
          kind: 'Mul',
          x,
          c: mul,
          constFirst: false,
        });
        return {
          kind: 'ir',
          id: this.ir.add(node.name, [...this.shape4(x, ctx)], {
            op: 'binc',
            kind: 'Add',
            x: m,
            c: add,
            constFirst: false,
          }),
        };
      }
      case 'Relu':
      case 'Relu6':
      case 'Abs':
      case 'Sigmoid': {
        const x = this.tensor(ins[0]!, ctx);
        const shape = this.ir.get(x).shape;
        const def: IrOp =
          node.op === 'Relu'
            ? { op: 'relu', x }
            : node.op === 'Relu6'
              ? { op: 'clip', x, min: 0, max: 6 }
              : { op: 'unary', kind: node.op as 'Abs' | 'Sigmoid', x };
        return { kind: 'ir', id: this.ir.add(node.name, [...shape] as IrNode['shape'], def) };
      }
      case 'Prelu': {
        const x = this.tensor(ins[0]!, ctx);
        const s = this.shape4(x, ctx);
        return {
          kind: 'ir',
          id: this.ir.add(node.name, [...s], {
            op: 'prelu',
            x,
            slope: expandChannels(this.channelConst(this.constant(ins[1]!, ctx), s[0], ctx), s[0]),
          }),
        };
      }
      case 'LeakyRelu': {
        const x = this.tensor(ins[0]!, ctx);
        return {
          kind: 'ir',
          id: this.ir.add(node.name, [...this.shape4(x, ctx)], {
            op: 'leakyrelu',
            x,
            alpha: attrFloat(a.alpha) ?? 0.2,
          }),
        };
      }
      case 'Pad':
      case 'PadV2': {
        const x = this.tensor(ins[0]!, ctx);
        const p = this.constant(ins[1]!, ctx).data;
        if (node.op === 'PadV2' && this.constant(ins[2]!, ctx).data[0] !== 0)
          throw new Error(`${ctx}: only zero padding is supported`);
        if (p.length !== 8 || p[0] || p[1] || p[6] || p[7])
          throw new Error(`${ctx}: only spatial padding of NHWC maps is supported`);
        const [c, h, w] = this.shape4(x, ctx);
        const pads: Pads = [p[2]!, p[4]!, p[3]!, p[5]!];
        return {
          kind: 'ir',
          id: this.ir.add(node.name, [c, h + pads[0] + pads[2], w + pads[1] + pads[3]], { op: 'pad', x, pads }),
        };
      }
      case 'MaxPool': {
        const x = this.tensor(ins[0]!, ctx);
        const [c, h, w] = this.shape4(x, ctx);
        const k = attrInts(a.ksize);
        const st = attrInts(a.strides);
        if ((attrString(a.data_format) ?? 'NHWC') !== 'NHWC' || k.length !== 4 || k[0] !== 1 || k[3] !== 1)
          throw new Error(`${ctx}: only spatial NHWC max pooling is supported`);
        const kk: [number, number] = [k[1]!, k[2]!];
        const ss: [number, number] = [st[1] ?? 1, st[2] ?? 1];
        const padding = attrString(a.padding) ?? 'VALID';
        const pads: Pads = padding === 'SAME' ? samePads(h, w, kk[0], kk[1], ss, [1, 1]) : [0, 0, 0, 0];
        const oh = convOut(h, kk[0], ss[0], 1, pads[0], pads[2]);
        const ow = convOut(w, kk[1], ss[1], 1, pads[1], pads[3]);
        return { kind: 'ir', id: this.ir.add(node.name, [c, oh, ow], { op: 'maxpool', x, k: kk, strides: ss, pads }) };
      }
      case 'Mean': {
        const x = this.tensor(ins[0]!, ctx);
        const axes = Array.from(this.constant(ins[1]!, ctx).data)
          .map((v) => (v < 0 ? v + 4 : v))
          .sort();
        if (axes.join() !== '1,2')
          throw new Error(`${ctx}: only the spatial mean (axes 1,2) is supported, got [${axes}]`);
        const keepDims = !!(attrBool(a.keep_dims) ?? attrBool(a.keepDims));
        const [c] = this.shape4(x, ctx);
        return { kind: 'ir', id: this.ir.add(node.name, keepDims ? [c, 1, 1] : [c], { op: 'gap', x, keepDims }) };
      }
      default:
        throw new Error(`unsupported TF op ${node.op} (node ${node.name})`);
    }
  }

  private convertConv(node: TfNode, ins: string[], ctx: string): number {
    const a = node.attr ?? {};
    const depthwise = node.op.includes('Depthwise');
    const fmt = attrString(a.data_format) ?? 'NHWC';
    if (fmt !== 'NHWC') throw new Error(`${ctx}: data_format ${fmt} is not supported`);
    const x = this.tensor(ins[0]!, ctx);
    const [cin, h, w] = this.shape4(x, ctx);
    const wt = this.constant(ins[1]!, ctx);
    if (wt.shape.length !== 4) throw new Error(`${ctx}: kernel must be 4-D`);
    let [kh, kw, kci, km] = wt.shape as [number, number, number, number];
    let src = wt.data;
    if (this.grayInput && x === this.inputId) {
      if (depthwise || kci !== 1) throw new Error(`${ctx}: a grayscale-input model must start with a regular conv`);
      // [kh,kw,1,co] → [kh,kw,3,co] with w/3 per channel
      const rep = new Float32Array(kh * kw * 3 * km);
      for (let p = 0; p < kh * kw; p++)
        for (let c = 0; c < 3; c++) for (let o = 0; o < km; o++) rep[(p * 3 + c) * km + o] = src[p * km + o]! / 3;
      src = rep;
      kci = 3;
    }
    const stridesAttr = attrInts(a.strides);
    const dilAttr = attrInts(a.dilations);
    const strides: [number, number] = stridesAttr.length === 4 ? [stridesAttr[1]!, stridesAttr[2]!] : [1, 1];
    const dil: [number, number] = dilAttr.length === 4 ? [dilAttr[1]!, dilAttr[2]!] : [1, 1];
    const padding = attrString(a.padding) ?? 'VALID';
    let pads: Pads;
    if (padding === 'SAME') pads = samePads(h, w, kh, kw, strides, dil);
    else if (padding === 'VALID') pads = [0, 0, 0, 0];
    else if (padding === 'EXPLICIT') {
      const e = attrInts(a.explicit_paddings);
      pads = [e[2]!, e[4]!, e[3]!, e[5]!];
    } else throw new Error(`${ctx}: padding ${padding} is not supported`);

    let weights: Float32Array;
    let wShape: [number, number, number, number];
    let group = 1;
    let cout: number;
    if (depthwise) {
      // TF [kh, kw, ci, m] → ONNX [ci*m, 1, kh, kw], group = ci
      if (kci !== cin) throw new Error(`${ctx}: depthwise kernel expects ${kci} channels, input has ${cin}`);
      cout = kci * km;
      group = kci;
      wShape = [cout, 1, kh, kw];
      weights = new Float32Array(cout * kh * kw);
      for (let y = 0; y < kh; y++)
        for (let xx = 0; xx < kw; xx++)
          for (let c = 0; c < kci; c++)
            for (let m = 0; m < km; m++)
              weights[((c * km + m) * kh + y) * kw + xx] = src[((y * kw + xx) * kci + c) * km + m]!;
    } else {
      // TF [kh, kw, ci, co] → ONNX [co, ci, kh, kw]
      if (kci !== cin) throw new Error(`${ctx}: kernel expects ${kci} input channels, input has ${cin}`);
      cout = km;
      wShape = [cout, kci, kh, kw];
      weights = new Float32Array(cout * kci * kh * kw);
      for (let y = 0; y < kh; y++)
        for (let xx = 0; xx < kw; xx++)
          for (let c = 0; c < kci; c++)
            for (let o = 0; o < cout; o++)
              weights[((o * kci + c) * kh + y) * kw + xx] = src[((y * kw + xx) * kci + c) * cout + o]!;
    }
    const oh = convOut(h, kh, strides[0], dil[0], pads[0], pads[2]);
    const ow = convOut(w, kw, strides[1], dil[1], pads[1], pads[3]);
    const outShape: Shape = [cout, oh, ow];
    let id = this.ir.add(node.name, outShape, {
      op: 'conv',
      x,
      w: weights,
      wShape,
      b: null,
      strides,
      dil,
      pads,
      group,
    });

    const fused = node.op.startsWith('_Fused') || node.op.startsWith('Fused') ? attrStrings(a.fused_ops) : [];
    let arg = 2;
    const nextConst = () => this.channelConst(this.constant(ins[arg++]!, ctx), cout, ctx);
    for (const f of fused) {
      switch (f) {
        case 'BiasAdd': {
          id = this.ir.add(`${node.name}/bias`, [...outShape], {
            op: 'binc',
            kind: 'Add',
            x: id,
            c: expandChannels(nextConst(), cout),
            constFirst: false,
          });
          break;
        }
        case 'FusedBatchNorm': {
          const [scale, offset, mean, variance] = [nextConst(), nextConst(), nextConst(), nextConst()];
          const { mul, add } = bnAffine(scale, offset, mean, variance, attrFloat(a.epsilon) ?? 1e-3, cout);
          id = this.ir.add(`${node.name}/bn_mul`, [...outShape], {
            op: 'binc',
            kind: 'Mul',
            x: id,
            c: mul,
            constFirst: false,
          });
          id = this.ir.add(`${node.name}/bn_add`, [...outShape], {
            op: 'binc',
            kind: 'Add',
            x: id,
            c: add,
            constFirst: false,
          });
          break;
        }
        case 'Relu':
          id = this.ir.add(`${node.name}/relu`, [...outShape], { op: 'relu', x: id });
          break;
        case 'Relu6':
          id = this.ir.add(`${node.name}/relu6`, [...outShape], { op: 'clip', x: id, min: 0, max: 6 });
          break;
        case 'Prelu':
          id = this.ir.add(`${node.name}/prelu`, [...outShape], {
            op: 'prelu',
            x: id,
            slope: expandChannels(nextConst(), cout),
          });
          break;
        case 'LeakyRelu':
          id = this.ir.add(`${node.name}/leakyrelu`, [...outShape], {
            op: 'leakyrelu',
            x: id,
            alpha: attrFloat(a.leakyrelu_alpha) ?? 0.2,
          });
          break;
        default:
          throw new Error(`unsupported fused op ${f} in ${ctx}`);
      }
    }
    return id;
  }

  private convertBinary(node: TfNode, ins: string[], ctx: string): Val {
    const kindOf: Record<string, BinKind> = {
      BiasAdd: 'Add',
      Add: 'Add',
      AddV2: 'Add',
      Sub: 'Sub',
      Mul: 'Mul',
      RealDiv: 'Mul',
      Maximum: 'Max',
      Minimum: 'Min',
    };
    const kind = kindOf[node.op]!;
    const va = this.value(ins[0]!);
    const vb = this.value(ins[1]!);
    if (va.kind === 'const' && vb.kind === 'const')
      throw new Error(`${ctx}: constant folding of two constants is not supported`);
    if (va.kind === 'ir' && vb.kind === 'ir') {
      if (node.op === 'RealDiv') throw new Error(`${ctx}: division of two tensors is not supported`);
      const sa = this.ir.get(va.id).shape;
      const sb = this.ir.get(vb.id).shape;
      if (sa.join() !== sb.join())
        throw new Error(`${ctx}: broadcasting between tensors [${sa}] and [${sb}] is not supported`);
      return {
        kind: 'ir',
        id: this.ir.add(node.name, [...sa] as IrNode['shape'], { op: 'bin', kind, a: va.id, b: vb.id }),
      };
    }
    const constFirst = va.kind === 'const';
    const x = (constFirst ? vb : va) as { kind: 'ir'; id: number };
    const t = ((constFirst ? va : vb) as { kind: 'const'; t: TfTensor }).t;
    const shape = this.ir.get(x.id).shape;
    let c = this.channelConst(t, shape[0], ctx);
    if (node.op === 'RealDiv') {
      if (constFirst) throw new Error(`${ctx}: constant divided by a tensor is not supported`);
      c = c.map((v) => 1 / v);
    }
    return {
      kind: 'ir',
      id: this.ir.add(node.name, [...shape] as IrNode['shape'], { op: 'binc', kind, x: x.id, c, constFirst }),
    };
  }
}

function bnAffine(
  scale: Float32Array,
  offset: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
  c: number,
) {
  const mul = new Float32Array(c);
  const add = new Float32Array(c);
  const at = (v: Float32Array, i: number) => (v.length === 1 ? v[0]! : v[i]!);
  for (let i = 0; i < c; i++) {
    mul[i] = at(scale, i) / Math.sqrt(at(variance, i) + eps);
    add[i] = at(offset, i) - at(mean, i) * mul[i]!;
  }
  return { mul, add };
}

function expandChannels(v: Float32Array, c: number): Float32Array {
  if (v.length === c) return v;
  if (v.length === 1) return new Float32Array(c).fill(v[0]!);
  throw new Error(`cannot expand ${v.length} values to ${c} channels`);
}

// ---------------------------------------------------------------------------------------
// Simplification passes (each returns true when it changed something)

function rewriteUses(ir: Ir, from: number, to: number) {
  for (const n of ir.nodes) {
    const d = n.def;
    if (d.op === 'bin') {
      if (d.a === from) d.a = to;
      if (d.b === from) d.b = to;
    } else if (d.op !== 'input' && d.x === from) d.x = to;
  }
}

type Rule = (
  ir: Ir,
  id: number,
  single: (id: number) => boolean,
  replace: (from: number, to: number) => void,
) => boolean;

/** Structural folds and idiom matching (run first, while Max/Min/Relu are still explicit). */
const phase1: Rule[] = [
  (ir, id, _single, replace) => {
    const d = ir.get(id).def;
    if (d.op !== 'identity') return false;
    replace(id, d.x);
    return true;
  },
  // Pad → Conv
  (ir, id, single) => {
    const d = ir.get(id).def;
    if (d.op !== 'conv') return false;
    const src = ir.get(d.x).def;
    if (src.op !== 'pad' || !single(d.x)) return false;
    const p = src.pads;
    d.pads = [d.pads[0] + p[0], d.pads[1] + p[1], d.pads[2] + p[2], d.pads[3] + p[3]];
    d.x = src.x;
    return true;
  },
  // per-channel affine constant after a Conv → folded into its weights / bias
  (ir, id, single, replace) => {
    const d = ir.get(id).def;
    if (d.op !== 'binc' || d.constFirst || !(d.kind === 'Mul' || d.kind === 'Add' || d.kind === 'Sub')) return false;
    const cv = ir.get(d.x).def;
    if (cv.op !== 'conv' || !single(d.x)) return false;
    const co = cv.wShape[0];
    const c = expandChannels(d.c, co);
    const per = cv.w.length / co;
    if (!cv.b) cv.b = new Float32Array(co);
    for (let o = 0; o < co; o++) {
      if (d.kind === 'Mul') {
        for (let k = 0; k < per; k++) cv.w[o * per + k]! *= c[o]!;
        cv.b[o]! *= c[o]!;
      } else cv.b[o]! += d.kind === 'Add' ? c[o]! : -c[o]!;
    }
    replace(id, d.x);
    return true;
  },
  // PReLU idioms
  (ir, id, single) => {
    const n = ir.get(id);
    const d = n.def;
    if (d.op !== 'bin' || d.kind !== 'Add') return false;
    const m =
      matchPreluMaxMin(ir, d.a, d.b, single) ??
      matchPreluMaxMin(ir, d.b, d.a, single) ??
      matchPreluAbs(ir, d.a, d.b, single) ??
      matchPreluAbs(ir, d.b, d.a, single);
    if (!m) return false;
    n.def = { op: 'prelu', x: m.x, slope: m.slope };
    return true;
  },
];

/** Activation clean-up. */
const phase2: Rule[] = [
  // PReLU of a non-negative input (Relu / Clip≥0 output) is that input
  (ir, id, _single, replace) => {
    const d = ir.get(id).def;
    if (d.op !== 'prelu' || !isNonNegative(ir.get(d.x).def)) return false;
    replace(id, d.x);
    return true;
  },
  // Max / Min with a scalar constant → Clip
  (ir, id) => {
    const n = ir.get(id);
    const d = n.def;
    if (d.op !== 'binc' || !(d.kind === 'Max' || d.kind === 'Min') || d.c.length !== 1) return false;
    n.def =
      d.kind === 'Max'
        ? { op: 'clip', x: d.x, min: d.c[0]!, max: Infinity }
        : { op: 'clip', x: d.x, min: -Infinity, max: d.c[0]! };
    return true;
  },
  // Clip ∘ (Relu | Clip) → one Clip; Clip(0, ∞) → Relu
  (ir, id, single) => {
    const n = ir.get(id);
    const d = n.def;
    if (d.op !== 'clip') return false;
    const src = ir.get(d.x).def;
    const inner = src.op === 'relu' ? { x: src.x, min: 0, max: Infinity } : src.op === 'clip' ? src : null;
    if (inner && single(d.x)) {
      const lo = Math.max(inner.min, d.min);
      const hi = Math.min(inner.max, d.max);
      if (lo <= hi) {
        n.def = { op: 'clip', x: inner.x, min: lo, max: hi };
        return true;
      }
    }
    if (d.min === 0 && d.max === Infinity) {
      n.def = { op: 'relu', x: d.x };
      return true;
    }
    return false;
  },
];

function simplify(ir: Ir, outputs: number[]): number[] {
  const out = outputs.slice();
  const replace = (from: number, to: number) => {
    rewriteUses(ir, from, to);
    for (let i = 0; i < out.length; i++) if (out[i] === from) out[i] = to;
  };
  for (const rules of [phase1, phase2]) {
    for (let round = 0; ; round++) {
      if (round > 10000) throw new Error('simplify: did not converge');
      const uses = ir.consumers(out);
      const single = (id: number) => (uses.get(id) ?? 0) === 1 && !out.includes(id);
      let changed = false;
      for (const id of [...ir.liveSet(out)].sort((p, q) => p - q)) {
        if (rules.some((r) => r(ir, id, single, replace))) {
          changed = true;
          break;
        }
      }
      if (!changed) break;
    }
  }
  return out;
}

function isNonNegative(d: IrOp): boolean {
  return d.op === 'relu' || (d.op === 'clip' && d.min >= 0);
}

/** a = Max(x, 0) [or Clip(x, 0, ∞)], b = Mul(Min(x, 0), g) → PRelu(x, g). */
function matchPreluMaxMin(
  ir: Ir,
  a: number,
  b: number,
  single: (id: number) => boolean,
): { x: number; slope: Float32Array } | null {
  const da = ir.get(a).def;
  const db = ir.get(b).def;
  const maxX =
    da.op === 'binc' && da.kind === 'Max' && da.c.length === 1 && da.c[0] === 0 ? da.x : da.op === 'relu' ? da.x : null;
  if (maxX === null || !single(a) || !single(b)) return null;
  if (db.op !== 'binc' || db.kind !== 'Mul') return null;
  const dm = ir.get(db.x).def;
  if (dm.op !== 'binc' || dm.kind !== 'Min' || dm.c.length !== 1 || dm.c[0] !== 0 || dm.x !== maxX || !single(db.x))
    return null;
  const shape = ir.get(maxX).shape;
  return { x: maxX, slope: expandChannels(Float32Array.from(db.c), shape[0]) };
}

/**
 * TF-slim PReLU as the TF.js converter leaves it: a + m * (x - |x|) with a = Relu(x) → PRelu(x, 2m),
 * or a = x → PRelu(x, 1 + 2m).
 */
function matchPreluAbs(
  ir: Ir,
  a: number,
  b: number,
  single: (id: number) => boolean,
): { x: number; slope: Float32Array } | null {
  const db = ir.get(b).def;
  if (db.op !== 'binc' || db.kind !== 'Mul' || !single(b)) return null;
  const ds = ir.get(db.x).def;
  if (ds.op !== 'bin' || ds.kind !== 'Sub' || !single(db.x)) return null;
  const dabs = ir.get(ds.b).def;
  if (dabs.op !== 'unary' || dabs.kind !== 'Abs' || dabs.x !== ds.a || !single(ds.b)) return null;
  const x = ds.a;
  const c = ir.get(x).shape[0];
  const m = expandChannels(Float32Array.from(db.c), c);
  const da = ir.get(a).def;
  if (a === x) return { x, slope: m.map((v) => 1 + 2 * v) };
  if (da.op === 'relu' && da.x === x && single(a)) return { x, slope: m.map((v) => 2 * v) };
  return null;
}

// ---------------------------------------------------------------------------------------
// IR → ONNX

export interface EmitOptions {
  /** TF node to stop at (default: model.featureNode). */
  featureNode?: string;
  /** Emit (x - mean) / std at the front so the input takes raw 0..255 pixels. Default false. */
  normalize?: boolean;
  /** Prefix for initializer / tensor names. Default 'backbone'. */
  prefix?: string;
}

export interface EmitResult {
  /** NCHW [batch, C, h, w] feature map (or [batch, C] after a non-keepdims Mean). */
  output: string;
  shape: { c: number; h: number; w: number };
  /** Emitted ONNX op counts, for the record. */
  ops: Record<string, number>;
}

/**
 * Emits the backbone up to its feature node. `inputName` must be an NCHW float tensor
 * [batch, 3, H, W] already preprocessed per `model.spec` (or raw 0..255 with `normalize`).
 */
export function emitBackbone(
  g: OnnxGraphBuilder,
  inputName: string,
  model: TfBackbone,
  opts: EmitOptions = {},
): EmitResult {
  return emitBackboneMulti(g, inputName, model, [opts.featureNode ?? model.featureNode], opts)[0]!;
}

/** Emits several feature maps of the same backbone (shared trunk), one result per node. */
export function emitBackboneMulti(
  g: OnnxGraphBuilder,
  inputName: string,
  model: TfBackbone,
  featureNodes: string[],
  opts: EmitOptions = {},
): EmitResult[] {
  const conv = new TfToIr(model);
  const ids = featureNodes.map((f) => {
    const v = conv.value(f);
    if (v.kind !== 'ir') throw new Error(`feature node ${f} is a constant`);
    return v.id;
  });
  const ir = conv.ir;
  const outs = simplify(ir, ids);
  const live = [...ir.liveSet(outs)].sort((p, q) => p - q);
  if (conv.grayInput)
    for (const id of live)
      if (inputsOf(ir.get(id).def).includes(conv.inputId) && ir.get(id).def.op !== 'conv')
        throw new Error(
          `grayscale-input model: the input feeds a ${ir.get(id).def.op}, only convs can absorb the channel average`,
        );
  const inputs = live.filter((id) => ir.get(id).def.op === 'input');
  if (inputs.length !== 1) throw new Error(`expected exactly one graph input, found ${inputs.length}`);
  const pre = opts.prefix ?? 'backbone';
  const names = new Map<number, string>();
  const ops: Record<string, number> = {};
  const emit = (op: string, ins: string[], attrs: Parameters<OnnxGraphBuilder['op']>[2] = {}) => {
    ops[op] = (ops[op] ?? 0) + 1;
    return g.op(op, ins, attrs, `${pre}_${op.toLowerCase()}`);
  };
  const chan = (c: Float32Array, shapeC: number, tag: string) =>
    c.length === 1
      ? g.initializer(`${pre}_${tag}`, c, [])
      : g.initializer(`${pre}_${tag}`, expandChannels(c, shapeC), [shapeC, 1, 1]);

  for (const id of live) {
    const n = ir.get(id);
    const d = n.def;
    const x = d.op === 'input' ? '' : d.op === 'bin' ? '' : names.get(d.x)!;
    let name: string;
    switch (d.op) {
      case 'input': {
        name = inputName;
        if (opts.normalize) {
          const m = Float32Array.from(model.spec.mean);
          const inv = Float32Array.from(model.spec.std, (s) => 1 / s);
          name = emit('Sub', [name, g.initializer(`${pre}_mean`, m, [3, 1, 1])]);
          name = emit('Mul', [name, g.initializer(`${pre}_invstd`, inv, [3, 1, 1])]);
        }
        break;
      }
      case 'conv': {
        const w = g.initializer(`${pre}_w`, d.w, d.wShape);
        const ins = [x, w];
        if (d.b) ins.push(g.initializer(`${pre}_b`, d.b, [d.wShape[0]]));
        name = emit('Conv', ins, {
          kernel_shape: ints([d.wShape[2], d.wShape[3]]),
          strides: ints(d.strides),
          dilations: ints(d.dil),
          pads: ints(d.pads),
          group: int(d.group),
        });
        break;
      }
      case 'pad':
        throw new Error('a Pad that does not feed a Conv is not supported');
      case 'relu':
        name = emit('Relu', [x]);
        break;
      case 'clip': {
        const ins = [
          x,
          d.min === -Infinity ? '' : g.initializer(`${pre}_min`, [d.min], []),
          d.max === Infinity ? '' : g.initializer(`${pre}_max`, [d.max], []),
        ];
        while (ins[ins.length - 1] === '') ins.pop();
        name = emit('Clip', ins);
        break;
      }
      case 'prelu':
        name = emit('PRelu', [x, g.initializer(`${pre}_slope`, d.slope, [d.slope.length, 1, 1])]);
        break;
      case 'leakyrelu':
        name = emit('LeakyRelu', [x], { alpha: d.alpha });
        break;
      case 'unary':
        name = emit(d.kind, [x]);
        break;
      case 'bin':
        name = emit(d.kind, [names.get(d.a)!, names.get(d.b)!]);
        break;
      case 'binc': {
        const c = chan(d.c, n.shape[0], 'c');
        name = emit(d.kind, d.constFirst ? [c, x] : [x, c]);
        break;
      }
      case 'maxpool':
        name = emit('MaxPool', [x], { kernel_shape: ints(d.k), strides: ints(d.strides), pads: ints(d.pads) });
        break;
      case 'gap':
        name = emit('GlobalAveragePool', [x]);
        if (!d.keepDims) name = emit('Flatten', [name], { axis: int(1) });
        break;
      case 'identity':
        name = x;
        break;
    }
    names.set(id, name);
  }
  return outs.map((o) => {
    const s = ir.get(o).shape;
    return { output: names.get(o)!, shape: { c: s[0], h: s[1] ?? 1, w: s[2] ?? 1 }, ops };
  });
}

/** A standalone ONNX model: input `input` [batch,3,H,W] → output `features` [batch,C,h,w]. */
export function backboneToOnnx(
  model: TfBackbone,
  opts: EmitOptions = {},
): { bytes: Uint8Array; shape: EmitResult['shape']; ops: Record<string, number>; inputSize: number } {
  const g = new OnnxGraphBuilder(`${model.name}_backbone`);
  const inputSize = model.spec.inputSize;
  const input = g.input('input', ['batch', 3, inputSize, inputSize]);
  const r = emitBackbone(g, input, model, opts);
  g.alias(r.output, 'features');
  g.output('features', ['batch', r.shape.c, r.shape.h, r.shape.w]);
  const doc = JSON.stringify({
    backbone: model.name,
    featureNode: opts.featureNode ?? model.featureNode,
    spec: model.spec,
    normalize: !!opts.normalize,
  });
  return { bytes: g.toBytes(doc), shape: r.shape, ops: r.ops, inputSize };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1]?.endsWith('to-onnx.ts')) {
  const name = arg('backbone') ?? DEFAULT_BACKBONE;
  const model = loadBackbone(name, { featureNode: arg('node') });
  const r = backboneToOnnx(model, { normalize: process.argv.includes('--normalize') });
  const out = arg('out') ?? `.cache/onnx/${name}-backbone.onnx`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, r.bytes);
  console.log(
    JSON.stringify({
      out,
      bytes: r.bytes.length,
      featureNode: model.featureNode,
      shape: r.shape,
      ops: r.ops,
      spec: model.spec,
    }),
  );
}
