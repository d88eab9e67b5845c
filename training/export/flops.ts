/**
 * Params and FLOPs of an ONNX graph.
 *
 * Shapes: every intermediate tensor is exposed as a graph output and the model is run once on
 * onnxruntime-node at batch 1 (zeros), so the shapes are exact for any op the runtime supports
 * (no hand-written inference rules to fall out of date with the backbone converter).
 * Counting, per image (batch 1):
 *   Conv       MACs = out elements · (C_in / group) · k_h · k_w
 *   MatMul     MACs = out elements · K  (K = last dim of A)
 *   Gemm       MACs = out elements · K
 *   others     1 FLOP per output element (Add, Mul, Erf, Clip, Softmax, LayerNormalization, …);
 *              pure data movement (Reshape, Transpose, Identity, Concat, Flatten, …) counts 0
 *   FLOPs = 2 · MACs + elementwise FLOPs.  params = elements of float initializers.
 *
 *   node --import tsx training/export/flops.ts models/jadfer-<variant>.onnx
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { scriptArgs } from '../../common/args.js';

const { onnx } = onnxProto;

export interface OpCost {
  count: number;
  macs: number;
  flops: number;
}

export interface GraphCost {
  params: number;
  macs: number;
  flops: number;
  byOp: Record<string, OpCost>;
}

const DATA_MOVEMENT = new Set([
  'Reshape',
  'Transpose',
  'Identity',
  'Concat',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Shape',
  'Gather',
  'Slice',
  'Cast',
  'Split',
  'Pad',
  'Constant',
  'ConstantOfShape',
  'Expand',
]);
const FLOAT = 1;

export async function graphCost(bytes: Uint8Array): Promise<GraphCost> {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const initShapes = new Map<string, number[]>();
  let params = 0;
  for (const t of graph.initializer ?? []) {
    const dims = (t.dims ?? []).map(Number);
    initShapes.set(t.name!, dims);
    if (t.dataType === FLOAT) params += dims.reduce((a, b) => a * b, 1);
  }
  const shapes = await observedShapes(model);
  const shapeOf = (name: string) => shapes.get(name) ?? initShapes.get(name);
  const size = (dims: number[] | undefined) => (dims ?? []).reduce((a, b) => a * b, 1);

  const byOp: Record<string, OpCost> = {};
  let macs = 0;
  let flops = 0;
  for (const node of graph.node ?? []) {
    const op = node.opType!;
    const out = shapeOf(node.output![0]!);
    if (!out) throw new Error(`no shape for ${node.output![0]} (${op})`);
    let nodeMacs = 0;
    let nodeFlops = 0;
    if (op === 'Conv') {
      const w = shapeOf(node.input![1]!)!; // [C_out, C_in/group, kh, kw]
      nodeMacs = size(out) * w[1]! * w[2]! * w[3]!;
    } else if (op === 'MatMul') {
      const a = shapeOf(node.input![0]!)!;
      nodeMacs = size(out) * a[a.length - 1]!;
    } else if (op === 'Gemm') {
      const a = shapeOf(node.input![0]!)!;
      const transA = node.attribute?.find((x) => x.name === 'transA')?.i;
      nodeMacs = size(out) * (Number(transA ?? 0) ? a[0]! : a[1]!);
      if (node.input!.length > 2) nodeFlops += size(out);
    } else if (!DATA_MOVEMENT.has(op)) {
      nodeFlops = size(out);
    }
    const entry = (byOp[op] ??= { count: 0, macs: 0, flops: 0 });
    entry.count++;
    entry.macs += nodeMacs;
    entry.flops += 2 * nodeMacs + nodeFlops;
    macs += nodeMacs;
    flops += 2 * nodeMacs + nodeFlops;
  }
  return { params, macs, flops, byOp };
}

/** Runs the model once at batch 1 with every node output exposed; returns name → dims. */
async function observedShapes(model: InstanceType<typeof onnx.ModelProto>): Promise<Map<string, number[]>> {
  const probe = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = probe.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name!));
  for (const node of graph.node ?? []) {
    for (const name of node.output ?? [])
      if (!existing.has(name)) graph.output!.push(onnx.ValueInfoProto.create({ name }));
  }
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), {
    graphOptimizationLevel: 'disabled',
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of graph.input ?? []) {
    const dims = input.type!.tensorType!.shape!.dim!.map((d) => (d.dimValue ? Number(d.dimValue) : 1));
    feeds[input.name!] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  const results = await session.run(feeds);
  await session.release();
  return new Map(Object.entries(results).map(([name, t]) => [name, [...t.dims]]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { positionals } = scriptArgs({
    usage: 'usage: flops.ts <model.onnx>',
    options: {},
    positionals: { min: 1, max: 1 },
  });
  const file = positionals[0]!;
  console.log(JSON.stringify(await graphCost(readFileSync(file)), null, 2));
}
