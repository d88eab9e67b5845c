/** Decides which execution providers to try, and says why when WebGPU is skipped. */
import type { Backend, DeviceOption } from '../src/types.js';

export interface BackendPlan {
  order: Backend[];
  /** Why WebGPU is not first in line, when device is 'auto'. */
  skippedWebGpu?: string;
}

export async function planBackends(device: DeviceOption, allowFallbackAdapter: boolean): Promise<BackendPlan> {
  if (device === 'wasm') return { order: ['wasm'] };
  if (device === 'webgpu') return { order: ['webgpu'] };
  const problem = await webGpuProblem(allowFallbackAdapter);
  return problem ? { order: ['wasm'], skippedWebGpu: problem } : { order: ['webgpu', 'wasm'] };
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
  const isFallback = info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  if (isFallback && !allowFallbackAdapter) {
    const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown';
    return `the WebGPU adapter is a software fallback (${name}), slower than WASM`;
  }
  return undefined;
}
