/**
 * Every create() option, defined once: its type and documentation (CreateOptions, each doc
 * ending in the default), its default (DEFAULTS), its check (SCHEMA), and whether the engine
 * receives it (all do, except CLIENT_ONLY). resolveOptions() turns what a caller passes into
 * ResolvedOptions; the engine's init is derived from those (engineOptions), and the tracker's
 * defaults are DEFAULTS.tracking.
 *
 * Adding an option touches this file, plus the code that uses it:
 *   1. declare it in CreateOptions, with a doc comment that says its default;
 *   2. give it a default in DEFAULTS and a check in SCHEMA (the compiler asks for both); an option that takes
 *      one of a set of values gets a frozen list of them here, from which its type, its check and the CLI's
 *      help derive (adding a value touches that list only, plus the code that acts on it);
 *   3. if only the main thread acts on it (like `timeouts`), name it in CLIENT_ONLY;
 *   4. read it where it is used: `this.options.x` in the client, `options.x` in the engine.
 */
import { DETECTOR_NAMES } from './detectors.js';
import {
  boolean,
  checkObject,
  enforceReport,
  fraction,
  func,
  hasOwn,
  integer,
  number,
  object,
  oneOf,
  string,
  withDefaults,
  type Check,
  type ConfigReport,
} from './checks.js';
import { defaultThreads } from './platform.js';
import { BACKENDS, type ProgressEvent } from './types.js';

export type { ConfigReport };

/** `device`'s values: 'auto', then every backend. */
export const DEVICES = Object.freeze(['auto', ...BACKENDS] as const);
export type DeviceOption = (typeof DEVICES)[number];

/** `cache`'s values (CacheOption). */
export const CACHE_MODES = Object.freeze(['persistent', 'none'] as const);

/**
 * 'persistent': models, ONNX Runtime's wasm and the kernels are kept (Cache API, integrity-checked), so a
 * restart needs no network and downloads nothing; used where the platform has a Cache API. 'none': every
 * start downloads them.
 */
export type CacheOption = (typeof CACHE_MODES)[number];

/**
 * 'blazeface-back' (default): MediaPipe BlazeFace full range ("back"), run at 256×192 (a 4:3 frame
 * without padding). In a 640×480 frame analyze() finds faces from about 32–40 px wide (stream()
 * from about 24 px, with zoomed tiles in turn: src/engine/pipeline/passes.ts) to kiosk distance.
 * 'blazeface': the front 128×128 model, cheaper, for faces near the camera only (≥ ~96 px at 640×480).
 * 'none': the whole frame is one pre-cropped face (e.g. FERPlus-style crops).
 * An object brings your own ONNX detector: `card` is its card (with `file` and `sha256`),
 * `module` an ES module exporting `createDetector(card, { kernels, maxFaces, minFaceSize, minDetectionConfidence })`.
 * The names: DETECTOR_NAMES (src/contract/detectors.ts).
 */
export type DetectorOption = (typeof DETECTOR_NAMES)[number] | { card: string; module: string };

/** `priors`' values (PriorsOption), without the deprecated alias. */
export const PRIORS = Object.freeze(['balanced', 'unadjusted'] as const);

/**
 * 'balanced' (default): the model as shipped. The default models carry a logit adjustment (their cards'
 * `architecture.logitAdjustment`) that lifts the rare expressions (disgust, contempt, fear) against
 * the training data's frequencies, where neutral and happiness are 60 % of faces: every expression
 * counts alike. 'unadjusted': that adjustment is taken out, so scores follow the training frequencies:
 * more overall accuracy on a FERPlus-like mix of faces, far fewer rare expressions called (the model
 * cards measure both). The same for a model without an adjustment.
 * 'training' is the old name of 'unadjusted', deprecated: accepted with one console warning.
 */
export type PriorsOption = (typeof PRIORS)[number] | 'training';

/** `worker`'s values. */
export const WORKER_MODES = Object.freeze(['auto', true, false] as const);
export type WorkerOption = (typeof WORKER_MODES)[number];

