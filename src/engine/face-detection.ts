/**
 * The detection stage: a FaceDetector (BlazeFace built in, or one the integrator brings as
 * an ES module) plus its ORT session. The model bytes are kept so the session can be
 * recreated on another backend after a lost GPU device.
 *
 * With the built-in BlazeFace, a candidate becomes a face only after a second look: the detector
 * again on a square twice the candidate's size around it (a region pass, pipeline/passes.ts), whose
 * score must reach `minDetectionConfidence`; that score is the face's. Look-alikes (clock digits,
 * a coffee cup, a cat) score high enough on the first look but low on the second
 * (docs/benchmarks.md, *Precision*). Single images run a cascade (`detectImage`): a cheap pass at
 * half the input size first, the full pass only when the cheap one leaves room for faces it cannot
 * see, and the image zoomed out when neither found a face (a face filling the frame). Streams
 * (`detectStream`) follow each live track with a region pass and run the big passes (whole frame,
 * tiles) at a lower rate, only to find new faces.
 */
import { JadferError } from '../contract/errors.js';
import type { DetectorFiles } from '../contract/engine-api.js';
import type { FileProgress, StageTimings } from '../contract/types.js';
import { parseBlazeFaceCard, parseDetectorCard, type BlazeFaceCard, type DetectorCard } from './model-card.js';
import { fetchJson, fetchModelSource, type DownloadContext } from './model-files.js';
import type { ModelSession, ModelSource, OnnxRuntime } from './onnx-runtime.js';
import { BlazeFaceDetector } from './pipeline/blazeface.js';
import type { FaceDetector } from './pipeline/detector.js';
import type { PixelKernels } from './pipeline/kernels.js';
import { iou, weightedNms } from './pipeline/nms.js';
import { covers, inView, regionAround, REGION_INPUT, REPORT_MARGIN, type DetectionPass } from './pipeline/passes.js';
import type { Box, Detection, RgbaImage } from './pipeline/types.js';

export type DetectionTimings = Pick<StageTimings, 'detectPreprocess' | 'detectRun' | 'detectDecode'>;

export interface DetectorContext {
  kernels: PixelKernels;
  maxFaces: number;
  minFaceSize: number;
  /** A face's detection score must reach this (create()'s `minDetectionConfidence`). */
  minDetectionConfidence: number;
}

/** A live track, as the stream's detection sees it: where it was, how sure its last look was, whether it is confirmed. */
export interface TrackedBox {
  id: number;
  box: Box;
  score: number;
  confirmed: boolean;
}

/**
 * The cheap pass's candidates from this first-look score get a second look (the full pass's from
 * the card's 0.5): at half the input size faces score lower, and the second look decides anyway.
 */
const CHEAP_PASS_BAR = 0.2;
/** Regions larger than this (px) are copied at a coarser step before the detector sees them. */
const MAX_CROP_PX = 512;
/** A second look this close below the bar is taken again, framed by what it found. */
const REFRAME_MARGIN = 0.2;
/** The second look reports every detection from this score; the bar is applied by the stage. */
const SECOND_LOOK_FLOOR = 0.05;
/**
 * In a single image, the full pass is left out when the cheap pass found faces and all of them are
 * at least this many px of the full pass's input (50 px of a 640×480 frame): in such a frame the
 * full pass could only add smaller faces that the cheap pass missed (it finds 67 % of 32 px faces,
 * 92 % at 40 px, all from 48 px; the full pass 79 %, 100 %, 100 %).
 */
const NEAR_FACE_INPUT_PX = 20;
/**
 * A single image with no face found may be one face filling the frame (an avatar, a face crop, a
 * film still): BlazeFace's anchors stop short of faces that large. Such an image is looked at once
 * more, as the middle of a mid-gray canvas ZOOM_OUT times its size (on black the detector finds
 * none of them); the factor was chosen on the wild photos' training part (docs/wild-photos.md).
 */
