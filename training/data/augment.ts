/**
 * Augmented views of a 48×48 gray face for the feature cache: a small random similarity
 * (rotation, scale, shift: jitter and crop in one), seeded by the sample and the view, so a
 * cache rebuilt later is identical. The warp is the runtime's own kernel (edge clamp).
 */
import { refKernels } from '../../src/engine/pipeline/kernels-ref.js';
import { grayToRgba } from '../backbone/preprocess.js';
import type { Affine } from '../../src/engine/pipeline/types.js';
import { FER_SIZE } from './ferplus.js';

export const JITTER = { maxDegrees: 10, minScale: 0.9, maxScale: 1.1, maxShiftPx: 3 };

/** Deterministic uniform [0, 1) from integers (a small hash, not a stream). */
function hash01(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) h = Math.imul(h ^ (v + 0x7f4a7c15), 0x85ebca6b) ^ (h >>> 13);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** The destination→source matrix of jitter view `view` for sample `index`. */
export function jitterMatrix(index: number, view: number): Affine {
  const angle = ((hash01(index, view, 1) * 2 - 1) * JITTER.maxDegrees * Math.PI) / 180;
  const scale = JITTER.minScale + hash01(index, view, 2) * (JITTER.maxScale - JITTER.minScale);
  const dx = (hash01(index, view, 3) * 2 - 1) * JITTER.maxShiftPx;
  const dy = (hash01(index, view, 4) * 2 - 1) * JITTER.maxShiftPx;
  const c = FER_SIZE / 2;
  // Sample the source around its centre, rotated and scaled, then shifted.
  const a = Math.cos(angle) / scale;
  const b = Math.sin(angle) / scale;
  return [a, -b, c - a * c + b * c + dx, b, a, c - b * c - a * c + dy];
}

export function jitterFace(face: Uint8Array, index: number, view: number): Uint8Array {
  const out = refKernels.warpAffine(grayToRgba(face, FER_SIZE, FER_SIZE), jitterMatrix(index, view), {
    dstWidth: FER_SIZE,
    dstHeight: FER_SIZE,
    layout: 'nchw',
    norm: { channels: 1, gain: [1], bias: [0] },
    border: 'clamp',
  });
  return Uint8Array.from(out, (v) => Math.round(v));
}
