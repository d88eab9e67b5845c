/** What the client and the engine need to know about where they run. */

/** Node (not Deno, whose `process` shim also has versions.node). */
export function isNode(): boolean {
  return (
    typeof process !== 'undefined' &&
    !!process.versions?.node &&
    typeof (globalThis as { Deno?: unknown }).Deno === 'undefined'
  );
}

export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
}

/**
 * WebAssembly SIMD: our kernels and every ONNX Runtime Web build need it (Safari before 16.4 and
 * other old engines lack it). One probe for both: (module (func (result v128) i32.const 0
 * i8x16.splat i8x16.popcnt)).
 */
export function wasmSimdSupported(): boolean {
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
  ]);
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/**
 * How many WASM threads ONNX Runtime may use here (up to 4), and why not more. Threads need a
 * SharedArrayBuffer, which browsers only give cross-origin isolated pages (COOP/COEP headers;
 * WebKitGTK has none even then), and module workers. Outside browsers the default is one thread.
 */
export function wasmThreadLimit(): { threads: number; reason?: string } {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  // The usual cause: browsers withhold SharedArrayBuffer from pages that are not isolated.
  if (isolated === false) return { threads: 1, reason: NOT_ISOLATED };
  if (typeof SharedArrayBuffer !== 'function')
    return {
      threads: 1,
      reason: `no SharedArrayBuffer in this engine${isolated ? ' even though the page is cross-origin isolated' : ''}: ONNX Runtime runs on 1 thread`,
    };
  // ORT's thread pool is made of module workers.
  if (typeof Worker === 'function' && !moduleWorkersSupported())
    return { threads: 1, reason: 'no module workers in this engine: ONNX Runtime runs on 1 thread' };
  if (isolated !== true) return { threads: 1, reason: NOT_ISOLATED };
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  return { threads: Math.max(1, Math.min(4, cores)) };
}

const NOT_ISOLATED =
  'this page is not cross-origin isolated, so the browser gives it no SharedArrayBuffer and ONNX Runtime runs on ' +
  '1 thread (slower). Serve the page with the headers Cross-Origin-Opener-Policy: same-origin and ' +
  'Cross-Origin-Embedder-Policy: require-corp (or credentialless): see "Headers: cross-origin isolation" in ' +
  "jadfer's README (node_modules/jadfer/README.md)";

/**
 * Whether `new Worker(url, { type: 'module' })` is understood (Firefox before 114 and Safari before 15
 * ignore the type and fail on the first `import`). The options are read before the URL, which
 * here cannot parse, so nothing is fetched and no CSP is consulted.
 */
export function moduleWorkersSupported(): boolean {
  if (typeof Worker !== 'function') return false;
  let typeRead = false;
  const options = {
    get type() {
      typeRead = true;
      return 'module' as const;
    },
  };
  try {
    new Worker('http://[', options).terminate();
  } catch {
    // The URL is meant to fail.
  }
  return typeRead;
}

/** ORT threads when the caller sets none: `wasmThreadLimit()`, warning once in a page when it is 1. */
export function defaultThreads(): number {
  const { threads, reason } = wasmThreadLimit();
  // Only browsers can fix this (headers, another engine); elsewhere one thread is simply the default.
  if (reason && typeof document !== 'undefined') warnOnce(reason);
  return threads;
}

let warned = false;
function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  console.warn(`[jadfer] ${message}`);
}

/** onnxruntime-web's WebGPU build suspends WebAssembly for GPU readbacks (JSPI). */
export const NO_JSPI =
  'WebGPU needs WebAssembly JSPI (Chromium 137+), which this runtime lacks (WebAssembly.Suspending)';

export function hasJspi(): boolean {
  return typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function';
}