const ZOOM_OUT = 2.5;
const ZOOM_OUT_GRAY = 128;
/**
 * A face found only zoomed out counts when it is at least this share of the frame's shorter side:
 * a smaller one, the cascade saw at a finer scale than the zoomed-out look and did not take.
 */
const ZOOM_OUT_MIN_SHARE = 0.5;

/** What a custom detector module exports: `export function createDetector(card, context): FaceDetector`. */
export type CreateDetector = (card: DetectorCard, context: DetectorContext) => FaceDetector | Promise<FaceDetector>;

export class DetectionStage {
  private session?: ModelSession;
  /** BlazeFace only: the second look (region passes), and the cheap pass where the graph runs at any size. */
  private readonly look?: FaceDetector;
  private readonly cheap?: FaceDetector;

  constructor(
    readonly detector: FaceDetector,
    private readonly model: ModelSource,
    readonly name: string,
    private readonly context: DetectorContext,
  ) {
    if (!(detector instanceof BlazeFaceDetector)) return;
    const options = { minScore: SECOND_LOOK_FLOOR, maxFaces: Infinity, minFaceSize: 0 };
    // A graph of a fixed size (BlazeFace front) looks again at its own size.
    this.look =
      detector.atSize(REGION_INPUT, REGION_INPUT, options) ??
      new BlazeFaceDetector(detector.card, { kernels: context.kernels, ...options });
    const multiple = detector.card.input.spatialMultiple ?? 0;
    const half = (n: number) => Math.max(multiple, Math.round(n / 2 / multiple) * multiple);
    const { width, height } = detector.inputSpec;
    this.cheap = multiple
      ? detector.atSize(half(width), half(height), { ...options, minScore: CHEAP_PASS_BAR })
      : undefined;
  }

