/**
 * The engine with fault injection, for tests only: built as dist/jadfer.testing.worker.js and
 * jadfer.testing.engine.js, started only by `jadfer/testing`'s create(). The production engine
 * (jadfer.worker.js, jadfer.engine.js) has none of this, so no page script can reach it there.
 */
import type { FaultInjection } from '../contract/engine-api.js';
import { Engine as ProductionEngine } from './engine.js';

export class Engine extends ProductionEngine implements FaultInjection {
  async simulateDeviceLoss(): Promise<boolean> {
    if (!this.gpuDevice || this.classifier?.backend !== 'webgpu') return false;
    this.gpuDevice.destroy();
    await this.gpuDevice.lost;
    await this.recovering;
    return true;
  }

  async simulateCrash(): Promise<void> {
    setTimeout(() => {
      throw new Error('simulated engine crash');
    }, 0);
  }
}
