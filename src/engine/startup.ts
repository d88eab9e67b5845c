/**
 * The engine's start-up: everything downloads at once (the first runtime in line, the kernels, the
 * classifier, the detector), then Backends opens the sessions on the first backend that can run them,
 * and the engine is built ready from its parts.
 */
import type { EngineCallbacks, EngineInfo, EngineInit, ModelFiles } from '../contract/engine-api.js';
import { wasmSimdSupported } from '../contract/platform.js';
import type { Backend, FileProgress } from '../contract/types.js';
import { AssetCache } from './asset-cache.js';
import { Backends, planBackends } from './backends.js';
import { Engine } from './engine.js';
import { DetectionStage } from './face-detection.js';
import { fetchBytes, SIZE_LIMITS } from './fetch-bytes.js';
import { parseClassifierCard } from './model-card.js';
import { DOWNLOAD_TIMEOUT_MS, fetchJson, fetchModelSource } from './model-files.js';
import { OnnxRuntime } from './onnx-runtime.js';
import type { PixelKernels } from './pipeline/kernels.js';
import { refKernels } from './pipeline/kernels-ref.js';
import { createWasmKernels } from './pipeline/kernels-wasm.js';
import { Sessions } from './sessions.js';

/** Starts an engine; `signal` cancels the downloads (the endpoint's dispose, on create()'s timeout). */
export async function startEngine(
  options: EngineInit,
  callbacks: EngineCallbacks,
  signal: AbortSignal,
): Promise<{ engine: Engine; info: EngineInfo }> {
  const progress = callbacks.progress.bind(callbacks);
  const { assets } = options;
  const started = performance.now();
  const cache = options.cache === 'persistent' ? await AssetCache.open() : undefined;
  const context = { ...(cache ? { cache } : {}), signal };
  /** ONNX Runtime's build for a backend (loaded once, then shared). */
  const runtime = (backend: Backend) =>
    OnnxRuntime.load(backend, {
      files: assets.runtime.ort[backend],
      threads: options.threads,
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      onProgress: (url, loaded, total) => progress({ stage: 'wasm', url, loaded, total }),
      ...(cache ? { cache } : {}),
    });
  const plan = await planBackends(options.device, options.allowFallbackAdapter, options.webGpuProblem);
  const runtimeMs = runtime(plan.order[0]!).then(
    () => performance.now() - started,
    () => NaN, // a failure is Backends.start's to report
  );
  const kernels = loadKernels(assets.runtime.kernels, cache, signal);
  // On WASM, the models prepared at build time, which open without graph optimisation.
  const wasmFirst = plan.order[0] === 'wasm';
  const classifier = loadClassifier(assets.classifier, progress, wasmFirst, context);
  const detector = assets.detector;
  const detection =
    detector === 'none'
      ? undefined
      : kernels.then(({ kernels }) =>
          DetectionStage.load(
            detector,
            {
              kernels,
              maxFaces: options.maxFaces,
              minFaceSize: options.minFaceSize,
              minDetectionConfidence: options.minDetectionConfidence,
            },
            progress,
            context,
            wasmFirst,
          ),
        );
  const [pixelKernels, { card, model }, stage] = await Promise.all([kernels, classifier, detection]);
  const downloaded = performance.now();

  const { mirror, priors } = options;
  const sessions = new Sessions(model, card, stage, { mirror, priors });
  const backends = new Backends({
    runtime,
    openSessions: (runtime) => sessions.open(runtime),
    switched: (event) => callbacks.backend(event),
  });
  const { backend, fallbackReason } = await backends.start(plan, options.device);
  // No warm-up runs: V8 runs ORT's wasm in its baseline tier first and optimises it in the background,
  // so the first frames are slower (85 ms against 14 ms for the classifier here) whether they are real
  // or blank. Blank ones inside create() cost a cold start up to 2.5 s and saved nothing after it.
  const attached = performance.now();
  await cache?.dropReplaced();
  const startup = {
    downloadsMs: downloaded - started,
    runtimeMs: await runtimeMs,
    ...sessions.times,
    preparedModels: model.prepared,
    sessionsMs: attached - downloaded,
    totalMs: performance.now() - started,
  };
  callbacks.backend({ backend, ...(fallbackReason ? { reason: fallbackReason } : {}) });
  const engine = new Engine({ options, kernels: pixelKernels.kernels, sessions, backends });
  const info: EngineInfo = {
    backend,
    ...(fallbackReason ? { fallbackReason } : {}),
    threads: sessions.threads,
    startup,
    kernels: pixelKernels.kind,
    detector: stage?.name ?? 'none',
    model: {
      name: card.name,
      labels: [...card.labels],
      inputShape: [...card.input.shape],
      cardUrl: assets.classifier.card,
    },
    cache: cache ? 'persistent' : 'none',
  };
  return { engine, info };
}

/** Our SIMD kernels where the runtime has WebAssembly SIMD, else the TypeScript reference. */
async function loadKernels(
  url: string,
  cache: AssetCache | undefined,
  signal: AbortSignal,
): Promise<{ kernels: PixelKernels; kind: 'wasm-simd' | 'js' }> {
  if (!wasmSimdSupported()) return { kernels: refKernels, kind: 'js' };
  const download = () =>
    fetchBytes(url, {
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      maxBytes: SIZE_LIMITS.kernels,
      signal,
      errorCode: 'E_BACKEND_UNAVAILABLE',
    });
  const bytes = cache ? await cache.bytes(url, undefined, download) : await download();
  return { kernels: await createWasmKernels(bytes), kind: 'wasm-simd' };
}

async function loadClassifier(
  files: ModelFiles,
  progress: (event: FileProgress) => void,
  wasmFirst: boolean,
  context: { cache?: AssetCache; signal: AbortSignal },
) {
  const card = parseClassifierCard(await fetchJson(files.card, context), files.card);
  const model = await fetchModelSource(card, files, wasmFirst, 'model', progress, context);
  return { card, model };
}
