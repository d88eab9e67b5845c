#!/usr/bin/env node
/**
 * Rewrites the tf2onnx BlazeFace graphs for onnxruntime-web.
 *
 * tf2onnx lowered TensorFlow's channel `Pad` (used by BlazeFace's residual
 * shortcuts when a block widens its channels) into ConstantOfShape + Concat.
 * Each pair allocates and copies a full feature map. This script replaces
 * every such pair with one `Pad` node (zero padding on the channel axis) and
 * drops initializers that no node uses any more. The arithmetic is unchanged,
 * so outputs are bit-identical.
 *
 * Usage: node scripts/optimize-blazeface.mjs <in.onnx> <out.onnx> [--free-spatial-dims]
 */
import fs from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const INT64 = 7;

/** Returns [channelsToPad] when `tensor` is a ConstantOfShape of zeros with a constant NCHW shape. */
function zeroPadChannels(node, initByName) {
  if (node.opType !== 'ConstantOfShape') return undefined;
  const value = node.attribute.find((a) => a.name === 'value')?.t;
  if (value) {
    const raw = value.rawData?.length
      ? new Float32Array(new Uint8Array(value.rawData).slice().buffer)
      : Float32Array.from(value.floatData ?? []);
    if (raw.some((v) => v !== 0)) return undefined;
  }
  const shape = initByName.get(node.input[0]);
  if (!shape) return undefined;
  const dims = readInt64(shape);
  return dims.length === 4 ? dims[1] : undefined;
}

function readInt64(tensor) {
  if (tensor.rawData?.length) {
    const bytes = new Uint8Array(tensor.rawData).slice();
    return Array.from(new BigInt64Array(bytes.buffer), Number);
  }
  return (tensor.int64Data ?? []).map((v) => Number(v));
}

/** `freeSpatialDims`: also let the graph run at any input size that is a multiple of 32 (below). */
export function optimizeBlazeFace(modelBytes, { freeSpatialDims = false } = {}) {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  const initByName = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);

  const removed = new Set();
  let rewritten = 0;
  const nodes = [];
  for (const node of graph.node) {
    if (node.opType === 'Concat' && node.input.length === 2) {
      const axis = node.attribute.find((a) => a.name === 'axis');
      const padNode = producer.get(node.input[1]);
      const channels = padNode && Number(axis?.i) === 1 ? zeroPadChannels(padNode, initByName) : undefined;
      if (channels !== undefined) {
        const padsName = `${node.output[0]}__pads`;
        graph.initializer.push(
          onnx.TensorProto.create({
            name: padsName,
            dataType: INT64,
            dims: [8],
            rawData: new Uint8Array(BigInt64Array.from([0, 0, 0, 0, 0, channels, 0, 0].map(BigInt)).buffer),
          }),
        );
        nodes.push(
          onnx.NodeProto.create({
            name: `${node.name || node.output[0]}__pad`,
            opType: 'Pad',
            input: [node.input[0], padsName],
            output: [node.output[0]],
            attribute: [
              onnx.AttributeProto.create({
                name: 'mode',
                type: onnx.AttributeProto.AttributeType.STRING,
                s: new TextEncoder().encode('constant'),
              }),
            ],
          }),
        );
        removed.add(padNode);
        rewritten++;
        continue;
      }
    }
    nodes.push(node);
  }
  graph.node = nodes.filter((n) => !removed.has(n));

  // Drop initializers no node reads (tf2onnx leaves a few behind; ORT warns about them).
  const used = new Set(graph.node.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name));
  if (freeSpatialDims) makeSpatialDimsFree(graph, initByName);
  return { bytes: onnx.ModelProto.encode(model).finish(), rewritten };
}

/**
 * Lets the graph run at any input size that is a multiple of 32 (its total stride), and on any batch:
 * the NHWC input's batch, height and width become symbolic, and the final Reshapes to
 * [batch, anchors, coords] keep the input's batch (0) and take -1 anchors. A 4:3 input then sees a
 * 640×480 frame without letterbox padding, for 3/4 of the square input's work, and the SDK's second
 * looks at several candidates run as one batch. Every convolution's padding is the same at any
 * multiple of its stride.
 */
function makeSpatialDimsFree(graph, initByName) {
  const [input] = graph.input;
  const dims = input.type.tensorType.shape.dim;
  dims[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' });
  dims[1] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'height' });
  dims[2] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'width' });
  for (const node of graph.node) {
    if (node.opType !== 'Reshape') continue;
    const shape = initByName.get(node.input[1]);
    const [, , coords] = readInt64(shape);
    shape.rawData = new Uint8Array(BigInt64Array.from([0, -1, coords].map(BigInt)).buffer);
    shape.int64Data = [];
  }
  for (const output of graph.output) {
    output.type.tensorType.shape.dim[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' });
    output.type.tensorType.shape.dim[1] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'anchors' });
  }
  // Intermediate shapes recorded by the converter are only true at the original size.
  graph.valueInfo = [];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output, flag] = process.argv.slice(2);
  if (!input || !output || (flag && flag !== '--free-spatial-dims')) {
    console.error('usage: optimize-blazeface.mjs <in.onnx> <out.onnx> [--free-spatial-dims]');
    process.exit(2);
  }
  const { bytes, rewritten } = optimizeBlazeFace(fs.readFileSync(input), { freeSpatialDims: flag !== undefined });
  fs.writeFileSync(output, bytes);
  console.log(`${output}: replaced ${rewritten} ConstantOfShape+Concat pairs with Pad`);
}
