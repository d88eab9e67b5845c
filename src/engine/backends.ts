/**
 * Which backend the engine runs on, and why, in one place: the order 'auto' tries them in, the
 * WebGPU probe (here, or on Deno's main thread before the worker starts), the reasons collected when
 * a backend is skipped or fails, and the move to WASM when the WebGPU device is lost. The engine
 * says how to open its sessions on a runtime (BackendHost); this module decides which runtime.
 * It needs no onnxruntime itself (types only), so the client may import its probe.
 */
import { JadferError, isJadferError } from '../contract/errors.js';
import type { DeviceOption } from '../contract/options.js';
import { hasJspi, isDeno, NO_JSPI } from '../contract/platform.js';
import { BACKENDS, type Backend, type BackendEvent } from '../contract/types.js';
import type { GpuDevice, OnnxRuntime } from './onnx-runtime.js';

/** The WebGPU runtime we ship is ORT's JSPI build: without JSPI it cannot start. */
/** Undefined when a usable adapter exists, else the reason in words. */
export async function webGpuProblem(allowFallbackAdapter: boolean): Promise<string | undefined> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return 'WebGPU is not available in this environment (no navigator.gpu)';
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return `requestAdapter failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!adapter) return 'no WebGPU adapter was found';
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const isFallback =
    info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  if (isFallback && !allowFallbackAdapter) {
    const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown';
    return `the WebGPU adapter is a software fallback (${name}), slower than WASM`;
  }
  return hasJspi() ? undefined : NO_JSPI;
}

/**
 * The client's probe, before it starts a worker for `device: 'auto'`. Deno (2.9) sometimes segfaults
 * at exit once a terminated Worker has requested a GPU adapter; probing on the main thread does not.
 * So on Deno the client probes first (the engine then takes its answer, EngineInit.webGpuProblem), and
 * the worker only touches WebGPU when an adapter exists. Elsewhere the engine probes by itself: undefined.
 */
export async function probeBeforeWorker(
  device: DeviceOption,
  useWorker: boolean,
  allowFallbackAdapter: boolean,
): Promise<string | undefined> {
  return isDeno() && useWorker && device === 'auto' ? webGpuProblem(allowFallbackAdapter) : undefined;
}

export interface BackendPlan {
  /** The backends to try, in order (BACKENDS' order for 'auto'). */
  order: Backend[];
  /** Why WebGPU is not first in line, when device is 'auto'. */
  skippedWebGpu?: string;
}

/** `knownProblem`: the client already probed and found no usable adapter. */
export async function planBackends(
  device: DeviceOption,
  allowFallbackAdapter: boolean,
  knownProblem?: string,
): Promise<BackendPlan> {
  if (device !== 'auto') return { order: [device] };
  const problem = knownProblem ?? (await webGpuProblem(allowFallbackAdapter));
  return problem
    ? { order: BACKENDS.filter((backend) => backend !== 'webgpu'), skippedWebGpu: problem }
    : { order: [...BACKENDS] };
}

/** What the engine does on a backend; Backends decides which one. */
export interface BackendHost {
  /** ONNX Runtime's build for a backend (loaded once, then shared). */
  runtime(backend: Backend): Promise<OnnxRuntime>;
  /** Opens the engine's sessions on `runtime`, then releases those on the previous backend. */
  openSessions(runtime: OnnxRuntime): Promise<void>;
  /** The backend changed after start-up (a lost WebGPU device). */
  switched(event: BackendEvent): void;
}

/** The backend the engine started on, and why it is not the one asked for, if it is not. */
export interface BackendChoice {
  backend: Backend;
  fallbackReason?: string;
}

/** The engine's backend over its life: the start-up's choice, then the move to WASM on device loss. */
export class Backends {
  /** Our WebGPU device, given to ORT so that we see it being lost. */
  #gpuDevice?: GpuDevice;
  #recovering?: Promise<void>;
  #current?: Backend;
  #disposed = false;

  constructor(private readonly host: BackendHost) {}

  /** The backend the sessions are open on (undefined before start()). */
  get current(): Backend | undefined {
    return this.#current;
  }

  /** The WebGPU device in use, while the engine is on WebGPU (the test build destroys it). */
  get gpuDevice(): GpuDevice | undefined {
    return this.#gpuDevice;
  }

  /** Set while the engine moves from a lost WebGPU device to WASM: frames wait for it. */
  get recovering(): Promise<void> | undefined {
    return this.#recovering;
  }

  /**
   * Tries the plan's backends in order; the first on which the sessions open wins. A failure other than
   * E_BACKEND_UNAVAILABLE (a bad model) is thrown at once; when none opens, E_BACKEND_UNAVAILABLE says
   * why each failed.
   */
  async start(plan: BackendPlan, asked: DeviceOption): Promise<BackendChoice> {
    const failures: string[] = plan.skippedWebGpu ? [plan.skippedWebGpu] : [];
    for (const backend of plan.order) {
      try {
        await this.attach(backend);
        break;
      } catch (error) {
        if (isJadferError(error) && error.code !== 'E_BACKEND_UNAVAILABLE') throw error;
        failures.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const backend = this.#current;
    if (!backend) {
      throw new JadferError('E_BACKEND_UNAVAILABLE', `no backend could run the model (${failures.join('; ')})`, {
        details: { tried: plan.order, failures },
      });
    }
    const fallbackReason = asked === backend ? undefined : failures.join('; ') || undefined;
    return { backend, ...(fallbackReason ? { fallbackReason } : {}) };
  }

  /**
   * Runs a frame's work (`rerun` false). A frame caught by a device loss is not lost: it is rerun once
   * on WASM (`rerun` true). Its WebGPU run may fail while the engine recovers, or only after it has (a
   * run suspended on the lost device). A frame that arrives during a recovery waits for it.
   */
  async run<T>(work: (rerun: boolean) => Promise<T>): Promise<T> {
    if (this.#recovering) await this.#recovering;
    const startedOn = this.#current;
    try {
      return await work(false);
    } catch (error) {
      if (!this.#recovering && this.#current === startedOn) throw error;
      await this.#recovering;
      return work(true);
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#gpuDevice?.destroy();
    this.#gpuDevice = undefined;
  }

  private async attach(backend: Backend): Promise<void> {
    const runtime = await this.host.runtime(backend);
    if (backend === 'webgpu') await this.attachGpuDevice(runtime);
    await this.host.openSessions(runtime);
    this.#current = backend;
  }

  /** ORT uses our device, so we see it being lost and can move the engine to WASM. */
  private async attachGpuDevice(runtime: OnnxRuntime): Promise<void> {
    if (this.#gpuDevice) return;
    const device = await runtime.useOwnGpuDevice();
    this.#gpuDevice = device;
    void device.lost.then((why) => {
      if (!this.#disposed && this.#gpuDevice === device) this.#recovering = this.recoverOnWasm(why);
    });
  }

  private async recoverOnWasm(why: string): Promise<void> {
    this.#gpuDevice = undefined;
    try {
      await this.attach('wasm');
      this.host.switched({
        backend: 'wasm',
        previous: 'webgpu',
        reason: `E_DEVICE_LOST: the WebGPU device was lost (${why})`,
      });
    } finally {
      this.#recovering = undefined;
    }
  }
}
