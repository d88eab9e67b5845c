/**
 * TF.js graph-model files without TensorFlow.js: model.json types, shard reading and a pure
 * weight decoder (float32, int32, float16-quantised and uint8/uint16 affine-quantised).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { halfToFloat } from '../onnx/float16.js';

export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: unknown;
  tensor?: unknown;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
  device?: string;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | string;
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; min?: number; scale?: number; original_dtype?: string };
}

export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: { node: TfNode[]; library?: unknown; versions?: unknown };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  signature?: unknown;
  userDefinedMetadata?: unknown;
}

export interface TfTensor {
  shape: number[];
  dtype: string;
  data: Float32Array | Int32Array;
}

/** Reads model.json and concatenates its weight shards. */
export function readModelFiles(jsonPath: string): { json: ModelJson; weightData: ArrayBuffer } {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  return { json, weightData: readWeightShards(dirname(jsonPath), json.weightsManifest) };
}

/** Concatenates the weight shard files a TF.js weights manifest lists, in order. */
export function readWeightShards(dir: string, manifest: { paths: string[] }[]): ArrayBuffer {
  const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const out = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
  let off = 0;
  for (const b of buffers) {
    out.set(b, off);
    off += b.byteLength;
  }
  return out.buffer;
}

/** Decodes all weights of a model (in manifest order, as TF.js lays them out). */
export function decodeWeightsPure(json: ModelJson, weightData: ArrayBuffer): Map<string, TfTensor> {
  const out = new Map<string, TfTensor>();
  let off = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    if (q) {
      const bytes = q.dtype === 'float16' || q.dtype === 'uint16' ? 2 : 1;
      const dv = new DataView(weightData, off, n * bytes);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        if (q.dtype === 'float16') data[i] = halfToFloat(dv.getUint16(i * 2, true));
        else if (q.dtype === 'uint16') data[i] = dv.getUint16(i * 2, true) * q.scale! + q.min!;
        else data[i] = dv.getUint8(i) * q.scale! + q.min!;
      }
      off += n * bytes;
      out.set(spec.name, {
        shape: spec.shape,
        dtype: spec.dtype,
        data: spec.dtype === 'int32' ? Int32Array.from(data, Math.round) : data,
      });
      continue;
    }
    if (spec.dtype === 'float32')
      out.set(spec.name, {
        shape: spec.shape,
        dtype: 'float32',
        data: new Float32Array(weightData.slice(off, off + n * 4)),
      });
    else if (spec.dtype === 'int32')
      out.set(spec.name, {
        shape: spec.shape,
        dtype: 'int32',
        data: new Int32Array(weightData.slice(off, off + n * 4)),
      });
    else if (spec.dtype === 'bool') {
      out.set(spec.name, {
        shape: spec.shape,
        dtype: 'bool',
        data: Int32Array.from(new Uint8Array(weightData, off, n)),
      });
      off += n;
      continue;
    } else throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
    off += n * 4;
  }
  if (off !== weightData.byteLength) throw new Error(`weights: decoded ${off} bytes of ${weightData.byteLength}`);
  return out;
}

/** Attribute helpers (TF.js stores ints as strings and strings base64-encoded). */
export const attrString = (a?: TfAttr): string | undefined =>
  a?.s !== undefined ? Buffer.from(a.s, 'base64').toString('utf8') : undefined;
export const attrStrings = (a?: TfAttr): string[] =>
  (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
export const attrInts = (a?: TfAttr): number[] => (a?.list?.i ?? []).map(Number);
export const attrFloat = (a?: TfAttr): number | undefined => (a?.f !== undefined ? Number(a.f) : undefined);
export const attrBool = (a?: TfAttr): boolean | undefined => a?.b;
