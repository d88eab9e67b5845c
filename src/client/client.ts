/** The main-thread API. Framework-agnostic; onnxruntime lives only in the engine. */
import { assetsUnder, bundledAssets, sdkFolder, type Assets } from './assets.js';
import {
  epochNow,
  type DetectorFiles,
  type EngineInfo,
  type FaultInjection,
  type FrameMeta,
} from '../contract/engine-api.js';
import {
  engineOptions,
  resolveOptions,
  type CacheOption,
  type CreateOptions,
  type DetectorOption,
  type ResolvedOptions,
} from '../contract/options.js';
import { canUseWorker, PRODUCTION_ENGINE, type EngineBuild } from './engine-link.js';
import { EngineSupervisor } from './engine-supervisor.js';
import { Emitter, type Listener } from './emitter.js';
import { checkValue, positive } from '../contract/checks.js';
import { JadferError, isJadferError } from '../contract/errors.js';
import { prepareFrame, releasePayload } from './frames.js';
import { RunQueue } from './run-queue.js';
import { diagnoseAssets } from './preflight.js';
import { OverallProgress } from './progress.js';
import { streamResults } from './stream.js';
import { withTimeout } from './timeout.js';
import { probeBeforeWorker } from '../engine/backends.js';
import type {
  AnalyzeOptions,
  Backend,
  FaceResult,
  FrameResult,
  ImageInput,
  JadferEvents,
  ModelInfo,
  StageTimings,
  StreamOptions,
  StartupTimes,
  StreamSource,
} from '../contract/types.js';

/**
 * src/testing.ts's way in (`jadfer/testing`): create() on another build of the engine. index.ts does not
 * export it, and nothing on an instance or on the class leads to it.
 */
export let createOnEngine: (options: CreateOptions, build: EngineBuild) => Promise<Jadfer>;

/** The instances on the test engine, and their engines: what `jadfer/testing`'s fault injection reaches. */
const onTestEngine = new WeakMap<Jadfer, EngineSupervisor>();

/** The fault injection of an instance that `jadfer/testing`'s create() made; E_BAD_CONFIG for any other. */
export async function faultsOf(fer: Jadfer): Promise<FaultInjection> {
  const engine = onTestEngine.get(fer);
  if (!engine)
    throw new JadferError(
      'E_BAD_CONFIG',
      "fault injection needs an instance made by jadfer/testing's create(): the production engine has none",
    );
  const faults = (await engine.link()).faults;
  if (!faults) throw new JadferError('E_INTERNAL', 'the test engine has no fault injection');
  return faults;
}

export class Jadfer {
  // A class field, so that it may call #start; it hands createOnEngine to src/testing.ts (static blocks
  // would need Chromium 94).
  static readonly #testingEntry = (createOnEngine = (options, build) => Jadfer.#start(options, build));
  /** Private for real (not only to TypeScript): a page script holding an instance cannot reach its engine. */
  readonly #engine: EngineSupervisor;
  private readonly events = new Emitter<JadferEvents>();
  private disposed = false;
  private disposing?: Promise<void>;
  private currentBackend: Backend;
  private info: EngineInfo;
  private readonly openStreams = new Set<AsyncIterableIterator<FrameResult>>();
  private readonly calls = new RunQueue();
  private latestTimings?: StageTimings;

  private constructor(
    engine: EngineSupervisor,
    info: EngineInfo,
    private readonly options: ResolvedOptions,
    private readonly createMs: number,
  ) {
    this.#engine = engine;
    this.info = info;
    this.currentBackend = info.backend;
  }

  /**
   * Loads the models and starts the engine; resolves when the first analyze can run.
   *
   * @example
   * ```ts
   * const fer = await Jadfer.create({ device: 'wasm', maxFaces: 5 });
   * ```
   */
  static create(options: CreateOptions = {}): Promise<Jadfer> {
    return Jadfer.#start(options, PRODUCTION_ENGINE);
  }

