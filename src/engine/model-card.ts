/**
 * Model cards: the JSON beside each .onnx that says how to feed the model and how to read it.
 * One module for both kinds: training/export/card.ts writes classifier cards with these types,
 * scripts/fetch-blazeface.mjs writes the detector cards, and the engine parses every card here
 * before it is used (E_MODEL_LOAD, with every problem listed). Nothing is hard-coded elsewhere.
 */
import { JadferError } from '../contract/errors.js';

export const CLASSIFIER_CARD_SCHEMA = 'jadfer.model-card/v1';
export const DETECTOR_CARD_SCHEMA = 'jadfer.detector-card/v1';
/** The largest input side a card may declare (ours are 128–256). */
export const MAX_INPUT_SIDE = 4096;
/** The largest model a card may declare (ours are 0.4–4 MB): a card cannot make the engine download gigabytes. */
export const MAX_MODEL_BYTES = 256 << 20;

/** How pixels become a model's input tensor; classifier and detector cards share it. */
export interface InputSpec {
  name: string;
  /** 'NCHW': planar [batch, channels, height, width]; 'NHWC': interleaved [batch, height, width, channels]. */
  layout: 'NCHW' | 'NHWC';
  /** Batch-1 shape in that layout. */
  shape: [number, number, number, number];
  /** The first dimension may be any batch size (all faces of a frame in one run). */
  dynamicBatch?: boolean;
  /** 'gray' is BT.601 luma. A BGR network folds the channel swap into its first layer at export. */
  color: 'rgb' | 'gray';
  /** Pixel range before mean/std: 0..255 bytes are first mapped linearly onto it. */
  range: [number, number];
  /** Per channel, or one for all; default 0. */
  mean?: number[];
  /** Per channel, or one for all; default 1. */
  std?: number[];
}

/**
 * Where detector landmarks land in the classifier's crop, as fractions of its width and
 * height, keyed by landmark index (see pipeline/align.ts, FERPLUS_TEMPLATE).
 */
export interface LandmarkTemplate {
  points: Array<{ index: number; x: number; y: number; weight?: number }>;
}

/**
 * Written into dist/'s cards by `npm run build` (scripts/prepare-models.ts): the model optimised by
 * ONNX Runtime for WASM, which opens faster (prepared-model.ts). The engine uses it on WASM.
 */
export interface PreparedEntry {
  /** Relative to the card. */
  file: string;
  /** Hex sha256 of that file; checked before it is used. */
  sha256: string;
  /** That file's size: its download is refused past it. */
  bytes: number;
  /** The onnxruntime-web version it was prepared for. */
  runtime: string;
}

/** What every card has: which model file, its hash, and how to feed it. */
interface CardBase {
  name: string;
  /** The .onnx file, relative to the card. */
  file: string;
  /** Hex sha256 of the .onnx file; checked before the model is used. */
  sha256: string;
  /** The .onnx file's size: its download is refused past it (at most MAX_MODEL_BYTES). */
  bytes: number;
  prepared?: PreparedEntry;
  input: InputSpec;
  /** Anything else (training, metrics, provenance, …) is kept as it is. */
  [key: string]: unknown;
}

/** An expression classifier (`models/<name>.json`). */
export interface ClassifierCard extends CardBase {
  schema: typeof CLASSIFIER_CARD_SCHEMA;
  task: 'expression-classification';
  output: { name: string; kind: 'logits' | 'probabilities' };
  /** In output order. */
  labels: string[];
  /** How faces are framed; `template` places detector landmarks in the crop. */
  crop?: { description?: string; template?: LandmarkTemplate; [key: string]: unknown };
  /** Written by training/export: the data, protocol and hardware, and the validation accuracy. */
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  architecture?: {
    /**
     * A logit adjustment folded into the last bias: the logits are the trained ones − τ·log π, π the
     * training split's class frequencies (`trainCounts`, in label order). create()'s `priors: 'unadjusted'`
     * adds it back.
     */
    logitAdjustment?: { tau: number; trainCounts: number[]; shift?: number[] };
    [key: string]: unknown;
  };
}

/** A face detector's card. A custom detector's needs only `file`, `sha256` and `bytes`. */
export interface DetectorCard extends Partial<Pick<CardBase, 'name' | 'input' | 'prepared'>> {
  schema?: typeof DETECTOR_CARD_SCHEMA;
  task?: 'face-detection';
  file: string;
  sha256: string;
  bytes: number;
  [key: string]: unknown;
}

