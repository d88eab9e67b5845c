/**
 * Precision as users meet it, through the SDK (bench/detectors.ts prints it, bench/run.ts adds it to
 * `npm run bench`):
 *   - analyze() on the face-free sets (bench/face-free.ts): images with a face, false faces per image;
 *   - face-free streams in Chromium through stream() and the analytics, as the demo wires them:
 *     Chromium's own fake camera (a green pattern with a clock), and a Y4M of the face-free report
 *     images played as the fake camera; false tracks and false visitors per minute;
 *   - what the same SDK still finds: the scale set's faces by size (analyze() and a stream) and the
 *     group photos' faces.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { BENCH_FOLDERS, startServer } from '../scripts/serve.mjs';
import type { RgbaImage } from '../src/engine/pipeline/types.js';
import { launchChromium } from '../test/browser-launch.js';
import { framesToY4m } from '../test/fixtures/y4m.js';
import type { FaceFreeImage, FaceFreeSource, Split } from './face-free.js';
import { matchFaces, type ScaleFrame } from './scale-set.js';
import { BUCKETS, curveSvg, precisionRecallCurve } from './curve.js';
import type { DetectionStage } from '../src/engine/face-detection.js';
import { writePng } from '../training/train/plots.js';
import { DEFAULTS } from '../src/contract/options.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${root}test-output/face-free/`;
const FAKE_CAMERA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const CURVE_PNG = `${root}docs/detection-pr.png`;
/** Thumbnail sizes (longer side, px) the face-free sets are also measured at: film stills and avatars. */
const THUMBNAIL_SIDES = [48, 96, 192];

/** Group photos and the faces each has, counted by eye (test/sdk/engine/pipeline/photos.test.ts). */
export const GROUP_FACES: Record<string, number> = {
  'group-1.jpg': 4,
  'group-2.jpg': 3,
  'group-3.jpg': 5,
  'group-4.jpg': 6,
  'group-5.jpg': 5,
};

interface Face {
  box: { x: number; y: number; width: number; height: number };
  score: number;
}
export interface Sdk {
  analyze(image: RgbaImage): Promise<Face[]>;
  stream(source: AsyncIterable<RgbaImage>): AsyncIterable<{ faces: Face[] }>;
}

/** `count` frames of Chromium's fake camera, `intervalMs` apart, as RGBA. */
export async function captureFakeCamera(count: number, intervalMs: number): Promise<RgbaImage[]> {
  const server = await startServer({ port: 0, folders: BENCH_FOLDERS });
  const browser = await launchChromium(FAKE_CAMERA);
  try {
    const page = await browser.newPage();
    // A page of our own origin: the camera needs a secure context (127.0.0.1 is one).
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bench/pages/face-free-stream.html`);
    const urls = await page.evaluate(
      async ({ count, intervalMs }) => {
        const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
        const video = Object.assign(document.createElement('video'), { muted: true });
        video.srcObject = media;
        await video.play();
        const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 480 });
        const out: string[] = [];
        for (let i = 0; i < count; i++) {
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
          canvas.getContext('2d')!.drawImage(video, 0, 0, 640, 480);
          out.push(canvas.toDataURL('image/png'));
        }
        return out;
      },
      { count, intervalMs },
    );
    return Promise.all(
      urls.map(async (url) => {
        const { data, info } = await sharp(Buffer.from(url.split(',')[1]!, 'base64'))
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        return { data: new Uint8Array(data), width: info.width, height: info.height };
      }),
    );
  } finally {
    await browser.close();
    server.close();
  }
}

export interface StreamFigures {
  feed: string;
  seconds: number;
  frames: number;
  fps: number;
  framesWithFaces: number;
  falseTracks: number;
  falseVisitors: number;
  falseTracksPerMinute: number;
  falseVisitorsPerMinute: number;
  tracks: Array<{ frames: number; maxScore: number; maxSize: number }>;
}

/**
 * A face-free feed through stream() and the analytics in Chromium (WASM) for `seconds`: Chromium's
 * own fake camera, or `images` played as the fake camera (each shown `holdFrames` frames at 10 FPS).
 */
export async function faceFreeStream(options: {
  seconds: number;
  images?: RgbaImage[];
  holdFrames?: number;
  sdkOptions?: Record<string, unknown>;
}): Promise<StreamFigures> {
  const args = [...FAKE_CAMERA];
  let feed = "Chromium's fake camera (--use-fake-device-for-media-stream)";
  if (options.images) {
    mkdirSync(OUT, { recursive: true });
    const video = `${OUT}face-free-report.y4m`;
    const frames = await Promise.all(options.images.map((image) => fit640(image)));
    framesToY4m(frames, video, { fps: 10, repeat: options.holdFrames ?? 5 });
    args.push(`--use-file-for-fake-video-capture=${video}`);
    feed = `${frames.length} face-free report images as the fake camera (${options.holdFrames ?? 5} frames each at 10 FPS, looped)`;
  }
  const server = await startServer({ port: 0, folders: BENCH_FOLDERS });
  const browser = await launchChromium(args);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bench/pages/face-free-stream.html`);
    await page.waitForFunction(() => (window as any).faceFreeReady);
    const result = await page.evaluate((o) => (window as any).runFaceFreeStream(o), {
      seconds: options.seconds,
      device: 'wasm',
      options: options.sdkOptions ?? {},
    });
    return { feed, ...result };
  } finally {
    await browser.close();
    server.close();
  }
}

