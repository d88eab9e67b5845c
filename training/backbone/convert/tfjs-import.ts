/**
 * TF.js graph model → IR: loads a fetched backbone candidate and walks `modelTopology.node`
 * backwards from the feature node, one IR node per TF op (the supported ops are listed in
 * ../to-onnx.ts). Anything else throws, naming the op.
 */
import { CANDIDATES, candidatePath, type BackboneCandidate } from '../candidates.js';
import type { PreprocessSpec } from '../preprocess.js';
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
} from '../tfjs-graph.js';
import { expandChannels, Ir, type BinKind, type IrNode, type IrOp, type Pads, type Shape, type Val } from './ir.js';

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

export class TfToIr {
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
