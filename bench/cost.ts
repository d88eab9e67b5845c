/**
 * What detection costs per frame, and how soon a new face is reported, counted rather than timed:
 * the SDK's own detection stage and stream logic (DetectionStage, StreamFaces) on frames with
 * timestamps of a steady camera (30 FPS), in Node. Cost is the detector's input pixels per frame in
 * units of one full 256×192 pass, which is what every frame cost before (one big pass per frame,
 * and one per analyze()): a figure that the machine's load does not move. `npm run bench` times the
 * same in Chromium.
 */
import type { DetectionStage } from '../src/engine/face-detection.js';
import type { RgbaImage } from '../src/engine/pipeline/types.js';
import { StreamFaces } from '../src/engine/stream-faces.js';
import { DEFAULTS } from '../src/contract/options.js';
import { paintOver } from './face-free.js';

export interface CostFigures {
  fps: number;
  /** Input pixels of one full pass (256×192). */
  fullPass: number;
  analyze: { oneFace: number; fiveFaces: number };
  /** Mean per frame over frames 30–149 (after the first faces are confirmed). */
  stream: { oneFace: number; fiveFaces: number; fiveFacesMaxFrame: number };
  /** Frames (and ms at `fps`) from the first frame with faces to the frame that reports them all. */
  firstFaces: { frames: number; ms: number };
  /** The same for a fifth face appearing beside four tracked ones (each start of the big-pass cycle tried). */
  newFace: { frames: number[]; worstMs: number };
}

export async function detectorCost(
  stage: DetectionStage,
  work: { pixels: number },
  frames: { one: RgbaImage; five: RgbaImage },
  fps = 30,
): Promise<CostFigures> {
  const { width, height } = stage.inputSize;
  const fullPass = width * height;
  const frameMs = 1000 / fps;
  const copy = (image: RgbaImage) => ({ ...image, data: image.data.slice() });
  const perCall = async (image: RgbaImage) => {
    const before = work.pixels;
    await stage.detectImage(copy(image));
    return (work.pixels - before) / fullPass;
  };
  const analyze = { oneFace: await perCall(frames.one), fiveFaces: await perCall(frames.five) };

  const newStream = () => new StreamFaces(stage, DEFAULTS.tracking, DEFAULTS.maxFaces);
  const streamCost = async (image: RgbaImage) => {
    const stream = newStream();
    const costs: number[] = [];
    for (let i = 0; i < 150; i++) {
      const before = work.pixels;
      await stream.next(copy(image), i * frameMs);
      if (i >= 30) costs.push((work.pixels - before) / fullPass);
    }
    return { mean: costs.reduce((a, b) => a + b, 0) / costs.length, max: Math.max(...costs) };
  };
  const one = await streamCost(frames.one);
  const five = await streamCost(frames.five);

  /** Frames from `from` until a frame reports `count` faces. */
  const until = async (stream: StreamFaces, image: RgbaImage, from: number, count: number) => {
    for (let i = 0; i < 60; i++)
      if ((await stream.next(copy(image), (from + i) * frameMs)).tracked.length >= count) return i + 1;
    return NaN;
  };
  const empty = { ...frames.five, data: new Uint8Array(frames.five.data.length) };
  const first = newStream();
  for (let i = 0; i < 10; i++) await first.next(copy(empty), i * frameMs);
  const firstFrames = await until(first, frames.five, 10, 5);

  const newFace = await newFaceDelay(stage, frames.five, DEFAULTS.tracking.confirmHits, fps);
  return {
    fps,
    fullPass,
    analyze,
    stream: { oneFace: one.mean, fiveFaces: five.mean, fiveFacesMaxFrame: five.max },
    firstFaces: { frames: firstFrames, ms: firstFrames * frameMs },
    newFace,
  };
}

/**
 * Frames until a fifth face, appearing beside four tracked ones (one face of `five` painted over
 * until then), is reported, for each start of the big-pass cycle; and the worst, in ms at `fps`.
 */
export async function newFaceDelay(stage: DetectionStage, five: RgbaImage, confirmHits: number, fps = 30) {
  const frameMs = 1000 / fps;
  const copy = (image: RgbaImage) => ({ ...image, data: image.data.slice() });
  const [hidden] = await stage.detectImage(copy(five));
  const four = copy(five);
  paintOver(four, hidden!.box, 1.8);
  const frames: number[] = [];
  for (let phase = 0; phase < 8; phase++) {
    const stream = new StreamFaces(stage, { ...DEFAULTS.tracking, confirmHits }, DEFAULTS.maxFaces);
    const settle = 30 + phase;
    for (let i = 0; i < settle; i++) await stream.next(copy(four), i * frameMs);
    let found = NaN;
    for (let i = 0; i < 60 && Number.isNaN(found); i++)
      if ((await stream.next(copy(five), (settle + i) * frameMs)).tracked.length >= 5) found = i + 1;
    frames.push(found);
  }
  return { frames, worstMs: Math.max(...frames) * frameMs };
}

export function printCost(c: CostFigures): void {
  const x = (v: number) => `${v.toFixed(2)}×`;
  console.log(
    `\ndetector work, in full 256×192 passes (before: 1 per analyze() and 1 per stream frame), counted on the SDK's detection at ${c.fps} FPS`,
  );
  console.log('| | 1 face (portrait) | 5 faces (group-3) |');
  console.log('| --- | --- | --- |');
  console.log(`| analyze() | ${x(c.analyze.oneFace)} | ${x(c.analyze.fiveFaces)} |`);
  console.log(
    `| stream, mean per frame (heaviest frame) | ${x(c.stream.oneFace)} | ${x(c.stream.fiveFaces)} (${x(c.stream.fiveFacesMaxFrame)}) |`,
  );
  console.log(
    `5 faces appearing in an empty stream: all reported ${c.firstFaces.frames} frames after the first (${c.firstFaces.ms.toFixed(0)} ms at ${c.fps} FPS); ` +
      `a fifth beside four tracked: ${c.newFace.frames.join(', ')} frames (worst ${c.newFace.worstMs.toFixed(0)} ms, plus the frame's own latency)`,
  );
}