/** Per-track temporal smoothing of the expression scores. */
export type SmoothingOptions =
  | { kind: 'none' }
  | { kind: 'ema'; alpha: number }
  | { kind: 'one-euro'; minCutoff: number; beta: number; dCutoff: number };

/** How stream() keeps identities across frames (analyze() of single images does not track). */
export interface TrackingOptions {
  /** Default: `{ kind: 'ema', alpha: 0.4 }`. */
  smoothing?: SmoothingOptions;
  /**
   * A labelled track re-runs the classifier once this long has passed (ms; about 6.7 times a
   * second); 0 = every track on every frame. A new track is classified on the frame it appears. Default: 150.
   */
  reclassifyEveryMs?: number;
  /** At most this many labelled tracks are reclassified per frame, longest waiting first. Default: 2. */
  classifyPerFrame?: number;
  /**
   * A track unseen this long (ms) is dropped, once every detection pass of a stream has had its turn
   * (on slow frames a face is not dropped by passes that could not see it). Default: 1000.
   */
  lostTimeoutMs?: number;
  /**
   * Detections in a row before a track is confirmed; a stream reports (and classifies) a face only once
   * its track is confirmed, so the analytics count confirmed tracks only. Default: 3.
   */
  confirmHits?: number;
}

export interface CreateOptions {
  /** 'auto' prefers WebGPU on a hardware adapter, else WASM. Default: 'auto'. */
  device?: DeviceOption;
  /**
   * URL of the classifier's model card (.json) or of the .onnx beside its card; relative to `baseUrl`, else to
   * the SDK's script. Default: the shipped jadfer-base.
   */
  modelUrl?: string;
  /**
   * Classify each face together with its mirror image and average the two views' logits: about
   * 0.3–0.4 points more accuracy for twice the classifier's time (the model cards measure both).
   * Any model; the integrator picks accuracy or speed. Default: false.
   */
  mirror?: boolean;
  /** How the scores weigh rare expressions against frequent ones (PriorsOption). Default: 'balanced'. */
  priors?: PriorsOption;
  /** Default: 'blazeface-back'. */
  detector?: DetectorOption;
  /**
   * Where dist/ is served from (a folder; the trailing slash is added). Default: the files beside the SDK's
   * script, where a bundler (Vite, webpack 5) puts them.
   */
  baseUrl?: string;
  /** Keep the engine's files for offline and fast starts (see CacheOption). Default: 'persistent'. */
  cache?: CacheOption;
  /** Run the engine in a Web Worker ('auto': whenever the platform has module workers). Default: 'auto'. */
  worker?: WorkerOption;
  /**
   * WASM threads. Default: up to 4 where SharedArrayBuffer works (cross-origin isolated) and module
   * workers exist, else 1. `fer.threads` is what ONNX Runtime really runs on.
   */
  threads?: number;
  /** At most this many faces per frame are classified (largest detector scores first). Default: 10. */
  maxFaces?: number;
  /** Faces smaller than this (px, shorter box side) are ignored. Default: 0. */
  minFaceSize?: number;
  /**
   * A face counts only when the detector's confidence in it (its `score`, 0–1) reaches this: face-api's
   * and human's `minConfidence`, MediaPipe's `minDetectionConfidence`. With the built-in BlazeFace
   * the score is a second look's, at the face's own scale, which separates faces from look-alikes
   * (docs/benchmarks.md, *Precision*, says how the default was chosen). Default: 0.55.
   */
  minDetectionConfidence?: number;
  tracking?: TrackingOptions;
  /** Let WebGPU run on a software (fallback) adapter in 'auto' mode; it is far slower than WASM. Default: false. */
  allowFallbackAdapter?: boolean;
  /** Time limits (ms) so no await hangs forever. Default: `{ createMs: 120000, analyzeMs: 30000 }`. */
  timeouts?: { createMs?: number; analyzeMs?: number };
  /** Throw on unknown option keys instead of warning. Default: false. */
  strict?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

/** create() options with every default filled in and every URL absolute. */
export type ResolvedOptions = Required<
  Omit<CreateOptions, 'baseUrl' | 'modelUrl' | 'tracking' | 'timeouts' | 'onProgress' | 'priors'>
> & {
  /** The deprecated alias is resolved. */
  priors: (typeof PRIORS)[number];
  /** dist/'s folder, absolute and ending in '/', when given (else the files beside the SDK's script). */
  baseUrl?: string;
  /** The classifier's card, absolute (an .onnx URL is taken to the .json beside it), when given (else jadfer-base). */
  modelUrl?: string;
  tracking: Required<TrackingOptions>;
  timeouts: Required<NonNullable<CreateOptions['timeouts']>>;
  onProgress?: CreateOptions['onProgress'];
};

/** Filled in by resolveOptions from where the script runs, not from DEFAULTS. */
type FromEnvironment = 'threads' | 'onProgress';

export const DEFAULTS: Omit<ResolvedOptions, FromEnvironment> = {
  device: 'auto',
  mirror: false,
  priors: 'balanced',
  detector: 'blazeface-back',
  cache: 'persistent',
  worker: 'auto',
  maxFaces: 10,
  minFaceSize: 0,
  minDetectionConfidence: 0.55,
  tracking: {
    smoothing: { kind: 'ema', alpha: 0.4 },
    reclassifyEveryMs: 150,
    classifyPerFrame: 2,
    lostTimeoutMs: 1000,
    confirmHits: 3,
  },
  allowFallbackAdapter: false,
  timeouts: { createMs: 120_000, analyzeMs: 30_000 },
  strict: false,
};

/**
 * Options only the main thread acts on; the engine receives every other resolved option. The client
 * turns the URLs (baseUrl, modelUrl) and the detector into the files' URLs (EngineInit.assets).
 */
export const CLIENT_ONLY = ['worker', 'timeouts', 'strict', 'onProgress', 'baseUrl', 'modelUrl', 'detector'] as const;
export type EngineOptions = Omit<ResolvedOptions, (typeof CLIENT_ONLY)[number]>;

export function engineOptions(resolved: ResolvedOptions): EngineOptions {
  const options: Partial<ResolvedOptions> = { ...resolved };
  for (const key of CLIENT_ONLY) delete options[key];
  return options as EngineOptions;
}

const SCHEMA: Record<keyof CreateOptions, Check> = {
  device: oneOf(...DEVICES),
  modelUrl: string,
  mirror: boolean,
  priors: (v) => (v === 'training' ? undefined : oneOf(...PRIORS)(v)), // 'training': deprecated alias
  detector: (v) =>
    typeof v === 'object' && v !== null
      ? typeof (v as { card?: unknown }).card === 'string' && typeof (v as { module?: unknown }).module === 'string'
        ? undefined
        : 'a custom detector needs { card: string, module: string }'
      : oneOf(...DETECTOR_NAMES)(v),
  tracking: object,
  baseUrl: string,
  cache: oneOf(...CACHE_MODES),
  worker: oneOf(...WORKER_MODES),
  threads: integer(1, 64),
  maxFaces: integer(1, 64),
  minFaceSize: number(0),
  minDetectionConfidence: fraction,
  allowFallbackAdapter: boolean,
  timeouts: object,
  strict: boolean,
  onProgress: func,
};
const TIMEOUT_SCHEMA: Record<keyof ResolvedOptions['timeouts'], Check> = { createMs: number(0), analyzeMs: number(0) };
const SMOOTHING_KINDS: Record<SmoothingOptions['kind'], Record<string, Check>> = {
  none: {},
  ema: { alpha: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'must be a number in (0, 1]') },
  'one-euro': { minCutoff: number(0), beta: number(0), dCutoff: number(0) },
};
const TRACKING_SCHEMA: Record<keyof TrackingOptions, Check> = {
  reclassifyEveryMs: number(0),
  classifyPerFrame: integer(1, 64),
  lostTimeoutMs: number(0),
  confirmHits: integer(1, 100),
  smoothing: (v) => {
    const kind = (v as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !hasOwn(SMOOTHING_KINDS, kind))
      return "must be { kind: 'none' | 'ema' | 'one-euro', … }";
    const missing = Object.keys(SMOOTHING_KINDS[kind as SmoothingOptions['kind']]).filter(
      (key) => (v as Record<string, unknown>)[key] === undefined,
    );
    return missing.length ? `${kind} needs ${missing.join(', ')}` : undefined;
  },
};

