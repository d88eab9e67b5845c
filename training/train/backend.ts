/**
 * Picks the TF.js backend for training, in order of expected speed:
 *   tensorflow (tfjs-node-gpu / tfjs-node, if the user installed one: they cannot install here)
 *   → webgpu (Dawn via the `webgpu` package; a fallback/CPU adapter such as SwiftShader is
 *     skipped unless asked for, it is far slower than wasm)
 *   → wasm (XNNPACK) → cpu (plain JS).
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { registerWasmSlice } from './wasm-slice.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKENDS: BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendChoice {
  name: BackendName;
  reason: string;
  /** Why the faster candidates were skipped. */
  skipped: string[];
  /** The accelerator the backend runs on, where it is not this machine's CPU (the WebGPU adapter). */
  device?: string;
}

type Attempt = { ok: true; reason: string; device?: string } | { ok: false; reason: string };

export async function selectBackend(requested?: BackendName): Promise<BackendChoice> {
  const candidates = requested ? [requested] : BACKENDS;
  const skipped: string[] = [];
  for (const name of candidates) {
    const attempt = await tryBackend(name, requested === name);
    if (attempt.ok)
      return { name, reason: attempt.reason, skipped, ...(attempt.device ? { device: attempt.device } : {}) };
    if (requested) throw new Error(`backend ${name} unavailable: ${attempt.reason}`);
    skipped.push(`${name}: ${attempt.reason}`);
  }
  throw new Error(`no TF.js backend available (${skipped.join('; ')})`);
}

async function tryBackend(name: BackendName, explicit: boolean): Promise<Attempt> {
  try {
    switch (name) {
      case 'tensorflow':
        return await tryTensorflow();
      case 'webgpu':
        return await tryWebgpu(explicit);
      case 'wasm':
        await import('@tensorflow/tfjs-backend-wasm');
        if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'wasm backend failed to initialise' };
        registerWasmSlice();
        return { ok: true, reason: 'XNNPACK wasm kernels on the CPU' };
      case 'cpu':
        await tf.setBackend('cpu');
        return { ok: true, reason: 'plain JavaScript kernels (slowest)' };
    }
  } catch (error) {
    return { ok: false, reason: (error as Error).message.split('\n')[0]! };
  }
}

async function tryTensorflow(): Promise<Attempt> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // A variable specifier keeps bundlers and tsc from requiring the optional package.
      await import(/* @vite-ignore */ pkg as string);
    } catch {
      continue;
    }
    if (await tf.setBackend('tensorflow')) return { ok: true, reason: `${pkg} (libtensorflow)` };
  }
  return { ok: false, reason: '@tensorflow/tfjs-node(-gpu) not installed' };
}

async function tryWebgpu(explicit: boolean): Promise<Attempt> {
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (explicit && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(swiftshader)) {
    process.env.VK_ICD_FILENAMES = swiftshader; // correctness runs on a GPU-less machine
  }
  const { create, globals } = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { ok: false, reason: 'no WebGPU adapter (no Vulkan driver?)' };
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback =
    info.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const described = `${info.vendor} ${info.architecture} ${info.description}`.trim();
  if (fallback && !explicit)
    return { ok: false, reason: `only a fallback adapter (${described}): too slow, use --backend webgpu to force` };
  // The backend registers itself only when navigator.gpu exists at import time.
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: GPU };
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'webgpu backend failed to initialise' };
  const device = `${described || 'unknown adapter'}${fallback ? ' [fallback adapter]' : ''}`;
  return { ok: true, reason: `WebGPU (Dawn) on ${device}`, device: `WebGPU adapter: ${device}` };
}
