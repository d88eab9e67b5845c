/**
 * Crops of the wild photos' faces for the classifier, in the variants the diagnosis compares
 * (docs/wild-photos.md): the pipeline's own crop, and the same face made the way the training faces
 * were (a 48×48 gray crop, rounded to bytes, upsampled to the model's input).
 */
import { alignmentMatrix } from '../../src/engine/pipeline/align.js';
import { channelAffine } from '../../src/engine/pipeline/kernels.js';
import { autoSupersample } from '../../src/engine/pipeline/kernels.js';
import { refKernels } from '../../src/engine/pipeline/kernels-ref.js';
import type { Affine, Detection, RgbaImage } from '../../src/engine/pipeline/types.js';
import type { LandmarkTemplate } from '../../src/engine/model-card.js';
import { resizeBilinearGray } from '../backbone/preprocess.js';
import { FER_SIZE } from '../../common/ferplus.js';
import type { WildFace } from './faces.js';

const GRAY = channelAffine({ color: 'gray', range: [0, 255] });

export function detectionOf(record: WildFace): Detection {
  const face = record.face!;
  return { box: face.box, landmarks: face.landmarks, score: face.score } as Detection;
}

/** The crop → photo matrix for a square crop of `size`, optionally scaled about the crop's centre (> 1: looser). */
export function cropMatrix(record: WildFace, size: number, template?: LandmarkTemplate, zoom = 1, dy = 0): Affine {
  const m = alignmentMatrix(detectionOf(record), size, size, template);
  if (zoom === 1 && dy === 0) return m;
  // Compose with a scaling about the crop centre (and a vertical shift in crop fractions).
  const c = size / 2;
  const s: Affine = [zoom, 0, c - zoom * c, 0, zoom, c - zoom * c + dy * size];
  return [
    m[0] * s[0] + m[1] * s[3],
    m[0] * s[1] + m[1] * s[4],
    m[0] * s[2] + m[1] * s[5] + m[2],
    m[3] * s[0] + m[4] * s[3],
    m[3] * s[1] + m[4] * s[4],
    m[3] * s[2] + m[4] * s[5] + m[5],
  ];
}

/** A gray crop of `size`² through `matrix`, as the pipeline warps (bilinear, anti-aliased, edge clamp). */
export function grayCrop(image: RgbaImage, matrix: Affine, size: number): Float32Array {
  return refKernels.warpAffine(image, matrix, {
    dstWidth: size,
    dstHeight: size,
    layout: 'nchw',
    norm: GRAY,
    border: 'clamp',
    supersample: autoSupersample(matrix),
  });
}

/** The training faces' form: a 48×48 byte crop (FERPlus's), upsampled to `inputSize` as training does. */
export function via48(image: RgbaImage, matrix48: Affine, inputSize: number): Float32Array {
  const face = Uint8Array.from(grayCrop(image, matrix48, FER_SIZE), (v) => Math.round(v));
  return resizeBilinearGray(face, FER_SIZE, FER_SIZE, inputSize, inputSize);
}

/** The share of a crop's area that lies outside the photo (filled by repeating its edge). */
export function outsideShare(record: WildFace, matrix: Affine, size: number): number {
  let outside = 0;
  const n = 16;
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const px = ((i + 0.5) / n) * size;
      const py = ((j + 0.5) / n) * size;
      const x = matrix[0] * px + matrix[1] * py + matrix[2];
      const y = matrix[3] * px + matrix[4] * py + matrix[5];
      if (x < 0 || y < 0 || x >= record.width || y >= record.height) outside++;
    }
  return outside / (n * n);
}
