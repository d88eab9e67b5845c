/**
 * The pixel kernels' contract. Two implementations share it: kernels-ref.ts
 * (plain TypeScript, the reference) and kernels-wasm.ts (AssemblyScript SIMD),
 * so the engine can swap one for the other.
 *
 * Coordinates are continuous: pixel i covers [i, i+1) and its centre is i + 0.5.
 * A warp maps each destination point p to the source point M·p and samples the
 * source bilinearly there.
 */
import type { Affine, BorderMode, PixelNorm, RgbaImage } from './types.js';

export interface WarpOptions {
  dstWidth: number;
  dstHeight: number;
  /** 'nhwc': [H, W, C] interleaved (detector input); 'nchw': [C, H, W] planar (classifier input). */
  layout: 'nhwc' | 'nchw';
  norm: PixelNorm;
  border: BorderMode;
  /** u8 value used by border 'constant' for R, G and B. Default 0 (black). */
  borderValue?: number;
  /** n×n bilinear samples per output pixel, averaged: anti-aliasing when shrinking. Default 1. */
  supersample?: number;
}

export interface PixelKernels {
  /** Affine warp with bilinear sampling; `dstToSrc` maps destination to source coordinates. */
  warpAffine(src: RgbaImage, dstToSrc: Affine, options: WarpOptions, out?: Float32Array): Float32Array;
  /** RGBA → planar [C, H, W] float without resampling. */
  rgbaToPlanar(src: RgbaImage, norm: PixelNorm, out?: Float32Array): Float32Array;
}

/** BT.601 luma weights used for 'gray' models (FER2013/FERPlus images were made this way). */
export const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Builds the per-channel gain/bias from a model card's normalisation:
 * value = lo + (hi − lo) · pixel / 255, then (value − mean) / std.
 */
export function channelAffine(spec: {
  color: 'rgb' | 'gray';
  range?: [number, number];
  mean?: number[];
  std?: number[];
}): PixelNorm {
  const channels = spec.color === 'gray' ? 1 : 3;
  const [lo, hi] = spec.range ?? [0, 1];
  const gain: number[] = [];
  const bias: number[] = [];
  for (let c = 0; c < channels; c++) {
    const mean = spec.mean?.[c] ?? spec.mean?.[0] ?? 0;
    const std = spec.std?.[c] ?? spec.std?.[0] ?? 1;
    gain.push((hi - lo) / 255 / std);
    bias.push((lo - mean) / std);
  }
  return { channels, gain, bias };
}

/** Output length of a warp or planar conversion. */
export function tensorLength(width: number, height: number, norm: PixelNorm): number {
  return width * height * norm.channels;
}

/** Source pixels per destination pixel of an affine map (its geometric mean scale). */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/** Enough supersampling to average every source pixel when shrinking, capped at `max` (cost grows with n²). */
export function autoSupersample(m: Affine, max = 4): number {
  return Math.max(1, Math.min(max, Math.ceil(affineScale(m) - 1e-6)));
}

export function checkImage(src: RgbaImage): void {
  if (!(src.width > 0 && src.height > 0) || src.data.length < src.width * src.height * 4) {
    throw new RangeError(`invalid RGBA image ${src.width}×${src.height} with ${src.data.length} bytes`);
  }
}
