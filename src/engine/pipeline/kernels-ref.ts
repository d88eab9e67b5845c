/**
 * Reference pixel kernels in plain TypeScript (float64 maths). They define the
 * results the WASM kernels must reproduce, and they are the fallback where
 * WebAssembly SIMD is unavailable.
 */
import { checkImage, LUMA, tensorLength, type PixelKernels, type WarpOptions } from './kernels.js';
import type { Affine, PixelNorm, RgbaImage } from './types.js';

export function warpAffine(src: RgbaImage, m: Affine, options: WarpOptions, out?: Float32Array): Float32Array {
  checkImage(src);
  const { dstWidth: dw, dstHeight: dh, layout, norm } = options;
  const n = Math.max(1, Math.floor(options.supersample ?? 1));
  const constant = options.border === 'constant';
  const borderValue = options.borderValue ?? 0;
  const result = out ?? new Float32Array(tensorLength(dw, dh, norm));
  const { data, width: sw, height: sh } = src;
  const rgb = [0, 0, 0];

  // Adds weight · pixel(ix, iy) to rgb, honouring the border mode.
  const tap = (ix: number, iy: number, w: number) => {
    if (ix < 0 || iy < 0 || ix >= sw || iy >= sh) {
      if (constant) {
        rgb[0]! += w * borderValue;
        rgb[1]! += w * borderValue;
        rgb[2]! += w * borderValue;
        return;
      }
      ix = ix < 0 ? 0 : ix >= sw ? sw - 1 : ix;
      iy = iy < 0 ? 0 : iy >= sh ? sh - 1 : iy;
    }
    const o = (iy * sw + ix) * 4;
    rgb[0]! += w * data[o]!;
    rgb[1]! += w * data[o + 1]!;
    rgb[2]! += w * data[o + 2]!;
  };

  const plane = dw * dh;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      rgb[0] = rgb[1] = rgb[2] = 0;
      for (let j = 0; j < n; j++) {
        const py = y + (j + 0.5) / n;
        for (let i = 0; i < n; i++) {
          const px = x + (i + 0.5) / n;
          const sx = m[0] * px + m[1] * py + m[2] - 0.5;
          const sy = m[3] * px + m[4] * py + m[5] - 0.5;
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const fx = sx - x0;
          const fy = sy - y0;
          tap(x0, y0, (1 - fx) * (1 - fy));
          tap(x0 + 1, y0, fx * (1 - fy));
          tap(x0, y0 + 1, (1 - fx) * fy);
          tap(x0 + 1, y0 + 1, fx * fy);
        }
      }
      const inv = 1 / (n * n);
      writePixel(result, norm, layout, plane, y * dw + x, rgb[0]! * inv, rgb[1]! * inv, rgb[2]! * inv);
    }
  }
  return result;
}

export function rgbaToPlanar(src: RgbaImage, norm: PixelNorm, out?: Float32Array): Float32Array {
  checkImage(src);
  const plane = src.width * src.height;
  const result = out ?? new Float32Array(tensorLength(src.width, src.height, norm));
  const { data } = src;
  for (let p = 0; p < plane; p++) {
    writePixel(result, norm, 'nchw', plane, p, data[p * 4]!, data[p * 4 + 1]!, data[p * 4 + 2]!);
  }
  return result;
}

function writePixel(
  out: Float32Array,
  norm: PixelNorm,
  layout: 'nhwc' | 'nchw',
  plane: number,
  p: number,
  r: number,
  g: number,
  b: number,
): void {
  if (norm.channels === 1) {
    out[p] = (LUMA[0] * r + LUMA[1] * g + LUMA[2] * b) * norm.gain[0]! + norm.bias[0]!;
    return;
  }
  const rgb = [r, g, b];
  for (let c = 0; c < 3; c++) {
    const v = rgb[c]! * norm.gain[c]! + norm.bias[c]!;
    if (layout === 'nchw') out[c * plane + p] = v;
    else out[p * 3 + c] = v;
  }
}

export const refKernels: PixelKernels = { warpAffine, rgbaToPlanar };
