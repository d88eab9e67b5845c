/** Public types of the SDK. Nothing here depends on onnxruntime. */

export type Backend = 'webgpu' | 'wasm';
export type DeviceOption = 'auto' | Backend;
/**
 * 'blazeface' (default): MediaPipe BlazeFace front 128×128, for faces near the camera.
 * 'blazeface-back': the 256×256 model, for smaller, farther faces (groups, signage).
 * 'none': the whole frame is one pre-cropped face (e.g. FERPlus-style crops).
 * An object brings your own ONNX detector: `card` is its card (with `file` and `sha256`),
 * `module` an ES module exporting `createDetector(card, { kernels, maxFaces, minFaceSize })`.
 */
export type DetectorOption = 'none' | 'blazeface' | 'blazeface-back' | { card: string; module: string };

/** Per-track temporal smoothing of the expression scores. */
export type SmoothingOptions =
  | { kind: 'none' }
  | { kind: 'ema'; alpha: number }
  | { kind: 'one-euro'; minCutoff: number; beta: number; dCutoff: number };

/** How stream() keeps identities across frames (analyze() of single images does not track). */
export interface TrackingOptions {
  smoothing?: SmoothingOptions;
  /** Confirmed, stable tracks re-run the classifier only this often (ms); 0 = every frame. */
  reclassifyEveryMs?: number;
  /** A track unseen this long is dropped. */
  lostTimeoutMs?: number;
  /** Consecutive detections before a track is confirmed. */
  confirmHits?: number;
}

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

export type Label = string;

export interface ExpressionResult {
  label: Label;
  /** Probabilities in the model's label order, keyed by label. */
  scores: Record<Label, number>;
}

export interface FaceResult {
  box: Box;
  landmarks?: Point[];
  /** Detector confidence, 1 when the frame is taken as one face. */
  score: number;
  expression: ExpressionResult;
  trackId?: number;
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
}

/** Raw pixels: RGBA (4 bytes per pixel), RGB (3) or gray (1), inferred from the length. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export type ImageInput =
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

export interface ProgressEvent {
  /** Which file: the classifier model, the detector model, or the ONNX Runtime wasm. */
  stage: 'model' | 'detector' | 'wasm';
  url: string;
  loaded: number;
  /** 0 when the server sends no length. */
  total: number;
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

export interface CreateOptions {
  /** 'auto' (default) prefers WebGPU on a hardware adapter, else WASM. */
  device?: DeviceOption;
  /** URL of the classifier's model card (.json) or of the .onnx beside its card. */
  modelUrl?: string;
  detector?: DetectorOption;
  /** Where dist/ is served from; defaults to the URL of the script itself. */
  baseUrl?: string;
  /** Run the engine in a Web Worker ('auto': whenever the platform has module workers). */
  worker?: 'auto' | boolean;
  /** WASM threads; default: up to 4 where SharedArrayBuffer works (cross-origin isolated), else 1. `fer.threads` is what ONNX Runtime really uses. */
  threads?: number;
  /** At most this many faces per frame are classified (largest detector scores first). */
  maxFaces?: number;
  /** Faces smaller than this (px, shorter box side) are ignored. */
  minFaceSize?: number;
  tracking?: TrackingOptions;
  /** Let WebGPU run on a software (fallback) adapter in 'auto' mode; it is far slower than WASM. */
  allowFallbackAdapter?: boolean;
  /** Time limits (ms) so no await hangs forever. */
  timeouts?: { createMs?: number; analyzeMs?: number };
  /** Throw on unknown option keys instead of warning. */
  strict?: boolean;
  onProgress?: (event: ProgressEvent) => void;
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
