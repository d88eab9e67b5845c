/**
 * `npm run bench:detectors [-- --json] [-- --rounds N]`: face detector options judged on the scale set
 * (bench/scale-set.ts): recall and false positives per face size, faces found in group-3.jpg, and
 * the cost per 640×480 frame. Node, onnxruntime-web WASM on 1 thread (Node cannot start ORT's
 * thread pool), our WASM SIMD kernels: the costs rank the options; `npm run bench` gives the
 * browser's figures for the default.
 *
 * Options (all MediaPipe BlazeFace, from models/):
 *   - front 128 and back 256, square input, the frame letterboxed (MediaPipe's way);
 *   - back at a 4:3 input (the frame's shape, no padding) at several sizes: the graph runs at any
 *     multiple of 32 (scripts/optimize-blazeface.mjs frees its spatial dimensions);
 *   - front on a 2× grid of tiles, and front + back cascaded (both run, results merged).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import sharp from 'sharp';
import { scriptArgs } from '../common/args.js';
import { parseBlazeFaceCard, type BlazeFaceCard } from '../src/engine/model-card.js';
import { blazeFaceCardAt, BlazeFaceDetector } from '../src/engine/pipeline/blazeface.js';
import { createWasmKernels } from '../src/engine/pipeline/kernels-wasm.js';
import type { PixelKernels } from '../src/engine/pipeline/kernels.js';
import { weightedNms } from '../src/engine/pipeline/nms.js';
import type { Detection, RgbaImage } from '../src/engine/pipeline/types.js';
import { DEFAULTS } from '../src/contract/options.js';
import { detectorCost, newFaceDelay, printCost } from './cost.js';
import { stageFor } from './curve.js';
import { precisionSection, printPrecision } from './precision.js';
import { matchFaces, SCALE_SET_SIZES, scaleFrames, type ScaleFrame, type SourceFace } from './scale-set.js';

const root = new URL('../', import.meta.url);
const shared = new URL('../../shared/', import.meta.url);
const PHOTOS = fileURLToPath(new URL('fixtures/photos/', shared));

type Detect = (image: RgbaImage) => Promise<Detection[]>;

export interface DetectorOption {
  name: string;
  detect: Detect;
}

const readCard = (name: string): BlazeFaceCard =>
  parseBlazeFaceCard(JSON.parse(readFileSync(new URL(`models/${name}.json`, root), 'utf8')), name);

async function session(file: string): Promise<ort.InferenceSession> {
  const { optimizeBlazeFace } = await import('../scripts/optimize-blazeface.mjs');
  // Shipped models already have their pads rewritten; this frees the input size if they do not.
  const { bytes } = optimizeBlazeFace(readFileSync(new URL(`models/${file}`, root)));
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

function blazeFace(card: BlazeFaceCard, run: ort.InferenceSession, kernels: PixelKernels, minScore?: number) {
  const detector = new BlazeFaceDetector(card, { kernels, ...(minScore ? { minScore } : {}) });
  const detect: Detect = async (image) => {
    const { data, frameInfo } = detector.preprocess(image);
    const outputs = await run.run({
      [detector.inputSpec.name]: new ort.Tensor('float32', data, detector.inputSpec.shape),
    });
    const named = Object.fromEntries(
      Object.entries(outputs).map(([name, tensor]) => [name, tensor.data as Float32Array]),
    );
    return detector.decode(named, frameInfo);
  };
  return detect;
}

/** `detect` on overlapping tiles of the frame (cols × rows, each `overlap` larger than its share), merged by NMS. */
function tiled(detect: Detect, cols: number, rows: number, overlap = 0.25): Detect {
  return async (image) => {
    const tw = Math.round((image.width / cols) * (1 + overlap));
    const th = Math.round((image.height / rows) * (1 + overlap));
    const all: Detection[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const x0 = Math.round(cols === 1 ? 0 : ((image.width - tw) * c) / (cols - 1));
        const y0 = Math.round(rows === 1 ? 0 : ((image.height - th) * r) / (rows - 1));
        const tile = new Uint8Array(tw * th * 4);
        for (let y = 0; y < th; y++)
          tile.set(
            image.data.subarray(((y0 + y) * image.width + x0) * 4, ((y0 + y) * image.width + x0 + tw) * 4),
            y * tw * 4,
          );
        for (const d of await detect({ data: tile, width: tw, height: th }))
          all.push({
            ...d,
            box: { ...d.box, x: d.box.x + x0, y: d.box.y + y0 },
            landmarks: d.landmarks.map((p) => ({ x: p.x + x0, y: p.y + y0 })),
          });
      }
    }
    return weightedNms(all, 0.3);
  };
}

