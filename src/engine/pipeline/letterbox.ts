/**
 * Letterbox geometry: fit a frame into the detector's square input keeping its
 * aspect ratio, centred, padding the rest (MediaPipe's keep_aspect_ratio), and map
 * points back to the frame.
 */
import { autoSupersample, type PixelKernels } from './kernels.js';
import type { Affine, PixelNorm, Point, RgbaImage } from './types.js';

export interface Letterbox {
  srcWidth: number;
  srcHeight: number;
  dstWidth: number;
  dstHeight: number;
  /** Destination pixels per source pixel. */
  scale: number;
  padX: number;
  padY: number;
}

export function computeLetterbox(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Letterbox {
  const scale = Math.min(dstWidth / srcWidth, dstHeight / srcHeight);
  return {
    srcWidth,
    srcHeight,
    dstWidth,
    dstHeight,
    scale,
    padX: (dstWidth - srcWidth * scale) / 2,
    padY: (dstHeight - srcHeight * scale) / 2,
  };
}

/** Destination → source affine map for the warp kernel. */
export function letterboxMatrix(lb: Letterbox): Affine {
  const s = 1 / lb.scale;
  return [s, 0, -lb.padX * s, 0, s, -lb.padY * s];
}

/** A point in destination pixels → source-frame pixels. */
export function unletterbox(lb: Letterbox, p: Point): Point {
  return { x: (p.x - lb.padX) / lb.scale, y: (p.y - lb.padY) / lb.scale };
}

export interface LetterboxOptions {
  layout?: 'nhwc' | 'nchw';
  /** u8 value of the padding (0 = black, MediaPipe's BORDER_ZERO). */
  padValue?: number;
  /** Supersampling per output pixel; 'auto' averages enough samples to avoid aliasing (max 4×4). */
  supersample?: number | 'auto';
}

/** Resizes `src` into a letterboxed tensor through the given kernels (reference or WASM). */
export function letterboxImage(
  kernels: PixelKernels,
  src: RgbaImage,
  dstWidth: number,
  dstHeight: number,
  norm: PixelNorm,
  options: LetterboxOptions = {},
  out?: Float32Array,
): { data: Float32Array; letterbox: Letterbox } {
  const letterbox = computeLetterbox(src.width, src.height, dstWidth, dstHeight);
  const m = letterboxMatrix(letterbox);
  const supersample =
    options.supersample === undefined || options.supersample === 'auto' ? autoSupersample(m) : options.supersample;
  const data = kernels.warpAffine(
    src,
    m,
    {
      dstWidth,
      dstHeight,
      layout: options.layout ?? 'nhwc',
      norm,
      border: 'constant',
      borderValue: options.padValue ?? 0,
      supersample,
    },
    out,
  );
  return { data, letterbox };
}
