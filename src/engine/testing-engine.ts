/**
 * The engine with fault injection, for tests only: built as dist/jadfer.testing.worker.js and
 * jadfer.testing.engine.js, started only by `jadfer/testing`'s create(). The production engine
 * (jadfer.worker.js, jadfer.engine.js) has none of this, so no page script can reach it there.
 */
import type { FaultInjection } from '../contract/engine-api.js';
import { EngineEndpoint as ProductionEndpoint } from './endpoint.js';

export class EngineEndpoint extends ProductionEndpoint implements FaultInjection {
  async simulateDeviceLoss(): Promise<boolean> {
    const { backends } = this.started();
    const device = backends.gpuDevice;
    if (!device || backends.current !== 'webgpu') return false;
    device.destroy();
    await device.lost;
    await backends.recovering;
    return true;
  }

  async simulateCrash(): Promise<void> {
    setTimeout(() => {
      throw new Error('simulated engine crash');
    }, 0);
  }
}
