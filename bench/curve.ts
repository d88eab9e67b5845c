/**
 * The precision–recall curve by face size behind `minDetectionConfidence`'s default
 * (docs/detection-pr.png), drawn by `npm run bench:detectors`.
 *
 * Every pass the SDK can make (the cheap pass at half the input, the full pass, the stream's 2×2
 * tiles) runs on every image of the scale set (true faces at known sizes) and of the face-free
 * tuning split; each candidate it finds above its first-look bar gets the second look that the SDK
 * gives it (DetectionStage.secondLook). At a bar t:
 *   - recall, per size: the share of true faces with a candidate whose second look reaches t;
 *   - false faces: per image, the candidates with a second look ≥ t that match no true face, merged
 *     by NMS (several passes find the same look-alike), by their size;
 *   - precision, per size: found faces / (found faces + false faces), the scale set's frames and the
 *     face-free tuning images pooled (60 frames with 216 faces against about 55 face-free images).
 * The same with the first look's score as the bar (no second look) shows what the second look adds.
 *
 * The rule for the default, as far from both failures as the data allows: for each size, the bars
 * at which the face-free tuning images have no false face (from that bar up) and recall stays within
 * 1 point of its best (from that bar down); the default is the centre of the range all sizes share,
 * on the 0.05 grid, rounded up. Per-size bars only if the sizes share no such range.
 */
import * as ort from 'onnxruntime-web';
import { DetectionStage } from '../src/engine/face-detection.js';
import type { BlazeFaceCard } from '../src/engine/model-card.js';
import type { OnnxRuntime } from '../src/engine/onnx-runtime.js';
import { BlazeFaceDetector } from '../src/engine/pipeline/blazeface.js';
import type { PixelKernels } from '../src/engine/pipeline/kernels.js';
import { weightedNms } from '../src/engine/pipeline/nms.js';
import { detectionPasses } from '../src/engine/pipeline/passes.js';
import type { Detection, RgbaImage } from '../src/engine/pipeline/types.js';
import type { FaceFreeImage } from './face-free.js';
import { matchFaces, type ScaleFrame } from './scale-set.js';

/** Size buckets (shorter box side, frame px at 640×480): far (tiles only), small, medium, near. */
export const BUCKETS = [
  { name: '20–24 px', min: 0, max: 28 },
  { name: '32–40 px', min: 28, max: 44 },
  { name: '48–64 px', min: 44, max: 80 },
  { name: '96–192 px', min: 80, max: Infinity },
] as const;
export const GRID = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + i * 0.05) * 100) / 100);

interface Candidate {
  first: number;
  second: number;
  size: number;
  detection: Detection;
  looked?: Detection;
}

/**
 * A DetectionStage on an onnxruntime-web session of the card's model, as the engine makes it.
 * `work` counts the detector runs and their input pixels (what a run costs, whatever the machine's load).
 */
export async function stageFor(
  card: BlazeFaceCard,
  model: Uint8Array,
  kernels: PixelKernels,
  minConfidence = 0,
  maxFaces = 64,
) {
  const context = { kernels, maxFaces, minFaceSize: 0, minDetectionConfidence: minConfidence };
  const detector = new BlazeFaceDetector(card, {
    kernels,
    minScore: Math.min(card.decode.minScoreThresh, minConfidence || 1),
  });
  const stage = new DetectionStage(detector, { bytes: model, prepared: false }, card.name, context);
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const work = { runs: 0, pixels: 0 };
  const runtime = {
    open: async () => ({
      backend: 'wasm' as const,
      run: async (inputs: Record<string, { data: Float32Array; shape: number[] }>) => {
        const feeds = Object.fromEntries(
          Object.entries(inputs).map(([name, t]) => {
            work.runs++;
            work.pixels += t.shape[0]! * t.shape[1]! * t.shape[2]!; // a batch of looks counts each
            return [name, new ort.Tensor('float32', t.data, t.shape)];
          }),
        );
        const outputs = await session.run(feeds);
        return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, t.data as Float32Array]));
      },
      release: async () => session.release(),
    }),
  };
  await stage.attach(runtime as unknown as OnnxRuntime);
  return { stage, detector, work };
}

