/**
 * MediaPipe BlazeFace as a FaceDetector: letterboxed NHWC input in [-1, 1], 896 SSD
 * anchors, sigmoid scores, box + 6 keypoints regressed relative to each anchor, then
 * MediaPipe's weighted NMS. Everything model specific comes from the detector card
 * (models/blazeface-*.json, written by scripts/fetch-blazeface.mjs).
 */
import type { BlazeFaceCard } from '../model-card.js';
import { generateSsdAnchors, type Anchor } from './anchors.js';
import {
  outputData,
  type DetectorInputSpec,
  type DetectorOutputs,
  type FaceDetector,
  type FrameInfo,
} from './detector.js';
import { channelAffine, type PixelKernels } from './kernels.js';
import { letterboxImage, unletterbox } from './letterbox.js';
import { weightedNms } from './nms.js';
import type { Detection, Point, RgbaImage } from './types.js';

export interface BlazeFaceOptions {
  /** Pixel kernels used for the letterbox (reference or WASM). */
  kernels: PixelKernels;
  /** Minimum sigmoid score. Default: the card's (0.5). */
  minScore?: number;
  /** IoU above which detections are merged by weighted NMS. Default: the card's (0.3). */
  iouThreshold?: number;
  /** Keep at most this many faces (highest scores first). */
  maxFaces?: number;
  /** Drop faces whose box is smaller than this many frame pixels on its shorter side. */
  minFaceSize?: number;
  /**
   * Letterbox anti-aliasing (see LetterboxOptions.supersample). Default 2 (2×2 samples): at
   * 640×480 → 128 it finds the same faces as 4×4 on the fixture photos for a quarter of the cost.
   */
  supersample?: number | 'auto';
}

export class BlazeFaceDetector implements FaceDetector {
  readonly inputSpec: DetectorInputSpec;
  readonly outputNames: readonly string[];
  readonly landmarkNames: readonly string[];
  readonly anchors: readonly Anchor[];
  private readonly given: BlazeFaceOptions;
  private readonly options: Required<Omit<BlazeFaceOptions, 'maxFaces' | 'minFaceSize'>> & {
    maxFaces: number;
    minFaceSize: number;
  };

  constructor(
    readonly card: BlazeFaceCard,
    options: BlazeFaceOptions,
  ) {
    this.given = options;
    const [, height, width] = card.input.shape as [number, number, number, number];
    this.inputSpec = {
      name: card.input.name,
      shape: card.input.shape,
      layout: 'NHWC',
      width,
      height,
      norm: channelAffine({ color: 'rgb', range: card.input.range }),
    };
    this.anchors = generateSsdAnchors(card.anchors);
    const anchorRows = card.outputs.scores.reduce((n, s) => n + s.shape[1]!, 0);
    if (anchorRows !== this.anchors.length)
      throw new Error(`${card.name}: ${this.anchors.length} anchors but the model outputs ${anchorRows} scores`);
    this.outputNames = [...card.outputs.scores.map((s) => s.name), ...card.outputs.regressors.map((r) => r.name)];
    this.landmarkNames = card.outputs.keypoints;
    this.options = {
      kernels: options.kernels,
      minScore: options.minScore ?? card.decode.minScoreThresh,
      iouThreshold: options.iouThreshold ?? card.decode.nmsIouThreshold,
      maxFaces: options.maxFaces ?? Infinity,
      minFaceSize: options.minFaceSize ?? 0,
      supersample: options.supersample ?? 2,
    };
  }

  /**
   * The same graph at another input size (a multiple of the card's `spatialMultiple`), on the same
   * session; `minScore` replaces this detector's. Undefined when the card's graph has a fixed size.
   */
  atSize(width: number, height: number, options: Partial<BlazeFaceOptions> = {}): BlazeFaceDetector | undefined {
    const multiple = this.card.input.spatialMultiple;
    if (!multiple || width % multiple || height % multiple) return undefined;
    return new BlazeFaceDetector(blazeFaceCardAt(this.card, width, height), { ...this.given, ...options });
  }

  /** The card's minimum score, or the one this detector was given. */
  get minScore(): number {
    return this.options.minScore;
  }

  preprocess(frame: RgbaImage, out?: Float32Array): { data: Float32Array; frameInfo: FrameInfo } {
    const { width, height, norm } = this.inputSpec;
    const { data, letterbox } = letterboxImage(
      this.options.kernels,
      frame,
      width,
      height,
      norm,
      { layout: 'nhwc', padValue: 0 /* black, MediaPipe's BORDER_ZERO */, supersample: this.options.supersample },
      out,
    );
    return { data, frameInfo: { width: frame.width, height: frame.height, letterbox } };
  }

