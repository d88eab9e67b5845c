/**
 * The scale set: faces from the fixture portraits, downscaled and pasted into 640×480 frames at
 * known positions and sizes, to judge detectors by face size (signage sees faces from ~24 px at
 * 4 m to ~300 px at a kiosk). Built at bench/test time from ../shared; never committed as data.
 *
 * Each portrait's face is found once on the full-resolution photo with BlazeFace front 128 (it
 * finds every portrait face; test/sdk/engine/pipeline/photos.test.ts). Its box, scaled with the patch,
 * is the ground truth: "size" is that box's width in frame pixels. Patches carry the face's
 * surroundings (hair, neck) and are feathered into a smooth, textured background so that no hard
 * edge frames a face. Everything is deterministic (seeded).
 */
import sharp from 'sharp';
import type { Box } from '../src/contract/types.js';
import type { RgbaImage } from '../src/engine/pipeline/types.js';

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;
/** Face widths (frame pixels) the set covers: signage distance (4 m) to kiosk distance. */
export const SCALE_SET_SIZES = [20, 24, 32, 40, 48, 64, 96, 128, 192] as const;
/** Patch side in units of the face box: the face plus its surroundings. */
const PATCH_SCALE = 2.2;

export interface SourceFace {
  file: string;
  /** Decoded photo, RGB. */
  rgb: { data: Buffer; width: number; height: number };
  box: Box;
}

export interface ScaleFrame {
  size: number;
  image: RgbaImage;
  truth: Box[];
}

/** A small linear congruential generator: same set on every machine. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Value noise: the grid's values (`at(i, j)`, one per `cell` px) interpolated bilinearly at (x, y). */
export function bilinear(at: (i: number, j: number) => number, x: number, y: number, cell: number): number {
  const gx = x / cell,
    gy = y / cell;
  const x0 = Math.floor(gx),
    y0 = Math.floor(gy);
  const fx = gx - x0,
    fy = gy - y0;
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Smooth, low-contrast texture (value noise on a coarse grid, bilinear), so the background is not flat. */
function background(seed: number): Uint8Array {
  const rand = random(seed);
  const cell = 40;
  const gw = Math.ceil(FRAME_WIDTH / cell) + 2;
  const gh = Math.ceil(FRAME_HEIGHT / cell) + 2;
  const grid = Array.from({ length: gw * gh * 3 }, () => 60 + rand() * 120);
  const out = new Uint8Array(FRAME_WIDTH * FRAME_HEIGHT * 4);
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) {
      for (let c = 0; c < 3; c++)
        out[(y * FRAME_WIDTH + x) * 4 + c] = Math.round(bilinear((i, j) => grid[(j * gw + i) * 3 + c]!, x, y, cell));
      out[(y * FRAME_WIDTH + x) * 4 + 3] = 255;
    }
  }
  return out;
}

