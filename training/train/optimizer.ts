/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) written out so that its whole state
 * (m, v, step) round-trips through a ParamStore for exact resume. Decay applies to matrices
 * (`*.weight`, `sb.score`) only, not to biases, LayerNorm or embeddings.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../model/params.js';
import type { TfParams } from '../model/tf-ops.js';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Per-param multiplier of the learning rate (1 when absent). */
  lrScale?: (name: string) => number;
}

export const DEFAULT_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05 };

export function decays(name: string): boolean {
  return name.endsWith('.weight') || name === 'sb.score';
}

/**
 * The moments live in two flat vectors and one step updates every param at once: a dozen
 * element-wise kernels instead of a dozen per param. On WebGPU a step is bound by kernel launches
 * (bench/train-step.ts), and the per-param loop was a third of them.
 */
export class AdamW {
  step = 0;
  private readonly names: string[];
  private readonly sizes: number[];
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** Per element: the param's learning-rate scale, and its weight decay (0 where it does not decay). */
  private readonly lrScales: tf.Tensor1D;
  private readonly decayRates: tf.Tensor1D;

  constructor(
    private readonly params: TfParams,
    readonly options: AdamWOptions = DEFAULT_ADAMW,
  ) {
    this.names = [...params.variables.keys()];
    this.sizes = this.names.map((name) => params.variables.get(name)!.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const lrScales = new Float32Array(total);
    const decayRates = new Float32Array(total);
    this.slices((name, _shape, from, to) => {
      lrScales.fill(options.lrScale?.(name) ?? 1, from, to);
      decayRates.fill(decays(name) ? options.weightDecay : 0, from, to);
    });
    this.lrScales = tf.tensor1d(lrScales);
    this.decayRates = tf.tensor1d(decayRates);
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
  }

  /** `grads` must hold every param (tf.variableGrads over all of them does). */
  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, epsilon } = this.options;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      const flat = (tensors: tf.Tensor[]) => tf.concat(tensors.map((t) => tf.reshape(t, [-1])));
      const g = flat(
        this.names.map((name) => {
          const grad = grads[name];
          if (!grad) throw new Error(`AdamW: no gradient for ${name}`);
          return grad;
        }),
      );
      const variables = this.names.map((name) => this.params.variables.get(name)!);
      this.m.assign(tf.add(tf.mul(this.m, beta1), tf.mul(g, 1 - beta1)));
      this.v.assign(tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      const p = flat(variables);
      const adam = tf.div(tf.div(this.m, c1), tf.add(tf.sqrt(tf.div(this.v, c2)), epsilon));
      const update = tf.add(adam, tf.mul(p, this.decayRates));
      const next = tf.split(tf.sub(p, tf.mul(update, tf.mul(this.lrScales, lr))), this.sizes);
      variables.forEach((variable, i) => variable.assign(tf.reshape(next[i]!, variable.shape)));
    });
  }

  async toStore(): Promise<ParamStore> {
    const store = new ParamStore();
    const [m, v] = [(await this.m.data()) as Float32Array, (await this.v.data()) as Float32Array];
    this.slices((name, shape, from, to) => {
      store.set(`m/${name}`, shape, m.slice(from, to));
      store.set(`v/${name}`, shape, v.slice(from, to));
    });
    return store;
  }

  loadStore(store: ParamStore, step: number): void {
    this.step = step;
    const m = new Float32Array(this.m.size);
    const v = new Float32Array(this.v.size);
    this.slices((name, shape, from) => {
      m.set(store.require(`m/${name}`, shape).data, from);
      v.set(store.require(`v/${name}`, shape).data, from);
    });
    this.m.assign(tf.tensor1d(m));
    this.v.assign(tf.tensor1d(v));
  }

  dispose(): void {
    tf.dispose([this.m, this.v, this.lrScales, this.decayRates]);
  }

  /** Each param's name, shape and [from, to) range in the flat vectors. */
  private slices(visit: (name: string, shape: number[], from: number, to: number) => void): void {
    let offset = 0;
    this.names.forEach((name, i) => {
      visit(name, this.params.variables.get(name)!.shape, offset, offset + this.sizes[i]!);
      offset += this.sizes[i]!;
    });
  }
}

/** Linear warm-up then cosine decay to `minRatio`·peak. */
export function learningRate(
  step: number,
  totalSteps: number,
  warmupSteps: number,
  peak: number,
  minRatio = 0.01,
): number {
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