/** Every candidate of every pass on `image`, with its first and second look. */
async function candidates(stage: DetectionStage, image: RgbaImage): Promise<Candidate[]> {
  const { width, height } = stage.inputSize;
  const { whole, tiles } = detectionPasses(image.width, image.height, width, height);
  const found = [...(await stage.cheapCandidates(image))];
  for (const pass of [whole, ...tiles]) found.push(...(await stage.detect(image, undefined, pass)));
  const out: Candidate[] = [];
  for (const d of found) {
    // Where the second look finds the face, its box is the one the SDK reports.
    const look = await stage.secondLook(image, d.box);
    out.push({
      first: d.score,
      second: look?.score ?? 0,
      size: Math.min(d.box.width, d.box.height),
      detection: d,
      looked: look,
    });
  }
  return out;
}

export interface CurvePoint {
  bar: number;
  /** Per bucket: recall, false faces per face-free image, precision (pooled). */
  buckets: Array<{ recall: number; falseFacesPerImage: number; precision: number; found: number; falseFaces: number }>;
}

export interface Curve {
  secondLook: CurvePoint[];
  firstLook: CurvePoint[];
  faces: number[];
  faceFreeImages: number;
  chosen: { bar: number; perBucket: number[]; ranges: Array<{ from: number; to: number }>; rule: string };
}

export async function precisionRecallCurve(
  stage: DetectionStage,
  frames: ScaleFrame[],
  faceFree: FaceFreeImage[],
  log: (line: string) => void,
): Promise<Curve> {
  const bucketOf = (size: number) => BUCKETS.findIndex((b) => size >= b.min && size < b.max);
  const positives: Array<{ frame: ScaleFrame; cands: Candidate[] }> = [];
  for (const frame of frames) positives.push({ frame, cands: await candidates(stage, frame.image) });
  log(`  curve: ${positives.length} scale-set frames looked at`);
  const negatives: Candidate[][] = [];
  for (const item of faceFree) negatives.push(await candidates(stage, item.image));
  log(`  curve: ${negatives.length} face-free tuning images looked at`);
  const faces = BUCKETS.map(() => 0);
  for (const { frame } of positives) for (const t of frame.truth) faces[bucketOf(t.width)]!++;

  const point = (bar: number, score: (c: Candidate) => number, second = false): CurvePoint => {
    const boxOf = (c: Candidate) => (second && c.looked ? c.looked : c.detection);
    const found = BUCKETS.map(() => 0);
    const falseFaces = BUCKETS.map(() => 0);
    const countFalse = (cands: Candidate[], truth: ScaleFrame['truth']) => {
      const kept = weightedNms(
        cands.filter((c) => score(c) >= bar).map((c) => ({ ...boxOf(c), score: score(c) })),
        0.3,
      );
      for (const d of kept)
        if (!matchFaces(truth, [d.box]).found) falseFaces[bucketOf(Math.min(d.box.width, d.box.height))]!++;
    };
    for (const { frame, cands } of positives) {
      const passing = cands.filter((c) => score(c) >= bar).map((c) => boxOf(c).box);
      for (const t of frame.truth) if (matchFaces([t], passing).found) found[bucketOf(t.width)]!++;
      countFalse(cands, frame.truth);
    }
    const faceFreeFalse = BUCKETS.map(() => 0);
    for (const cands of negatives) {
      const before = [...falseFaces];
      countFalse(cands, []);
      falseFaces.forEach((n, i) => (faceFreeFalse[i]! += n - before[i]!));
    }
    return {
      bar,
      buckets: BUCKETS.map((_, i) => ({
        recall: found[i]! / Math.max(1, faces[i]!),
        falseFacesPerImage: faceFreeFalse[i]! / Math.max(1, negatives.length),
        precision: found[i]! + falseFaces[i]! ? found[i]! / (found[i]! + falseFaces[i]!) : 1,
        found: found[i]!,
        falseFaces: falseFaces[i]!,
      })),
    };
  };
  const secondLook = GRID.map((bar) => point(bar, (c) => c.second, true));
  const firstLook = GRID.map((bar) => point(bar, (c) => c.first));
  const chosen = chooseBar(secondLook);
  return {
    secondLook,
    firstLook,
    faces,
    faceFreeImages: negatives.length,
    chosen,
  };
}

