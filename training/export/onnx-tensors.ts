/**
 * ONNX TensorProto values as float32, for the element types our exporters and quantizer write, and
 * who reads each tensor in a graph.
 */
import onnxProto from 'onnx-proto';
import { halfToFloat } from '../onnx/float16.js';

const { onnx } = onnxProto;

export type OnnxTensor = InstanceType<typeof onnx.TensorProto>;
type Node = onnxProto.onnx.INodeProto;

/** Per tensor name, the nodes that take it as an input (once each, in graph order). */
export function consumersOf(graph: onnxProto.onnx.IGraphProto): Map<string, Node[]> {
  const consumers = new Map<string, Node[]>();
  for (const n of graph.node!) for (const i of new Set(n.input!)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  return consumers;
}

export const ElementType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

export function readTensor(t: OnnxTensor): Float32Array {
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const bytes = raw ? raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) : undefined;
  switch (t.dataType) {
    case ElementType.FLOAT:
      return bytes ? new Float32Array(bytes) : Float32Array.from(t.floatData ?? []);
    case ElementType.FLOAT16:
      return Float32Array.from(bytes ? new Uint16Array(bytes) : (t.int32Data ?? []), halfToFloat);
    case ElementType.INT8:
      return Float32Array.from(bytes ? new Int8Array(bytes) : (t.int32Data ?? []));
    case ElementType.UINT8:
      return Float32Array.from(bytes ? new Uint8Array(bytes) : (t.int32Data ?? []));
    case ElementType.INT64:
      return Float32Array.from(bytes ? new BigInt64Array(bytes) : (t.int64Data ?? []), Number);
    default:
      throw new Error(`tensor ${t.name}: element type ${t.dataType} is not read here`);
  }
}

export function tensor(name: string, dims: number[], type: number, data: ArrayBufferView): OnnxTensor {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: type,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  });
}
