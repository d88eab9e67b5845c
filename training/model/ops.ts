/**
 * The abstract op set the JADFER graph is written against. The model is defined ONCE
 * (jadfer.ts) over `Ops<T>`; `TfOps` runs it as TF.js tensors (training, inference) and
 * `OnnxOps` emits the same graph as ONNX nodes (export). Every op here must map to an
 * ONNX opset-17 op that onnxruntime-web runs on WASM and WebGPU.
 */

/** How a parameter is initialised the first time it is created. */
export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'normal'; std: number }
  /** Glorot/Xavier uniform over the last two dims (fanIn = shape[-2], fanOut = shape[-1]). */
  | { kind: 'xavier' }
  /** Copied from a pretrained network before the first build (trunk-tail.ts); never drawn. */
  | { kind: 'pretrained' };

export interface Ops<T> {
  /** True only while training: enables JAD and dropout. */
  readonly training: boolean;

  /** A named learnable tensor. Names are the keys of the param store shared by TF.js and ONNX. */
  param(name: string, shape: number[], init: Init): T;

  matMul(a: T, b: T): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  /** Multiply by a constant scalar. */
  scale(x: T, k: number): T;

  /** Softmax over the last axis. */
  softmax(x: T): T;
  /** At most one -1 (used for the dynamic batch). */
  reshape(x: T, shape: number[]): T;
  transpose(x: T, perm: number[]): T;
  mean(x: T, axis: number, keepDims: boolean): T;
  /** Sum over one axis, dropping it. */
  sum(x: T, axis: number): T;
  concat(xs: T[], axis: number): T;

  /** LayerNorm over the last axis (size `dim`), params `<name>.gamma`, `<name>.beta`, eps 1e-5. */
  layerNorm(name: string, x: T, dim: number): T;
  /** x @ W + b over the last axis, params `<name>.weight` [inDim,outDim], `<name>.bias` [outDim]. */
  dense(name: string, x: T, inDim: number, outDim: number): T;

  /** Exact GELU: 0.5·x·(1 + erf(x/√2)). */
  gelu(x: T): T;
  relu(x: T): T;
  /** min(max(x, 0), 6), MobileNet's activation. */
  relu6(x: T): T;
  /**
   * Depthwise 3×3 convolution, stride 1, SAME (zero) padding, on NHWC `x` [B,h,w,C] with
   * `kernel` [3,3,C,1] (TF's depthwise layout).
   */
  depthwiseConv3x3(x: T, kernel: T): T;
  /**
   * The same at stride 2 with TF's SAME padding (the trunk's strided blocks): output ceil(size/2),
   * padded as `sameStride2Pads` says. `inputSize` is x's [h, w] (ONNX needs explicit pads).
   */
  depthwiseConv3x3Stride2(x: T, kernel: T, inputSize: [number, number]): T;
  /**
   * Full 3×3 convolution at stride 2 with TF's SAME padding, NHWC `x` with `kernel` [3,3,Cin,Cout]:
   * the trunk's stem. Inference only (the stem stays frozen: TF.js wasm has no conv filter gradient).
   */
  conv3x3Stride2(x: T, kernel: T, inputSize: [number, number]): T;
  sigmoid(x: T): T;

  /**
   * Joint Attention Dropping on softmaxed attention weights [B, heads, queries, keys].
   * Identity unless training (see jad.ts for the rule).
   */
  jad(attn: T, ratio: number, prob: number): T;
  /** Inverted dropout; identity unless training. */
  dropout(x: T, rate: number): T;
}

export const LAYER_NORM_EPS = 1e-5;

/** TF SAME padding of a 3-tap stride-2 window over `size` pixels: [before, after] (the odd one goes after). */
export function sameStride2Pads(size: number): [number, number] {
  const total = Math.max((Math.ceil(size / 2) - 1) * 2 + 3 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