/** The rule (header) applied to the second look's points. */
export function chooseBar(secondLook: CurvePoint[]): Curve['chosen'] {
  // The rule (header): per size, the bars with no false face on the tuning images from there up, and
  // the bars that keep recall within a point of its best from there down; the default is the centre
  // of what all sizes share, on the grid, rounded up (towards fewer false faces).
  const ranges = BUCKETS.map((_, i) => {
    const best = Math.max(...secondLook.map((p) => p.buckets[i]!.recall));
    const clean = GRID.filter((_, g) => secondLook.slice(g).every((p) => p.buckets[i]!.falseFacesPerImage === 0));
    const keeps = GRID.filter((_, g) => secondLook.slice(0, g + 1).every((p) => p.buckets[i]!.recall >= best - 0.01));
    return { from: Math.min(...clean), to: Math.max(...keeps) };
  });
  const from = Math.max(...ranges.map((r) => r.from));
  const to = Math.min(...ranges.map((r) => r.to));
  const centre = (a: number, b: number) => GRID.find((g) => g >= (a + b) / 2 - 1e-9) ?? b;
  const shared = from <= to;
  const perBucket = ranges.map((r) => (shared ? centre(from, to) : centre(r.from, r.to)));
  const bar = Math.max(...perBucket);
  return {
    bar,
    perBucket,
    ranges,
    rule:
      'the centre (on the 0.05 grid, rounded up) of the bars at which, for every face size, the face-free tuning images ' +
      'have no false face (from the bar up) and recall stays within 1 point of its best (from the bar down); ' +
      (shared ? `all sizes share ${from}–${to}: one bar` : 'the sizes share no such bar: one per size'),
  };
}

const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/**
 * Top row: precision against recall per size, one point per bar (second look solid, first look
 * dashed grey), the default as a black dot. Bottom row: recall and false faces per face-free image
 * against the bar, the range the rule allows shaded and the default as a line.
 */
