/**
 * ONNX Runtime, behind one module: which build is loaded and from where, sessions, tensors,
 * runs, their release, and the WebGPU device. Nothing else in the engine imports
 * onnxruntime-web; the classifier and the detector hand in and get back Float32Arrays.
 */
import type * as OrtModule from 'onnxruntime-web';
import { JadferError } from '../contract/errors.js';
import { hasJspi, NO_JSPI, wasmSimdSupported } from '../contract/platform.js';
import type { Backend } from '../contract/types.js';
import type { AssetCache } from './asset-cache.js';
import { fetchBytes, SIZE_LIMITS } from './fetch-bytes.js';
import { PREPARED_WEIGHTS_PATH, unpackPreparedModel } from './prepared-model.js';

type Ort = typeof OrtModule;

export interface RuntimeOptions {
  /** The build's glue script and wasm (src/client/assets.ts). */
  files: { glue: string; wasm: string };
  threads: number;
  timeoutMs: number;
  onProgress: (url: string, loaded: number, total: number) => void;
  /** The persistent cache, when on. */
  cache?: AssetCache;
}

/**
 * How ONNX Runtime optimises a model's graph for us. scripts/prepare-models.ts applies the same at
 * build time, so that prepared models (prepared-model.ts) open with no optimisation at all.
 */
export const WASM_GRAPH_OPTIONS = {
  // Our graphs compute in float32; weights stored as int8 sit behind DequantizeLinear nodes that
  // ORT would otherwise keep (to fuse them into int8 kernels, slower than float32 on WASM) and
  // run every time. With QDQ handling off, constant folding dequantizes them once, here.
  extra: { session: { disable_quant_qdq: '1' } },
} as const;

/** What a session opens: a model as shipped, or (`prepared`) one prepared at build time for WASM (prepared-model.ts). */
export interface ModelSource {
  bytes: Uint8Array;
  prepared: boolean;
}

/** A model's input: its values and its full shape. */
export interface InputTensor {
  data: Float32Array;
  shape: readonly number[];
}

/** One loaded model on one backend. */
export interface ModelSession {
  readonly backend: Backend;
  /** Runs the model; returns the outputs named when it was opened, as Float32Arrays the caller owns. */
  run(inputs: Record<string, InputTensor>): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

/** The names a model's card promises, checked against the model when its session opens. */
export interface SessionNames {
  inputs: readonly string[];
  outputs: readonly string[];
  /** Input shapes the card declares (batch first, which may differ); the model's fixed sides must agree. */
  shapes?: Record<string, readonly number[]>;
}

/** A WebGPU device that ORT runs on; the engine learns of its loss through `lost`. */
export interface GpuDevice {
  /** Resolves with the reason when the device is lost (a driver reset, or destroy()). */
  readonly lost: Promise<string>;
  destroy(): void;
}

/**
 * One ONNX Runtime build per backend, loaded once per realm from the package's own files
 * (never a CDN). The WASM-only build is smaller, so it is used unless WebGPU is wanted.
 * WebGPU uses ORT's JSPI build (16.8 MB, 4.1 MB gzipped) rather than its asyncify one (26.8 MB,
 * 6.7 MB gzipped): it needs WebAssembly JSPI (Chromium 137+), and keeps the package 2.5 MB smaller.
 */
export class OnnxRuntime {
  private static readonly loaded = new Map<Backend, Promise<Ort>>();

  private constructor(
    private readonly ort: Ort,
    readonly backend: Backend,
  ) {}

  static async load(backend: Backend, options: RuntimeOptions): Promise<OnnxRuntime> {
    // Every build ONNX Runtime Web ships uses SIMD: say so, instead of failing to validate 14 MB later.
    if (!wasmSimdSupported())
      throw new JadferError(
        'E_BACKEND_UNAVAILABLE',
        'this engine has no WebAssembly SIMD (Safari before 16.4, Chrome before 91, Firefox before 89), which ONNX Runtime Web needs',
      );
    let ort = OnnxRuntime.loaded.get(backend);
    if (!ort) {
      ort = instantiate(backend, options);
      OnnxRuntime.loaded.set(backend, ort);
      ort.catch(() => OnnxRuntime.loaded.delete(backend));
    }
    return new OnnxRuntime(await ort, backend);
  }

  /**
   * The WASM threads ORT really runs on. It settles them when its first session starts (1 where
   * threads cannot work, e.g. no SharedArrayBuffer, whatever was asked) and writes them back here.
   */
  get threads(): number {
    return this.ort.env.wasm.numThreads ?? 1;
  }

