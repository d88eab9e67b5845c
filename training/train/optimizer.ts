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

export class AdamW {
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: TfParams,
    readonly options: AdamWOptions = DEFAULT_ADAMW,
  ) {
    for (const [name, p] of params.variables) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, p] of this.params.variables) {
        const g = grads[name];
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        if (weightDecay > 0 && decays(name)) update = tf.add(update, tf.mul(p, weightDecay));
        p.assign(tf.sub(p, tf.mul(update, lr * (this.options.lrScale?.(name) ?? 1))));
      }
    });
  }

  async toStore(): Promise<ParamStore> {
    const store = new ParamStore();
    for (const [name, m] of this.m) store.set(`m/${name}`, m.shape, (await m.data()) as Float32Array);
    for (const [name, v] of this.v) store.set(`v/${name}`, v.shape, (await v.data()) as Float32Array);
    return store;
  }

  loadStore(store: ParamStore, step: number): void {
    this.step = step;
    for (const [name, m] of this.m) m.assign(tf.tensor(store.require(`m/${name}`, m.shape).data, m.shape));
    for (const [name, v] of this.v) v.assign(tf.tensor(store.require(`v/${name}`, v.shape).data, v.shape));
  }

  dispose(): void {
    for (const moment of [...this.m.values(), ...this.v.values()]) moment.dispose();
  }
}

/** Linear warm-up then cosine decay to `minRatio`·peak. */
export function learningRate(step: number, totalSteps: number, warmupSteps: number, peak: number, minRatio = 0.01): number {
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