/** MediaPipe's SSD anchor options (mediapipe/calculators/tflite/ssd_anchors_calculator.cc). */
export interface SsdAnchorOptions {
  numLayers: number;
  minScale: number;
  maxScale: number;
  inputSizeHeight: number;
  inputSizeWidth: number;
  anchorOffsetX: number;
  anchorOffsetY: number;
  strides: number[];
  aspectRatios: number[];
  fixedAnchorSize: boolean;
  interpolatedScaleAspectRatio: number;
  reduceBoxesInLowestLayer: boolean;
}

/** The built-in BlazeFace detectors' cards: everything the decoder needs. */
export interface BlazeFaceCard extends DetectorCard {
  schema: typeof DETECTOR_CARD_SCHEMA;
  name: string;
  /**
   * `spatialMultiple`: the graph also runs at any height and width that are multiples of it (its total
   * stride), so one session serves a cheap small pass, the full pass and small region passes.
   */
  input: InputSpec & { layout: 'NHWC'; spatialMultiple?: number };
  outputs: {
    scores: Array<{ name: string; shape: number[] }>;
    regressors: Array<{ name: string; shape: number[] }>;
    keypoints: string[];
  };
  anchors: SsdAnchorOptions;
  decode: {
    numCoords: number;
    numKeypoints: number;
    xScale: number;
    yScale: number;
    wScale: number;
    hScale: number;
    scoreClippingThresh: number;
    minScoreThresh: number;
    nmsIouThreshold: number;
  };
}

export function parseClassifierCard(json: unknown, cardUrl: string): ClassifierCard {
  return parseCard<ClassifierCard>(json, cardUrl, (card, check) => {
    check.need(card.schema === CLASSIFIER_CARD_SCHEMA, 'schema', `must be '${CLASSIFIER_CARD_SCHEMA}'`);
    check.common(card, { nameRequired: true });
    // The classifier's faces are warped planar (pipeline/align.ts).
    check.input(card.input, 'input', { layout: 'NCHW', meanStdRequired: true });
    check.need(
      Array.isArray(card.labels) && card.labels.length > 0 && card.labels.every((l) => typeof l === 'string'),
      'labels',
      'must be a non-empty string array',
    );
    // Scores are keyed by label: a repeated one would merge two outputs into one score.
    const labels = Array.isArray(card.labels) ? (card.labels as unknown[]) : [];
    const repeated = labels.filter((label, i) => labels.indexOf(label) !== i);
    check.need(repeated.length === 0, 'labels', `must be distinct (repeated: ${[...new Set(repeated)].join(', ')})`);
    const output = card.output as Partial<ClassifierCard['output']> | undefined;
    check.need(
      typeof output === 'object' && output !== null && typeof output.name === 'string',
      'output.name',
      'must be a string',
    );
    check.need(
      output?.kind === 'logits' || output?.kind === 'probabilities',
      'output.kind',
      "must be 'logits' or 'probabilities'",
    );
    const adjustment = (card.architecture as ClassifierCard['architecture'])?.logitAdjustment;
    if (adjustment !== undefined) {
      check.need(
        Number.isFinite(adjustment?.tau) &&
          Array.isArray(adjustment?.trainCounts) &&
          adjustment.trainCounts.length === (card.labels as unknown[] | undefined)?.length &&
          adjustment.trainCounts.every((n) => Number.isFinite(n) && n > 0),
        'architecture.logitAdjustment',
        'needs a finite tau and trainCounts: one positive count per label',
      );
      check.need(
        adjustment?.shift === undefined ||
          (Array.isArray(adjustment.shift) &&
            adjustment.shift.length === adjustment.trainCounts?.length &&
            adjustment.shift.every((v) => Number.isFinite(v))),
        'architecture.logitAdjustment.shift',
        'must be one finite number per label',
      );
    }
    const template = (card.crop as ClassifierCard['crop'])?.template;
    if (template !== undefined) {
      const points = (template as Partial<LandmarkTemplate>).points;
      check.need(
        Array.isArray(points) &&
          points.length >= 2 &&
          points.every((p) => Number.isInteger(p?.index) && Number.isFinite(p?.x) && Number.isFinite(p?.y)),
        'crop.template',
        'needs ≥ 2 points { index, x, y }',
      );
    }
  });
}

