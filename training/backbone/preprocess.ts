/**
 * Input preprocessing shared by the probe, the parity check and the feature cache, so the
 * backbone sees exactly the same tensor everywhere.
 *
 * FERPlus faces are 48×48 grayscale: they are upsampled with bilinear interpolation
 * (half-pixel centres, i.e. OpenCV INTER_LINEAR / tf.image.resizeBilinear(halfPixelCenters)),
 * replicated to 3 channels, then normalised as (x - mean) / std with x in 0..255.
 */

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

/** Bilinear resize of a single-channel image (half-pixel centres, edge clamp). */
export function resizeBilinearGray(src: Uint8Array | Float32Array, sw: number, sh: number, dw: number, dh: number, flip = false): Float32Array {
  const out = new Float32Array(dw * dh);
  const sx = sw / dw;
  const sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    let y0 = Math.floor(fy);
    if (y0 > sh - 1) y0 = sh - 1;
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = Math.min(fy - y0, 1);
    for (let x = 0; x < dw; x++) {
      const xd = flip ? dw - 1 - x : x;
      let fx = (xd + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      let x0 = Math.floor(fx);
      if (x0 > sw - 1) x0 = sw - 1;
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = Math.min(fx - x0, 1);
      const a = src[y0 * sw + x0]!;
      const b = src[y0 * sw + x1]!;
      const c = src[y1 * sw + x0]!;
      const d = src[y1 * sw + x1]!;
      out[y * dw + x] = (a * (1 - wx) + b * wx) * (1 - wy) + (c * (1 - wx) + d * wx) * wy;
    }
  }
  return out;
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
export function grayBatch(faces: readonly Uint8Array[], srcSize: number, spec: PreprocessSpec, layout: 'nhwc' | 'nchw', flip = false): Float32Array {
  const s = spec.inputSize;
  const out = new Float32Array(faces.length * 3 * s * s);
  faces.forEach((f, i) => writeGrayFace(out, i, f, srcSize, spec, layout, flip));
  return out;
}