/**
 * Checks `create()` options without creating anything: what `create()` would refuse (`errors`) and the
 * keys it does not know (`unknown`), each with its path.
 *
 * @example
 * ```ts
 * const { errors, unknown } = checkOptions({ device: 'gpu', maxFace: 3 });
 * // errors: ['options.device: must be one of "auto", "webgpu", "wasm" (got "gpu")']
 * // unknown: ['options.maxFace: unknown option']
 * ```
 */
export function checkOptions(options: unknown): ConfigReport {
  const report: ConfigReport = { errors: [], unknown: [] };
  if (options === undefined) return report;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    report.errors.push('options: must be an object');
    return report;
  }
  checkObject(options as Record<string, unknown>, SCHEMA, 'options', report);
  const timeouts = (options as CreateOptions).timeouts;
  if (typeof timeouts === 'object' && timeouts !== null)
    checkObject(timeouts as Record<string, unknown>, TIMEOUT_SCHEMA, 'options.timeouts', report);
  const tracking = (options as CreateOptions).tracking;
  if (typeof tracking === 'object' && tracking !== null) {
    checkObject(tracking as Record<string, unknown>, TRACKING_SCHEMA, 'options.tracking', report);
    const smoothing = tracking.smoothing as Record<string, unknown> | undefined;
    const kind = String(smoothing?.kind);
    const fields = hasOwn(SMOOTHING_KINDS, kind) ? SMOOTHING_KINDS[kind as SmoothingOptions['kind']] : undefined;
    if (smoothing && fields)
      checkObject(smoothing, { kind: () => undefined, ...fields }, 'options.tracking.smoothing', report);
  }
  return report;
}

