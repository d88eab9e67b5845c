/**
 * TF.js graph model → ONNX (opset 17) converter for CNN face backbones.
 *
 * Walks `modelTopology.node` backwards from a chosen feature node, builds a small NCHW
 * intermediate representation, simplifies it (Pad and per-channel affine ops folded into
 * Conv, FusedBatchNorm folded, the PReLU idioms the TF.js converter leaves behind matched
 * back to PRelu, Relu/Minimum/Maximum chains turned into Clip) and emits it through
 * `OnnxGraphBuilder`. Only ops onnxruntime-web runs on WASM and WebGPU are emitted:
 * Conv, PRelu, Relu, Clip, LeakyRelu, Add, Sub, Mul, Max, Min, Abs, Sigmoid, MaxPool,
 * GlobalAveragePool, Flatten.
 *
 * Supported TF ops: Placeholder, Const, Identity, Conv2D, _FusedConv2D (BiasAdd,
 * FusedBatchNorm, Relu, Relu6, Prelu, LeakyRelu), DepthwiseConv2dNative,
 * FusedDepthwiseConv2dNative, BiasAdd, FusedBatchNorm(V2/V3), Relu, Relu6, Prelu,
 * LeakyRelu, Abs, Sigmoid, Add, AddV2, Sub, Mul, RealDiv (by constant), Maximum, Minimum,
 * Pad/PadV2 (spatial zero padding), MaxPool, Mean (over H,W). A 1-channel (grayscale) model
 * gets a 3-channel input whose first conv averages the channels. Anything else throws, naming the op.
 *
 * The converter lives in ./convert/: ir.ts (the representation), tfjs-import.ts (TF.js graph → IR),
 * rewrites.ts (simplification), emit.ts (IR → ONNX). This file is its command line:
 *
 *   node --import tsx training/backbone/to-onnx.ts [--backbone faceres-112] [--node <TF node>] [--normalize] [--out path.onnx]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import { backboneToOnnx } from './convert/emit.js';
import { DEFAULT_BACKBONE, loadBackbone } from './convert/tfjs-import.js';

const USAGE =
  'usage: to-onnx.ts [--backbone faceres-112] [--node <TF feature node>] [--normalize] [--out .cache/onnx/<backbone>-backbone.onnx]';

const { values } = scriptArgs({
  usage: USAGE,
  options: {
    backbone: { type: 'string', default: DEFAULT_BACKBONE },
    node: { type: 'string' },
    normalize: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const model = loadBackbone(values.backbone, { featureNode: values.node });
const r = backboneToOnnx(model, { normalize: values.normalize });
const out = values.out ?? `.cache/onnx/${values.backbone}-backbone.onnx`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, r.bytes);
console.log(
  JSON.stringify({
    out,
    bytes: r.bytes.length,
    featureNode: model.featureNode,
    shape: r.shape,
    ops: r.ops,
    spec: model.spec,
  }),
);