/** An image letterboxed into 640×480 on black (what a 4:3 camera would show). */
async function fit640(image: RgbaImage): Promise<RgbaImage> {
  const { data } = await sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .resize({ width: 640, height: 480, fit: 'contain', background: '#000' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: 640, height: 480 };
}

export interface FaceFreeFigures {
  split: Split;
  images: number;
  withFaces: number;
  falseFaces: number;
  falseFacesPerImage: number;
  bySource: Record<string, { images: number; withFaces: number; falseFaces: number }>;
  found: Array<{ id: string; score: number; size: number }>;
}

/** analyze() on each image of one split: every face found is false. */
export async function analyzeFaceFree(sdk: Sdk, set: FaceFreeImage[], split: Split): Promise<FaceFreeFigures> {
  const bySource: FaceFreeFigures['bySource'] = {};
  const found: FaceFreeFigures['found'] = [];
  let withFaces = 0;
  const images = set.filter((s) => s.split === split);
  for (const item of images) {
    const faces = await sdk.analyze({ ...item.image, data: item.image.data.slice() });
    const row = (bySource[item.source as FaceFreeSource] ??= { images: 0, withFaces: 0, falseFaces: 0 });
    row.images++;
    row.falseFaces += faces.length;
    if (faces.length) {
      row.withFaces++;
      withFaces++;
    }
    for (const f of faces)
      found.push({ id: item.id, score: round(f.score), size: Math.round(Math.min(f.box.width, f.box.height)) });
  }
  const falseFaces = found.length;
  return {
    split,
    images: images.length,
    withFaces,
    falseFaces,
    falseFacesPerImage: falseFaces / Math.max(1, images.length),
    bySource,
    found,
  };
}

/** Scale-set recall by face size through the SDK: one analyze() per frame, and a stream of each frame (`streamFrames`, 60 ms apart). */
export async function sdkRecall(sdk: Sdk, frames: ScaleFrame[], streamFrames: number) {
  const rows = new Map<number, { faces: number; analyze: number; stream: number; falsePositives: number }>();
  for (const frame of frames) {
    const row = rows.get(frame.size) ?? { faces: 0, analyze: 0, stream: 0, falsePositives: 0 };
    const once = matchFaces(
      frame.truth,
      (await sdk.analyze({ ...frame.image, data: frame.image.data.slice() })).map((f) => f.box),
    );
    // One frame at a time (none dropped), 60 ms apart like a 16 FPS camera, so that every frame has a
    // big pass and the stream's passes go through their whole cycle (8 big passes) and confirm what they find.
    let last: Face[] = [];
    let results = 0;
    async function* frames() {
      for (let i = 0; i < streamFrames; i++) {
        while (results < i) await new Promise((resolve) => setTimeout(resolve, 5));
        await new Promise((resolve) => setTimeout(resolve, 60));
        yield { ...frame.image, data: frame.image.data.slice() };
      }
    }
    for await (const result of sdk.stream(frames())) {
      last = result.faces;
      results++;
    }
    const streamed = matchFaces(
      frame.truth,
      last.map((f) => f.box),
    );
    row.faces += frame.truth.length;
    row.analyze += once.found;
    row.stream += streamed.found;
    row.falsePositives += once.falsePositives + streamed.falsePositives;
    rows.set(frame.size, row);
  }
  return [...rows.entries()].map(([size, r]) => ({
    size,
    ...r,
    analyzeRecall: r.analyze / r.faces,
    streamRecall: r.stream / r.faces,
  }));
}

/** Faces found in each group photo, at its own size and letterboxed into 640×480 (the bench's frame). */
export async function groupFaces(sdk: Sdk, photos: string) {
  const out: Array<{ file: string; expected: number; native: number; frame640: number }> = [];
  for (const [file, expected] of Object.entries(GROUP_FACES)) {
    const native = await sharp(photos + file)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image = { data: new Uint8Array(native.data), width: native.info.width, height: native.info.height };
    out.push({
      file,
      expected,
      native: (await sdk.analyze(image)).length,
      frame640: (await sdk.analyze(await fit640(image))).length,
    });
  }
  return out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The whole precision section of `npm run bench:detectors`: the face-free sets, analyze() on both
 * splits, the scale set and group photos through the SDK, and the face-free streams in Chromium.
 */
export async function precisionSection(options: {
  /** Every face of a fixture photo, at a low bar, to paint over (face-free.ts). */
  findFaces: (image: RgbaImage) => Promise<Face['box'][]>;
  /** The SDK's detection stage on the default detector, for the curve (bench/curve.ts). */
  stage: () => Promise<DetectionStage>;
  /** The worst delay before a new face beside tracked ones is reported, at 30 FPS, for a confirmHits. */
  newFaceWorstMs: (confirmHits: number) => Promise<number>;
  frames: ScaleFrame[];
  streamSeconds: number;
  sdkOptions?: Record<string, unknown>;
  log: (line: string) => void;
}) {
  const { log } = options;
  const photos = fileURLToPath(new URL('../../shared/fixtures/photos/', import.meta.url));
  const { faceFreeSet, thumbnails } = await import('./face-free.js');
  const { create } = await import(new URL('../dist/jadfer.js', import.meta.url).href);
  const sdk = await create({ device: 'wasm', ...options.sdkOptions });
  try {
    log('face-free sets: capturing the fake camera, painting over the fixture faces, rendering scenes…');
    const fakeCamera = await captureFakeCamera(20, 400);
    const set = await faceFreeSet({ findFaces: options.findFaces, fakeCamera, log });
    log(`analyze() on the face-free sets (${set.length} images)…`);
    const faceFree = {
      tuning: await analyzeFaceFree(sdk, set, 'tuning'),
      report: await analyzeFaceFree(sdk, set, 'report'),
    };
    // Small photos get the zoomed-out look too (a face filling them): the same sets as thumbnails.
    const thumbnailFigures = [];
    for (const longSide of THUMBNAIL_SIDES) {
      log(`analyze() on the face-free sets as ${longSide} px thumbnails…`);
      const small = await thumbnails(set, longSide);
      thumbnailFigures.push({
        longSide,
        tuning: await analyzeFaceFree(sdk, small, 'tuning'),
        report: await analyzeFaceFree(sdk, small, 'report'),
      });
    }
    log('the precision–recall curve by face size (second looks on every candidate)…');
    const curve = await precisionRecallCurve(
      await options.stage(),
      options.frames,
      set.filter((s) => s.split === 'tuning'),
      log,
    );
    await writePng(
      curveSvg(curve, 'BlazeFace back 256×192: precision and recall by face size', DEFAULTS.minDetectionConfidence),
      CURVE_PNG,
    );
    log(`wrote ${CURVE_PNG}`);
    log('scale set and group photos through the SDK…');
    const recall = await sdkRecall(sdk, options.frames, 14);
    const groups = await groupFaces(sdk, photos);
    const streams: StreamFigures[] = [];
    if (options.streamSeconds > 0) {
      log(`face-free streams in Chromium, ${options.streamSeconds} s each…`);
      streams.push(await faceFreeStream({ seconds: options.streamSeconds, sdkOptions: options.sdkOptions }));
      const report = set.filter((s) => s.split === 'report').map((s) => s.image);
      streams.push(
        await faceFreeStream({ seconds: options.streamSeconds, images: report, sdkOptions: options.sdkOptions }),
      );
    }
    const confirm =
      options.streamSeconds > 0
        ? await confirmSweep(
            create,
            set.filter((s) => s.split === 'tuning').map((s) => s.image),
            photos,
            Math.min(20, options.streamSeconds),
            options.newFaceWorstMs,
            log,
          )
        : undefined;
    return {
      sources: countSources(set),
      faceFree,
      thumbnails: thumbnailFigures,
      curve,
      recall,
      groups,
      streams,
      confirm,
    };
  } finally {
    await sdk.dispose();
  }
}

/**
 * `tracking.confirmHits` chosen on the tuning side: for k = 1–4, the face-free tuning images played as
 * the fake camera (false visitors in `seconds`), each group photo (in 640×480) as a stream in Node,
 * one frame at a time (the frames until all of its faces are reported), and the worst delay before a
 * fifth face beside four tracked ones is reported at 30 FPS (`newFaceWorstMs`, bench/cost.ts). The
 * rule: the largest k (the most looks a phantom must pass) with no false visitor, every group face
 * reported within k frames, and that delay plus a frame within 250 ms.
 */
async function confirmSweep(
  create: (options: Record<string, unknown>) => Promise<Sdk & { dispose(): Promise<void> }>,
  tuning: RgbaImage[],
  photos: string,
  seconds: number,
  newFaceWorstMs: (confirmHits: number) => Promise<number>,
  log: (line: string) => void,
) {
  const rows = [];
  for (const k of [1, 2, 3, 4]) {
    log(`confirmHits ${k}: the tuning images as the fake camera for ${seconds} s, the group photos as streams…`);
    const sdkOptions = { tracking: { confirmHits: k } };
    const stream = await faceFreeStream({ seconds, images: tuning, sdkOptions });
    const sdk = await create({ device: 'wasm', ...sdkOptions });
    const groups: Array<{ file: string; expected: number; frames: number }> = [];
    try {
      for (const [file, expected] of Object.entries(GROUP_FACES)) {
        const native = await sharp(photos + file)
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const frame = await fit640({
          data: new Uint8Array(native.data),
          width: native.info.width,
          height: native.info.height,
        });
        let results = 0;
        let frames = NaN;
        async function* source() {
          for (let i = 0; i < 3 * k + 6; i++) {
            while (results < i) await new Promise((resolve) => setTimeout(resolve, 5));
            yield { ...frame, data: frame.data.slice() };
          }
        }
        for await (const result of sdk.stream(source())) {
          results++;
          if (Number.isNaN(frames) && result.faces.length === expected) frames = results;
        }
        groups.push({ file, expected, frames });
      }
    } finally {
      await sdk.dispose();
    }
    rows.push({
      confirmHits: k,
      newFaceWorstMs: await newFaceWorstMs(k),
      falseVisitors: stream.falseVisitors,
      falseTracks: stream.falseTracks,
      streamSeconds: stream.seconds,
      streamFrames: stream.frames,
      groups,
    });
  }
  const chosen = rows
    .filter(
      (r) =>
        r.falseVisitors === 0 &&
        r.groups.every((g) => g.frames <= r.confirmHits) &&
        r.newFaceWorstMs + 1000 / 30 <= 250,
    )
    .at(-1)?.confirmHits;
  return {
    rows,
    chosen,
    rule:
      'the largest confirmHits (1–4) with no false visitor on the tuning stream, every group face reported within ' +
      'confirmHits frames, and a new face beside tracked ones reported within 250 ms at 30 FPS (worst case plus a frame)',
  };
}

function countSources(set: FaceFreeImage[]) {
  const out: Record<string, { tuning: number; report: number }> = {};
  for (const s of set) (out[s.source] ??= { tuning: 0, report: 0 })[s.split]++;
  return out;
}

export type PrecisionSection = Awaited<ReturnType<typeof precisionSection>>;

export function printPrecision(p: PrecisionSection): void {
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  console.log('\nface-free sets (images per split):', JSON.stringify(p.sources));
  console.log('\nanalyze() on face-free images: every face is false');
  console.log('| split | images | with a face | false faces per image | photos of objects and scenes with a face |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const f of [p.faceFree.tuning, p.faceFree.report]) {
    const photos = f.bySource.photo;
    console.log(
      `| ${f.split} | ${f.images} | ${f.withFaces} | ${f.falseFacesPerImage.toFixed(3)} | ${photos ? `${photos.withFaces} of ${photos.images}` : 'n/a'} |`,
    );
  }
  for (const f of [p.faceFree.tuning, p.faceFree.report])
    if (f.found.length)
      console.log(`  ${f.split}: ${f.found.map((x) => `${x.id} (${x.score}, ${x.size} px)`).join('; ')}`);
  if (p.thumbnails.length) {
    console.log('\nthe same as thumbnails (longer side), where single photos also get the zoomed-out look');
    console.log('| longer side | tuning: images with a face | report: images with a face | faces found |');
    console.log('| --- | --- | --- | --- |');
    for (const t of p.thumbnails) {
      const found = [...t.tuning.found, ...t.report.found].map((x) => `${x.id} (${x.score}, ${x.size} px)`);
      console.log(
        `| ${t.longSide} px | ${t.tuning.withFaces} of ${t.tuning.images} | ${t.report.withFaces} of ${t.report.images} | ${found.join('; ') || 'none'} |`,
      );
    }
  }
  if (p.streams.length) {
    console.log('\nface-free streams in Chromium (stream() + analytics, WASM)');
    console.log(
      '| feed | seconds | frames (FPS) | frames with a face | false tracks (per min) | false visitors (per min) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const s of p.streams)
      console.log(
        `| ${s.feed} | ${s.seconds.toFixed(0)} | ${s.frames} (${s.fps.toFixed(1)}) | ${s.framesWithFaces} | ${s.falseTracks} (${s.falseTracksPerMinute.toFixed(2)}) | ${s.falseVisitors} (${s.falseVisitorsPerMinute.toFixed(2)}) |`,
      );
  }
  const c = p.curve;
  console.log(
    `\nprecision–recall by face size (docs/detection-pr.png): ${c.faceFreeImages} face-free tuning images, scale-set faces per size ${c.faces.join(', ')}`,
  );
  console.log(`| bar | ${BUCKETS.map((b) => `${b.name}: recall, false faces/image, precision`).join(' | ')} |`);
  console.log(`| --- | ${BUCKETS.map(() => '---').join(' | ')} |`);
  for (const [name, series] of [
    ['second look', c.secondLook],
    ['first look', c.firstLook],
  ] as const)
    for (const point of series.filter((q) => [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].includes(q.bar)))
      console.log(
        `| ${name} ≥ ${point.bar} | ${point.buckets.map((b) => `${pct(b.recall)}, ${b.falseFacesPerImage.toFixed(3)}, ${pct(b.precision)}`).join(' | ')} |`,
      );
  const inRange = c.chosen.ranges.every(
    (r) => DEFAULTS.minDetectionConfidence >= r.from && DEFAULTS.minDetectionConfidence <= r.to,
  );
  console.log(
    `the rule's bar this run: ${c.chosen.bar} (per size ${c.chosen.perBucket.join(', ')}); the SDK's default ${DEFAULTS.minDetectionConfidence} ` +
      `${inRange ? 'lies in' : 'is OUTSIDE'} every size's range (${c.chosen.ranges.map((r) => `${r.from}–${r.to}`).join(', ')}); rule: ${c.chosen.rule}`,
  );
  if (p.confirm) {
    console.log(
      '\ntracking.confirmHits on the tuning side: false visitors on the tuning stream; frames until every group face is reported',
    );
    console.log(
      `| confirmHits | tuning stream: false visitors (tracks), seconds | a new face beside 4 tracked, worst at 30 FPS | ${Object.keys(GROUP_FACES).join(' | ')} |`,
    );
    console.log(
      `| --- | --- | --- | ${Object.keys(GROUP_FACES)
        .map(() => '---')
        .join(' | ')} |`,
    );
    for (const r of p.confirm.rows)
      console.log(
        `| ${r.confirmHits} | ${r.falseVisitors} (${r.falseTracks}), ${r.streamSeconds.toFixed(0)} s | ${r.newFaceWorstMs.toFixed(0)} ms | ${r.groups.map((g) => g.frames).join(' | ')} |`,
      );
    console.log(`chosen: ${p.confirm.chosen}; rule: ${p.confirm.rule}`);
  }
  console.log('\nscale set through the SDK: recall by face width (analyze() / a stream of 14 frames 60 ms apart)');
  console.log(`| | ${p.recall.map((r) => `${r.size} px`).join(' | ')} | all |`);
  console.log(`| --- | ${p.recall.map(() => '---').join(' | ')} | --- |`);
  const all = (key: 'analyze' | 'stream') =>
    p.recall.reduce((n, r) => n + r[key], 0) / p.recall.reduce((n, r) => n + r.faces, 0);
  console.log(`| analyze() | ${p.recall.map((r) => pct(r.analyzeRecall)).join(' | ')} | ${pct(all('analyze'))} |`);
  console.log(`| stream | ${p.recall.map((r) => pct(r.streamRecall)).join(' | ')} | ${pct(all('stream'))} |`);
  console.log(
    `\ngroup photos, faces found (expected): ${p.groups.map((g) => `${g.file} ${g.native} at its size, ${g.frame640} in 640×480 (${g.expected})`).join('; ')}`,
  );
}

/**
 * `node --import tsx bench/precision.ts --fake-camera-seconds 600`: Chromium's fake camera alone
 * through stream() and the analytics for that long (the issue's 10-minute check).
 */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { scriptArgs } = await import('../common/args.js');
  const { values } = scriptArgs({
    usage: 'usage: node --import tsx bench/precision.ts --fake-camera-seconds S [--json]',
    numbers: ['fake-camera-seconds'],
    options: { 'fake-camera-seconds': { type: 'string', default: '600' }, json: { type: 'boolean', default: false } },
  });
  const started = new Date().toISOString();
  const { loadavg } = await import('node:os');
  const before = loadavg()[0]!;
  const run = await faceFreeStream({ seconds: Number(values['fake-camera-seconds']) });
  const result = { date: started, load1m: { before, after: loadavg()[0]! }, ...run };
  if (values.json) console.log(JSON.stringify(result));
  else
    console.log(
      `${run.feed}: ${run.seconds.toFixed(0)} s, ${run.frames} frames (${run.fps.toFixed(1)} FPS), ${run.framesWithFaces} with a face, ` +
        `${run.falseTracks} false tracks, ${run.falseVisitors} false visitors; ${started}, 1-min load ${before.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
    );
}
