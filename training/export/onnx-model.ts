/**
 * Emits ONE ONNX graph: [optional backbone] + JADFER heads, from the same `buildJadfer`
 * definition the trainer runs. Heads-only graphs take the cached feature map directly.
 */
import { OnnxGraphBuilder, ints } from '../onnx/builder.js';
import type { JadferConfig } from '../model/config.js';
import { buildJadfer } from '../model/jadfer.js';
import { OnnxOps } from '../model/onnx-ops.js';
import type { ParamStore } from '../model/params.js';

/** What the backbone exporter (training/backbone/to-onnx.ts) provides. */
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

export function exportJadferOnnx(store: ParamStore, config: JadferConfig, backbone?: BackboneEmitter): Uint8Array {
  const g = new OnnxGraphBuilder(backbone ? `jadfer_${backbone.name}` : 'jadfer_heads', 17);
  const { h, w, c } = config.featureShape;
  let featureMap: string;
  if (backbone) {
    const input = g.input(IMAGE_INPUT, ['batch', ...backbone.inputShape]);
    const { output, shape } = backbone.emit(g, input);
    if (shape.c !== c || shape.h !== h || shape.w !== w) {
      throw new Error(`backbone gives [${shape.c},${shape.h},${shape.w}] but heads expect [${c},${h},${w}]`);
    }
    featureMap = g.op('Transpose', [output], { perm: ints([0, 2, 3, 1]) }); // NCHW → NHWC tokens
  } else {
    featureMap = g.input(HEADS_INPUT, ['batch', h, w, c]);
  }
  const { logits } = buildJadfer(new OnnxOps(g, store), config, featureMap);
  g.alias(logits, LOGITS_OUTPUT);
  g.output(LOGITS_OUTPUT, ['batch', config.numClasses]);
  return g.toBytes('JADFER facial expression classifier (heads defined in training/model/jadfer.ts)');
}
