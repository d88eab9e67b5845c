/** IR → ONNX through `OnnxGraphBuilder`: the backbone up to one or more feature nodes. */
import { OnnxGraphBuilder, int, ints } from '../../onnx/builder.js';
import { expandChannels, inputsOf } from './ir.js';
import { simplify } from './rewrites.js';
import { TfToIr, type TfBackbone } from './tfjs-import.js';

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
