/**
 * Temporal smoothing of per-track expression score vectors.
 * EMA: s ← α·x + (1 − α)·s. One-Euro (Casiez et al., CHI 2012): a low-pass whose
 * cutoff rises with the signal's speed, so it is steady at rest and quick on change.
 */

import type { SmoothingOptions } from '../../contract/options.js';

export type { SmoothingOptions };

export interface VectorSmoother {
  /** Feeds one observation at `timestampMs` and returns the smoothed vector. */
  next(values: ArrayLike<number>, timestampMs: number): number[];
}

export function createSmoother(options: SmoothingOptions): VectorSmoother {
  switch (options.kind) {
    case 'none':
      return { next: (values) => Array.from(values) };
    case 'ema':
      return new EmaSmoother(options.alpha);
    case 'one-euro':
      return new OneEuroSmoother(options.minCutoff, options.beta, options.dCutoff);
  }
}

export class EmaSmoother implements VectorSmoother {
  private state?: number[];
  constructor(private readonly alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError('EMA alpha must be in (0, 1]');
  }
  next(values: ArrayLike<number>, _timestampMs?: number): number[] {
    const prev = this.state;
    this.state = prev ? Array.from(values, (v, i) => this.alpha * v + (1 - this.alpha) * prev[i]!) : Array.from(values);
    return [...this.state];
  }
}

/** Smoothing factor of a first-order low-pass with `cutoff` Hz sampled every `dt` seconds. */
export function oneEuroAlpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

export class OneEuroSmoother implements VectorSmoother {
  private x?: number[];
  private dx?: number[];
  private lastMs = 0;
  constructor(
    private readonly minCutoff: number,
    private readonly beta: number,
    private readonly dCutoff: number,
  ) {}

  next(values: ArrayLike<number>, timestampMs: number): number[] {
    const x = Array.from(values);
    if (!this.x || !this.dx || timestampMs <= this.lastMs) {
      // First sample (or a repeated timestamp): nothing to filter against yet.
      this.x ??= x;
      this.dx ??= x.map(() => 0);
      this.lastMs = Math.max(this.lastMs, timestampMs);
      return [...this.x];
    }
    const dt = (timestampMs - this.lastMs) / 1000;
    this.lastMs = timestampMs;
    const aD = oneEuroAlpha(this.dCutoff, dt);
    const prevX = this.x;
    const prevDx = this.dx;
    this.dx = x.map((v, i) => aD * ((v - prevX[i]!) / dt) + (1 - aD) * prevDx[i]!);
    this.x = x.map((v, i) => {
      const a = oneEuroAlpha(this.minCutoff + this.beta * Math.abs(this.dx![i]!), dt);
      return a * v + (1 - a) * prevX[i]!;
    });
    return [...this.x];
  }
}
