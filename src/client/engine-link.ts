/**
 * Connects the client to an engine: in a module Worker over Comlink (browsers, Deno),
 * or in-process where there are no Web Workers (Node, or when asked for).
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../contract/comlink-errors.js';
import type {
  AnalyzeReply,
  EngineApi,
  EngineCallbacks,
  EngineInfo,
  EngineInit,
  FrameMeta,
  FramePayload,
} from '../contract/engine-api.js';
import { JadferError } from '../contract/errors.js';
import { isNode, moduleWorkersSupported } from '../contract/platform.js';

export interface EngineLink {
  init(init: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo>;
  analyze(frame: FramePayload, meta: FrameMeta, transfer: Transferable[]): Promise<AnalyzeReply>;
  endStream(stream: number): Promise<void>;
  simulateDeviceLoss(): Promise<boolean>;
  simulateCrash(): Promise<void>;
  /** Resolves never; rejects with E_WORKER_CRASHED if the worker dies. */
  readonly crashed: Promise<never>;
  close(): Promise<void>;
  readonly inWorker: boolean;
}

export const WORKER_FILE = 'jadfer.worker.js';
export const ENGINE_FILE = 'jadfer.engine.js';

/** Module workers only: where an engine lacks them, 'auto' runs the engine in-process instead. */
export function canUseWorker(): boolean {
  return !isNode() && moduleWorkersSupported();
}

export async function openEngine(baseUrl: string, useWorker: boolean): Promise<EngineLink> {
  return useWorker ? openWorkerEngine(baseUrl) : openLocalEngine(baseUrl);
}

function openWorkerEngine(baseUrl: string): EngineLink {
  installErrorTransfer();
  const url = new URL(WORKER_FILE, baseUrl);
  const worker = new Worker(url, { type: 'module', name: 'jadfer-engine' });
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
    simulateDeviceLoss: () => guard(remote.simulateDeviceLoss()),
    simulateCrash: () => guard(remote.simulateCrash()),
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

async function openLocalEngine(baseUrl: string): Promise<EngineLink> {
  const url = new URL(ENGINE_FILE, baseUrl).href;
  // A runtime URL, so bundlers leave it alone and the main bundle never contains onnxruntime.
  const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ url)) as { Engine: new () => EngineApi };
  const engine = new module.Engine();
  return {
    inWorker: false,
    crashed: new Promise<never>(() => undefined),
    init: (init, callbacks) => engine.init(init, callbacks),
    analyze: (frame, meta) => engine.analyze(frame, meta),
    endStream: (stream) => engine.endStream(stream),
    simulateDeviceLoss: () => engine.simulateDeviceLoss(),
    simulateCrash: () => engine.simulateCrash(),
    close: () => engine.dispose(),
  };
}
