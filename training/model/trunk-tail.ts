/**
 * The trunk tail: the last `tailBlocks` MobileNet blocks of the face trunk, moved out of the
 * frozen (cached) part so that they are fine-tuned for expressions together with the heads.
 * Block i: depthwise 3×3 at stride 1 or 2 (+ folded BatchNorm) → ReLU6 → pointwise 1×1 (+ folded
 * BatchNorm) → ReLU6, as in the trunk. A tail that starts at conv_pw_9 keeps the feature map's
 * shape; one that starts right after the stem (training from pixels) halves the resolution four
 * times and widens 32 → 512 on the way (config.tailLayout). The params start from the trunk's own
 * weights (training/backbone/tail-weights.ts); the export emits the same blocks after the frozen
 * part, so the shipped graph computes what the trunk did, with the fine-tuned weights.
 */
import type { FeatureShape, JadferConfig, TailBlock, TailLayout } from './config.js';
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

export const STEM_PARAMS = { kernel: 'trunk.stem.kernel', bias: 'trunk.stem.bias' };

/** What the definition reads: the image when it holds the stem, else the map the tail reads (what the trainer feeds and the frozen part of the export emits). */
export const tailInputShape = (config: JadferConfig): FeatureShape =>
  config.stem?.input ?? ((config.tailBlocks > 0 && config.tailLayout?.input) || config.featureShape);

/** The stem's output, the map the first tail block reads. */
function stemOutput(stem: NonNullable<JadferConfig['stem']>): FeatureShape {
  return { h: Math.ceil(stem.input.h / 2), w: Math.ceil(stem.input.w / 2), c: stem.channels };
}

export interface ResolvedBlock extends TailBlock {
  input: FeatureShape;
  output: FeatureShape;
}

function resolve(input: FeatureShape, layout: TailBlock[]): ResolvedBlock[] {
  return layout.map(({ stride, channels }) => {
    // TF SAME: the output is ceil(size / stride).
    const block = {
      stride,
      channels,
      input,
      output: { h: Math.ceil(input.h / stride), w: Math.ceil(input.w / stride), c: channels },
    };
    input = block.output;
    return block;
  });
}

/** The map a tail with this layout hands the heads. */
export const tailOutputShape = (layout: TailLayout): FeatureShape =>
  resolve(layout.input, layout.blocks).at(-1)?.output ?? layout.input;

/** Each block with its input and output shapes; checks that the last one gives the heads' featureShape. */
export function tailBlocks(config: JadferConfig): ResolvedBlock[] {
  const layout = config.tailLayout;
  if (layout && layout.blocks.length !== config.tailBlocks)
    throw new Error(`tailLayout lists ${layout.blocks.length} blocks but tailBlocks is ${config.tailBlocks}`);
  const input = config.stem ? stemOutput(config.stem) : tailInputShape(config);
  if (config.stem && layout && JSON.stringify(layout.input) !== JSON.stringify(input))
    throw new Error(
      `the stem gives [${input.h},${input.w},${input.c}] but the tail reads [${layout.input.h},${layout.input.w},${layout.input.c}]`,
    );
  const blocks = resolve(
    input,
    layout?.blocks ?? Array.from({ length: config.tailBlocks }, () => ({ stride: 1 as const, channels: input.c })),
  );
  const end = blocks.at(-1)?.output ?? input;
  const { h, w, c } = config.featureShape;
  if (end.h !== h || end.w !== w || end.c !== c)
    throw new Error(`the trunk tail ends at [${end.h},${end.w},${end.c}] but the heads read [${h},${w},${c}]`);
  return blocks;
}

export function trunkTail<T>(ops: Ops<T>, config: JadferConfig, featureMap: T): T {
  const pretrained = { kind: 'pretrained' } as const;
  let x = featureMap;
  if (config.stem) {
    const { input, channels } = config.stem;
    const kernel = ops.param(STEM_PARAMS.kernel, [3, 3, input.c, channels], pretrained);
    x = ops.relu6(
      ops.add(ops.conv3x3Stride2(x, kernel, [input.h, input.w]), ops.param(STEM_PARAMS.bias, [channels], pretrained)),
    );
  }
  tailBlocks(config).forEach(({ stride, input, output }, i) => {
    const names = tailParamNames(i);
    const kernel = ops.param(names.dwKernel, [3, 3, input.c, 1], pretrained);
    const dw =
      stride === 1 ? ops.depthwiseConv3x3(x, kernel) : ops.depthwiseConv3x3Stride2(x, kernel, [input.h, input.w]);
    x = ops.relu6(ops.add(dw, ops.param(names.dwBias, [input.c], pretrained)));
    const rows = ops.matMul(ops.reshape(x, [-1, input.c]), ops.param(names.pwWeight, [input.c, output.c], pretrained));
    x = ops.reshape(ops.relu6(ops.add(rows, ops.param(names.pwBias, [output.c], pretrained))), [
      -1,
      output.h,
      output.w,
      output.c,
    ]);
  });
  return x;
}

/** Random stand-ins for the pretrained tail weights, for tests and benchmarks that have no trunk to copy from. */
export function randomTail(config: JadferConfig, rng: Rng): ParamStore {
  const store = new ParamStore();
  const random = (size: number, std: number) => Float32Array.from({ length: size }, () => std * rng.normal());
  tailBlocks(config).forEach(({ input, output }, i) => {
    const names = tailParamNames(i);
    store.set(names.dwKernel, [3, 3, input.c, 1], random(9 * input.c, 0.4));
    store.set(names.dwBias, [input.c], random(input.c, 0.5));
    store.set(names.pwWeight, [input.c, output.c], random(input.c * output.c, 1 / Math.sqrt(input.c)));
    store.set(names.pwBias, [output.c], random(output.c, 0.5));
  });
  return store;
}
