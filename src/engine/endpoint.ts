/**
 * What the client calls (EngineApi): exposed over Comlink by the worker (workers/engine.worker.ts), or
 * loaded in-process from dist/jadfer.engine.js. Its calls arrive as messages, so it is made empty and
 * started by init(); everything else is the started engine's (engine.ts), which is built ready.
 */
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
import type { Engine } from './engine.js';
import { startEngine } from './startup.js';

export class EngineEndpoint implements EngineApi {
  #engine?: Engine;
  #initialised = false;
  #disposed = false;
  /** Cancels every download of init() when the endpoint is disposed (create()'s timeout disposes it). */
  readonly #downloads = new AbortController();

  async init(options: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo> {
    if (this.#initialised) throw new JadferError('E_INTERNAL', 'engine is already initialised');
    this.#initialised = true;
    const { engine, info } = await startEngine(options, callbacks, this.#downloads.signal);
    if (this.#disposed) {
      await engine.dispose();
      throw new JadferError('E_DISPOSED', 'the engine was disposed while it started');
    }
    this.#engine = engine;
    return info;
  }

  async analyze(frame: FramePayload, meta: FrameMeta): Promise<AnalyzeReply> {
    if (this.#disposed) throw new JadferError('E_DISPOSED', 'engine is disposed');
    return this.started().analyze(frame, meta);
  }

  async endStream(stream: number): Promise<void> {
    this.#engine?.endStream(stream);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#downloads.abort(new JadferError('E_DISPOSED', 'the engine was disposed while it downloaded its files'));
    await this.#engine?.dispose();
  }

  /** The started engine; E_INTERNAL before init() has resolved. */
  protected started(): Engine {
    if (!this.#engine) throw new JadferError('E_INTERNAL', 'engine is not initialised');
    return this.#engine;
  }
}
