/**
 * Whether this environment has a usable WebGPU adapter. Needs no onnxruntime, so the engine
 * and the client (which probes on Deno's main thread, see client.ts) share it.
 */

/** The WebGPU runtime we ship is ORT's JSPI build: without JSPI it cannot start. */
export const NO_JSPI =
  'WebGPU needs WebAssembly JSPI (Chromium 137+), which this runtime lacks (WebAssembly.Suspending)';

export function hasJspi(): boolean {
  return typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function';
}

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
