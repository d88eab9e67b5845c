/** Public types of the SDK (the create() options are in options.ts). Nothing here depends on onnxruntime. */
import type { BLAZEFACE_KEYPOINTS, Label, PerLabel } from './labels.js';

export type Backend = 'webgpu' | 'wasm';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export type { FerPlusLabel, Label, PerLabel } from './labels.js';

/**
 * A probability per label, in the model's label order: the eight FERPlus expressions for the shipped
 * models (`scores.happiness`), a custom model's own labels otherwise (so each may be absent).
 */
export type ExpressionScores = PerLabel<number>;

export interface ExpressionResult {
  /** The most probable expression. */
  label: Label;
  scores: ExpressionScores;
}

/** BlazeFace's six keypoints, by name. */
export type BlazeFaceKeypoint = (typeof BLAZEFACE_KEYPOINTS)[number];

/**
 * The detector's landmarks by name, in frame pixels (a custom detector names its own). "Right" and "left"
 * are the person's own, as MediaPipe names them: the right eye is on the left of an unmirrored image.
 */
export type Keypoints = { [K in BlazeFaceKeypoint]?: Point } & { [name: string]: Point };

export interface FaceResult {
  box: Box;
  /** The detector's landmarks in its order (BlazeFace: the six of `keypoints`); absent without a detector. */
  landmarks?: Point[];
  /** The same points by name: `keypoints.noseTip`. */
  keypoints?: Keypoints;
  /** Detector confidence, 1 when the frame is taken as one face. */
  score: number;
  expression: ExpressionResult;
  trackId?: number;
  /**
   * Streams: the timestamp of the frame on which the classifier last ran for this track (its
   * scores are smoothed since then). Tracks are reclassified on a staggered schedule, so this is
   * often an earlier frame.
   */
  classifiedAt?: number;
}

export interface FrameResult {
  faces: FaceResult[];
  /** Frame time in ms (VideoFrame timestamp when present, else performance.now()). */
  timestamp: number;
  /** Time from taking the frame to having its result. */
  latencyMs: number;
  backend: Backend;
  /** Frames the source produced that were skipped since the previous result (latest frame wins). */
  dropped: number;
  /** Running total of dropped frames for this stream. */
  droppedTotal: number;
  /** 0-based index of this result within the stream. */
  index: number;
  /** Where this frame's time went. */
  timings: StageTimings;
}

/** Where one frame's time went, in ms: every stage of `analyze()` and `stream()` has an owner. */
export interface StageTimings {
  /** From the call to the engine holding the frame: reading or cloning it, posting it to the worker. */
  transfer: number;
  /** The frame's pixels to RGBA in the engine (drawing a bitmap or video frame, expanding RGB or gray). */
  pixels: number;
  /** Detection: the frame resized and normalised into the detector's input. */
  detectPreprocess: number;
  /** Detection: the detector model. */
  detectRun: number;
  /** Detection: anchors, scores, non-maximum suppression. */
  detectDecode: number;
  /** Faces warped to the classifier's crop. */
  align: number;
  /** The classifier model, all faces of the frame in one batch. */
  classify: number;
  /** Track association, the classification schedule and smoothing (streams only). */
  track: number;
  /** From the engine's answer to the caller having it (the worker's reply message). */
  reply: number;
  /** The whole call, as the caller sees it. */
  total: number;
  /** Faces the classifier ran on in this frame (a stream classifies only the tracks that are due). */
  classified: number;
}

/** Raw pixels: RGBA (4 bytes per pixel), RGB (3) or gray (1), inferred from the length. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * What `analyze()` reads. A `Blob` or `File` (an `<input type=file>`'s) and an image URL (`string` or `URL`:
 * http(s), blob: or data:, relative to the page) are decoded by the browser; Node and Deno have no decoder
 * for them (pass pixels).
 */
export type ImageInput =
  | Blob
  | URL
  | string
  | ImageBitmap
  | ImageData
  | VideoFrame
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | OffscreenCanvas
  | RawImage;

export type StreamSource =
  HTMLVideoElement | MediaStream | ReadableStream<VideoFrame> | AsyncIterable<ImageInput> | Iterable<ImageInput>;

/** One file's download, as the engine reports it. */
export interface FileProgress {
  /** Which file: the classifier model, the detector model, or the ONNX Runtime wasm. */
  stage: 'model' | 'detector' | 'wasm';
  url: string;
  loaded: number;
  /**
   * The file's bytes: the server's Content-Length, else the size the model card declares (`bytes`) or,
   * for ONNX Runtime's wasm, the size of the build shipped; 0 when none is known.
   */
  total: number;
}

export interface ProgressEvent extends FileProgress {
  /**
   * All of create()'s downloads together (ONNX Runtime's wasm, the classifier, the detector), from 0 to 1,
   * never decreasing: what a loading bar shows. It is 0 until each file has started.
   */
  overall: number;
}

export interface BackendEvent {
  backend: Backend;
  /** Why this backend is in use when it is not the one asked for (or after a device loss). */
  reason?: string;
  /** Set when a running instance switched backends, e.g. after E_DEVICE_LOST. */
  previous?: Backend;
}

export interface ModelInfo {
  name: string;
  labels: Label[];
  inputShape: number[];
  cardUrl: string;
}

export interface AnalyzeOptions {
  /** Hand the ImageBitmap/VideoFrame over to the SDK (no clone); it is closed after use. */
  transfer?: boolean;
}

export interface StreamOptions {
  /** Upper bound on analysed frames per second. */
  fps?: number;
  signal?: AbortSignal;
}

export interface JadferEvents {
  result: FrameResult;
  backend: BackendEvent;
  progress: ProgressEvent;
  error: Error;
}

/**
 * Where create() spent its time (`fer.startup`), in ms. The engine's phases overlap: ONNX Runtime
 * starts while the models download.
 */
export interface StartupTimes {
  /** Cards, models, kernels and the runtime, all at once (from the network or the persistent cache). */
  downloadsMs: number;
  /** From the engine's start until ONNX Runtime is ready: its wasm in, checked, compiled, started with its threads. */
  runtimeMs: number;
  /** The classifier's session, then the detector's (0 without one). */
  classifierSessionMs: number;
  detectorSessionMs: number;
  /** Whether the sessions opened models prepared at build time (WASM), which skip graph optimisation. */
  preparedModels: boolean;
  /** From the downloads' end until the sessions are open: what the runtime still needed, then the sessions. */
  sessionsMs: number;
  /** The engine's whole start. */
  totalMs: number;
  /** create() as the page saw it: the checks of the files, the worker's start and scripts, then the engine's start. */
  createMs: number;
}
