// Random stand-ins for the pretrained trunk-tail weights (tests have no trunk to copy from).
import type { JadferConfig } from '../../../training/model/config.js';
import { ParamStore } from '../../../training/model/params.js';
import type { Rng } from '../../../training/model/rng.js';
import { tailParamNames } from '../../../training/model/trunk-tail.js';

export function randomTail(config: JadferConfig, rng: Rng): ParamStore {
  const c = config.featureShape.c;
  const store = new ParamStore();
  const random = (size: number, std: number) => Float32Array.from({ length: size }, () => std * rng.normal());
  for (let i = 0; i < config.tailBlocks; i++) {
    const names = tailParamNames(i);
    store.set(names.dwKernel, [3, 3, c, 1], random(9 * c, 0.4));
    store.set(names.dwBias, [c], random(c, 0.5));
    store.set(names.pwWeight, [c, c], random(c * c, 1 / Math.sqrt(c)));
    store.set(names.pwBias, [c], random(c, 0.5));
  }
  return store;
}
