/**
 * Face alignment for the expression classifier: fit a 2D similarity transform
 * (rotation + uniform scale + translation, least squares / Umeyama without
 * reflection) from a canonical landmark template in crop pixels to the detected
 * landmarks in frame pixels, then warp the frame into the classifier's input tensor.
 *
 * Crop size, colour and normalisation come from the classifier's model card
 * (`input: { shape: [1, C, H, W], color, range, mean, std }`), never from constants here.
 */
import type { InputSpec, LandmarkTemplate } from '../model-card.js';
import { autoSupersample, channelAffine, type PixelKernels } from './kernels.js';
import type { Affine, BorderMode, Detection, Point, RgbaImage } from './types.js';

/** The parts of a classifier card's input spec that the warp reads. */
export type ClassifierInputSpec = Pick<InputSpec, 'shape' | 'color' | 'range' | 'mean' | 'std'>;

/**
 * FERPLUS_TEMPLATE (the default) mimics FER2013/FERPlus 48×48 crops, which frame the face
 * tightly from about the forehead to the chin: eyes at 40% height and 36% of the width apart,
 * nose tip at 58%, mouth centre at 76% (checked visually on group-4:
 * test-output/pipeline-group-4-crops.png). Indices follow BlazeFace (0 right eye = image left
 * on an unmirrored frame, 1 left eye, 2 nose tip, 3 mouth centre); pass your own template for
 * other detectors.
 */
export const FERPLUS_TEMPLATE: LandmarkTemplate = {
  points: [
    { index: 0, x: 0.32, y: 0.4, weight: 1 },
    { index: 1, x: 0.68, y: 0.4, weight: 1 },
    { index: 2, x: 0.5, y: 0.58, weight: 0.5 },
    { index: 3, x: 0.5, y: 0.76, weight: 0.5 },
  ],
};

/**
 * Weighted least-squares similarity mapping `from[i]` onto `to[i]`; returns the 2×3 matrix.
 * Needs two distinct points; a reflection is never returned (it would mirror the face).
 */
export function fitSimilarity(from: Point[], to: Point[], weights?: number[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new Error('fitSimilarity needs ≥ 2 point pairs');
  let sw = 0,
    fx = 0,
    fy = 0,
    tx = 0,
    ty = 0;
  from.forEach((p, i) => {
    const w = weights?.[i] ?? 1;
    sw += w;
    fx += w * p.x;
    fy += w * p.y;
    tx += w * to[i]!.x;
    ty += w * to[i]!.y;
  });
  fx /= sw;
  fy /= sw;
  tx /= sw;
  ty /= sw;
  let norm = 0,
    dot = 0,
    cross = 0;
  from.forEach((p, i) => {
    const w = weights?.[i] ?? 1;
    const ax = p.x - fx,
      ay = p.y - fy;
    const bx = to[i]!.x - tx,
      by = to[i]!.y - ty;
    norm += w * (ax * ax + ay * ay);
    dot += w * (ax * bx + ay * by);
    cross += w * (ax * by - ay * bx);
  });
  if (norm === 0) throw new Error('fitSimilarity: source points coincide');
  const a = dot / norm; // scale·cos θ
  const b = cross / norm; // scale·sin θ
  return [a, -b, tx - a * fx + b * fy, b, a, ty - b * fx - a * fy];
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (det === 0) throw new Error('singular affine matrix');
  const a = m[4] / det,
    b = -m[1] / det,
    d = -m[3] / det,
    e = m[0] / det;
  return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
}

export interface AlignOptions {
  template?: LandmarkTemplate;
  /**
   * Outside the frame (faces at its edges): 'clamp' (default) repeats edge pixels, which
   * the classifier tolerates better than black bars it never saw in training; 'constant'
   * fills with `borderValue` (u8).
   */
  border?: BorderMode;
  borderValue?: number;
  /** Anti-aliasing when the face is larger than the crop. Default 'auto' (up to 4×4). */
  supersample?: number | 'auto';
}

/** Crop → frame matrix (the warp's dst→src) for one detection. */
export function alignmentMatrix(
  detection: Detection,
  cropWidth: number,
  cropHeight: number,
  template: LandmarkTemplate = FERPLUS_TEMPLATE,
): Affine {
  const usable = template.points.filter((t) => detection.landmarks[t.index] !== undefined);
  if (usable.length < 2) {
    // No usable landmarks: fall back to the box, stretched uniformly into the crop.
    const s = Math.max(detection.box.width / cropWidth, detection.box.height / cropHeight);
    return [
      s,
      0,
      detection.box.x + detection.box.width / 2 - (s * cropWidth) / 2,
      0,
      s,
      detection.box.y + detection.box.height / 2 - (s * cropHeight) / 2,
    ];
  }
  return fitSimilarity(
    usable.map((t) => ({ x: t.x * cropWidth, y: t.y * cropHeight })),
    usable.map((t) => detection.landmarks[t.index]!),
    usable.map((t) => t.weight ?? 1),
  );
}

/** Warps one face into the classifier's NCHW input tensor. Returns the tensor and the crop → frame matrix. */
export function alignFace(
  kernels: PixelKernels,
  frame: RgbaImage,
  detection: Detection,
  input: ClassifierInputSpec,
  options: AlignOptions = {},
  out?: Float32Array,
): { data: Float32Array; matrix: Affine } {
  const [, channels, height, width] = input.shape;
  const norm = channelAffine(input);
  if (norm.channels !== channels)
    throw new Error(`classifier card: color '${input.color}' does not match ${channels} channels`);
  const matrix = alignmentMatrix(detection, width, height, options.template);
  const supersample =
    options.supersample === undefined || options.supersample === 'auto' ? autoSupersample(matrix) : options.supersample;
  const data = kernels.warpAffine(
    frame,
    matrix,
    {
      dstWidth: width,
      dstHeight: height,
      layout: 'nchw',
      norm,
      border: options.border ?? 'clamp',
      borderValue: options.borderValue ?? 0,
      supersample,
    },
    out,
  );
  return { data, matrix };
}
