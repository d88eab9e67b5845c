/** `Ops` over TF.js tensors. Params are tf.Variables created on first use from a seeded RNG. */
import * as tf from '@tensorflow/tfjs';

/** tf.customGrad's argument type (not re-exported by the tfjs umbrella package). */
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];
import { jointAttentionDrop } from './jad.js';
import { LAYER_NORM_EPS, sameStride2Pads, type Init, type Ops } from './ops.js';
import { initialValues, ParamStore } from './params.js';
import type { Rng } from './rng.js';

/** Named tf.Variables; converts to/from the framework-neutral ParamStore. */
export class TfParams {
  readonly variables = new Map<string, tf.Variable>();

  /** Creates missing params from `initRng`; an existing param must match the requested shape. */
  getOrCreate(name: string, shape: number[], init: Init, initRng: Rng | undefined): tf.Variable {
    const existing = this.variables.get(name);
    if (existing) {
      if (existing.shape.join(',') !== shape.join(','))
        throw new Error(`param ${name}: [${existing.shape}] vs [${shape}]`);
      return existing;
    }
    if (!initRng) throw new Error(`param ${name} is missing and no init RNG was given`);
    // No tf name: TF.js names are global, and tests hold several models with the same param names.
    const variable = tf.variable(tf.tensor(initialValues(shape, init, initRng), shape), true);
    this.variables.set(name, variable);
    return variable;
  }

  /** Async: a WebGPU backend in Node cannot read the GPU synchronously (no OffscreenCanvas). */
  async toStore(): Promise<ParamStore> {
    const store = new ParamStore();
    for (const [name, v] of this.variables) store.set(name, v.shape, (await v.data()) as Float32Array);
    return store;
  }

  static fromStore(store: ParamStore): TfParams {
    const params = new TfParams();
    for (const [name, e] of store.entries) params.variables.set(name, tf.variable(tf.tensor(e.data, e.shape), true));
    return params;
  }

  /** Overwrites values in place (resume, best-checkpoint restore). */
  assignFrom(store: ParamStore): void {
    for (const [name, v] of this.variables) v.assign(tf.tensor(store.require(name, v.shape).data, v.shape));
  }

  /** variableGrads keys gradients by TF.js variable name; map them back to param names. */
  byParamName(grads: tf.NamedTensorMap): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, v] of this.variables) if (grads[v.name]) out[name] = grads[v.name]!;
    return out;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

export interface TfOpsOptions {
  training: boolean;
  /** Seeds for dropout and the JAD per-sample gate (required when training). */
  rng?: Rng;
  /** Creates params that do not exist yet (first build only). */
  initRng?: Rng;
}

export class TfOps implements Ops<tf.Tensor> {
  readonly training: boolean;

  constructor(
    readonly params: TfParams,
    private readonly options: TfOpsOptions,
  ) {
    this.training = options.training;
    if (this.training && !options.rng) throw new Error('TfOps: training needs an rng for dropout/JAD');
  }

  param(name: string, shape: number[], init: Init): tf.Tensor {
    return this.params.getOrCreate(name, shape, init, this.options.initRng);
  }

  matMul = (a: tf.Tensor, b: tf.Tensor) => matMulExplicitGrad(a, b);
  add = (a: tf.Tensor, b: tf.Tensor) => tf.add(a, b);
  sub = (a: tf.Tensor, b: tf.Tensor) => tf.sub(a, b);
  mul = (a: tf.Tensor, b: tf.Tensor) => tf.mul(a, b);
  scale = (x: tf.Tensor, k: number) => tf.mul(x, tf.scalar(k));
  softmax = (x: tf.Tensor) => tf.softmax(x, -1);
  reshape = (x: tf.Tensor, shape: number[]) => tf.reshape(x, shape);
  transpose = (x: tf.Tensor, perm: number[]) => tf.transpose(x, perm);
  mean = (x: tf.Tensor, axis: number, keepDims: boolean) => tf.mean(x, axis, keepDims);
  sum = (x: tf.Tensor, axis: number) => tf.sum(x, axis);
  concat = (xs: tf.Tensor[], axis: number) => tf.concat(xs, axis);
  relu = (x: tf.Tensor) => tf.relu(x);
  sigmoid = (x: tf.Tensor) => tf.sigmoid(x);
  relu6 = (x: tf.Tensor) => tf.clipByValue(x, 0, 6);

  depthwiseConv3x3 = (x: tf.Tensor, kernel: tf.Tensor) => depthwiseConv3x3ExplicitGrad(x, kernel);

