/**
 * Detection passes: what part of a frame the detector looks at, at which input size.
 *
 * Big passes, for streams: the whole frame, then one zoomed tile, in turn.
 * The default detector sees the whole 640×480 frame at 256×192 and finds faces from about 40 px
 * (16 px of its input, on the scale set; bench/detectors.ts). Signage also sees faces of 20–32 px
 * (4 m away): the same detector on a quarter of the frame (2×2 tiles, overlapping) finds them.
 * A stream runs one big pass every BIG_PASS_EVERY_MS (every frame while it tracks no face):
 * the whole frame at least every 2 × BIG_PASS_EVERY_MS, each tile every 8 ×. Between big passes,
 * each live track is followed by a region pass: the same detector on a square twice the face's
 * size around it, at REGION_INPUT px (`regionAround`), which costs a fifteenth of the whole
 * frame. The region pass is also the second look that every candidate gets before it becomes a
 * face (face-detection.ts): it sees the candidate at the scale the detector knows best, and
 * separates faces from look-alikes far better than the first look's score (bench/detectors.ts).
 * A pass only answers for the faces it can see: the tracker does not count a face that a pass
 * could not have found as missed (see `covers`).
 */
import type { Box } from './types.js';

/** Smallest face (px of the detector's input) the detector finds reliably: 100 % at 16 px on the scale set. */
export const RELIABLE_INPUT_PX = 16;
/** Tiles per side, and how much each overlaps its neighbour (a share of its width or height). */
const TILES = 2;
const TILE_OVERLAP = 0.25;
/** Faces smaller than this (frame px) are left to tiles only when the whole-frame pass cannot find them. */
const SMALL_ENOUGH = 24;
export const REPORT_MARGIN = 1.5;
/** A stream runs a big pass (the whole frame or a tile) at most this often while it tracks faces. */
export const BIG_PASS_EVERY_MS = 50;
/** Region passes: a square this many times the face box's longer side, seen at REGION_INPUT × REGION_INPUT. */
export const REGION_SCALE = 2;
export const REGION_INPUT = 64;

export interface DetectionPass {
  /** The part of the frame the detector sees (frame px). */
  region: Box;
  frameWidth: number;
  frameHeight: number;
  /**
   * Faces this pass answers for: at least minSize, below maxSize (frame px, shorter box side). It
   * reports faces up to REPORT_MARGIN × maxSize, since passes frame a face's box differently.
   */
  minSize: number;
  maxSize: number;
}

/** The whole-frame pass and, when it misses faces of SMALL_ENOUGH px, the tile passes. */
export function detectionPasses(width: number, height: number, inputWidth: number, inputHeight: number) {
  const scaleOf = (w: number, h: number) => Math.min(inputWidth / w, inputHeight / h);
  const whole: DetectionPass = {
    region: { x: 0, y: 0, width, height },
    frameWidth: width,
    frameHeight: height,
    minSize: RELIABLE_INPUT_PX / scaleOf(width, height),
    maxSize: Infinity,
  };
  if (whole.minSize <= SMALL_ENOUGH) return { whole, tiles: [] };
  const tw = Math.min(width, Math.round((width / TILES) * (1 + TILE_OVERLAP)));
  const th = Math.min(height, Math.round((height / TILES) * (1 + TILE_OVERLAP)));
  const tiles: DetectionPass[] = [];
  for (let row = 0; row < TILES; row++)
    for (let col = 0; col < TILES; col++)
      tiles.push({
        region: {
          x: Math.round(((width - tw) * col) / (TILES - 1)),
          y: Math.round(((height - th) * row) / (TILES - 1)),
          width: tw,
          height: th,
        },
        frameWidth: width,
        frameHeight: height,
        minSize: RELIABLE_INPUT_PX / scaleOf(tw, th),
        // Larger faces are the whole-frame pass's (a tile may cut them).
        maxSize: whole.minSize,
      });
  return { whole, tiles };
}

/**
 * Whether the box is whole in the pass's view: inside every edge of its region that cuts the
 * frame (a face may cross the frame's own edges; a tile's inner edges would cut it in half).
 */
export function inView(pass: DetectionPass, box: Box): boolean {
  const r = pass.region;
  return (
    (r.x === 0 || box.x >= r.x) &&
    (r.y === 0 || box.y >= r.y) &&
    (r.x + r.width === pass.frameWidth || box.x + box.width <= r.x + r.width) &&
    (r.y + r.height === pass.frameHeight || box.y + box.height <= r.y + r.height)
  );
}

/** Whether the pass finds a face with this box: whole in its view, at a size it finds. */
export function covers(pass: DetectionPass, box: Box): boolean {
  const size = Math.min(box.width, box.height);
  return size >= pass.minSize && size < pass.maxSize && inView(pass, box);
}

/** The square region pass around a face box (frame px; it may reach past the frame's edges). */
export function regionAround(box: Box): Box {
  const side = Math.max(1, Math.round(Math.max(box.width, box.height) * REGION_SCALE));
  return {
    x: Math.round(box.x + box.width / 2 - side / 2),
    y: Math.round(box.y + box.height / 2 - side / 2),
    width: side,
    height: side,
  };
}

/** A stream's passes in turn: whole, tile 1, whole, tile 2, …; only the whole frame when there are no tiles. */
export class PassCycle {
  private turn = 0;
  private key = '';
  private passes: DetectionPass[] = [];

  next(width: number, height: number, inputWidth: number, inputHeight: number): DetectionPass {
    const key = `${width}x${height}`;
    if (key !== this.key) {
      const { whole, tiles } = detectionPasses(width, height, inputWidth, inputHeight);
      this.passes = tiles.length ? tiles.flatMap((tile) => [whole, tile]) : [whole];
      this.key = key;
      this.turn = 0;
    }
    return this.passes[this.turn++ % this.passes.length]!;
  }

  /** Frames until every pass has had its turn again. */
  get length(): number {
    return this.passes.length;
  }
}

/**
 * When a stream runs its big passes (PassCycle's, in turn): on every frame while it tracks no face,
 * else once BIG_PASS_EVERY_MS have passed since the last one; the frames in between have region
 * passes only. So a face that appears is searched for within BIG_PASS_EVERY_MS × (the cycle's
 * turns until the pass that finds it) plus one frame.
 */
export class PassSchedule {
  private readonly cycle = new PassCycle();
  private lastBigMs = -Infinity;

  next(
    width: number,
    height: number,
    inputWidth: number,
    inputHeight: number,
    timestampMs: number,
    tracking: boolean,
  ): DetectionPass | undefined {
    if (tracking && timestampMs - this.lastBigMs < BIG_PASS_EVERY_MS) return undefined;
    this.lastBigMs = timestampMs;
    return this.cycle.next(width, height, inputWidth, inputHeight);
  }

  /** Big passes until every one has had its turn again. */
  get length(): number {
    return this.cycle.length;
  }
}