function cascade(...detects: Detect[]): Detect {
  return async (image) => weightedNms((await Promise.all(detects.map((d) => d(image)))).flat(), 0.3);
}

async function rgbOf(file: string) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function rgbaOf(rgb: { data: Buffer; width: number; height: number }): RgbaImage {
  const data = new Uint8Array(rgb.width * rgb.height * 4);
  for (let i = 0; i < rgb.width * rgb.height; i++) {
    data.set(rgb.data.subarray(i * 3, i * 3 + 3), i * 4);
    data[i * 4 + 3] = 255;
  }
  return { data, width: rgb.width, height: rgb.height };
}

/** Each portrait's face, found on the full-resolution photo (front 128 finds every portrait face). */
export async function portraitFaces(detectFront: Detect): Promise<SourceFace[]> {
  const faces: SourceFace[] = [];
  for (const file of readdirSync(PHOTOS)
    .filter((f) => f.startsWith('portrait-'))
    .sort()) {
    const rgb = await rgbOf(PHOTOS + file);
    const [face] = await detectFront(rgbaOf(rgb));
    if (!face) throw new Error(`no face found in ${file}`);
    faces.push({ file, rgb, box: face.box });
  }
  return faces;
}

/** A fixture photo letterboxed into 640×480 on black, as the SDK bench draws it. */
async function photoFrame(file: string): Promise<RgbaImage> {
  const { data } = await sharp(PHOTOS + file)
    .resize({ width: 640, height: 480, fit: 'contain', background: '#000' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: 640, height: 480 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function evaluate(option: DetectorOption, frames: ScaleFrame[], group: RgbaImage) {
  for (let i = 0; i < 3; i++) await option.detect(frames[0]!.image); // warm-up
  const perSize = new Map<number, { found: number; faces: number; falsePositives: number }>();
  const times: number[] = [];
  for (const frame of frames) {
    const t0 = performance.now();
    const found = await option.detect(frame.image);
    times.push(performance.now() - t0);
    const match = matchFaces(
      frame.truth,
      found.map((d) => d.box),
    );
    const row = perSize.get(frame.size) ?? { found: 0, faces: 0, falsePositives: 0 };
    row.found += match.found;
    row.faces += match.truths;
    row.falsePositives += match.falsePositives;
    perSize.set(frame.size, row);
  }
  const bySize = [...perSize.entries()].map(([size, r]) => ({
    size,
    recall: r.found / r.faces,
    precision: r.found + r.falsePositives ? r.found / (r.found + r.falsePositives) : 1,
    ...r,
  }));
  return {
    name: option.name,
    msPerFrame: median(times),
    minMsPerFrame: Math.min(...times),
    groupFaces: (await option.detect(group)).length,
    bySize,
  };
}

const USAGE = `usage: npm run bench:detectors -- [--json] [--rounds N] [--only <text>] [--stream-seconds S]
  [--no-options] [--no-precision] [--no-streams]
  --rounds: placements of each portrait per face size in the scale set (3)
  --only: only the detector options whose name contains <text>
  --stream-seconds: how long each face-free stream runs (60; the issue's 10-minute check is 600)
  --no-options / --no-precision / --no-streams: leave out the options table / the precision section / its streams`;

async function main() {
  const { values: flags } = scriptArgs({
    usage: USAGE,
    numbers: ['rounds', 'stream-seconds'],
    options: {
      json: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
      'stream-seconds': { type: 'string', default: '60' },
      'no-options': { type: 'boolean', default: false },
      'no-precision': { type: 'boolean', default: false },
      'no-streams': { type: 'boolean', default: false },
    },
  });
  const json = flags.json;
  const rounds = Number(flags.rounds);
  const only = flags.only;
  const log = (line: string) => !json && console.error(line);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const started = new Date();
  const loadBefore = loadavg()[0]!;
  const kernels = await createWasmKernels(readFileSync(new URL('dist/wasm/jadfer-kernels.wasm', root)));
  const frontCard = readCard('blazeface-front-128');
  const backCard = readCard('blazeface-back-256');
  const frontSession = await session('blazeface-front-128.onnx');
  const backSession = await session('blazeface-back-256.onnx');
  const front = blazeFace(frontCard, frontSession, kernels);
  const back = (w: number, h: number) => blazeFace(blazeFaceCardAt(backCard, w, h), backSession, kernels);
  const faces = await portraitFaces(front);
  const frames = (await Promise.all(SCALE_SET_SIZES.map((size) => scaleFrames(faces, size, rounds)))).flat();
  const faceCount = frames.reduce((n, f) => n + f.truth.length, 0);

  const results = [];
  if (!flags['no-options']) {
    const options: DetectorOption[] = [
      { name: 'front 128×128', detect: front },
      { name: 'back 256×256', detect: back(256, 256) },
      { name: 'back 224×160', detect: back(224, 160) },
      { name: 'back 256×192', detect: back(256, 192) },
      { name: 'back 320×256', detect: back(320, 256) },
      { name: 'back 384×288', detect: back(384, 288) },
      { name: 'front 128 on 3×3 tiles', detect: tiled(front, 3, 3) },
      { name: 'back 224×160 on 2×2 tiles', detect: tiled(back(224, 160), 2, 2) },
      { name: 'back 256×192 on 2×2 tiles', detect: tiled(back(256, 192), 2, 2) },
      { name: 'front 128 + back 256×192', detect: cascade(front, back(256, 192)) },
    ].filter((o) => !only || o.name.includes(only));
    const group = await photoFrame('group-3.jpg');
    for (const option of options) {
      const result = await evaluate(option, frames, group);
      results.push(result);
      log(`${option.name}: ${result.msPerFrame.toFixed(1)} ms`);
    }
  }
  const precision = flags['no-precision']
    ? undefined
    : await precisionSection({
        // BlazeFace back at 256×192 at a low bar, on the whole photo and on 2×2 tiles: every face, to paint over.
        findFaces: async (image) => {
          const lowBar = blazeFace(blazeFaceCardAt(backCard, 256, 192), backSession, kernels, 0.35);
          return [...(await lowBar(image)), ...(await tiled(lowBar, 2, 2)(image))].map((d) => d.box);
        },
        stage: async () =>
          (await stageFor(backCard, readFileSync(new URL('models/blazeface-back-256.onnx', root)), kernels)).stage,
        newFaceWorstMs: async (confirmHits) => {
          const { stage } = await stageFor(
            backCard,
            readFileSync(new URL('models/blazeface-back-256.onnx', root)),
            kernels,
            DEFAULTS.minDetectionConfidence,
            DEFAULTS.maxFaces,
          );
          return (await newFaceDelay(stage, await photoFrame('group-3.jpg'), confirmHits)).worstMs;
        },
        frames,
        streamSeconds: flags['no-streams'] ? 0 : Number(flags['stream-seconds']),
        log,
      });
  log('detector work per frame, counted (bench/cost.ts)…');
  const counted = await stageFor(
    backCard,
    readFileSync(new URL('models/blazeface-back-256.onnx', root)),
    kernels,
    DEFAULTS.minDetectionConfidence,
    DEFAULTS.maxFaces,
  );
  const cost = await detectorCost(counted.stage, counted.work, {
    one: await photoFrame('portrait-a-1.jpg'),
    five: await photoFrame('group-3.jpg'),
  });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  console.log(
    JSON.stringify({
      date: started.toISOString(),
      command: `npm run bench:detectors${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: { ...machine, loadAverage1m: { before: loadBefore, after: loadavg()[0]! } },
      frames: frames.length,
      faces: faceCount,
      results,
      precision,
      cost,
    }),
  );
  if (json) return;
  if (results.length) {
    console.log(
      `\nscale set: ${frames.length} frames of 640×480, ${faceCount} faces (${faces.length} portraits × ${rounds} per size)`,
    );
    console.log(`recall per face width (px); FP = false positives over all sizes; group-3: faces found of 5\n`);
    console.log(`| option | ms/frame (median, min) | ${SCALE_SET_SIZES.join(' | ')} | FP | group-3 |`);
    console.log(`| --- | --- | ${SCALE_SET_SIZES.map(() => '---').join(' | ')} | --- | --- |`);
    for (const r of results)
      console.log(
        `| ${r.name} | ${r.msPerFrame.toFixed(1)}, ${r.minMsPerFrame.toFixed(1)} | ${r.bySize.map((s) => `${Math.round(s.recall * 100)}%`).join(' | ')} | ${r.bySize.reduce((n, s) => n + s.falsePositives, 0)} | ${r.groupFaces} |`,
      );
  }
  if (precision) printPrecision(precision);
  printCost(cost);
  console.log(
    `\n${started.toISOString()}, ${machine.cpus} × ${machine.cpu}, Node ${machine.node}; 1-min load ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
