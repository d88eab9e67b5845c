/**
 * Loads one onnxruntime-web build per execution-provider family, from the package's own
 * files (never a CDN). The WASM-only build is smaller, so it is used unless WebGPU is wanted.
 * WebGPU uses ORT's JSPI build (16.8 MB, 4.1 MB gzipped) rather than its asyncify one (26.8 MB,
 * 6.7 MB gzipped): it needs WebAssembly JSPI (Chromium 137+), and keeps the package 2.5 MB smaller.
 */
import type * as OrtModule from 'onnxruntime-web';
import { JadferError } from '../contract/errors.js';
import { wasmSimdSupported } from '../contract/platform.js';
import { hasJspi, NO_JSPI } from '../contract/webgpu-probe.js';
import { fetchBytes } from './fetch-bytes.js';

export type Ort = typeof OrtModule;
export type OrtFlavour = 'wasm' | 'webgpu';

/** File names as shipped in dist/ort/ (copied from onnxruntime-web/dist by the build). */
export const ORT_FILES: Record<OrtFlavour, { glue: string; wasm: string }> = {
  wasm: { glue: 'ort-wasm-simd-threaded.mjs', wasm: 'ort-wasm-simd-threaded.wasm' },
  webgpu: { glue: 'ort-wasm-simd-threaded.jspi.mjs', wasm: 'ort-wasm-simd-threaded.jspi.wasm' },
};

export interface OrtLoadOptions {
  baseUrl: string;
  threads: number;
  timeoutMs: number;
  onProgress: (url: string, loaded: number, total: number) => void;
}

const loaded = new Map<OrtFlavour, Promise<Ort>>();

export function loadOrt(flavour: OrtFlavour, options: OrtLoadOptions): Promise<Ort> {
  // Every build ONNX Runtime Web ships uses SIMD: say so, instead of failing to validate 14 MB later.
  if (!wasmSimdSupported())
    return Promise.reject(
      new JadferError(
        'E_BACKEND_UNAVAILABLE',
        'this engine has no WebAssembly SIMD (Safari before 16.4, Chrome before 91, Firefox before 89), which ONNX Runtime Web needs',
      ),
    );
  let promise = loaded.get(flavour);
  if (!promise) {
    promise = instantiate(flavour, options);
    loaded.set(flavour, promise);
    promise.catch(() => loaded.delete(flavour));
  }
  return promise;
}

async function instantiate(flavour: OrtFlavour, options: OrtLoadOptions): Promise<Ort> {
  hideOpaqueOrigin();
  if (flavour === 'webgpu' && !hasJspi()) throw new JadferError('E_BACKEND_UNAVAILABLE', NO_JSPI);
  const ort: Ort = flavour === 'webgpu' ? await import('onnxruntime-web/jspi') : await import('onnxruntime-web/wasm');
  const files = ORT_FILES[flavour];
  const wasmUrl = new URL(`ort/${files.wasm}`, options.baseUrl).href;
  const glueUrl = new URL(`ort/${files.glue}`, options.baseUrl).href;
  // Fetching the binary ourselves gives progress events and a timeout; ORT then skips its own fetch.
  const wasmBinary = await fetchBytes(wasmUrl, {
    timeoutMs: options.timeoutMs,
    errorCode: 'E_BACKEND_UNAVAILABLE',
    onProgress: (done, total) => options.onProgress(wasmUrl, done, total),
  });
  // A truncated or corrupted runtime must fail here, with its URL, not deep inside ORT.
  if (!WebAssembly.validate(wasmBinary as Uint8Array<ArrayBuffer>)) {
    throw new JadferError(
      'E_BACKEND_UNAVAILABLE',
      `the ONNX Runtime wasm is not a valid WebAssembly module (truncated or corrupted?): ${wasmUrl}`,
      {
        details: { url: wasmUrl, bytes: wasmBinary.byteLength },
      },
    );
  }
  ort.env.wasm.wasmPaths = { mjs: glueUrl, wasm: wasmUrl };
  ort.env.wasm.wasmBinary = wasmBinary;
  ort.env.wasm.numThreads = options.threads;
  ort.env.logLevel = 'error';
  return ort;
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
