/**
 * Writes a face crop into the classifier's input tensor: bilinear resampling of a box,
 * colour conversion and normalisation, all as the model card says.
 */
import type { Box } from '../src/types.js';
import type { RgbaImage } from './frame-pixels.js';
import type { TensorSpec } from './model-card.js';

/** ITU-R BT.601 luma, as OpenCV's RGB→gray (the conversion FER2013 was made with). */
const LUMA = [0.299, 0.587, 0.114] as const;

export function writeCropTensor(image: RgbaImage, box: Box, spec: TensorSpec, out: Float32Array, offset: number): void {
  const { width: W, height: H, channels: C, layout } = spec;
  const sx = box.width / W;
  const sy = box.height / H;
  const plane = W * H;
  const rgb = [0, 0, 0];
  for (let y = 0; y < H; y++) {
    const srcY = box.y + (y + 0.5) * sy - 0.5;
    for (let x = 0; x < W; x++) {
      sampleBilinear(image, box.x + (x + 0.5) * sx - 0.5, srcY, rgb);
      for (let c = 0; c < C; c++) {
        const byte = spec.color === 'gray' ? LUMA[0] * rgb[0]! + LUMA[1] * rgb[1]! + LUMA[2] * rgb[2]! : rgb[spec.color === 'bgr' ? 2 - c : c]!;
        const index = layout === 'NCHW' ? c * plane + y * W + x : (y * W + x) * C + c;
        out[offset + index] = byte * spec.scale[c]! + spec.offset[c]!;
      }
    }
  }
}

/** Samples with edge clamping, so boxes that cross the frame border repeat the edge pixels. */
function sampleBilinear(image: RgbaImage, x: number, y: number, rgb: number[]): void {
  const { data, width, height } = image;
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  for (let c = 0; c < 3; c++) {
    const a = data[(y0 * width + x0) * 4 + c]!;
    const b = data[(y0 * width + x1) * 4 + c]!;
    const d = data[(y1 * width + x0) * 4 + c]!;
    const e = data[(y1 * width + x1) * 4 + c]!;
    rgb[c] = (a + (b - a) * fx) * (1 - fy) + (d + (e - d) * fx) * fy;
  }
}
