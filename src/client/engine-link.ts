/**
 * Connects the client to an engine: in a module Worker over Comlink (browsers, Deno),
 * or in-process where there are no Web Workers (Node, or when asked for).
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../contract/comlink-errors.js';
import { ASSET_PATHS, sdkFolder } from './assets.js';
import type {
  AnalyzeReply,
  EngineApi,
  EngineCallbacks,
  EngineInfo,
  EngineInit,
  FaultInjection,
  FrameMeta,
  FramePayload,
} from '../contract/engine-api.js';
import { JadferError } from '../contract/errors.js';
import { isNode, moduleWorkersSupported } from '../contract/platform.js';

export interface EngineLink {
  init(init: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo>;
  analyze(frame: FramePayload, meta: FrameMeta, transfer: Transferable[]): Promise<AnalyzeReply>;
  endStream(stream: number): Promise<void>;
  /** The test build's fault injection; absent on the production engine. */
  readonly faults?: FaultInjection;
  /** Resolves never; rejects with E_WORKER_CRASHED if the worker dies. */
  readonly crashed: Promise<never>;
  close(): Promise<void>;
  readonly inWorker: boolean;
}

/** Module workers only: where an engine lacks them, 'auto' runs the engine in-process instead. */
export function canUseWorker(): boolean {
  return !isNode() && moduleWorkersSupported();
}

/** Which build of the engine an instance runs: the production one, or the test one of `jadfer/testing`. */
export interface EngineBuild {
  /** Its worker script and in-process module, relative to dist/. */
  worker: string;
  engine: string;
  /** Starts its worker; each build writes its URL out in full, so bundlers find only the worker it uses. */
  startWorker(baseUrl: string | undefined): Worker;
  /** The test build's fault injection, given the engine (or its worker's proxy) and a crash guard. */
  faults?(engine: FaultInjection, guard: <T>(promise: Promise<T>) => Promise<T>): FaultInjection;
}

export const PRODUCTION_ENGINE: EngineBuild = {
  worker: ASSET_PATHS.worker,
  engine: ASSET_PATHS.engine,
  startWorker(baseUrl) {
    if (baseUrl) return new Worker(new URL(ASSET_PATHS.worker, baseUrl), { type: 'module', name: 'jadfer-engine' });
    // Written out in full, so that Vite and webpack bundle the worker and its chunks with the app.
    return new Worker(new URL('./jadfer.worker.js', import.meta.url), { type: 'module', name: 'jadfer-engine' });
  },
};

/** `baseUrl`: the folder of dist/ when the integrator gave one; else the files beside this module. */
export async function openEngine(
  baseUrl: string | undefined,
  useWorker: boolean,
  build: EngineBuild = PRODUCTION_ENGINE,
): Promise<EngineLink> {
  return useWorker ? openWorkerEngine(baseUrl, build) : openLocalEngine(baseUrl, build);
}

function openWorkerEngine(baseUrl: string | undefined, build: EngineBuild): EngineLink {
  installErrorTransfer();
  const url = new URL(build.worker, baseUrl ?? sdkFolder());
  const worker = build.startWorker(baseUrl);
  let crash!: (error: JadferError) => void;
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => undefined);
  worker.addEventListener('error', (event) => {
    event.preventDefault?.();
    crash(
      new JadferError(
        'E_WORKER_CRASHED',
        `the engine worker failed: ${event.message || 'script error'} (${url.href})`,
        { details: { url: url.href } },
      ),
    );
  });
  worker.addEventListener('messageerror', () =>
    crash(new JadferError('E_WORKER_CRASHED', 'a message from the engine worker could not be read')),
  );
  const remote = Comlink.wrap<EngineApi>(worker);
  const guard = <T>(promise: Promise<T>) => Promise.race([promise, crashed]);
  let closed = false;
  return {
    inWorker: true,
    crashed,
    init: (init, callbacks) => guard(remote.init(init, Comlink.proxy(callbacks))),
    analyze: (frame, meta, transfer) => guard(remote.analyze(Comlink.transfer(frame, transfer), meta)),
    endStream: (stream) => guard(remote.endStream(stream)),
    ...(build.faults ? { faults: build.faults(remote as unknown as FaultInjection, guard) } : {}),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await Promise.race([remote.dispose(), crashed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      } catch {
        // A crashed or hung worker is terminated all the same.
      } finally {
        remote[Comlink.releaseProxy]();
        worker.terminate();
      }
    },
  };
}

async function openLocalEngine(baseUrl: string | undefined, build: EngineBuild): Promise<EngineLink> {
  const url = new URL(build.engine, baseUrl ?? sdkFolder()).href;
  let module: { Engine: new () => EngineApi };
  try {
    // A runtime URL, so bundlers leave it alone and the main bundle never contains onnxruntime.
    module = await import(/* @vite-ignore */ /* webpackIgnore: true */ url);
  } catch (error) {
    const fix = baseUrl ? "options.baseUrl must be the folder of the package's dist/" : 'reinstall jadfer';
    throw new JadferError(
      'E_BACKEND_UNAVAILABLE',
      `jadfer's engine cannot be loaded from ${url}: ${error instanceof Error ? error.message : String(error)}. Fix: ${fix}.`,
      { cause: error, details: { url } },
    );
  }
  const engine = new module.Engine();
  return {
    inWorker: false,
    crashed: new Promise<never>(() => undefined),
    init: (init, callbacks) => engine.init(init, callbacks),
    analyze: (frame, meta) => engine.analyze(frame, meta),
    endStream: (stream) => engine.endStream(stream),
    ...(build.faults ? { faults: build.faults(engine as unknown as FaultInjection, (promise) => promise) } : {}),
    close: () => engine.dispose(),
  };
}