/** Any detector's card, a custom one included: a model file, and a valid input spec if it has one. */
export function parseDetectorCard(json: unknown, cardUrl: string): DetectorCard {
  return parseCard<DetectorCard>(json, cardUrl, (card, check) => check.detector(card));
}

/** A built-in BlazeFace card: a detector card with its outputs, anchors and decoding constants. */
export function parseBlazeFaceCard(json: unknown, cardUrl: string): BlazeFaceCard {
  return parseCard<BlazeFaceCard>(json, cardUrl, (object, check) => {
    check.detector(object);
    const card = object as Partial<BlazeFaceCard>;
    // What check.detector() allows to be absent, or to be either layout, this decoder needs.
    check.need(card.schema !== undefined, 'schema', `must be '${DETECTOR_CARD_SCHEMA}'`);
    check.need(card.name !== undefined, 'name', 'must be a string');
    check.need(card.input !== undefined, 'input', 'must be an object');
    check.need((card.input as InputSpec | undefined)?.layout !== 'NCHW', 'input.layout', "must be 'NHWC'");
    const tensors = (list: unknown, path: string) =>
      check.need(
        Array.isArray(list) &&
          list.length > 0 &&
          list.every((t) => typeof t?.name === 'string' && Array.isArray(t.shape) && t.shape.every(Number.isInteger)),
        path,
        'must be a non-empty list of { name, shape }',
      );
    tensors(card.outputs?.scores, 'outputs.scores');
    tensors(card.outputs?.regressors, 'outputs.regressors');
    check.need(
      card.outputs?.scores?.length === card.outputs?.regressors?.length,
      'outputs.regressors',
      'needs one per scores output',
    );
    check.need(
      Array.isArray(card.outputs?.keypoints) && card.outputs.keypoints.every((k) => typeof k === 'string'),
      'outputs.keypoints',
      'must be a string array',
    );
    const anchors = card.anchors as Partial<SsdAnchorOptions> | undefined;
    for (const key of [
      'numLayers',
      'minScale',
      'maxScale',
      'inputSizeHeight',
      'inputSizeWidth',
      'anchorOffsetX',
      'anchorOffsetY',
      'interpolatedScaleAspectRatio',
    ] as const)
      check.need(Number.isFinite(anchors?.[key]), `anchors.${key}`, 'must be a number');
    for (const key of ['strides', 'aspectRatios'] as const)
      check.need(
        Array.isArray(anchors?.[key]) && anchors[key].every(Number.isFinite),
        `anchors.${key}`,
        'must be numbers',
      );
    for (const key of ['fixedAnchorSize', 'reduceBoxesInLowestLayer'] as const)
      check.need(typeof anchors?.[key] === 'boolean', `anchors.${key}`, 'must be a boolean');
    for (const key of [
      'numCoords',
      'numKeypoints',
      'xScale',
      'yScale',
      'wScale',
      'hScale',
      'scoreClippingThresh',
      'minScoreThresh',
      'nmsIouThreshold',
    ] as const)
      check.need(Number.isFinite(card.decode?.[key]), `decode.${key}`, 'must be a number');
  });
}

/** Runs `checks` on the card; fails with all of the problems they found, each with its path. */
function parseCard<T>(
  json: unknown,
  cardUrl: string,
  checks: (card: Record<string, unknown>, check: CardCheck) => void,
): T {
  const check = new CardCheck();
  const card = check.object(json, '$');
  if (card) checks(card, check);
  if (check.problems.length > 0) throw check.error(cardUrl);
  return card as T;
}

/** Collects every problem of a card, with its path, before failing. */
class CardCheck {
  readonly problems: string[] = [];

  need(ok: boolean, path: string, what: string): void {
    if (!ok) this.problems.push(`${path}: ${what}`);
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    const ok = typeof value === 'object' && value !== null && !Array.isArray(value);
    this.need(ok, path, 'must be an object');
    return ok ? (value as Record<string, unknown>) : undefined;
  }

