/** Decides which execution providers to try, and says why when WebGPU is skipped. */
import type { DeviceOption } from '../contract/options.js';
import type { Backend } from '../contract/types.js';
import { webGpuProblem } from '../contract/webgpu-probe.js';

export interface BackendPlan {
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
  if (device === 'wasm') return { order: ['wasm'] };
  if (device === 'webgpu') return { order: ['webgpu'] };
  const problem = knownProblem ?? (await webGpuProblem(allowFallbackAdapter));
  return problem ? { order: ['wasm'], skippedWebGpu: problem } : { order: ['webgpu', 'wasm'] };
}