  /**
   * The stride-1 conv, then every second row and column from the first window's centre: built from
   * ops that have gradients on every backend (the wasm backend has no strided depthwise backprop).
   * The stride-1 conv does 4× the work of the strided one, in the 3 cheapest layers of the trunk.
   */
  depthwiseConv3x3Stride2(x: tf.Tensor, kernel: tf.Tensor, [h, w]: [number, number]): tf.Tensor {
    const full = depthwiseConv3x3ExplicitGrad(x, kernel) as tf.Tensor4D;
    // The stride-1 output at j centres its window on input j; the SAME stride-2 window i starts at 2i - before.
    const [batch, , , c] = full.shape;
    const rows = everySecond(full, 1 - sameStride2Pads(h)[0], Math.ceil(h / 2));
    const rowsFirst = tf.reshape(rows, [batch, Math.ceil(h / 2), w, c]);
    const cols = everySecond(
      tf.transpose(rowsFirst, [0, 2, 1, 3]) as tf.Tensor4D,
      1 - sameStride2Pads(w)[0],
      Math.ceil(w / 2),
    );
    return tf.transpose(tf.reshape(cols, [batch, Math.ceil(w / 2), Math.ceil(h / 2), c]), [0, 2, 1, 3]);
  }

  conv3x3Stride2(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    return tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 2, 'same');
  }

  gelu(x: tf.Tensor): tf.Tensor {
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  }

  layerNorm(name: string, x: tf.Tensor, dim: number): tf.Tensor {
    const gamma = this.param(`${name}.gamma`, [dim], { kind: 'ones' });
    const beta = this.param(`${name}.beta`, [dim], { kind: 'zeros' });
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPS))), gamma), beta);
  }

  dense(name: string, x: tf.Tensor, inDim: number, outDim: number): tf.Tensor {
    const weight = this.param(`${name}.weight`, [inDim, outDim], { kind: 'xavier' });
    const bias = this.param(`${name}.bias`, [outDim], { kind: 'zeros' });
    // matMul on the flattened rows: one GEMM, no batch broadcasting of the weight.
    const rows = tf.reshape(x, [-1, inDim]);
    const out = tf.add(matMulExplicitGrad(rows, weight), bias);
    return tf.reshape(out, [...x.shape.slice(0, -1), outDim]);
  }

  jad(attn: tf.Tensor, ratio: number, prob: number): tf.Tensor {
    if (!this.training || ratio <= 0 || prob <= 0) return attn;
    const batch = attn.shape[0]!;
    const gate = tf
      .less(tf.randomUniform([batch], 0, 1, 'float32', this.options.rng!.seed()), prob)
      .toFloat() as tf.Tensor1D;
    return jointAttentionDrop(attn as tf.Tensor4D, ratio, gate);
  }

  dropout(x: tf.Tensor, rate: number): tf.Tensor {
    if (!this.training || rate <= 0) return x;
    return tf.dropout(x, rate, undefined, this.options.rng!.seed());
  }
}

/** Rows start, start+2, … (count of them) of x [B,H,W,C], as [B·count, 1, W, C]; pads one zero row past the end when the last is missing. */
function everySecond(x: tf.Tensor4D, start: number, count: number): tf.Tensor {
  const [batch, h, w, c] = x.shape;
  const missing = Math.max(start + 2 * count - h, 0);
  const padded =
    missing > 0
      ? tf.pad(x, [
          [0, 0],
          [0, missing],
          [0, 0],
          [0, 0],
        ])
      : x;
  const pairs = tf.reshape(tf.slice(padded, [0, start, 0, 0], [batch, 2 * count, w, c]), [batch * count, 2, w, c]);
  return tf.slice(pairs, [0, 0, 0, 0], [batch * count, 1, w, c]);
}

/** Swaps the last two axes. */
const swapLast = (x: tf.Tensor) =>
  tf.transpose(
    x,
    [...x.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)),
  );

/**
 * matMul whose gradient uses explicit transposes + plain matMul instead of TF.js's
 * transposeA/transposeB matMuls: on the wasm backend those are ~10× slower (measured
 * 118 ms vs 9 ms for [6272,128]ᵀ·[6272,128]), which made backward 16× the forward.
 */
const matMulExplicitGrad = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
  tf.customGrad(((x: tf.Tensor, y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.matMul(dy, swapLast(saved[1]!)),
        tf.matMul(swapLast(saved[0]!), dy),
      ],
    };
  }) as unknown as CustomGradientFunc)(a, b);

/**
 * Depthwise 3×3 SAME with a hand-written gradient: tfjs-backend-wasm has the forward kernel but no
 * depthwise backprop kernels. dx is the forward conv of dy with the kernel rotated by 180°; dk[i,j,c]
 * sums the zero-padded input shifted by (i,j) times dy over batch and positions.
 */
const depthwiseConv3x3ExplicitGrad = (x: tf.Tensor, kernel: tf.Tensor): tf.Tensor =>
  tf.customGrad(((input: tf.Tensor4D, k: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([input, k]);
    return {
      value: tf.depthwiseConv2d(input, k, 1, 'same'),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [batch, h, w, c] = xs.shape;
        const dx = tf.depthwiseConv2d(dy, tf.reverse(ks, [0, 1]), 1, 'same');
        const padded = tf.pad(xs, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]);
        const taps: tf.Tensor[] = [];
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++)
            taps.push(tf.sum(tf.mul(tf.slice(padded, [0, i, j, 0], [batch, h, w, c]), dy), [0, 1, 2]));
        }
        return [dx, tf.reshape(tf.stack(taps), [3, 3, c, 1])];
      },
    };
  }) as unknown as CustomGradientFunc)(x, kernel);
