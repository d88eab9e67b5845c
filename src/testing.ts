/**
 * `jadfer/testing` (dist/jadfer.testing.js): fault injection for tests, ours and an integrator's,
 * kept off the public class. It reaches an instance's engine through a registered symbol, so it
 * works on instances from any of the bundles (jadfer.js, jadfer.iife.js).
 */
import type { Jadfer } from './client/client.js';
import { ENGINE_FOR_TESTS } from './client/test-hooks.js';

/**
 * Destroys the WebGPU device as a driver reset would. Resolves true once the engine has moved
 * to WASM, false when it was not on WebGPU.
 *
 * @example
 * ```ts
 * import { simulateDeviceLoss } from 'jadfer/testing';
 * if (await simulateDeviceLoss(fer)) console.log(fer.backend); // 'wasm'
 * ```
 */
export async function simulateDeviceLoss(fer: Jadfer): Promise<boolean> {
  return (await fer[ENGINE_FOR_TESTS]()).simulateDeviceLoss();
}

/**
 * Makes the engine worker die as an uncaught error would; the SDK restarts it.
 *
 * @example
 * ```ts
 * import { simulateWorkerCrash } from 'jadfer/testing';
 * await simulateWorkerCrash(fer);
 * await fer.analyze(image); // answered by the restarted engine
 * ```
 */
export async function simulateWorkerCrash(fer: Jadfer): Promise<void> {
  await (await fer[ENGINE_FOR_TESTS]()).simulateCrash();
}