/** The face's patch (PATCH_SCALE × its box, clamped to the photo) resized so the box is `size` px wide. */
async function patchOf(face: SourceFace, size: number) {
  const side = face.box.width * PATCH_SCALE;
  const cx = face.box.x + face.box.width / 2;
  const cy = face.box.y + face.box.height / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.min(face.rgb.width - left, Math.round(side));
  const height = Math.min(face.rgb.height - top, Math.round(side));
  const scale = size / face.box.width;
  const outW = Math.max(1, Math.round(width * scale));
  const outH = Math.max(1, Math.round(height * scale));
  const { data } = await sharp(face.rgb.data, { raw: { width: face.rgb.width, height: face.rgb.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(outW, outH, { kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const truth = {
    x: (face.box.x - left) * (outW / width),
    y: (face.box.y - top) * (outH / height),
    width: face.box.width * (outW / width),
    height: face.box.height * (outH / height),
  };
  return { data, width: outW, height: outH, truth };
}

/** Pastes `patch` at (px, py) with a feathered edge (alpha falls to 0 over the outer 20 %). */
function paste(frame: Uint8Array, patch: { data: Buffer; width: number; height: number }, px: number, py: number) {
  const feather = 0.2;
  for (let y = 0; y < patch.height; y++) {
    const fy = Math.min(y + 0.5, patch.height - y - 0.5) / (patch.height * feather);
    for (let x = 0; x < patch.width; x++) {
      const fx = Math.min(x + 0.5, patch.width - x - 0.5) / (patch.width * feather);
      const alpha = Math.min(1, fx, fy);
      const X = px + x,
        Y = py + y;
      if (X < 0 || Y < 0 || X >= FRAME_WIDTH || Y >= FRAME_HEIGHT) continue;
      for (let c = 0; c < 3; c++) {
        const o = (Y * FRAME_WIDTH + X) * 4 + c;
        frame[o] = Math.round(frame[o]! * (1 - alpha) + patch.data[(y * patch.width + x) * 3 + c]! * alpha);
      }
    }
  }
}

/**
 * Frames for one face size: faces on a jittered grid (cells PATCH_SCALE × size, at most 8 faces
 * per frame), every source face used `rounds` times across the frames.
 */
export async function scaleFrames(faces: SourceFace[], size: number, rounds = 3, seed = 1): Promise<ScaleFrame[]> {
  const rand = random(seed * 7919 + size);
  const cell = Math.ceil(size * PATCH_SCALE) + 4;
  const cols = Math.max(1, Math.floor(FRAME_WIDTH / cell));
  const rows = Math.max(1, Math.floor(FRAME_HEIGHT / cell));
  const perFrame = Math.min(8, cols * rows);
  const queue = Array.from({ length: rounds }, (_, r) => faces.map((_, i) => (i + r) % faces.length)).flat();
  const frames: ScaleFrame[] = [];
  for (let start = 0; start < queue.length; start += perFrame) {
    const data = background(seed * 31 + size * 101 + start);
    const cells = Array.from({ length: cols * rows }, (_, i) => i).sort(() => rand() - 0.5);
    const truth: Box[] = [];
    for (const [k, faceIndex] of queue.slice(start, start + perFrame).entries()) {
      const patch = await patchOf(faces[faceIndex]!, size);
      const c = cells[k]!;
      const slackX = Math.max(0, (FRAME_WIDTH - cols * cell) / cols + cell - patch.width);
      const slackY = Math.max(0, (FRAME_HEIGHT - rows * cell) / rows + cell - patch.height);
      const px = Math.round((c % cols) * (FRAME_WIDTH / cols) + rand() * slackX);
      const py = Math.round(Math.floor(c / cols) * (FRAME_HEIGHT / rows) + rand() * slackY);
      paste(data, patch, px, py);
      truth.push({
        x: px + patch.truth.x,
        y: py + patch.truth.y,
        width: patch.truth.width,
        height: patch.truth.height,
      });
    }
    frames.push({ size, image: { data, width: FRAME_WIDTH, height: FRAME_HEIGHT }, truth });
  }
  return frames;
}

export interface Match {
  found: number;
  truths: number;
  falsePositives: number;
}

/**
 * A detection matches a face when its centre is within half the face's width of the true centre
 * and its width is within 0.5–2× (detectors frame faces differently, so IoU would judge the box
 * convention, not the finding). Each face and each detection match at most once.
 */
export function matchFaces(truth: Box[], found: Box[]): Match {
  const used = new Set<number>();
  let matched = 0;
  for (const t of truth) {
    const tc = { x: t.x + t.width / 2, y: t.y + t.height / 2 };
    let best = -1;
    let bestDist = Infinity;
    found.forEach((f, i) => {
      if (used.has(i)) return;
      const ratio = f.width / t.width;
      if (ratio < 0.5 || ratio > 2) return;
      const dist = Math.hypot(f.x + f.width / 2 - tc.x, f.y + f.height / 2 - tc.y);
      if (dist <= t.width / 2 && dist < bestDist) [best, bestDist] = [i, dist];
    });
    if (best >= 0) {
      used.add(best);
      matched++;
    }
  }
  return { found: matched, truths: truth.length, falsePositives: found.length - used.size };
}
