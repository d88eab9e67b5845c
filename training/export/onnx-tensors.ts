/** ONNX TensorProto values as float32, for the element types our exporters and quantizer write. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type OnnxTensor = InstanceType<typeof onnx.TensorProto>;

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

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** IEEE half from a float32 value, rounding to nearest even. */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  const mantissa = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 31) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    const m = (mantissa | 0x800000) >>> (1 - exponent);
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  const rounded = (mantissa + 0xfff + ((mantissa >>> 13) & 1)) >>> 13;
  return (sign | (exponent << 10)) + rounded;
}
