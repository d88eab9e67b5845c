/**
 * Input preprocessing shared by the probe, the parity check and the feature cache, so the
 * backbone sees exactly the same tensor everywhere.
 *
 * FERPlus faces are 48×48 grayscale: they are upsampled with bilinear interpolation
 * (half-pixel centres, i.e. OpenCV INTER_LINEAR / tf.image.resizeBilinear(halfPixelCenters)),
 * replicated to 3 channels, then normalised as (x - mean) / std with x in 0..255.
 */

import { refKernels } from '../../src/engine/pipeline/kernels-ref.js';
import type { RgbaImage } from '../../src/engine/pipeline/types.js';

export interface PreprocessSpec {
  /** Square input side in pixels (e.g. 112). */
  inputSize: number;
  /** Channel order the backbone was trained with. Grayscale input makes R=G=B, so it only
   *  matters for colour input at inference time. */
  color: 'rgb' | 'bgr';
  /** Per-channel mean and std applied to 0..255 pixel values: (x - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
}

/** A gray image as RGBA (R = G = B), the layout the runtime's pixel kernels read. */
export function grayToRgba(gray: Uint8Array, width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < gray.length; i++) {
    data.fill(gray[i]!, i * 4, i * 4 + 3);
    data[i * 4 + 3] = 255;
  }
  return { data, width, height };
}

/**
 * Bilinear resize of a gray image (half-pixel centres, edge clamp), optionally mirrored,
 * through the runtime's own warp kernel: training sees exactly what the SDK computes.
 */
export function resizeBilinearGray(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  flip = false,
): Float32Array {
  const kx = sw / dw;
  const ky = sh / dh;
  return refKernels.warpAffine(grayToRgba(src, sw, sh), flip ? [-kx, 0, sw, 0, ky, 0] : [kx, 0, 0, 0, ky, 0], {
    dstWidth: dw,
    dstHeight: dh,
    layout: 'nchw',
    norm: { channels: 1, gain: [1], bias: [0] },
    border: 'clamp',
  });
}

/**
 * Writes one grayscale face into `dst` at image index `index` of a batch, in NHWC or NCHW,
 * upsampled to spec.inputSize, replicated to 3 channels and normalised.
 */
export function writeGrayFace(
  dst: Float32Array,
  index: number,
  pixels: Uint8Array,
  srcSize: number,
  spec: PreprocessSpec,
  layout: 'nhwc' | 'nchw',
  flip = false,
): void {
  const s = spec.inputSize;
  const plane = s * s;
  const img = resizeBilinearGray(pixels, srcSize, srcSize, s, s, flip);
  const base = index * plane * 3;
  for (let c = 0; c < 3; c++) {
    const m = spec.mean[c]!;
    const inv = 1 / spec.std[c]!;
    if (layout === 'nchw') {
      const o = base + c * plane;
      for (let i = 0; i < plane; i++) dst[o + i] = (img[i]! - m) * inv;
    } else {
      for (let i = 0; i < plane; i++) dst[base + i * 3 + c] = (img[i]! - m) * inv;
    }
  }
}

/** A batch of grayscale faces as one Float32Array ([n,s,s,3] or [n,3,s,s]). */
export function grayBatch(
  faces: readonly Uint8Array[],
  srcSize: number,
  spec: PreprocessSpec,
  layout: 'nhwc' | 'nchw',
  flip = false,
): Float32Array {
  const s = spec.inputSize;
  const out = new Float32Array(faces.length * 3 * s * s);
  faces.forEach((f, i) => writeGrayFace(out, i, f, srcSize, spec, layout, flip));
  return out;
}