  static async load(
    files: DetectorFiles,
    context: DetectorContext,
    progress: (event: FileProgress) => void,
    downloads: DownloadContext = {},
    wasmFirst = false,
  ): Promise<DetectionStage> {
    const custom = files.module !== undefined;
    const cardUrl = files.card;
    const json = await fetchJson(cardUrl, downloads);
    const card = custom ? parseDetectorCard(json, cardUrl) : parseBlazeFaceCard(json, cardUrl);
    // The stage caps and filters BlazeFace's faces itself, after the second look.
    let factory: CreateDetector = () =>
      new BlazeFaceDetector(card as BlazeFaceCard, {
        kernels: context.kernels,
        minScore: Math.min((card as BlazeFaceCard).decode.minScoreThresh, context.minDetectionConfidence),
      });
    if (files.module) {
      const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ files.module)) as {
        createDetector?: CreateDetector;
      };
      if (typeof module.createDetector !== 'function')
        throw new JadferError('E_BAD_CONFIG', `detector module ${files.module} does not export createDetector()`);
      factory = module.createDetector;
    }
    const model = await fetchModelSource(card, files, wasmFirst, 'detector', progress, downloads);
    let detector: FaceDetector;
    try {
      detector = await factory(card, context);
    } catch (error) {
      throw new JadferError(
        'E_MODEL_LOAD',
        `detector card ${cardUrl} is not usable: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { url: cardUrl } },
      );
    }
    return new DetectionStage(detector, model, card.name ?? cardUrl, context);
  }

  /** (Re)creates the session on the runtime's backend; the previous one, if any, is released. */
  async attach(runtime: OnnxRuntime): Promise<void> {
    const session = await runtime.open(this.model, this.name, {
      inputs: [this.detector.inputSpec.name],
      outputs: this.detector.outputNames,
    });
    await this.session?.release().catch(() => undefined);
    this.session = session;
  }

  /** The detector's input size, which sets what each detection pass can see (pipeline/passes.ts). */
  get inputSize(): { width: number; height: number } {
    return this.detector.inputSpec;
  }

  /**
   * Faces in `image`, or in the part of it that `pass` sees (then only faces below the pass's
   * maxSize and not cut by a tile's inner edge); each step's time is added to `timings` when given.
   */
  async detect(image: RgbaImage, timings?: DetectionTimings, pass?: DetectionPass): Promise<Detection[]> {
    if (!pass || (pass.region.width === image.width && pass.region.height === image.height))
      return this.run(this.detector, image, timings);
    const [found] = await this.runOn(this.detector, image, [pass.region], timings);
    // Larger faces are the whole-frame pass's; faces cut by the tile's edge are another tile's.
    const largest = pass.maxSize * REPORT_MARGIN;
    return found!.filter((d) => Math.min(d.box.width, d.box.height) < largest && inView(pass, d.box));
  }

  /**
   * The faces of a single image. BlazeFace: the cheap pass, then the full pass unless every face
   * the cheap pass found is a near one; each candidate is looked at again; when that finds none,
   * the same zoomed out (a face filling the frame). A custom detector: its faces at or above
   * `minDetectionConfidence`.
   */
  async detectImage(image: RgbaImage, timings?: DetectionTimings): Promise<Detection[]> {
    if (!this.look) return this.capped((await this.detect(image, timings)).filter((d) => this.confident(d)));
    const faces = await this.cascade(image, timings);
    return this.capped(faces.length ? faces : await this.zoomedOut(image, timings));
  }

  /** The face filling the frame that the cascade cannot see: the cascade on the image shrunk into a gray canvas. */
  private async zoomedOut(image: RgbaImage, timings?: DetectionTimings): Promise<Detection[]> {
    const step = Math.max(1, Math.ceil((ZOOM_OUT * Math.max(image.width, image.height)) / MAX_CROP_PX));
    const width = Math.ceil(image.width / step);
    const height = Math.ceil(image.height / step);
    const [canvasWidth, canvasHeight] = [Math.round(ZOOM_OUT * width), Math.round(ZOOM_OUT * height)];
    const x = -Math.floor((canvasWidth - width) / 2) * step;
    const y = -Math.floor((canvasHeight - height) / 2) * step;
    const canvas = cropOf(image, { x, y, width: canvasWidth * step, height: canvasHeight * step }, step, ZOOM_OUT_GRAY);
    const least = ZOOM_OUT_MIN_SHARE * Math.min(image.width, image.height);
    return (await this.cascade(canvas, timings))
      .map((d) => inFrame(d, step, x, y))
      .filter((d) => Math.min(d.box.width, d.box.height) >= least);
  }

  /** `detectImage`'s cascade with BlazeFace: every face it finds, before minFaceSize and maxFaces. */
  private async cascade(image: RgbaImage, timings?: DetectionTimings): Promise<Detection[]> {
    const scale = (d: FaceDetector) => Math.min(d.inputSpec.width / image.width, d.inputSpec.height / image.height);
    const near = NEAR_FACE_INPUT_PX / scale(this.detector);
    const looked: Box[] = [];
    let faces = this.cheap
      ? await this.verify(image, await this.cheapCandidates(image, timings), scale(this.cheap), timings, looked)
      : [];
    // Near faces only: smaller faces than the cheap pass finds could hide in the frame only beside
    // the small ones it found, so the full pass runs when it found none, or a small one.
    if (!faces.length || faces.some((f) => Math.min(f.box.width, f.box.height) < near)) {
      // Faces found are not looked for again, nor what was looked at in the same place at the same size.
      const more = (await this.run(this.detector, image, timings)).filter(
        (c) => !faces.some((f) => same(f.box, c.box)) && !looked.some((b) => iou(b, c.box) >= 0.5),
      );
      faces = [...faces, ...(await this.verify(image, more, scale(this.detector), timings))];
    }
    return weightedNms(faces, this.nmsIou);
  }

  /**
   * One stream frame: `pass`, when a big pass is due, finds new faces (each looked at again before
   * it counts) and the tracks it can see; on the other frames every live track is looked for in its
   * own region. Returns the frame's faces, and whether each track was looked for (one that was not,
   * a track the big pass cannot see or beyond `maxFaces`, is carried, not missed).
   */
  async detectStream(
    image: RgbaImage,
    tracks: TrackedBox[],
    pass: DetectionPass | undefined,
    timings?: DetectionTimings,
  ): Promise<{ detections: Detection[]; lookedFor: (box: Box) => boolean }> {
    if (!this.look) {
      const found = pass ? (await this.detect(image, timings, pass)).filter((d) => this.confident(d)) : [];
      return { detections: this.capped(found), lookedFor: (box) => !!pass && covers(pass, box) };
    }
    const detections: Detection[] = [];
    const pending = new Set(tracks);
    if (pass) {
      const fresh: Detection[] = [];
      for (const candidate of await this.detect(image, timings, pass)) {
        // A track's face seen again by the big pass keeps the track's confidence; a new one is looked at again.
        const track = [...pending].find((t) => same(t.box, candidate.box));
        if (track) {
          pending.delete(track);
          detections.push({ ...candidate, score: track.score });
        } else fresh.push(candidate);
      }
      const { width, height } = this.detector.inputSpec;
      const scale = Math.min(width / pass.region.width, height / pass.region.height);
      detections.push(...(await this.verify(image, fresh, scale, timings)));
    }
    // A big pass's frame follows only the tracks it could have found and missed (a second chance) and
    // those still to be confirmed; the others are carried to the next frame, so a frame costs little
    // more than a big pass did before even when every frame has one (slow frames).
    const followed = [...pending]
      .filter((t) => !pass || !t.confirmed || covers(pass, t.box))
      .sort((a, b) => b.score - a.score)
      .slice(0, this.context.maxFaces);
    for (const face of await this.secondLooks(
      image,
      followed.map((t) => ({ box: t.box })),
      timings,
    ))
      if (face && this.confident(face)) detections.push(face);
    const looked = new Set(followed.map((t) => t.box));
    const seen = tracks.filter((t) => !pending.has(t) || looked.has(t.box)).map((t) => t.box);
    return {
      detections: this.capped(weightedNms(detections, this.nmsIou)),
      lookedFor: (box) => seen.some((b) => same(b, box)) || (!!pass && covers(pass, box)),
    };
  }

  /** The cheap pass's candidates (first look only); none without a cheap pass. */
  async cheapCandidates(image: RgbaImage, timings?: DetectionTimings): Promise<Detection[]> {
    return this.cheap ? this.run(this.cheap, image, timings) : [];
  }

  /** Candidates that pass the second look, each with its score; `scale`: the first look's input px per frame px. */
  private async verify(
    image: RgbaImage,
    candidates: Detection[],
    scale: number,
    timings?: DetectionTimings,
    looked: Box[] = [],
  ): Promise<Detection[]> {
    // Best first, and no more than twice the faces wanted: a cluttered frame cannot cost without end.
    const ordered = weightedNms(candidates, this.nmsIou).slice(0, 2 * this.context.maxFaces);
    looked.push(...ordered.map((c) => c.box));
    const looks = await this.secondLooks(
      image,
      ordered.map((candidate) => ({ box: candidate.box, first: { detection: candidate, scale } })),
      timings,
    );
    return looks.filter((face): face is Detection => !!face && this.confident(face));
  }

  /**
   * The detector again on the square twice `box`'s size around it: the detection there that matches
   * the box, or undefined. Its score is the face's; its box and landmarks are kept unless the first
   * look saw the face at a higher resolution (`scale`, input px per frame px: a large face).
   */
  async secondLook(
    image: RgbaImage,
    box: Box,
    timings?: DetectionTimings,
    first?: { detection: Detection; scale: number },
  ): Promise<Detection | undefined> {
    return (await this.secondLooks(image, [{ box, first }], timings))[0];
  }

  /** `secondLook` for several boxes, in one detector run where the graph takes a batch. */
  private async secondLooks(
    image: RgbaImage,
    items: Array<{ box: Box; first?: { detection: Detection; scale: number } }>,
    timings?: DetectionTimings,
  ): Promise<Array<Detection | undefined>> {
    const regions = items.map(({ box }) => insideFrame(regionAround(box), image));
    const found = await this.runOn(this.look!, image, regions, timings);
    const bar = this.context.minDetectionConfidence;
    const out: Array<Detection | undefined> = [];
    for (const [i, { box, first }] of items.entries()) {
      let region = regions[i]!;
      let best = bestMatch(box, found[i]!);
      // A candidate framed badly (a face cut by the frame's edge) is looked at once more, framed by
      // what the look found, when that came close to the bar.
      if (best && best.score < bar && best.score >= bar - REFRAME_MARGIN && iou(best.box, box) < 0.8) {
        const reframed = insideFrame(regionAround(best.box), image);
        const again = bestMatch(box, (await this.runOn(this.look!, image, [reframed], timings))[0]!);
        if (again && again.score > best.score) [best, region] = [again, reframed];
      }
      out.push(
        best && first && first.scale > this.look!.inputSpec.width / region.width
          ? { ...first.detection, score: best.score }
          : best,
      );
    }
    return out;
  }

  private confident(face: Detection): boolean {
    return face.score >= this.context.minDetectionConfidence;
  }

  /** Faces at or above minFaceSize, best first, at most maxFaces. */
  private capped(faces: Detection[]): Detection[] {
    return faces
      .filter((f) => Math.min(f.box.width, f.box.height) >= this.context.minFaceSize)
      .sort((a, b) => b.score - a.score)
      .slice(0, this.context.maxFaces);
  }

  private get nmsIou(): number {
    return this.detector instanceof BlazeFaceDetector ? this.detector.card.decode.nmsIouThreshold : 0.3;
  }

  /** `detector` on each region of the image (black where it reaches past the frame), in frame px. */
  private async runOn(
    detector: FaceDetector,
    image: RgbaImage,
    regions: Box[],
    timings?: DetectionTimings,
  ): Promise<Detection[][]> {
    // A region larger than MAX_CROP_PX (a face filling an 8K frame) is copied at a coarser step: the
    // detector sees it at 64–256 px anyway, and the copy stays small.
    const steps = regions.map((r) => Math.max(1, Math.ceil(Math.max(r.width, r.height) / MAX_CROP_PX)));
    const found = await this.runAll(
      detector,
      regions.map((region, i) => cropOf(image, region, steps[i]!)),
      timings,
    );
    return found.map((detections, i) => detections.map((d) => inFrame(d, steps[i]!, regions[i]!.x, regions[i]!.y)));
  }

  private async run(detector: FaceDetector, image: RgbaImage, timings?: DetectionTimings): Promise<Detection[]> {
    return (await this.runAll(detector, [image], timings))[0]!;
  }

  /** `detector` on each image: one run of a batch where the graph takes one (its card's `dynamicBatch`). */
  private async runAll(detector: FaceDetector, images: RgbaImage[], timings?: DetectionTimings) {
    if (images.length === 0) return [];
    const batched = detector instanceof BlazeFaceDetector && detector.card.input.dynamicBatch === true;
    if (!batched && images.length > 1) {
      const out: Detection[][] = [];
      for (const image of images) out.push(await this.run(detector, image, timings));
      return out;
    }
    const t0 = performance.now();
    const spec = detector.inputSpec;
    const size = spec.shape.slice(1).reduce((a, b) => a * b, 1);
    const data = new Float32Array(size * images.length);
    const frames = images.map(
      (image, i) => detector.preprocess(image, data.subarray(i * size, (i + 1) * size)).frameInfo,
    );
    const t1 = performance.now();
    const outputs = await this.session!.run({ [spec.name]: { data, shape: [images.length, ...spec.shape.slice(1)] } });
    const t2 = performance.now();
    try {
      return frames.map((frameInfo, i) => {
        const own = Object.fromEntries(
          Object.entries(outputs).map(([name, all]) => {
            const per = all.length / images.length;
            return [name, all.subarray(i * per, (i + 1) * per)];
          }),
        );
        return detector.decode(own, frameInfo);
      });
    } finally {
      if (timings) {
        timings.detectPreprocess += t1 - t0;
        timings.detectRun += t2 - t1;
        timings.detectDecode += performance.now() - t2;
      }
    }
  }

  async release(): Promise<void> {
    await this.session?.release().catch(() => undefined);
    this.session = undefined;
  }
}

/** A detection in a crop made by `cropOf(image, region at x, y, step)`, in the image's px. */
function inFrame(d: Detection, step: number, x: number, y: number): Detection {
  return {
    ...d,
    box: { x: d.box.x * step + x, y: d.box.y * step + y, width: d.box.width * step, height: d.box.height * step },
    landmarks: d.landmarks.map((p) => ({ x: p.x * step + x, y: p.y * step + y })),
  };
}

/** The region of the image, every `step`-th pixel, `fill` (gray level) where it reaches past the frame. */
function cropOf(image: RgbaImage, { x, y, width, height }: Box, step = 1, fill = 0): RgbaImage {
  const w = Math.ceil(width / step),
    h = Math.ceil(height / step);
  const crop = new Uint8Array(w * h * 4);
  if (fill) crop.fill(fill);
  for (let row = 0; row < h; row++) {
    const sy = y + row * step;
    if (sy < 0 || sy >= image.height) continue;
    if (step === 1) {
      const x0 = Math.max(0, x),
        x1 = Math.min(image.width, x + width);
      if (x1 > x0)
        crop.set(image.data.subarray((sy * image.width + x0) * 4, (sy * image.width + x1) * 4), (row * w + x0 - x) * 4);
      continue;
    }
    for (let col = 0; col < w; col++) {
      const sx = x + col * step;
      if (sx < 0 || sx >= image.width) continue;
      const from = (sy * image.width + sx) * 4;
      const to = (row * w + col) * 4;
      for (let c = 0; c < 4; c++) crop[to + c] = image.data[from + c]!;
    }
  }
  return { data: crop, width: w, height: h };
}

/** The best-scoring detection that matches `box`. */
function bestMatch(box: Box, found: Detection[]): Detection | undefined {
  let best: Detection | undefined;
  for (const d of found) if (matches(box, d.box) && d.score > (best?.score ?? 0)) best = d;
  return best;
}

/** Two boxes of the same face: overlapping, or centres close for their size (passes frame faces differently). */
function same(a: Box, b: Box): boolean {
  return iou(a, b) >= 0.3 || matches(a, b);
}

/** `found` is the face `box` was: its centre within half the box's width, its width within 0.5–2×. */
function matches(box: Box, found: Box): boolean {
  const ratio = found.width / box.width;
  const dx = found.x + found.width / 2 - (box.x + box.width / 2);
  const dy = found.y + found.height / 2 - (box.y + box.height / 2);
  return ratio >= 0.5 && ratio <= 2 && Math.hypot(dx, dy) <= box.width / 2;
}

/**
 * The region moved inside the frame where it fits: a face at the edge is seen with the frame beside it, not black.
 * A region larger than the frame's longer side shrinks to it: a face filling a photo (a news portrait) would
 * otherwise be looked at as a small face in a black square, too small for the look to see it.
 */
function insideFrame(region: Box, image: RgbaImage): Box {
  const side = Math.min(region.width, Math.max(image.width, image.height));
  const centre = { x: region.x + region.width / 2, y: region.y + region.height / 2 };
  const clamp = (v: number, limit: number) =>
    side > limit ? (limit - side) / 2 : Math.max(0, Math.min(v, limit - side));
  return {
    x: Math.round(clamp(centre.x - side / 2, image.width)),
    y: Math.round(clamp(centre.y - side / 2, image.height)),
    width: side,
    height: side,
  };
}
