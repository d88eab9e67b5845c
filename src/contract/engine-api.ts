/**
 * The contract between the main-thread client and the engine (in a worker or in-process).
 * Types only: the client must never pull onnxruntime in.
 */
import type { EngineOptions } from './options.js';
import type { Backend, BackendEvent, FaceResult, ModelInfo, ProgressEvent } from './types.js';

export type FramePayload =
  | { kind: 'bitmap'; bitmap: ImageBitmap }
  | { kind: 'videoframe'; frame: VideoFrame }
  | { kind: 'pixels'; data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 };

/** The resolved create() options the engine acts on (options.ts), plus what the client learnt. */
export interface EngineInit extends EngineOptions {
  /** Set when the client already found WebGPU unusable, so the engine does not probe again. */
  webGpuProblem?: string;
}

/** Frames of one stream share a tracker; single analyze() calls have no stream. */
export interface FrameMeta {
  stream?: number;
  /** ms; used by tracking and smoothing. */
  timestamp: number;
}

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
  warmupMs: number;
}

export interface AnalyzeReply {
  faces: FaceResult[];
  backend: Backend;
}

/** Callbacks the engine calls on the client (Comlink proxies when in a worker). */
export interface EngineCallbacks {
  progress(event: ProgressEvent): void;
  backend(event: BackendEvent): void;
}

export interface EngineApi {
  init(init: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo>;
  analyze(frame: FramePayload, meta: FrameMeta): Promise<AnalyzeReply>;
  /** Forgets a stream's tracks. */
  endStream(stream: number): Promise<void>;
  /** Test hook: destroys the WebGPU device as a driver reset would. */
  simulateDeviceLoss(): Promise<boolean>;
  /** Test hook: an uncaught error in the engine's event loop, as a crash would raise. */
  simulateCrash(): Promise<void>;
  dispose(): Promise<void>;
}
