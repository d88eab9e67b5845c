/**
 * The contextual branch's learned positions (`cb.pos`, [h·w, D]) are tied to the feature map's
 * grid. A run at another input size (faceres at 112 gives 7×7 tokens, at 160 10×10) can still
 * warm-start this one: its positions are resampled bilinearly (half-pixel centres) to the new
 * grid, as ViTs do when fine-tuned at a higher resolution. Every other head param is size-free.
 */
import type { FeatureShape } from './config.js';
import { ParamStore } from './params.js';

export const POSITIONS_PARAM = 'cb.pos';

/** Resamples a square [s·s, D] position table to [h·w, D]. */
export function resamplePositions(table: Float32Array, from: number, to: FeatureShape, dim: number): Float32Array {
  const out = new Float32Array(to.h * to.w * dim);
  const source = (o: number, size: number) => Math.min(Math.max(((o + 0.5) * from) / size - 0.5, 0), from - 1);
  for (let y = 0; y < to.h; y++) {
    const sy = source(y, to.h);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, from - 1);
    const fy = sy - y0;
    for (let x = 0; x < to.w; x++) {
      const sx = source(x, to.w);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, from - 1);
      const fx = sx - x0;
      const corners: [number, number][] = [
        [y0 * from + x0, (1 - fy) * (1 - fx)],
        [y0 * from + x1, (1 - fy) * fx],
        [y1 * from + x0, fy * (1 - fx)],
        [y1 * from + x1, fy * fx],
      ];
      const at = (y * to.w + x) * dim;
      for (const [token, weight] of corners) {
        for (let d = 0; d < dim; d++) out[at + d]! += weight * table[token * dim + d]!;
      }
    }
  }
  return out;
}

/** Returns `store` with its positions fitted to `shape` (unchanged when they already fit). */
export function fitPositions(store: ParamStore, shape: FeatureShape): ParamStore {
  const positions = store.get(POSITIONS_PARAM);
  if (!positions || positions.shape[0] === shape.h * shape.w) return store;
  const [tokens, dim] = positions.shape as [number, number];
  const side = Math.round(Math.sqrt(tokens));
  if (side * side !== tokens)
    throw new Error(
      `${POSITIONS_PARAM} holds ${tokens} positions, not a square grid: cannot resample to ${shape.h}×${shape.w}`,
    );
  const fitted = new ParamStore();
  for (const [name, entry] of store.entries) fitted.set(name, entry.shape, entry.data);
  fitted.set(POSITIONS_PARAM, [shape.h * shape.w, dim], resamplePositions(positions.data, side, shape, dim));
  return fitted;
}