  static async #start(options: CreateOptions, build: EngineBuild): Promise<Jadfer> {
    const began = performance.now();
    const resolved = resolveOptions(options, sdkFolder());
    const useWorker = resolved.worker === 'auto' ? canUseWorker() : resolved.worker;
    if (useWorker && !canUseWorker())
      throw new JadferError('E_BAD_CONFIG', 'options.worker: this environment has no module Web Workers');
    const shipped = resolved.baseUrl ? assetsUnder(resolved.baseUrl) : bundledAssets();
    const assets = {
      classifier: resolved.modelUrl ? { card: resolved.modelUrl } : shipped.classifier,
      detector: detectorFiles(resolved.detector, shipped, resolved.baseUrl ?? sdkFolder()),
      runtime: shipped.runtime,
    };
    const webGpuProblemFound = await probeBeforeWorker(resolved.device, useWorker, resolved.allowFallbackAdapter);
    let instance: Jadfer | undefined;
    const downloads = new OverallProgress(
      assets.detector === 'none' ? ['wasm', 'model'] : ['wasm', 'model', 'detector'],
    );
    const pendingBackendEvents: JadferEvents['backend'][] = [];
    const started = EngineSupervisor.start({
      baseUrl: resolved.baseUrl,
      useWorker,
      build,
      createTimeoutMs: resolved.timeouts.createMs,
      init: {
        ...engineOptions(resolved),
        assets,
        ...(webGpuProblemFound ? { webGpuProblem: webGpuProblemFound } : {}),
      },
      callbacks: {
        progress: (file) => {
          const event = downloads.add(file);
          resolved.onProgress?.(event);
          instance?.events.emit('progress', event);
        },
        backend: (event) => {
          if (!instance) return void pendingBackendEvents.push(event);
          instance.currentBackend = event.backend;
          instance.events.emit('backend', event);
        },
      },
      onCrash: (error) => instance?.events.emit('error', error),
      onRestarted: (fresh) => {
        if (!instance) return;
        instance.info = fresh;
        instance.currentBackend = fresh.backend;
      },
      onGaveUp: (error) => instance?.events.emit('error', error),
    });
    // The files are checked only when the start fails, to name the one missing and its fix: a good
    // start asks for nothing more than it loads.
    const { supervisor, info } = await started.catch(async (error: unknown) => {
      const files = {
        baseUrl: resolved.baseUrl,
        assets,
        shipped,
        useWorker,
        workerScript: build.worker,
        device: resolved.device,
      };
      throw (await diagnoseAssets(files, resolved.timeouts.createMs, error)) ?? error;
    });
    instance = new Jadfer(supervisor, info, resolved, performance.now() - began);
    if (build.faults) onTestEngine.set(instance, supervisor);
    // The first backend event is replayed once listeners can exist (next microtask).
    queueMicrotask(() => pendingBackendEvents.forEach((event) => instance?.events.emit('backend', event)));
    return instance;
  }

  /** The backend in use now (it changes to 'wasm' after a lost WebGPU device). */
  get backend(): Backend {
    return this.currentBackend;
  }

  /** Why the backend is not the one asked for, if it is not. */
  get fallbackReason(): string | undefined {
    return this.info.fallbackReason;
  }

  get model(): ModelInfo {
    return this.info.model;
  }

  get threads(): number {
    return this.info.threads;
  }

  /** 'persistent' when the models and runtime are kept for offline starts; 'none' otherwise. */
  get cache(): CacheOption {
    return this.info.cache;
  }

  /** Where create() spent its time: downloads, ONNX Runtime's start, the sessions (ms). */
  get startup(): StartupTimes {
    return { ...this.info.startup, createMs: this.createMs };
  }

  /** The detector in use ('none' when frames are taken as one face). */
  get detector(): string {
    return this.info.detector;
  }

  /** Which preprocessing kernels run: our WASM SIMD module, or the JS reference. */
  get kernels(): 'wasm-simd' | 'js' {
    return this.info.kernels;
  }

  /** Where the latest frame's time went (`analyze()` or `stream()`), per stage; undefined before the first. */
  get lastTimings(): StageTimings | undefined {
    return this.latestTimings;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Listens to `result` (every stream frame), `backend` (a switch, e.g. after a lost GPU), `progress`
   * (downloads) or `error` (a frame or engine failure a stream survived). Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const stop = fer.on('backend', (e) => console.log('now on', e.backend, e.reason));
   * stop();
   * ```
   */
  on<K extends keyof JadferEvents>(type: K, listener: Listener<JadferEvents[K]>): () => void {
    return this.events.on(type, listener);
  }

  /**
   * Removes a listener added with `on`.
   *
   * @example
   * ```ts
   * const log = (result: FrameResult) => console.log(result.faces.length);
   * fer.on('result', log);
   * fer.off('result', log);
   * ```
   */
  off<K extends keyof JadferEvents>(type: K, listener: Listener<JadferEvents[K]>): void {
    this.events.off(type, listener);
  }

  /**
   * Faces in one image, with their expressions. The input stays usable unless `transfer` is set.
   * With the built-in detector, an image in which no face is found is looked at once more zoomed
   * out, so a face filling a small photo (a tight crop, an avatar) is found too.
   *
   * @example
   * ```ts
   * const faces = await fer.analyze(input.files![0]!); // a File from <input type=file>
   * for (const face of faces) console.log(face.box, face.expression.label, face.expression.scores.happiness);
   * ```
   */
  async analyze(image: ImageInput, options: AnalyzeOptions = {}): Promise<FaceResult[]> {
    checkCallOptions(options, 'analyze');
    return (await this.analyzeFrame(image, options.transfer === true, { timestamp: performance.now() })).faces;
  }

  /**
   * Analyses a live source. Latest frame wins: when inference is busy, stale frames are
   * dropped and counted (`dropped`), never queued. The stream owns the frames it reads.
   *
   * @example
   * ```ts
   * const camera = await navigator.mediaDevices.getUserMedia({ video: true });
   * for await (const frame of fer.stream(camera, { fps: 15 })) {
   *   for (const face of frame.faces) console.log(face.trackId, face.expression.label);
   * }
   * ```
   */
  stream(source: StreamSource, options: StreamOptions = {}): AsyncIterableIterator<FrameResult> {
    this.assertAlive();
    checkCallOptions(options, 'stream');
    if (options.fps !== undefined) checkValue('stream options.fps', options.fps, positive);
    const stream = ++streamCount;
    const iterator = streamResults(source, options, {
      analyze: (image, timestamp) => this.analyzeFrame(image, true, { stream, timestamp }),
      onResult: (result) => this.events.emit('result', result),
      onFrameError: (error) => this.events.emit('error', error),
      // A frame lost to a crash or a hang is skipped while the engine restarts; a bad frame too.
      isFrameError: (error) =>
        isJadferError(error, 'E_BAD_INPUT') ||
        isJadferError(error, 'E_TIMEOUT') ||
        isJadferError(error, 'E_BUSY') ||
        (isJadferError(error, 'E_WORKER_CRASHED') && !this.disposed),
    });
    this.openStreams.add(iterator);
    /** Forgets the stream here and in the engine (its tracks), once, however it ends. */
    const forget = async () => {
      if (this.openStreams.delete(iterator) && !this.disposed)
        await (await this.#engine.link()).endStream(stream).catch(() => undefined);
    };
    const close = iterator.return!.bind(iterator);
    iterator.return = async (value?: unknown) => {
      await forget();
      return close(value);
    };
    // A stream that ends on its own or by an error gets no return() from a for await loop.
    const next = iterator.next.bind(iterator);
    iterator.next = async () => {
      try {
        const step = await next();
        if (step.done) await forget();
        return step;
      } catch (error) {
        await forget();
        throw error;
      }
    };
    return iterator;
  }

  /**
   * Stops streams, releases the sessions and GPU memory, ends the worker. Safe to call twice.
   *
   * @example
   * ```ts
   * await fer.dispose();
   * // or let the scope end it: await using fer = await create();
   * ```
   */
  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposed = true;
      this.calls.close(new JadferError('E_DISPOSED', 'this JADFER instance has been disposed'));
      this.disposing = (async () => {
        await Promise.all([...this.openStreams].map((stream) => stream.return?.()));
        await this.#engine.close();
        this.events.clear();
      })();
    }
    return this.disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  private async analyzeFrame(
    image: ImageInput,
    owned: boolean,
    frame: Omit<FrameMeta, 'sentAt'>,
  ): Promise<{ faces: FaceResult[]; backend: Backend; timings: StageTimings }> {
    this.assertAlive();
    const { payload, transfer } = await prepareFrame(image, owned, this.options.timeouts.analyzeMs);
    let sentAt = 0;
    // One call at a time per instance (run-queue.ts): the time limit starts when this call's turn comes.
    const run = async () => {
      sentAt = epochNow();
      const link = await this.#engine.link();
      return withTimeout(
        link.analyze(payload, { ...frame, sentAt }, transfer),
        this.options.timeouts.analyzeMs,
        'analyze',
      ).catch((error: unknown) => {
        // An engine that stopped answering is restarted like a crashed one.
        if (isJadferError(error, 'E_TIMEOUT') && this.#engine.inWorker) this.#engine.reportHung(link, error);
        throw error;
      });
    };
    const reply = await this.calls.run(run).catch((error: unknown) => {
      // Refused before it was sent (E_BUSY, E_DISPOSED): the frame copy made for it is ours to close.
      if (sentAt === 0) releasePayload(payload);
      throw error;
    });
    this.currentBackend = reply.backend;
    const answered = epochNow();
    const { receivedAt, repliedAt, ...engine } = reply.timings;
    const timings = { ...engine, transfer: receivedAt - sentAt, reply: answered - repliedAt, total: answered - sentAt };
    this.latestTimings = timings;
    return { faces: reply.faces, backend: reply.backend, timings };
  }

  private assertAlive(): void {
    if (this.disposed) throw new JadferError('E_DISPOSED', 'this JADFER instance has been disposed');
  }
}

let streamCount = 0;

/** analyze()'s and stream()'s options: an object (`null` is a caller's mistake, not "no options"). */
function checkCallOptions(options: unknown, call: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new JadferError(
      'E_BAD_CONFIG',
      `${call} options: must be an object (got ${options === null ? 'null' : typeof options})`,
    );
}

/** A built-in detector's shipped files, or a custom one's, relative to `userBase`. */
function detectorFiles(option: DetectorOption, shipped: Assets, userBase: string): DetectorFiles | 'none' {
  if (option === 'none') return 'none';
  if (typeof option === 'string') return shipped.detectors[option];
  return { card: new URL(option.card, userBase).href, module: new URL(option.module, userBase).href };
}

declare global {
  interface SymbolConstructor {
    /**
     * In TypeScript's esnext.disposable lib, not in ES2022's: declared here so that the published
     * types compile on `lib: ES2022` with `skipLibCheck: false` (it merges with the lib's own).
     */
    readonly asyncDispose: unique symbol;
  }
}