  common(card: Record<string, unknown>, { nameRequired }: { nameRequired: boolean }): void {
    this.need(
      nameRequired ? typeof card.name === 'string' : card.name === undefined || typeof card.name === 'string',
      'name',
      'must be a string',
    );
    this.need(typeof card.file === 'string' && card.file.length > 0, 'file', 'must name the .onnx file');
    // Both required: the model is checked against its hash, and its download stops at its size.
    this.need(typeof card.sha256 === 'string' && /^[0-9a-f]{64}$/.test(card.sha256), 'sha256', 'must be 64 hex digits');
    this.need(
      Number.isInteger(card.bytes) && (card.bytes as number) > 0 && (card.bytes as number) <= MAX_MODEL_BYTES,
      'bytes',
      `must be the model file's size, at most ${MAX_MODEL_BYTES} bytes`,
    );
    const prepared = card.prepared as Partial<PreparedEntry> | undefined;
    this.need(
      prepared === undefined ||
        (typeof prepared?.file === 'string' &&
          typeof prepared.runtime === 'string' &&
          typeof prepared.sha256 === 'string' &&
          /^[0-9a-f]{64}$/.test(prepared.sha256) &&
          Number.isInteger(prepared.bytes) &&
          (prepared.bytes as number) > 0 &&
          (prepared.bytes as number) <= MAX_MODEL_BYTES),
      'prepared',
      `must be { file, sha256 (64 hex digits), bytes (at most ${MAX_MODEL_BYTES}), runtime }`,
    );
  }

  input(value: unknown, path: string, want: { layout?: InputSpec['layout']; meanStdRequired?: boolean }): void {
    const input = this.object(value, path) as Partial<InputSpec> | undefined;
    if (!input) return;
    const before = this.problems.length;
    this.need(typeof input.name === 'string', `${path}.name`, 'must be a string');
    this.need(
      want.layout ? input.layout === want.layout : input.layout === 'NCHW' || input.layout === 'NHWC',
      `${path}.layout`,
      want.layout ? `must be '${want.layout}'` : "must be 'NCHW' or 'NHWC'",
    );
    this.need(
      Array.isArray(input.shape) && input.shape.length === 4 && input.shape.every((d) => Number.isInteger(d) && d > 0),
      `${path}.shape`,
      'must be 4 positive integers',
    );
    // Each face is warped into a buffer of this shape: a card must not be able to ask for gigabytes.
    this.need(
      !Array.isArray(input.shape) || input.shape.every((d) => !(d > MAX_INPUT_SIDE)),
      `${path}.shape`,
      `sides above ${MAX_INPUT_SIDE} are refused`,
    );
    this.need(input.color === 'rgb' || input.color === 'gray', `${path}.color`, "must be 'rgb' or 'gray'");
    this.need(
      Array.isArray(input.range) && input.range.length === 2 && input.range.every(Number.isFinite),
      `${path}.range`,
      'must be [min, max]',
    );
    const numbers = (list: unknown, nonZero: boolean) =>
      Array.isArray(list) && list.every((v) => Number.isFinite(v) && (!nonZero || v !== 0));
    this.need(
      input.mean === undefined ? !want.meanStdRequired : numbers(input.mean, false),
      `${path}.mean`,
      'must be numbers',
    );
    this.need(
      input.std === undefined ? !want.meanStdRequired : numbers(input.std, true),
      `${path}.std`,
      'must be non-zero numbers',
    );
    if (this.problems.length > before) return;
    const channels = input.layout === 'NCHW' ? input.shape![1] : input.shape![3];
    const expected = input.color === 'gray' ? 1 : 3;
    this.need(
      channels === expected,
      `${path}.shape`,
      `color '${input.color}' needs ${expected} channel(s), the shape has ${channels}`,
    );
    for (const key of ['mean', 'std'] as const) {
      const length = input[key]?.length ?? 1;
      this.need(length === 1 || length === channels, `${path}.${key}`, `needs 1 or ${channels} values`);
    }
  }

  detector(card: Record<string, unknown>): void {
    this.need(
      card.schema === undefined || card.schema === DETECTOR_CARD_SCHEMA,
      'schema',
      `must be '${DETECTOR_CARD_SCHEMA}' when given`,
    );
    this.common(card, { nameRequired: false });
    if (card.input !== undefined) this.input(card.input, 'input', {});
  }

  error(url: string): JadferError {
    return new JadferError('E_MODEL_LOAD', `invalid model card ${url}: ${this.problems.join('; ')}`, {
      details: { url, problems: this.problems },
    });
  }
}
