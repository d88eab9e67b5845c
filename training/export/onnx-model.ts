/**
 * Emits ONE ONNX graph: [optional backbone] + JADFER heads, from the same `buildJadfer`
 * definition the trainer runs. Heads-only graphs take the cached feature map directly.
 */
import { OnnxGraphBuilder, int, ints } from '../onnx/builder.js';
import type { JadferConfig } from '../model/config.js';
import { buildJadfer } from '../model/jadfer.js';
import { OnnxOps } from '../model/onnx-ops.js';
import { tailInputShape } from '../model/trunk-tail.js';
import type { ParamStore } from '../model/params.js';

/** What the backbone exporter (training/backbone/convert/) provides. */
export interface BackboneEmitter {
  name: string;
  /** Image input [C,H,W], e.g. [3,112,112]. */
  inputShape: [number, number, number];
  /** Emits the backbone into `g` reading `inputName`; returns the NCHW feature map. */
  emit(g: OnnxGraphBuilder, inputName: string): { output: string; shape: { c: number; h: number; w: number } };
}

export const HEADS_INPUT = 'features';
export const IMAGE_INPUT = 'input';
export const LOGITS_OUTPUT = 'logits';

export interface ImageGraphOptions {
  /**
   * The model takes one gray channel and replicates it for the RGB trunk, as in training (gray
   * FERPlus faces copied to 3 channels): the runtime then converts a face to gray once instead of
   * writing three equal planes.
   */
  grayInput?: boolean;
  /**
   * Test-time mirroring: each face and its mirror image run as one batch and their logits are
   * averaged. Training mirrors faces at random, so both views are in distribution; it costs twice
   * the classifier, inside the one graph the runtime already runs.
   */
  mirrorAverage?: boolean;
}

export function exportJadferOnnx(
  store: ParamStore,
  config: JadferConfig,
  backbone?: BackboneEmitter,
  options: ImageGraphOptions = {},
): Uint8Array {
  const { grayInput = false, mirrorAverage = false } = options;
  if (mirrorAverage && !backbone)
    throw new Error('mirror averaging needs the image input: a heads-only graph takes feature maps');
  const g = new OnnxGraphBuilder(backbone ? `jadfer_${backbone.name}` : 'jadfer_heads', 17);
  const { h, w, c } = tailInputShape(config);
  let featureMap: string;
  if (backbone) {
    const [channels, height, width] = backbone.inputShape;
    const input = g.input(IMAGE_INPUT, ['batch', grayInput ? 1 : channels, height, width]);
    // [face; mirrored face] along the batch: the mirror reverses the width axis (NCHW axis 3).
    const views = mirrorAverage
      ? g.op(
          'Concat',
          [
            input,
            g.op(
              'Gather',
              [
                input,
                g.int64(
                  'mirror_columns',
                  Array.from({ length: width }, (_, i) => width - 1 - i),
                ),
              ],
              { axis: int(3) },
            ),
          ],
          { axis: int(0) },
        )
      : input;
    const trunkInput = grayInput ? g.op('Concat', Array(channels).fill(views), { axis: int(1) }) : views;
    const { output, shape } = backbone.emit(g, trunkInput);
    if (shape.c !== c || shape.h !== h || shape.w !== w) {
      throw new Error(`backbone gives [${shape.c},${shape.h},${shape.w}] but heads expect [${c},${h},${w}]`);
    }
    featureMap = g.op('Transpose', [output], { perm: ints([0, 2, 3, 1]) }); // NCHW → NHWC tokens
  } else {
    featureMap = g.input(HEADS_INPUT, ['batch', h, w, c]);
  }
  const ops = new OnnxOps(g, store);
  const { logits } = buildJadfer(ops, config, featureMap);
  // [2·batch, K] → [2, batch, K] → the mean of each face's two views.
  g.alias(mirrorAverage ? ops.mean(ops.reshape(logits, [2, -1, config.numClasses]), 0, false) : logits, LOGITS_OUTPUT);
  g.output(LOGITS_OUTPUT, ['batch', config.numClasses]);
  return g.toBytes('JADFER facial expression classifier (heads defined in training/model/jadfer.ts)');
}
