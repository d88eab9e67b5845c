/**
 * Reads a JADFER graph's trained params back out of an exported ONNX file: the exporter names
 * every param's initializer after the param (onnx-model.ts), so the definition itself says what to
 * read. Weights stored as int8 with a per-channel DequantizeLinear, or as float16 with a Cast
 * (quantize.ts), are read back as the float32 values the runtime computes with.
 *
 * This is how a shipped model is proven to be the one definition (the round-trip test), and how a
 * run starts from a shipped model on a clone that has no `runs/` folder (`--init-from x.onnx`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { JadferConfig } from '../model/config.js';
import { ParamStore } from '../model/params.js';
import { OnnxGraphBuilder } from '../onnx/builder.js';
import { buildJadfer } from '../model/jadfer.js';
import { OnnxOps } from '../model/onnx-ops.js';
import { tailInputShape } from '../model/trunk-tail.js';
import { readTensor, type OnnxTensor } from './onnx-tensors.js';
import { reversedAdjustment, withLogitAdjustment, type LogitAdjustment } from '../balance/logit-adjustment.js';

const { onnx } = onnxProto;

/** The params the definition asks for under `config`, with their shapes (nothing is computed). */
export function paramShapes(config: JadferConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const recorder = new (class extends ParamStore {
    override require(name: string, shape: number[]) {
      shapes.set(name, shape);
      return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
    }
  })();
  const g = new OnnxGraphBuilder('shapes');
  const { h, w, c } = tailInputShape(config);
  buildJadfer(new OnnxOps(g, recorder), config, g.input('x', [1, h, w, c]));
  return shapes;
}

/** Every param of `config`, read from the model's initializers (through DequantizeLinear / Cast). */
export function paramsFromOnnx(bytes: Uint8Array, config: JadferConfig): ParamStore {
  const constant = onnxConstants(bytes);
  const store = new ParamStore();
  for (const [name, shape] of paramShapes(config)) {
    const { data } = constant(name);
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`param ${name}: ${data.length} values in the model, ${count} expected`);
    store.set(name, shape, data);
  }
  return store;
}

/**
 * The model's constant tensors by name, as the runtime computes with them: an initializer, or the
 * output of a DequantizeLinear / Cast that decodes one (how quantize.ts stores weights).
 */
export function onnxConstants(bytes: Uint8Array): (name: string) => { data: Float32Array; dims: number[] } {
  const graph = onnx.ModelProto.decode(bytes).graph!;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t as OnnxTensor]));
  const producers = new Map(graph.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
  return (name) => {
    const tensor = initializers.get(name);
    if (tensor) return { data: readTensor(tensor), dims: tensor.dims!.map(Number) };
    const node = producers.get(name);
    const source = node && initializers.get(node.input![0]!);
    if (node?.opType === 'Cast' && source) return { data: readTensor(source), dims: source.dims!.map(Number) };
    if (node?.opType === 'DequantizeLinear' && source) {
      const [scale, zero] = node.input!.slice(1).map((i) => initializers.get(i));
      if (!scale) throw new Error(`${name}: DequantizeLinear without a constant scale`);
      const dims = source.dims!.map(Number);
      const axis = Number(node.attribute!.find((a) => a.name === 'axis')?.i ?? 1);
      return { data: dequantize(readTensor(source), dims, readTensor(scale), zero && readTensor(zero), axis), dims };
    }
    throw new Error(`${name} is not a constant of the model (no initializer, Cast or DequantizeLinear of that name)`);
  };
}

/**
 * A shipped model's params as trained, from its card and the `.onnx` beside it: a logit adjustment
 * folded into the last bias (training/balance/logit-adjustment.ts) is taken out again, so training
 * from it does not learn that shift as if it were data.
 */
export function shippedParams(cardPath: string): ParamStore {
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as {
    file: string;
    architecture: { config: JadferConfig; logitAdjustment?: LogitAdjustment };
  };
  const params = paramsFromOnnx(readFileSync(join(dirname(cardPath), card.file)), card.architecture.config);
  const adjustment = card.architecture.logitAdjustment;
  return adjustment ? withLogitAdjustment(params, reversedAdjustment(adjustment)) : params;
}

function dequantize(
  values: Float32Array,
  dims: number[],
  scale: Float32Array,
  zero: Float32Array | undefined,
  axis: number,
): Float32Array {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = scale.length;
  return values.map((v, i) => {
    const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    return (v - (zero?.[c] ?? 0)) * scale[c]!;
  });
}
