/**
 * Augmented views of a 48×48 gray face for the feature cache: a small random similarity
 * (rotation, scale, shift: jitter and crop in one), seeded by the sample and the view, so a
 * cache rebuilt later is identical. The warp is the runtime's own kernel (edge clamp).
 */
import { refKernels } from '../../src/engine/pipeline/kernels-ref.js';
import { grayToRgba } from '../backbone/preprocess.js';
import type { Affine } from '../../src/engine/pipeline/types.js';
import { Rng } from '../model/rng.js';
import { FER_SIZE } from '../../common/ferplus.js';

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

/**
 * What kiosk cameras and other datasets show that FERPlus's centred 48×48 gray crops do not: each
 * entry is the probability of the effect and its range. The faces stay gray because the model
 * reads one gray channel (the runtime converts a colour frame once, so colour casts reach it only
 * as brightness and contrast, which are covered). Drawn from the trainer's Rng, so a resumed run
 * sees the same faces.
 */
export const KIOSK_AUGMENT = {
  /** The share of faces that get this treatment; the rest get the mild JITTER, so clean faces stay in distribution. */
  share: 0.6,
  /** Roll, scale (< 1 frames the face looser, > 1 tighter) and shift: detector framing varies. */
  geometry: { maxDegrees: 20, minScale: 0.8, maxScale: 1.2, maxShiftPx: 4 },
  /** A face seen at this many pixels, then upsampled back (far faces; 48 px is FERPlus's own). */
  resolution: { p: 0.3, minPx: 16, maxPx: 40 },
  blur: { p: 0.15, minSigma: 0.4, maxSigma: 1.2 },
  /** 8×8 DCT quantisation with the JPEG luminance table (blocking and ringing of web cameras). */
  jpeg: { p: 0.2, minQuality: 15, maxQuality: 70 },
  /** Exposure and camera response: out = 255·(gain·in/255 + offset)^gamma, plus a side light. */
  light: {
    p: 0.8,
    minGain: 0.6,
    maxGain: 1.4,
    maxOffset: 0.15,
    minGamma: 0.6,
    maxGamma: 1.6,
    sideLightP: 0.3,
    maxSide: 0.35,
  },
  noise: { p: 0.2, maxSigma: 8 },
  /** A rectangle of flat or noisy gray: hands, hair, glasses frames, masks. */
  occlusion: { p: 0.25, minPx: 8, maxPx: 22 },
} as const;

/** One kiosk-style view of a 48×48 gray face (KIOSK_AUGMENT); the mirror is drawn by the caller. */
export function kioskAugment(face: Uint8Array, rng: Rng): Uint8Array {
  const A = KIOSK_AUGMENT;
  const uniform = (lo: number, hi: number) => lo + rng.next() * (hi - lo);
  // Draw every random number every time, so the stream of draws does not depend on the outcomes.
  const g = A.geometry;
  const angle = (uniform(-g.maxDegrees, g.maxDegrees) * Math.PI) / 180;
  const scale = uniform(g.minScale, g.maxScale);
  const shift = [uniform(-g.maxShiftPx, g.maxShiftPx), uniform(-g.maxShiftPx, g.maxShiftPx)] as const;
  const draws = {
    resolution: [rng.next(), uniform(A.resolution.minPx, A.resolution.maxPx)],
    blur: [rng.next(), uniform(A.blur.minSigma, A.blur.maxSigma)],
    jpeg: [rng.next(), uniform(A.jpeg.minQuality, A.jpeg.maxQuality)],
    light: [
      rng.next(),
      uniform(A.light.minGain, A.light.maxGain),
      uniform(-A.light.maxOffset, A.light.maxOffset),
      uniform(A.light.minGamma, A.light.maxGamma),
    ],
    side: [rng.next(), uniform(-A.light.maxSide, A.light.maxSide), uniform(0, Math.PI * 2)],
    noise: [rng.next(), uniform(0, A.noise.maxSigma), rng.nextU32()],
    occlusion: [
      rng.next(),
      uniform(A.occlusion.minPx, A.occlusion.maxPx),
      uniform(A.occlusion.minPx, A.occlusion.maxPx),
      rng.next(),
      rng.next(),
      rng.next(),
      rng.nextU32(),
    ],
  };
  const a = Math.cos(angle) / scale;
  const b = Math.sin(angle) / scale;
  const c = FER_SIZE / 2;
  let img = warpGray(face, [a, -b, c - a * c + b * c + shift[0], b, a, c - b * c - a * c + shift[1]]);

  const [pRes, px] = draws.resolution as [number, number];
  if (pRes < A.resolution.p) img = resize(resize(img, FER_SIZE, Math.round(px)), Math.round(px), FER_SIZE);
  const [pBlur, sigma] = draws.blur as [number, number];
  if (pBlur < A.blur.p) img = gaussianBlur(img, sigma);
  const [pLight, gain, offset, gamma] = draws.light as number[];
  const [pSide, side, direction] = draws.side as number[];
  if (pLight! < A.light.p) {
    const [dx, dy] = [Math.cos(direction!), Math.sin(direction!)];
    img = img.map((v, i) => {
      const x = (i % FER_SIZE) / FER_SIZE - 0.5;
      const y = Math.floor(i / FER_SIZE) / FER_SIZE - 0.5;
      const light = pSide! < A.light.sideLightP ? 1 + side! * 2 * (x * dx + y * dy) : 1;
      const u = Math.min(1, Math.max(0, (gain! * v * light) / 255 + offset!));
      return 255 * u ** gamma!;
    });
  }
  const [pNoise, noiseSigma, noiseSeed] = draws.noise as number[];
  if (pNoise! < A.noise.p) {
    const noise = new Rng(noiseSeed!);
    img = img.map((v) => v + noiseSigma! * noise.normal());
  }
  const [pOcc, w, h, ox, oy, flat, occSeed] = draws.occlusion as number[];
  if (pOcc! < A.occlusion.p) {
    const fill = new Rng(occSeed!);
    const [x0, y0] = [Math.floor(ox! * (FER_SIZE - w!)), Math.floor(oy! * (FER_SIZE - h!))];
    const level = fill.next() * 255;
    for (let y = y0; y < y0 + h!; y++)
      for (let x = x0; x < x0 + w!; x++) img[y * FER_SIZE + x] = flat! < 0.5 ? level : fill.next() * 255;
  }
  const [pJpeg, quality] = draws.jpeg as [number, number];
  if (pJpeg < A.jpeg.p) img = jpegBlocks(img, quality);
  return Uint8Array.from(img, (v) => Math.round(Math.min(255, Math.max(0, v))));
}

