/**
 * `Ops` that emit ONNX nodes (opset 17) through OnnxGraphBuilder. Params become initializers
 * read from a ParamStore under the same names; JAD and dropout are the identity (inference).
 */
import { OnnxGraphBuilder, int, ints } from '../onnx/builder.js';
import { LAYER_NORM_EPS, sameStride2Pads, type Init, type Ops } from './ops.js';
import type { ParamStore } from './params.js';

export class OnnxOps implements Ops<string> {
  readonly training = false;
  private readonly emitted = new Map<string, string>();
  /** Initializer tensor name → shape (the grouped Conv needs the channel count). */
  private readonly paramShapes = new Map<string, number[]>();

  constructor(
    readonly g: OnnxGraphBuilder,
    private readonly store: ParamStore,
  ) {}

  param(name: string, shape: number[], _init: Init): string {
    let tensor = this.emitted.get(name);
    if (!tensor) {
      tensor = this.g.initializer(name, this.store.require(name, shape).data, shape);
      this.emitted.set(name, tensor);
      this.paramShapes.set(tensor, shape);
    }
    return tensor;
  }

  private constant(value: number): string {
    const key = `const:${value}`;
    let tensor = this.emitted.get(key);
    if (!tensor) {
      tensor = this.g.initializer('const', [value], []);
      this.emitted.set(key, tensor);
    }
    return tensor;
  }

  matMul = (a: string, b: string) => this.g.op('MatMul', [a, b]);
  add = (a: string, b: string) => this.g.op('Add', [a, b]);
  sub = (a: string, b: string) => this.g.op('Sub', [a, b]);
  mul = (a: string, b: string) => this.g.op('Mul', [a, b]);
  scale = (x: string, k: number) => this.g.op('Mul', [x, this.constant(k)]);
  softmax = (x: string) => this.g.op('Softmax', [x], { axis: int(-1) });
  reshape = (x: string, shape: number[]) => this.g.op('Reshape', [x, this.g.int64('shape', shape)]);
  transpose = (x: string, perm: number[]) => this.g.op('Transpose', [x], { perm: ints(perm) });
  mean = (x: string, axis: number, keepDims: boolean) =>
    this.g.op('ReduceMean', [x], { axes: ints([axis]), keepdims: int(keepDims ? 1 : 0) });
  // opset 13+: ReduceSum takes its axes as an input tensor.
  sum = (x: string, axis: number) => this.g.op('ReduceSum', [x, this.g.int64('axes', [axis])], { keepdims: int(0) });
  concat = (xs: string[], axis: number) => this.g.op('Concat', xs, { axis: int(axis) });
  relu = (x: string) => this.g.op('Relu', [x]);
  sigmoid = (x: string) => this.g.op('Sigmoid', [x]);
  relu6 = (x: string) => this.g.op('Clip', [x, this.constant(0), this.constant(6)]);

  /** Grouped Conv (group = C) in NCHW between two transposes; ORT folds the kernel transpose. */
  depthwiseConv3x3(x: string, kernel: string): string {
    return this.groupedConv3x3(x, kernel, 1, [1, 1, 1, 1]);
  }

  depthwiseConv3x3Stride2(x: string, kernel: string, [h, w]: [number, number]): string {
    const [top, bottom] = sameStride2Pads(h);
    const [left, right] = sameStride2Pads(w);
    return this.groupedConv3x3(x, kernel, 2, [top, left, bottom, right]);
  }

  private groupedConv3x3(x: string, kernel: string, stride: number, pads: number[]): string {
    const weight = this.g.op('Transpose', [kernel], { perm: ints([2, 3, 0, 1]) }); // [3,3,C,1] → [C,1,3,3]
    const weightShape = this.paramShapes.get(kernel);
    if (!weightShape) throw new Error('depthwiseConv3x3: the kernel must be a param');
    const nchw = this.g.op('Transpose', [x], { perm: ints([0, 3, 1, 2]) });
    const conv = this.g.op('Conv', [nchw, weight], {
      group: int(weightShape[2]!),
      kernel_shape: ints([3, 3]),
      pads: ints(pads),
      strides: ints([stride, stride]),
    });
    return this.g.op('Transpose', [conv], { perm: ints([0, 2, 3, 1]) });
  }

  /** Full Conv in NCHW between two transposes: [3,3,Cin,Cout] → [Cout,Cin,3,3], which ORT folds. */
  conv3x3Stride2(x: string, kernel: string, [h, w]: [number, number]): string {
    const [top, bottom] = sameStride2Pads(h);
    const [left, right] = sameStride2Pads(w);
    const weight = this.g.op('Transpose', [kernel], { perm: ints([3, 2, 0, 1]) });
    const nchw = this.g.op('Transpose', [x], { perm: ints([0, 3, 1, 2]) });
    const conv = this.g.op('Conv', [nchw, weight], {
      kernel_shape: ints([3, 3]),
      pads: ints([top, left, bottom, right]),
      strides: ints([2, 2]),
    });
    return this.g.op('Transpose', [conv], { perm: ints([0, 2, 3, 1]) });
  }

  gelu(x: string): string {
    // Erf form: ORT fuses this pattern into its Gelu kernel.
    const erf = this.g.op('Erf', [this.g.op('Mul', [x, this.constant(Math.SQRT1_2)])]);
    return this.g.op('Mul', [this.g.op('Mul', [x, this.constant(0.5)]), this.g.op('Add', [erf, this.constant(1)])]);
  }

  layerNorm(name: string, x: string, dim: number): string {
    const gamma = this.param(`${name}.gamma`, [dim], { kind: 'ones' });
    const beta = this.param(`${name}.beta`, [dim], { kind: 'zeros' });
    return this.g.op('LayerNormalization', [x, gamma, beta], { axis: int(-1), epsilon: LAYER_NORM_EPS });
  }

  dense(name: string, x: string, inDim: number, outDim: number): string {
    const weight = this.param(`${name}.weight`, [inDim, outDim], { kind: 'xavier' });
    const bias = this.param(`${name}.bias`, [outDim], { kind: 'zeros' });
    return this.g.op('Add', [this.g.op('MatMul', [x, weight]), bias]);
  }

  jad(attn: string): string {
    return attn;
  }

  dropout(x: string): string {
    return x;
  }
}
