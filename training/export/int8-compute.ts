/**
 * Int8 arithmetic for a float graph's MatMuls (the trunk's pointwise layers and the heads' matrices),
 * instead of int8 storage dequantized at load: each chosen MatMul's weight [K, N] is stored as int8 with
 * one scale per output column (quantize.ts's clipping search), and its float input is quantized on the fly
 * (uint8, one scale per run). Two forms, both in ONNX Runtime's WASM build:
 * - `integer`: DynamicQuantizeLinear → MatMulInteger (u8 × s8 → int32) → Cast → Mul by input scale × column scales;
 * - `fused`: com.microsoft DynamicQuantizeMatMul, the same in one kernel.
 * docs/training.md ("Int8 arithmetic") has what they cost and gain.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { requiredString, scriptArgs } from '../../common/args.js';
import { consumersOf, ElementType, readTensor, tensor, type OnnxTensor } from './onnx-tensors.js';
import { quantizePerChannel } from './quantize.js';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

export const INT8_COMPUTE_FORMS = ['integer', 'fused'] as const;
export type Int8ComputeForm = (typeof INT8_COMPUTE_FORMS)[number];

/** The MatMuls with a float weight initializer of at least `minElements`, by weight name. */
export function int8Candidates(model: Uint8Array, minElements = 1024): string[] {
  const graph = onnx.ModelProto.decode(model).graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  return graph
    .node!.filter((n) => n.opType === 'MatMul')
    .map((n) => n.input![1]!)
    .filter((w) => {
      const t = initializers.get(w);
      return t && t.dataType === ElementType.FLOAT && t.dims!.length === 2 && readTensor(t).length >= minElements;
    });
}

/** Rewrites the MatMuls whose weight is in `weights` (default: every candidate) to int8 arithmetic. */
export function int8Compute(
  model: Uint8Array,
  { form = 'integer', weights }: { form?: Int8ComputeForm; weights?: ReadonlySet<string> } = {},
): Uint8Array {
  const chosen = weights ?? new Set(int8Candidates(model));
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  const consumers = consumersOf(graph);
  const nodes: Node[] = [];
  for (const n of graph.node!) {
    const w = n.input![1]!;
    const source = initializers.get(w);
    if (n.opType !== 'MatMul' || !chosen.has(w) || !source || (consumers.get(w) ?? []).length !== 1) {
      nodes.push(n);
      continue;
    }
    const dims = source.dims!.map(Number);
    const { q, scales } = quantizePerChannel(readTensor(source), dims, 1);
    graph.initializer!.splice(graph.initializer!.indexOf(source), 1);
    const [x, y, p] = [n.input![0]!, n.output![0]!, `${w}::int8`];
    graph.initializer!.push(
      tensor(`${p}.q`, dims, ElementType.INT8, q),
      tensor(`${p}.scale`, [dims[1]!], ElementType.FLOAT, scales),
      tensor(`${p}.zero`, [dims[1]!], ElementType.INT8, new Int8Array(dims[1]!)),
    );
    if (form === 'fused') {
      nodes.push(
        onnx.NodeProto.create({
          opType: 'DynamicQuantizeMatMul',
          domain: 'com.microsoft',
          name: `${p}.matmul`,
          input: [x, `${p}.q`, `${p}.scale`, `${p}.zero`],
          output: [y],
        }),
      );
      continue;
    }
    const int = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
      nodes.push(onnx.NodeProto.create({ opType, name: `${output[0]}.${opType}`, input, output, attribute }));
    int('DynamicQuantizeLinear', [x], [`${p}.x`, `${p}.xs`, `${p}.xz`]);
    int('MatMulInteger', [`${p}.x`, `${p}.q`, `${p}.xz`, `${p}.zero`], [`${p}.acc`]);
    int('Cast', [`${p}.acc`], [`${p}.accf`], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
    int('Mul', [`${p}.xs`, `${p}.scale`], [`${p}.s`]);
    int('Mul', [`${p}.accf`, `${p}.s`], [y]);
  }
  graph.node = nodes;
  if (form === 'fused' && !decoded.opsetImport!.some((o) => o.domain === 'com.microsoft'))
    decoded.opsetImport!.push(onnx.OperatorSetIdProto.create({ domain: 'com.microsoft', version: 1 }));
  return onnx.ModelProto.encode(decoded).finish();
}

/**
 * A shipped file's stored weights decoded back to float32 initializers (the Cast from float16 and the
 * DequantizeLinear from int8 that lead the graph folded away): the same function, ready for int8Compute.
 */
export function foldStoredWeights(model: Uint8Array): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  const kept: Node[] = [];
  const used = new Set<string>();
  for (const n of graph.node!) {
    const inputs = n.input!.map((i) => initializers.get(i));
    if (n.opType === 'Cast' && inputs[0]) {
      graph.initializer!.push(
        tensor(n.output![0]!, inputs[0].dims!.map(Number), ElementType.FLOAT, readTensor(inputs[0])),
      );
      used.add(n.input![0]!);
    } else if (n.opType === 'DequantizeLinear' && inputs.every(Boolean)) {
      const [q, scale, zero] = inputs.map((t) => readTensor(t!));
      const dims = inputs[0]!.dims!.map(Number);
      const axis = Number(n.attribute!.find((a) => a.name === 'axis')?.i ?? 1);
      const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      const values = q!.map((v, i) => {
        const c = scale!.length === 1 ? 0 : Math.floor(i / inner) % scale!.length;
        return (v - (zero?.[c] ?? 0)) * scale![c]!;
      });
      graph.initializer!.push(tensor(n.output![0]!, dims, ElementType.FLOAT, values));
      n.input!.forEach((i) => used.add(i));
    } else kept.push(n);
  }
  graph.node = kept;
  graph.initializer = graph.initializer!.filter((t) => !used.has(t.name!));
  return onnx.ModelProto.encode(decoded).finish();
}

if (process.argv[1]?.endsWith('int8-compute.ts')) {
  const { values } = scriptArgs({
    usage:
      'Usage: node --import tsx training/export/int8-compute.ts --model <card.json> --out-dir <dir> [--form integer|fused] [--skip <weight,…>]',
    options: {
      model: { type: 'string' },
      'out-dir': { type: 'string' },
      form: { type: 'string', default: 'fused' },
      skip: { type: 'string', default: '' },
    },
  });
  const cardPath = requiredString(values.model, 'model');
  const outDir = requiredString(values['out-dir'], 'out-dir');
  const form = values.form as Int8ComputeForm;
  if (!INT8_COMPUTE_FORMS.includes(form)) throw new Error(`--form: ${INT8_COMPUTE_FORMS.join(' or ')}`);
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { file: string; sha256: string; architecture?: object };
  const float = foldStoredWeights(readFileSync(join(dirname(cardPath), card.file)));
  const skip = new Set(values.skip.split(',').filter(Boolean));
  const weights = new Set(int8Candidates(float).filter((w) => !skip.has(w)));
  const bytes = int8Compute(float, { form, weights });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, card.file), bytes);
  card.sha256 = createHash('sha256').update(bytes).digest('hex');
  card.architecture = { ...card.architecture, int8Compute: { form, matmuls: weights.size, skipped: [...skip] } };
  writeFileSync(join(outDir, basename(cardPath)), JSON.stringify(card, null, 2));
  console.log(
    `${join(outDir, card.file)}: ${weights.size} MatMuls in int8 (${form}), ${(bytes.length / 1e6).toFixed(2)} MB`,
  );
}
