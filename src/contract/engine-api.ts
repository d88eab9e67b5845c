/**
 * The contract between the main-thread client and the engine (in a worker or in-process).
 * Types and a clock: the client must never pull onnxruntime in.
 */
import type { CacheOption, EngineOptions } from './options.js';
import type {
  Backend,
  BackendEvent,
  FaceResult,
  ModelInfo,
  FileProgress,
  StageTimings,
  StartupTimes,
} from './types.js';

export type FramePayload =
  | { kind: 'bitmap'; bitmap: ImageBitmap }
  | { kind: 'videoframe'; frame: VideoFrame }
  | { kind: 'pixels'; data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 };

/** A model: its card, and its .onnx when the URL is known (a bundler renamed it); else the card's `file`, beside it. */
export interface ModelFiles {
  card: string;
  model?: string;
  /** The model prepared for WASM at build time (the card's `prepared`), where a bundler moved it. */
  prepared?: string;
}

/** A detector's files; `module` is a custom detector's ES module (see DetectorOption). */
export interface DetectorFiles extends ModelFiles {
  module?: string;
}

/** The engine's runtime files. */
export interface RuntimeFiles {
  /** Our SIMD preprocessing kernels. */
  kernels: string;
  /** ONNX Runtime's glue script and wasm, per build: WASM-only, and WebGPU (JSPI). */
  ort: Record<Backend, { glue: string; wasm: string }>;
}

/** Every file the engine loads, as absolute URLs (src/client/assets.ts). */
export interface EngineAssets {
  classifier: ModelFiles;
  detector: DetectorFiles | 'none';
  runtime: RuntimeFiles;
}

/** The resolved create() options the engine acts on (options.ts), plus what the client learnt. */
export interface EngineInit extends EngineOptions {
  assets: EngineAssets;
  /** Set when the client already found WebGPU unusable, so the engine does not probe again. */
  webGpuProblem?: string;
}

/** Frames of one stream share a tracker; single analyze() calls have no stream. */
export interface FrameMeta {
  stream?: number;
  /** ms; used by tracking and smoothing. */
  timestamp: number;
  /** When the client started on the frame, as an epoch time (see epochNow), to time the transfer. */
  sentAt: number;
}

/** The engine's share of a frame's timings, and the epoch times it got the frame and answered. */
export type EngineTimings = Omit<StageTimings, 'transfer' | 'reply' | 'total'> & {
  receivedAt: number;
  repliedAt: number;
};

/**
 * performance.now() counts from each context's own time origin (page and worker differ), so times
 * compared across the worker boundary add the origin.
 */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export interface EngineInfo {
  backend: Backend;
  /** Why the engine is not on the backend that was asked for ('auto' asks for WebGPU first). */
  fallbackReason?: string;
  threads: number;
  model: ModelInfo;
  /** The detector model's name, or 'none'. */
  detector: string;
  /** 'wasm-simd' (our kernels) or 'js' (the TypeScript reference, where SIMD is missing). */
  kernels: 'wasm-simd' | 'js';
  /** Where create()'s time went in the engine, in ms: `fer.startup` without createMs, which the client adds. */
  startup: Omit<StartupTimes, 'createMs'>;
  /** 'persistent' when the engine's files are kept (the option, where the platform has a Cache API). */
  cache: CacheOption;
}

export interface AnalyzeReply {
  faces: FaceResult[];
  backend: Backend;
  timings: EngineTimings;
}

/** Callbacks the engine calls on the client (Comlink proxies when in a worker). */
export interface EngineCallbacks {
  progress(event: FileProgress): void;
  backend(event: BackendEvent): void;
}

export interface EngineApi {
  init(init: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo>;
  analyze(frame: FramePayload, meta: FrameMeta): Promise<AnalyzeReply>;
  /** Forgets a stream's tracks. */
  endStream(stream: number): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Fault injection: only the test build of the engine has it (dist/jadfer.testing.worker.js and
 * jadfer.testing.engine.js, which `jadfer/testing`'s create() starts); the production worker's API is EngineApi.
 */
export interface FaultInjection {
  /** Destroys the WebGPU device as a driver reset would; false when the engine is not on WebGPU. */
  simulateDeviceLoss(): Promise<boolean>;
  /** An uncaught error in the engine's event loop, as a crash would raise. */
  simulateCrash(): Promise<void>;
}
