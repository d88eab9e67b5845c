/**
 * Keeps an engine running: starts it, and when its worker crashes (or stops answering),
 * restarts it with the same settings, reloading the models. Restarts back off, and after
 * too many in a short time the supervisor gives up with E_WORKER_CRASHED.
 */
import type { EngineCallbacks, EngineInfo, EngineInit } from '../contract/engine-api.js';
import { openEngine, type EngineBuild, type EngineLink } from './engine-link.js';
import { JadferError, isJadferError, toJadferError } from '../contract/errors.js';
import { withTimeout } from './timeout.js';

export interface SupervisorOptions {
  /** dist/'s folder when the integrator gave one (options.baseUrl). */
  baseUrl: string | undefined;
  useWorker: boolean;
  /** The production engine, or the test one (`jadfer/testing`). */
  build: EngineBuild;
  init: EngineInit;
  callbacks: EngineCallbacks;
  createTimeoutMs: number;
  /** Called when a restart begins (with the crash) and ends (with the new engine's info). */
  onCrash(error: JadferError): void;
  onRestarted(info: EngineInfo): void;
  onGaveUp(error: JadferError): void;
}

/** Delays before restart attempts; more crashes than this within RESTART_WINDOW_MS is fatal. */
export const RESTART_BACKOFF_MS = [0, 500, 2000];
export const RESTART_WINDOW_MS = 60_000;
/** Once ONNX Runtime's wasm is arriving, a start that makes no progress this long has stalled. */
export const THREADED_START_STALL_MS = 30_000;

export class EngineSupervisor {
  private current?: EngineLink;
  private ready?: Promise<EngineLink>;
  private readonly crashTimes: number[] = [];
  private fatal?: JadferError;
  private closed = false;

  /** The engine's settings: the caller's, until a threaded start stalls (then one thread, for good). */
  private init: EngineInit;

  private constructor(private readonly options: SupervisorOptions) {
    this.init = options.init;
  }

  static async start(options: SupervisorOptions): Promise<{ supervisor: EngineSupervisor; info: EngineInfo }> {
    const supervisor = new EngineSupervisor(options);
    let launched: Awaited<ReturnType<EngineSupervisor['launch']>>;
    try {
      launched = await supervisor.launch();
    } catch (error) {
      if (!isJadferError(error) || !error.details?.threadsStalled) throw error;
      console.warn(`[jadfer] ${error.message}; starting again on 1 thread`);
      supervisor.init = { ...supervisor.init, threads: 1 };
      launched = await supervisor.launch();
    }
    supervisor.adopt(launched.link);
    return { supervisor, info: launched.info };
  }

  /** The live engine, waiting out a restart in progress. */
  link(): Promise<EngineLink> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.closed) return Promise.reject(new JadferError('E_DISPOSED', 'this JADFER instance has been disposed'));
    return this.ready ?? Promise.resolve(this.current!);
  }

  get inWorker(): boolean {
    return this.options.useWorker;
  }

  /** Treats an engine that stopped answering like a crashed one. */
  reportHung(link: EngineLink, error: JadferError): void {
    if (link === this.current) this.handleCrash(link, error);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready?.catch(() => undefined);
    await this.current?.close();
  }

  private async launch(): Promise<{ link: EngineLink; info: EngineInfo }> {
    const link = await openEngine(this.options.baseUrl, this.options.useWorker, this.options.build);
    try {
      const starting =
        this.init.threads > 1 ? this.watchThreadedStart(link) : link.init(this.init, this.options.callbacks);
      const info = await withTimeout(starting, this.options.createTimeoutMs, 'JADFER.create');
      return { link, info };
    } catch (error) {
      await link.close();
      throw toJadferError(error, 'E_INTERNAL');
    }
  }

  /**
   * Firefox ESR 153 here sometimes never finishes starting ONNX Runtime's thread pool: 3 of 160
   * threaded starts hung after the wasm download, none of 120 on one thread. So once the wasm
   * arrives, a threaded start with no progress for THREADED_START_STALL_MS is abandoned (its worker
   * closed) and `start` runs it again on one thread.
   */
  private watchThreadedStart(link: EngineLink): Promise<EngineInfo> {
    const { threads } = this.init;
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<EngineInfo>((resolve, reject) => {
      const rearm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const seconds = THREADED_START_STALL_MS / 1000;
          const message = `ONNX Runtime did not finish starting its ${threads} threads within ${seconds} s`;
          reject(new JadferError('E_TIMEOUT', message, { details: { threadsStalled: true, threads } }));
        }, THREADED_START_STALL_MS);
      };
      const callbacks: EngineCallbacks = {
        backend: (event) => this.options.callbacks.backend(event),
        progress: (event) => {
          this.options.callbacks.progress(event);
          if (event.stage === 'wasm' || timer) rearm();
        },
      };
      link.init(this.init, callbacks).then(resolve, reject);
    }).finally(() => clearTimeout(timer));
  }

  private adopt(link: EngineLink): void {
    this.current = link;
    link.crashed.catch((error: JadferError) => this.handleCrash(link, error));
  }

  private handleCrash(link: EngineLink, error: JadferError): void {
    if (this.closed || this.fatal || link !== this.current || this.ready) return;
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes[0]! < now - RESTART_WINDOW_MS) this.crashTimes.shift();
    this.options.onCrash(error);
    void link.close();
    const attempt = this.crashTimes.length - 1;
    if (attempt >= RESTART_BACKOFF_MS.length) return this.giveUp(error, attempt);
    this.ready = (async () => {
      await new Promise((resolve) => setTimeout(resolve, RESTART_BACKOFF_MS[attempt]));
      try {
        const { link: fresh, info } = await this.launch();
        this.adopt(fresh);
        this.options.onRestarted(info);
        return fresh;
      } catch (restartError) {
        this.giveUp(toJadferError(restartError, 'E_WORKER_CRASHED'), attempt + 1);
        throw this.fatal;
      } finally {
        this.ready = undefined;
      }
    })();
    this.ready.catch(() => undefined);
  }

  private giveUp(error: JadferError, crashes: number): void {
    this.fatal = new JadferError(
      'E_WORKER_CRASHED',
      `the engine crashed ${crashes + 1} times within ${RESTART_WINDOW_MS / 1000} s; giving up`,
      { cause: error },
    );
    this.options.onGaveUp(this.fatal);
  }
}