  /** Raw candidates above the score threshold, in normalised input coordinates (before NMS). */
  decodeCandidates(outputs: DetectorOutputs, minScore = this.options.minScore): Detection[] {
    const { decode, outputs: spec } = this.card;
    const clip = decode.scoreClippingThresh;
    // sigmoid(x) ≥ minScore ⇔ x ≥ logit(minScore): skip the exp for most anchors.
    const minLogit = Math.log(minScore / (1 - minScore));
    const candidates: Detection[] = [];
    let anchorIndex = 0;
    spec.scores.forEach((scoreSpec, block) => {
      const scores = outputData(outputs, scoreSpec.name);
      const boxes = outputData(outputs, spec.regressors[block]!.name);
      for (let i = 0; i < scores.length; i++, anchorIndex++) {
        const logit = Math.max(-clip, Math.min(clip, scores[i]!));
        if (logit < minLogit) continue;
        const a = this.anchors[anchorIndex]!;
        const r = i * decode.numCoords;
        const cx = (boxes[r]! / decode.xScale) * a.w + a.x;
        const cy = (boxes[r + 1]! / decode.yScale) * a.h + a.y;
        const w = (boxes[r + 2]! / decode.wScale) * a.w;
        const h = (boxes[r + 3]! / decode.hScale) * a.h;
        // A low-scoring anchor can regress to an empty or inverted box (a second look reports from a
        // low score): it is no face, and NMS cannot weigh it.
        if (!(w > 0 && h > 0) || !Number.isFinite(cx + cy)) continue;
        const landmarks: Point[] = [];
        for (let k = 0; k < decode.numKeypoints; k++) {
          landmarks.push({
            x: (boxes[r + 4 + 2 * k]! / decode.xScale) * a.w + a.x,
            y: (boxes[r + 5 + 2 * k]! / decode.yScale) * a.h + a.y,
          });
        }
        candidates.push({
          box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h },
          score: 1 / (1 + Math.exp(-logit)),
          landmarks,
        });
      }
    });
    return candidates;
  }

  decode(outputs: DetectorOutputs, frameInfo: FrameInfo): Detection[] {
    const merged = weightedNms(this.decodeCandidates(outputs), this.options.iouThreshold);
    const faces: Detection[] = [];
    for (const d of merged) {
      const face = this.toFrame(d, frameInfo);
      if (Math.min(face.box.width, face.box.height) < this.options.minFaceSize) continue;
      faces.push(face);
      if (faces.length >= this.options.maxFaces) break;
    }
    return faces;
  }

  /** Normalised input coordinates → frame pixels (undoing the letterbox). */
  private toFrame(d: Detection, { letterbox: lb }: FrameInfo): Detection {
    const map = (p: Point) => unletterbox(lb, { x: p.x * lb.dstWidth, y: p.y * lb.dstHeight });
    const p0 = map({ x: d.box.x, y: d.box.y });
    const p1 = map({ x: d.box.x + d.box.width, y: d.box.y + d.box.height });
    return {
      box: { x: p0.x, y: p0.y, width: p1.x - p0.x, height: p1.y - p0.y },
      score: d.score,
      landmarks: d.landmarks.map(map),
    };
  }
}

/** The card for the same graph at another input size (anchors, scales and output shapes follow). */
export function blazeFaceCardAt(card: BlazeFaceCard, width: number, height: number): BlazeFaceCard {
  const [fine, coarse] = [card.anchors.strides[0]!, card.anchors.strides.at(-1)!];
  const perCell = card.outputs.scores.map((s) => s.shape[1]!);
  const [sh, sw] = card.input.shape.slice(1, 3) as [number, number];
  const cells = [(sh / fine) * (sw / fine), (sh / coarse) * (sw / coarse)];
  const rows = [(height / fine) * (width / fine), (height / coarse) * (width / coarse)].map(
    (n, i) => (n * perCell[i]!) / cells[i]!,
  );
  const withRows = (specs: Array<{ name: string; shape: number[] }>) =>
    specs.map((s, i) => ({ ...s, shape: [s.shape[0]!, rows[i]!, s.shape[2]!] }));
  return {
    ...card,
    name: `${card.name}@${width}x${height}`,
    input: { ...card.input, shape: [1, height, width, 3] },
    anchors: { ...card.anchors, inputSizeWidth: width, inputSizeHeight: height },
    outputs: { ...card.outputs, scores: withRows(card.outputs.scores), regressors: withRows(card.outputs.regressors) },
    decode: { ...card.decode, xScale: width, wScale: width, yScale: height, hScale: height },
  };
}
