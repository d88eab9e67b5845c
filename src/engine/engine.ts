/**
 * The inference engine. It runs inside the Web Worker (or in-process in Node), owns the
 * ONNX Runtime sessions, and turns frames into face results:
 * detect → align (similarity warp, our SIMD kernels) → classify all faces in one batch → track.
 */
import {
  epochNow,
  type AnalyzeReply,
  type EngineApi,
  type EngineCallbacks,
  type EngineInfo,
  type EngineInit,
  type EngineTimings,
  type FrameMeta,
  type FramePayload,
  type ModelFiles,
} from '../contract/engine-api.js';
import { JadferError, isJadferError, toJadferError } from '../contract/errors.js';
import { wasmSimdSupported } from '../contract/platform.js';
import type { Backend, FaceResult, FileProgress } from '../contract/types.js';
import { planBackends } from './backend-plan.js';
import { Classifier } from './classifier.js';
import { fetchBytes, SIZE_LIMITS } from './fetch-bytes.js';
import { AssetCache } from './asset-cache.js';
import { DetectionStage } from './face-detection.js';
import { payloadToRgba, type RgbaImage } from './frame-pixels.js';
import { parseClassifierCard, type ClassifierCard } from './model-card.js';
import { DOWNLOAD_TIMEOUT_MS, fetchJson, fetchModelSource } from './model-files.js';
import { OnnxRuntime, type GpuDevice, type ModelSource } from './onnx-runtime.js';
import { alignFace } from './pipeline/align.js';
import type { PixelKernels } from './pipeline/kernels.js';
import { refKernels } from './pipeline/kernels-ref.js';
import { createWasmKernels } from './pipeline/kernels-wasm.js';
import { StreamFaces, wholeFrame } from './stream-faces.js';
import type { Detection } from './pipeline/types.js';

export class Engine implements EngineApi {
  private options?: EngineInit;
  private callbacks?: EngineCallbacks;
  private card?: ClassifierCard;
  private model?: ModelSource;
  /** Protected, like gpuDevice and recovering: the test build's fault injection (testing-engine.ts) reads them. */
  protected classifier?: Classifier;
  private detection?: DetectionStage;
  private kernels: PixelKernels = refKernels;
  /** Per stream: its tracks, and whose turn it is among the detection passes. */
  private readonly streams = new Map<number, StreamFaces>();
  protected gpuDevice?: GpuDevice;
  /** The threads ONNX Runtime really runs on (fewer than asked where threads cannot work). */
  private threadsInUse = 1;
  /** Set while the engine moves from a lost WebGPU device to WASM. */
  protected recovering?: Promise<void>;
  private disposed = false;
  private cache?: AssetCache;
  /** Cancels every download of init() when the engine is disposed (create()'s timeout disposes it). */
  private readonly downloads = new AbortController();
  /** How long the last sessions took to open (`fer.startup`). */
  private sessionTimes = { classifierSessionMs: 0, detectorSessionMs: 0 };