function warpGray(face: Uint8Array, matrix: Affine): Float32Array {
  return refKernels.warpAffine(grayToRgba(face, FER_SIZE, FER_SIZE), matrix, {
    dstWidth: FER_SIZE,
    dstHeight: FER_SIZE,
    layout: 'nchw',
    norm: { channels: 1, gain: [1], bias: [0] },
    border: 'clamp',
  });
}

/** Bilinear resize of a square gray image (an area-less resize: downsampling aliases, as cheap cameras do). */
function resize(img: Float32Array, from: number, to: number): Float32Array {
  const out = new Float32Array(to * to);
  const k = from / to;
  for (let y = 0; y < to; y++)
    for (let x = 0; x < to; x++) {
      const sx = Math.min(from - 1, Math.max(0, (x + 0.5) * k - 0.5));
      const sy = Math.min(from - 1, Math.max(0, (y + 0.5) * k - 0.5));
      const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
      const [x1, y1] = [Math.min(from - 1, x0 + 1), Math.min(from - 1, y0 + 1)];
      const [fx, fy] = [sx - x0, sy - y0];
      const top = img[y0 * from + x0]! * (1 - fx) + img[y0 * from + x1]! * fx;
      const bottom = img[y1 * from + x0]! * (1 - fx) + img[y1 * from + x1]! * fx;
      out[y * to + x] = top * (1 - fy) + bottom * fy;
    }
  return out;
}

function gaussianBlur(img: Float32Array, sigma: number): Float32Array {
  const radius = Math.ceil(2.5 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, horizontal: boolean) =>
    src.map((_, i) => {
      const [x, y] = [i % FER_SIZE, Math.floor(i / FER_SIZE)];
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = horizontal ? Math.min(FER_SIZE - 1, Math.max(0, x + k)) : x;
        const yy = horizontal ? y : Math.min(FER_SIZE - 1, Math.max(0, y + k));
        acc += kernel[k + radius]! * src[yy * FER_SIZE + xx]!;
      }
      return acc / sum;
    });
  return pass(pass(img, true), false);
}

/** The JPEG standard's luminance quantisation table (Annex K), scaled by quality as libjpeg does. */
const JPEG_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const DCT = Array.from({ length: 8 }, (_, u) =>
  Array.from({ length: 8 }, (_, x) => (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16)),
);

function jpegBlocks(img: Float32Array, quality: number): Float32Array {
  const q = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const table = JPEG_LUMA.map((v) => Math.max(1, Math.floor((v * q + 50) / 100)));
  const out = new Float32Array(img.length);
  const block = new Float32Array(64);
  const coef = new Float32Array(64);
  for (let by = 0; by < FER_SIZE; by += 8)
    for (let bx = 0; bx < FER_SIZE; bx += 8) {
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) block[y * 8 + x] = img[(by + y) * FER_SIZE + bx + x]! - 128;
      for (let v = 0; v < 8; v++)
        for (let u = 0; u < 8; u++) {
          let acc = 0;
          for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) acc += DCT[v]![y]! * DCT[u]![x]! * block[y * 8 + x]!;
          coef[v * 8 + u] = Math.round(acc / table[v * 8 + u]!) * table[v * 8 + u]!;
        }
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          let acc = 0;
          for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) acc += DCT[v]![y]! * DCT[u]![x]! * coef[v * 8 + u]!;
          out[(by + y) * FER_SIZE + bx + x] = acc + 128;
        }
    }
  return out;
}