  /**
   * Creates a session for `model` and checks the names its card promises. Fails with
   * E_MODEL_LOAD where the model is at fault, E_BACKEND_UNAVAILABLE where the backend may be.
   */
  async open(model: ModelSource, name: string, names: SessionNames): Promise<ModelSession> {
    const session = await this.createSession(model, name);
    await checkNames(session, name, names);
    const { ort, backend } = this;
    return {
      backend,
      async run(inputs) {
        const feeds = Object.fromEntries(
          Object.entries(inputs).map(([key, input]) => [key, new ort.Tensor('float32', input.data, input.shape)]),
        );
        const outputs = await session.run(feeds, names.outputs);
        try {
          return Object.fromEntries(
            Object.entries(outputs).map(([key, tensor]) => {
              if (!(tensor.data instanceof Float32Array))
                throw new JadferError('E_MODEL_LOAD', `model ${name}: output '${key}' is ${tensor.type}, not float32`);
              return [key, tensor.data];
            }),
          );
        } finally {
          for (const tensor of Object.values(outputs)) tensor.dispose();
        }
      },
      release: () => session.release(),
    };
  }

  /**
   * Gives ORT a device of our own (WebGPU only), so the engine sees it being lost and can
   * move to WASM. The limits are the adapter's: ORT's defaults are too small for our models.
   */
  async useOwnGpuDevice(): Promise<GpuDevice> {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) throw new JadferError('E_BACKEND_UNAVAILABLE', 'no WebGPU adapter');
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      },
    });
    this.ort.env.webgpu.device = device;
    return {
      lost: device.lost.then((info) => `${info.reason}: ${info.message}`),
      destroy: () => device.destroy(),
    };
  }

  private async createSession(model: ModelSource, name: string): Promise<OrtModule.InferenceSession> {
    const executionProviders = [this.backend];
    const prepared = model.prepared ? unpackPreparedModel(model.bytes, name) : undefined;
    // A graph another version optimised may use what this one does not have; WebGPU has its own fusions.
    if (prepared && (this.backend !== 'wasm' || prepared.runtime !== this.ort.env.versions.web))
      throw new JadferError(
        'E_MODEL_LOAD',
        `model ${name} was prepared for ONNX Runtime ${prepared.runtime} on WASM; this is ${this.ort.env.versions.web} on ${this.backend}`,
      );
    try {
      if (!prepared)
        return await this.ort.InferenceSession.create(model.bytes, {
          executionProviders,
          graphOptimizationLevel: 'all',
          ...WASM_GRAPH_OPTIONS,
        });
      // Optimised at build time: opening it with optimisation on would only redo that work.
      return await this.ort.InferenceSession.create(prepared.graph, {
        executionProviders,
        graphOptimizationLevel: 'disabled',
        externalData: [{ path: PREPARED_WEIGHTS_PATH, data: prepared.weights }],
      });
    } catch (error) {
      // WASM runs any valid model, so a failure there is the model's; on WebGPU it may be the backend's.
      const code = this.backend === 'wasm' ? 'E_MODEL_LOAD' : 'E_BACKEND_UNAVAILABLE';
      throw new JadferError(
        code,
        `cannot create a ${this.backend} session for ${name}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}

async function checkNames(session: OrtModule.InferenceSession, name: string, names: SessionNames): Promise<void> {
  const problems = [
    ...names.inputs
      .filter((n) => !session.inputNames.includes(n))
      .map((n) => `input '${n}' not in [${session.inputNames}]`),
    ...names.outputs
      .filter((n) => !session.outputNames.includes(n))
      .map((n) => `output '${n}' not in [${session.outputNames}]`),
    ...Object.entries(names.shapes ?? {}).flatMap(([input, declared]) => {
      const model = session.inputMetadata?.find((m) => m.name === input);
      const sides = model?.isTensor ? model.shape : undefined;
      if (!sides) return [];
      const fits =
        sides.length === declared.length &&
        sides.every((d, i) => i === 0 || typeof d !== 'number' || d < 0 || d === declared[i]);
      return fits ? [] : [`input '${input}' is [${sides}] in the model, the card says [${declared}]`];
    }),
  ];
  if (problems.length) {
    await session.release();
    throw new JadferError('E_MODEL_LOAD', `model ${name} does not match its card: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
}

/**
 * ORT's thread pool is made of Web Workers. Where there are none (Node, which has no global Worker),
 * asking for more than one thread fails the first session with a bare "fetch failed"; one thread
 * runs, and `fer.threads` reports it.
 */
function runnableThreads(asked: number): number {
  if (asked <= 1 || typeof Worker === 'function') return asked;
  console.warn(
    `jadfer: threads: ${asked} asked, but this runtime has no Web Workers for ONNX Runtime's thread pool: 1 thread`,
  );
  return 1;
}

/**
 * The sizes of ONNX Runtime's wasm builds we ship (onnxruntime-web 1.30.0, pinned): the progress total
 * when the server sends no length. test/sdk/client/progress.test.ts checks them against the files.
 */
export const ORT_WASM_BYTES: Record<Backend, number> = { wasm: 14_239_897, webgpu: 16_758_545 };

async function instantiate(backend: Backend, options: RuntimeOptions): Promise<Ort> {
  hideOpaqueOrigin();
  if (backend === 'webgpu' && !hasJspi()) throw new JadferError('E_BACKEND_UNAVAILABLE', NO_JSPI);
  const ort: Ort = backend === 'webgpu' ? await import('onnxruntime-web/jspi') : await import('onnxruntime-web/wasm');
  const { glue: glueUrl, wasm: wasmUrl } = options.files;
  // Fetching the binary ourselves gives progress events and a timeout; ORT then skips its own fetch.
  const download = () =>
    fetchBytes(wasmUrl, {
      timeoutMs: options.timeoutMs,
      maxBytes: SIZE_LIMITS.ortWasm,
      errorCode: 'E_BACKEND_UNAVAILABLE',
      onProgress: (done, total) => options.onProgress(wasmUrl, done, total),
      expectedBytes: ORT_WASM_BYTES[backend],
    });
  let wasmBinary: Uint8Array;
  if (options.cache) {
    wasmBinary = await options.cache.bytes(wasmUrl, undefined, download);
    // One event from the cache too, as for models: the supervisor's stall watch starts on it.
    options.onProgress(wasmUrl, wasmBinary.byteLength, wasmBinary.byteLength);
  } else wasmBinary = await download();
  const corrupted = (what: string, cause?: unknown) =>
    new JadferError('E_BACKEND_UNAVAILABLE', `${what} (truncated or corrupted?): ${wasmUrl}`, {
      cause,
      details: { url: wasmUrl, bytes: wasmBinary.byteLength },
    });
  // A truncated or corrupted runtime must fail here, with its URL, not deep inside ORT. On WASM, ORT's
  // start below checks it: a whole-module WebAssembly.validate() first costs 0.3–0.5 s on this thread.
  if (backend === 'webgpu' && !WebAssembly.validate(wasmBinary as Uint8Array<ArrayBuffer>))
    throw corrupted('the ONNX Runtime wasm is not a valid WebAssembly module');
  ort.env.wasm.wasmPaths = { mjs: glueUrl, wasm: wasmUrl };
  ort.env.wasm.wasmBinary = wasmBinary;
  ort.env.wasm.numThreads = runnableThreads(options.threads);
  ort.env.logLevel = 'error';
  if (backend === 'wasm') {
    // ORT starts with its first session: compiling its wasm, starting its threads, registering its
    // kernels. A one-node model does that now, while the models are still downloading; with no graph
    // optimisation, which prepared models do not need (V8 would compile the optimisers' code for nothing).
    try {
      const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' } as const;
      await (await ort.InferenceSession.create(startModel(), options)).release();
    } catch (error) {
      throw corrupted(`ONNX Runtime did not start: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }
  return ort;
}

/** y = Identity(Relu(x)), x: float[1], opset 17: a model that costs ORT nothing but its start. */
function startModel(): Uint8Array {
  const base64 =
    'CAgSBmphZGZlchoFMC4xLjAyADppChoKAXgSBHJlbHUaCXJlbHVfbm9kZSIEUmVsdQoiCgRyZWx1EgF5Gg1pZGVudGl0eV9ub2RlIghJZGVudGl0eRIFc3RhcnRaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAR';
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * In a Deno worker started from a file: URL, location.origin is the string 'null', and ORT
 * resolves its own URL against it, which throws. With no location, ORT uses absolute URLs.
 */
function hideOpaqueOrigin(): void {
  const location = (globalThis as { location?: Location }).location;
  if (location?.origin !== 'null' || !location.href.startsWith('file:')) return;
  try {
    Object.defineProperty(globalThis, 'location', { value: undefined, configurable: true });
  } catch {
    // Not configurable here: ORT will report its own error, which the engine wraps.
  }
}