  async init(options: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo> {
    if (this.options) throw new JadferError('E_INTERNAL', 'engine is already initialised');
    this.options = options;
    this.callbacks = callbacks;
    const progress = callbacks.progress.bind(callbacks);
    const { assets } = options;
    const started = performance.now();
    const cache = options.cache === 'persistent' ? await AssetCache.open() : undefined;
    this.cache = cache;
    const plan = await planBackends(options.device, options.allowFallbackAdapter, options.webGpuProblem);
    // Everything downloads at once: the first runtime in line (which starts as soon as it is in), the
    // kernels, the classifier, the detector.
    const runtimeMs = this.runtime(plan.order[0]!).then(
      () => performance.now() - started,
      () => NaN, // a failure is attachBackend's to report
    );
    const kernels = this.loadKernels(assets.runtime.kernels);
    // On WASM, the models prepared at build time, which open without graph optimisation.
    const wasmFirst = plan.order[0] === 'wasm';
    const classifier = this.loadClassifier(assets.classifier, progress, wasmFirst);
    const detector = assets.detector;
    const detection =
      detector === 'none'
        ? undefined
        : kernels.then(() =>
            DetectionStage.load(
              detector,
              {
                kernels: this.kernels,
                maxFaces: options.maxFaces,
                minFaceSize: options.minFaceSize,
                minDetectionConfidence: options.minDetectionConfidence,
              },
              progress,
              { ...(cache ? { cache } : {}), signal: this.downloads.signal },
              wasmFirst,
            ),
          );
    const [kernelsKind, card] = await Promise.all([kernels, classifier, detection]);
    this.detection = await detection;
    const downloaded = performance.now();

    const failures: string[] = plan.skippedWebGpu ? [plan.skippedWebGpu] : [];
    for (const backend of plan.order) {
      try {
        await this.attachBackend(backend);
        break;
      } catch (error) {
        if (isJadferError(error) && error.code !== 'E_BACKEND_UNAVAILABLE') throw error;
        failures.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (!this.classifier) {
      throw new JadferError('E_BACKEND_UNAVAILABLE', `no backend could run the model (${failures.join('; ')})`, {
        details: { tried: plan.order, failures },
      });
    }
    // No warm-up runs: V8 runs ORT's wasm in its baseline tier first and optimises it in the background,
    // so the first frames are slower (85 ms against 14 ms for the classifier here) whether they are real
    // or blank. Blank ones inside create() cost a cold start up to 2.5 s and saved nothing after it.
    const attached = performance.now();
    await cache?.dropReplaced();
    const startup = {
      downloadsMs: downloaded - started,
      runtimeMs: await runtimeMs,
      ...this.sessionTimes,
      preparedModels: this.model!.prepared,
      sessionsMs: attached - downloaded,
      totalMs: performance.now() - started,
    };
    const backend = this.classifier.backend;
    const fallbackReason = options.device === backend ? undefined : failures.join('; ') || undefined;
    callbacks.backend({ backend, ...(fallbackReason ? { reason: fallbackReason } : {}) });
    return {
      backend,
      ...(fallbackReason ? { fallbackReason } : {}),
      threads: this.threadsInUse,
      startup,
      kernels: kernelsKind,
      detector: this.detection?.name ?? 'none',
      model: {
        name: card.name,
        labels: [...card.labels],
        inputShape: [...card.input.shape],
        cardUrl: assets.classifier.card,
      },
      cache: cache ? 'persistent' : 'none',
    };
  }

  async analyze(frame: FramePayload, meta: FrameMeta): Promise<AnalyzeReply> {
    const receivedAt = epochNow();
    if (this.disposed) throw new JadferError('E_DISPOSED', 'engine is disposed');
    if (!this.classifier) throw new JadferError('E_INTERNAL', 'engine is not initialised');
    let image: RgbaImage;
    const timings = newTimings(receivedAt);
    try {
      image = await payloadToRgba(frame);
      timings.pixels = epochNow() - receivedAt;
    } catch (error) {
      throw toJadferError(
        error,
        'E_BAD_INPUT',
        `cannot read the frame: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (this.recovering) await this.recovering;
    const startedOn = this.classifier.backend;
    try {
      return await this.process(image, meta, timings);
    } catch (error) {
      // A frame caught by a device loss is not lost: it is rerun once on WASM. Its WebGPU run may
      // fail while the engine recovers, or only after it has (a run suspended on the lost device).
      if (this.recovering || this.classifier?.backend !== startedOn) {
        await this.recovering;
        return this.process(image, meta, newTimings(receivedAt, timings.pixels));
      }
      throw toJadferError(error, 'E_INTERNAL');
    }
  }

  async endStream(stream: number): Promise<void> {
    this.streams.delete(stream);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.downloads.abort(new JadferError('E_DISPOSED', 'the engine was disposed while it downloaded its files'));
    const classifier = this.classifier;
    this.classifier = undefined;
    await classifier?.release().catch(() => undefined);
    await this.detection?.release();
    this.gpuDevice?.destroy();
    this.gpuDevice = undefined;
    this.model = undefined;
    this.streams.clear();
  }

  private async process(image: RgbaImage, meta: FrameMeta, timings: EngineTimings): Promise<AnalyzeReply> {
    const backend = this.classifier!.backend;
    const maxFaces = this.options!.maxFaces;
    if (meta.stream === undefined) {
      const detections = this.detection ? await this.detection.detectImage(image, timings) : [wholeFrame(image)];
      const faces = detections.slice(0, maxFaces);
      const probabilities = await this.classifyFaces(image, faces, timings);
      const results = faces.map((face, i) => this.faceResult(face, probabilities[i]!));
      return { faces: results, backend, timings: { ...timings, repliedAt: epochNow() } };
    }
    // Each live track is followed in its own region; big passes (the whole frame, zoomed tiles for
    // far faces) run at a lower rate to find new ones. Only confirmed tracks are reported.
    const stream = this.streamState(meta.stream);
    const { tracked, needsClassification } = await stream.next(image, meta.timestamp, timings);
    const tracker = stream.tracker;
    const faces = tracked.map((t) => t.face);
    // Only tracks that are due are classified; stable ones reuse their smoothed scores.
    const due = tracked.flatMap((t, i) => (needsClassification.includes(t.id) ? [i] : []));
    const probabilities = await this.classifyFaces(
      image,
      due.map((i) => faces[i]!),
      timings,
    );
    const started = performance.now();
    due.forEach((faceIndex, k) => tracker.setScores(tracked[faceIndex]!.id, probabilities[k]!, meta.timestamp));
    const results = faces.map((face, i) => {
      const track = tracker.get(tracked[i]!.id)!;
      return {
        ...this.faceResult(face, Float32Array.from(track.scores ?? [])),
        trackId: track.id,
        classifiedAt: track.lastClassifiedMs!,
      };
    });
    timings.track += performance.now() - started;
    return { faces: results, backend, timings: { ...timings, repliedAt: epochNow() } };
  }

  private async classifyFaces(image: RgbaImage, faces: Detection[], timings: EngineTimings): Promise<Float32Array[]> {
    const classifier = this.classifier!;
    const perFace = classifier.elementsPerFace;
    const started = performance.now();
    const batch = new Float32Array(perFace * faces.length);
    const template = this.card!.crop?.template;
    faces.forEach((face, i) =>
      alignFace(
        this.kernels,
        image,
        face,
        this.card!.input,
        template ? { template } : {},
        batch.subarray(i * perFace, (i + 1) * perFace),
      ),
    );
    const aligned = performance.now();
    const probabilities = await classifier.classify(batch, faces.length);
    timings.align += aligned - started;
    timings.classify += performance.now() - aligned;
    timings.classified += faces.length;
    return probabilities;
  }

  private faceResult(face: Detection, probabilities: Float32Array): FaceResult {
    const labels = this.card!.labels;
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
    const result: FaceResult = {
      box: face.box,
      score: face.score,
      expression: {
        label: labels[best]!,
        scores: Object.fromEntries(labels.map((label, k) => [label, probabilities[k] ?? 0])),
      },
    };
    if (face.landmarks.length > 0) {
      result.landmarks = face.landmarks;
      const names = this.detection?.detector.landmarkNames ?? [];
      result.keypoints = Object.fromEntries(face.landmarks.flatMap((p, i) => (names[i] ? [[names[i], p]] : [])));
    }
    return result;
  }

  private streamState(stream: number): StreamFaces {
    let state = this.streams.get(stream);
    if (!state) {
      state = new StreamFaces(this.detection, this.options!.tracking, this.options!.maxFaces);
      this.streams.set(stream, state);
    }
    return state;
  }

  /** Our SIMD kernels where the runtime has WebAssembly SIMD, else the TypeScript reference. */
  private async loadKernels(url: string): Promise<'wasm-simd' | 'js'> {
    if (!wasmSimdSupported()) return 'js';
    const download = () =>
      fetchBytes(url, {
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
        maxBytes: SIZE_LIMITS.kernels,
        signal: this.downloads.signal,
        errorCode: 'E_BACKEND_UNAVAILABLE',
      });
    const bytes = this.cache ? await this.cache.bytes(url, undefined, download) : await download();
    this.kernels = await createWasmKernels(bytes);
    return 'wasm-simd';
  }

  private async loadClassifier(
    files: ModelFiles,
    progress: (event: FileProgress) => void,
    wasmFirst: boolean,
  ): Promise<ClassifierCard> {
    const context = { ...(this.cache ? { cache: this.cache } : {}), signal: this.downloads.signal };
    const card = parseClassifierCard(await fetchJson(files.card, context), files.card);
    this.model = await fetchModelSource(card, files, wasmFirst, 'model', progress, context);
    this.card = card;
    return card;
  }

  /** ONNX Runtime's build for a backend (loaded once, then shared). */
  private runtime(backend: Backend): Promise<OnnxRuntime> {
    return OnnxRuntime.load(backend, {
      files: this.options!.assets.runtime.ort[backend],
      threads: this.options!.threads,
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      onProgress: (url, loaded, total) => this.callbacks!.progress({ stage: 'wasm', url, loaded, total }),
      ...(this.cache ? { cache: this.cache } : {}),
    });
  }

  private async attachBackend(backend: Backend): Promise<void> {
    const runtime = await this.runtime(backend);
    if (backend === 'webgpu') await this.attachGpuDevice(runtime);
    const { mirror, priors } = this.options!;
    const started = performance.now();
    const classifier = await Classifier.create(runtime, this.model!, this.card!, { mirror, priors });
    this.threadsInUse = runtime.threads;
    const classified = performance.now();
    await this.detection?.attach(runtime);
    this.sessionTimes = {
      classifierSessionMs: classified - started,
      detectorSessionMs: performance.now() - classified,
    };
    const previous = this.classifier;
    this.classifier = classifier;
    await previous?.release().catch(() => undefined);
  }

  /** ORT uses our device, so we see it being lost and can move the engine to WASM. */
  private async attachGpuDevice(runtime: OnnxRuntime): Promise<void> {
    if (this.gpuDevice) return;
    const device = await runtime.useOwnGpuDevice();
    this.gpuDevice = device;
    void device.lost.then((why) => {
      if (!this.disposed && this.gpuDevice === device) this.recovering = this.recoverOnWasm(why);
    });
  }

  private async recoverOnWasm(why: string): Promise<void> {
    this.gpuDevice = undefined;
    try {
      await this.attachBackend('wasm');
      this.callbacks?.backend({
        backend: 'wasm',
        previous: 'webgpu',
        reason: `E_DEVICE_LOST: the WebGPU device was lost (${why})`,
      });
    } finally {
      this.recovering = undefined;
    }
  }
}

function newTimings(receivedAt: number, pixels = 0): EngineTimings {
  return {
    receivedAt,
    repliedAt: 0,
    pixels,
    detectPreprocess: 0,
    detectRun: 0,
    detectDecode: 0,
    align: 0,
    classify: 0,
    track: 0,
    classified: 0,
  };
}
