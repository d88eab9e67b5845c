/**
 * `jadfer/testing` (dist/jadfer.testing.js): fault injection for tests, ours and an integrator's. Its
 * create() starts the test build of the engine (dist/jadfer.testing.worker.js, jadfer.testing.engine.js),
 * the only one with fault injection: instances from jadfer.js or jadfer.iife.js run the production engine,
 * which has none, and nothing on them reaches their engine.
 */
import { createOnEngine, faultsOf, type Jadfer } from './client/client.js';
import type { EngineBuild } from './client/engine-link.js';
import type { CreateOptions } from './contract/options.js';

const TESTING_WORKER = 'jadfer.testing.worker.js';

const TEST_ENGINE: EngineBuild = {
  worker: TESTING_WORKER,
  engine: 'jadfer.testing.engine.js',
  startWorker(baseUrl) {
    if (baseUrl) return new Worker(new URL(TESTING_WORKER, baseUrl), { type: 'module', name: 'jadfer-engine' });
    // Written out in full, so that a bundler bundles this worker only into apps that import jadfer/testing.
    return new Worker(new URL('./jadfer.testing.worker.js', import.meta.url), {
      type: 'module',
      name: 'jadfer-engine',
    });
  },
  faults: (engine, guard) => ({
    simulateDeviceLoss: () => guard(engine.simulateDeviceLoss()),
    simulateCrash: () => guard(engine.simulateCrash()),
  }),
};

/**
 * `create()` on the test engine: the same options and instance, plus the faults below.
 *
 * @example
 * ```ts
 * import { create, simulateWorkerCrash } from 'jadfer/testing';
 * const fer = await create({ device: 'wasm' });
 * await simulateWorkerCrash(fer);
 * ```
 */
export function create(options?: CreateOptions): Promise<Jadfer> {
  return createOnEngine(options ?? {}, TEST_ENGINE);
}

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
  return (await faultsOf(fer)).simulateDeviceLoss();
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
  await (await faultsOf(fer)).simulateCrash();
}