/**
 * Checks the options (E_BAD_CONFIG lists every problem), fills in the defaults, and makes the
 * URLs absolute: `baseUrl` against the page (where there is one), `modelUrl` against `baseUrl`,
 * else against `scriptFolder`, the folder of the SDK's script.
 */
export function resolveOptions(options: CreateOptions = {}, scriptFolder: string): ResolvedOptions {
  enforceReport(checkOptions(options), options.strict === true);
  const given = withDefaults(DEFAULTS, options);
  if (options.priors === 'training') given.priors = renamedPriors();
  const baseUrl = options.baseUrl === undefined ? undefined : folderUrl(options.baseUrl, scriptFolder);
  const modelUrl = options.modelUrl === undefined ? undefined : new URL(options.modelUrl, baseUrl ?? scriptFolder);
  if (modelUrl?.pathname.endsWith('.onnx')) modelUrl.pathname = modelUrl.pathname.replace(/\.onnx$/, '.json');
  return {
    ...given,
    ...(baseUrl ? { baseUrl } : {}),
    ...(modelUrl ? { modelUrl: modelUrl.href } : {}),
    threads: options.threads ?? defaultThreads(),
    tracking: withDefaults(DEFAULTS.tracking, options.tracking ?? {}),
    timeouts: withDefaults(DEFAULTS.timeouts, options.timeouts ?? {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

let warnedPriors = false;
/** `priors: 'training'` said where the scores' priors come from, not that the adjustment is removed: renamed. */
function renamedPriors(): 'unadjusted' {
  if (!warnedPriors) console.warn("[jadfer] priors: 'training' is deprecated: use 'unadjusted' (the same scores)");
  warnedPriors = true;
  return 'unadjusted';
}

/** A folder URL: absolute (against the page, where there is one) and ending in '/'. */
export function folderUrl(folder: string, scriptFolder: string): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const url = new URL(folder, page && /^(https?|file):/.test(page) ? page : scriptFolder);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}
