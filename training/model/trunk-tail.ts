/**
 * The trunk tail: the last `tailBlocks` MobileNet blocks of the face trunk, moved out of the
 * frozen (cached) part so that they are fine-tuned for expressions together with the heads.
 * Block i: depthwise 3×3 (+ folded BatchNorm) → ReLU6 → pointwise 1×1 (+ folded BatchNorm) → ReLU6,
 * C → C channels, as in the trunk. The params start from the trunk's own weights
 * (training/backbone/tail-weights.ts); the export emits the same blocks after the frozen part, so the
 * shipped graph computes what the trunk did, with the fine-tuned weights.
 */
import type { JadferConfig } from './config.js';
import type { Ops } from './ops.js';
import { ParamStore } from './params.js';
import type { Rng } from './rng.js';

/** Param names of block i, shared by the trainer, the weight loader and the exporter. */
export const tailParamNames = (i: number) => ({
  dwKernel: `tail.${i}.dw.kernel`,
  dwBias: `tail.${i}.dw.bias`,
  pwWeight: `tail.${i}.pw.weight`,
  pwBias: `tail.${i}.pw.bias`,
});

export const isTailParam = (name: string) => name.startsWith('tail.');

export function trunkTail<T>(ops: Ops<T>, config: JadferConfig, featureMap: T): T {
  const { h, w, c } = config.featureShape;
  const pretrained = { kind: 'pretrained' } as const;
  let x = featureMap;
  for (let i = 0; i < config.tailBlocks; i++) {
    const names = tailParamNames(i);
    const dw = ops.depthwiseConv3x3(x, ops.param(names.dwKernel, [3, 3, c, 1], pretrained));
    x = ops.relu6(ops.add(dw, ops.param(names.dwBias, [c], pretrained)));
    const rows = ops.matMul(ops.reshape(x, [-1, c]), ops.param(names.pwWeight, [c, c], pretrained));
    x = ops.reshape(ops.relu6(ops.add(rows, ops.param(names.pwBias, [c], pretrained))), [-1, h, w, c]);
  }
  return x;
}

/** Random stand-ins for the pretrained tail weights, for tests and benchmarks that have no trunk to copy from. */
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