export function curveSvg(curve: Curve, title: string, defaultBar: number): string {
  const w = 190;
  const h = 170;
  const panels = BUCKETS.map((bucket, i) => {
    const x0 = 60 + i * 240;
    const out: string[] = [];
    // Precision–recall (precision from 0.5: below that nothing happens here).
    {
      const y0 = 70;
      const px = (r: number) => x0 + r * w;
      const py = (p: number) => y0 + h - ((Math.max(0.5, p) - 0.5) / 0.5) * h;
      out.push(
        `<text x="${x0 + w / 2}" y="${y0 - 10}" ${FONT} font-size="12" text-anchor="middle">${bucket.name} (${curve.faces[i]} faces)</text>`,
        `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
        `<text x="${x0 + w / 2}" y="${y0 + h + 28}" ${FONT} font-size="10" text-anchor="middle">recall</text>`,
      );
      if (i === 0)
        out.push(
          `<text x="${x0 - 40}" y="${y0 + h / 2}" ${FONT} font-size="10" text-anchor="middle" transform="rotate(-90 ${x0 - 40} ${y0 + h / 2})">precision</text>`,
        );
      for (const v of [0, 0.5, 1]) {
        out.push(`<text x="${px(v)}" y="${y0 + h + 13}" ${FONT} font-size="9" text-anchor="middle">${v}</text>`);
        out.push(
          `<text x="${x0 - 4}" y="${py(0.5 + v / 2) + 3}" ${FONT} font-size="9" text-anchor="end">${0.5 + v / 2}</text>`,
        );
      }
      for (const [series, dash, colour] of [
        [curve.firstLook, '4,3', '#999'],
        [curve.secondLook, '', COLOURS[i]!],
      ] as const) {
        const pts = series.map(
          (p) => `${px(p.buckets[i]!.recall).toFixed(1)},${py(p.buckets[i]!.precision).toFixed(1)}`,
        );
        out.push(
          `<polyline points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${dash}"/>`,
        );
        for (const p of series) {
          const b = p.buckets[i]!;
          const chosen = series === curve.secondLook && Math.abs(p.bar - defaultBar) < 1e-9;
          out.push(
            `<circle cx="${px(b.recall).toFixed(1)}" cy="${py(b.precision).toFixed(1)}" r="${chosen ? 5 : 2}" fill="${chosen ? 'black' : colour}"/>`,
          );
        }
      }
    }
    // Recall and false faces per face-free image against the bar.
    {
      const y0 = 320;
      const maxFalse = Math.max(
        0.05,
        ...[...curve.firstLook, ...curve.secondLook].map((p) => p.buckets[i]!.falseFacesPerImage),
      );
      const px = (bar: number) => x0 + bar * w;
      const pr = (r: number) => y0 + h - r * h;
      const pf = (f: number) => y0 + h - (f / maxFalse) * h;
      const range = curve.chosen.ranges[i]!;
      out.push(
        `<rect x="${px(range.from)}" y="${y0}" width="${px(range.to) - px(range.from)}" height="${h}" fill="#eef6ee"/>`,
        `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
        `<line x1="${px(defaultBar)}" x2="${px(defaultBar)}" y1="${y0}" y2="${y0 + h}" stroke="black"/>`,
        `<text x="${x0 + w / 2}" y="${y0 + h + 28}" ${FONT} font-size="10" text-anchor="middle">bar (minDetectionConfidence)</text>`,
        `<text x="${x0 + w + 4}" y="${y0 + 8}" ${FONT} font-size="9">${maxFalse.toFixed(2)}</text>`,
      );
      for (const v of [0, 0.5, 1])
        out.push(`<text x="${px(v)}" y="${y0 + h + 13}" ${FONT} font-size="9" text-anchor="middle">${v}</text>`);
      if (i === 0)
        out.push(
          `<text x="${x0 - 40}" y="${y0 + h / 2}" ${FONT} font-size="10" text-anchor="middle" transform="rotate(-90 ${x0 - 40} ${y0 + h / 2})">recall (0–1)</text>`,
        );
      for (const [series, dash] of [
        [curve.firstLook, '4,3'],
        [curve.secondLook, ''],
      ] as const) {
        const line = (y: (p: CurvePoint) => number, colour: string) =>
          `<polyline points="${series.map((p) => `${px(p.bar).toFixed(1)},${y(p).toFixed(1)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${dash}"/>`;
        out.push(line((p) => pr(p.buckets[i]!.recall), COLOURS[i]!));
        out.push(line((p) => pf(p.buckets[i]!.falseFacesPerImage), '#d62728'));
      }
    }
    return out.join('');
  });
  const legend = [
    `top: precision against recall, a point per bar; solid: the second look's score as the bar (what minDetectionConfidence is), dashed: the first look's alone; black dot: the default, ${defaultBar}`,
    `bottom: recall (colour) and false faces per face-free tuning image (red, right-hand scale) against the bar; shaded: the bars the rule allows (its centre this run: ${curve.chosen.bar}); line: the default`,
  ].map((t, k) => `<text x="20" y="${555 + k * 16}" ${FONT} font-size="10.5">${t}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="600"><rect width="100%" height="100%" fill="white"/><text x="500" y="28" ${FONT} font-size="15" text-anchor="middle">${title}</text>${panels.join('')}${legend.join('')}</svg>`;
}
