/**
 * Shared shapes of the face pipeline. Everything here is plain data so it can
 * cross a postMessage boundary unchanged.
 */

/** A packed RGBA8 image (ImageData, a decoded video frame, sharp's raw output). */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

import type { Box, Point } from '../../contract/types.js';

export type { Box, Point };

/** One face in source-frame pixels. Landmark order is detector specific (see the detector's `landmarkNames`). */
export interface Detection {
  box: Box;
  score: number;
  landmarks: Point[];
}

/** 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = [number, number, number, number, number, number];

/**
 * How u8 pixels become tensor values: out[c] = pixel[c] · gain[c] + bias[c].
 * `channels` is 3 (RGB) or 1 (gray = BT.601 luma of RGB). See `channelAffine` in kernels.ts.
 */
export interface PixelNorm {
  channels: 1 | 3;
  gain: number[];
  bias: number[];
}

/**
 * Sampling outside the source: 'clamp' repeats the edge pixel, 'constant' uses
 * `borderValue` (a u8 pixel value, normalised like any other pixel).
 */
export type BorderMode = 'clamp' | 'constant';
