/**
 * A model prepared for the WASM backend at build time (scripts/prepare-models.ts): the graph as ONNX
 * Runtime's own optimiser leaves it (constants folded, operators fused), so that creating its session
 * skips graph optimisation, which costs most of a session's creation in the browser. Folding turns
 * the model's int8 and float16 weights into float32, 2.7× the bytes; so the graph keeps its float32
 * weights outside it (ONNX external data) and this file stores them packed: each tensor in the smallest
 * form that gives back the very same float32 values (float16, or int8 with the model's own per-channel
 * scales), its bytes split into planes (high bytes apart from low ones) so that gzip and brotli find
 * what they can. Unpacking rebuilds the float32 tensors bit for bit; the build checks it.
 *
 * Layout: "JDFP", u32 version, u32 header length, the header (JSON), then the graph and the segments
 * where the header says. All integers little-endian.
 */
import { JadferError } from '../contract/errors.js';

export const PREPARED_MAGIC = 'JDFP';
export const PREPARED_VERSION = 1;
/** The name the graph gives its external data; ONNX Runtime Web finds it among the mounted files. */
export const PREPARED_WEIGHTS_PATH = 'weights.bin';

/** How one float32 tensor is stored. */
export type SegmentEncoding =
  /** float32, its 4 bytes in 4 planes. */
  | { kind: 'f32' }
  /** float16 (every value is one exactly), its 2 bytes in 2 planes. */
  | { kind: 'f16' }
  /** int8 q: value = fround((q − zeroPoint[c]) × scale[c]), c the index along `axis` of `dims`. */
  | { kind: 'q8'; dims: number[]; axis: number; scales: number[]; zeroPoints: number[] };

export interface PreparedSegment {
  /** The tensor's name in the graph (for messages). */
  name: string;
  /** Where its float32 values go in the external data, in bytes. */
  offset: number;
  /** How many values. */
  count: number;
  /** Where its packed bytes are in this file. */
  at: number;
  encoding: SegmentEncoding;
}

export interface PreparedHeader {
  /** The ONNX Runtime version whose optimiser made the graph; only that version runs it. */
  runtime: string;
  graph: { at: number; bytes: number };
  /** The external data's size once unpacked. */
  weightsBytes: number;
  segments: PreparedSegment[];
}

/** What a session is created from: the graph, and its weights as ONNX Runtime reads them. */
export interface PreparedModel {
  runtime: string;
  graph: Uint8Array;
  weights: Uint8Array;
}

/** Reads the header, and checks that the file holds everything it promises. */
export function readPreparedHeader(file: Uint8Array, name: string): PreparedHeader {
  const fail = (why: string) =>
    new JadferError('E_MODEL_LOAD', `prepared model ${name} is not usable: ${why}`, { details: { name } });
  if (file.byteLength < 12 || new TextDecoder().decode(file.subarray(0, 4)) !== PREPARED_MAGIC)
    throw fail(`not a prepared model (no ${PREPARED_MAGIC} header)`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = view.getUint32(4, true);
  if (version !== PREPARED_VERSION) throw fail(`format version ${version}, this SDK reads ${PREPARED_VERSION}`);
  const length = view.getUint32(8, true);
  if (12 + length > file.byteLength) throw fail('truncated header');
  let header: PreparedHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + length))) as PreparedHeader;
  } catch (error) {
    throw fail(`header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const within = (at: number, bytes: number) =>
    Number.isInteger(at) && Number.isInteger(bytes) && at >= 12 + length && bytes >= 0 && at + bytes <= file.byteLength;
  if (!within(header.graph?.at, header.graph?.bytes)) throw fail('the graph lies outside the file');
  const segments = Array.isArray(header.segments) ? header.segments : [];
  // No value unpacks to more than 4 bytes from less than 1, plus each tensor's alignment.
  if (!Number.isInteger(header.weightsBytes) || header.weightsBytes > 4 * file.byteLength + 64 * segments.length)
    throw fail(`its weights (${header.weightsBytes} bytes) cannot come from a file of ${file.byteLength}`);
  for (const s of segments) {
    const stored = s.count * storedBytesPerValue(s.encoding);
    if (!within(s.at, stored) || s.offset + s.count * 4 > header.weightsBytes || s.offset % 4 !== 0)
      throw fail(`segment ${s.name} lies outside the file or the weights`);
    const e = s.encoding;
    if (
      e.kind === 'q8' &&
      !(
        e.dims.reduce((a, b) => a * b, 1) === s.count &&
        e.axis >= 0 &&
        e.axis < e.dims.length &&
        e.scales.length === e.dims[e.axis] &&
        e.zeroPoints.length === e.dims[e.axis]
      )
    )
      throw fail(`segment ${s.name}: its int8 scales do not fit its shape`);
  }
  return header;
}

/** The graph and the float32 weights, unpacked. */
export function unpackPreparedModel(file: Uint8Array, name: string): PreparedModel {
  const header = readPreparedHeader(file, name);
  const weights = new Uint8Array(header.weightsBytes);
  const values = new Float32Array(weights.buffer);
  for (const segment of header.segments)
    decodeSegment(file, segment, values.subarray(segment.offset / 4, segment.offset / 4 + segment.count));
  return {
    runtime: header.runtime,
    graph: file.subarray(header.graph.at, header.graph.at + header.graph.bytes),
    weights,
  };
}

export function storedBytesPerValue(encoding: SegmentEncoding): number {
  return encoding.kind === 'f32' ? 4 : encoding.kind === 'f16' ? 2 : 1;
}

function decodeSegment(file: Uint8Array, { at, count, encoding }: PreparedSegment, out: Float32Array): void {
  if (encoding.kind === 'q8') {
    const q = new Int8Array(file.buffer, file.byteOffset + at, count);
    const { dims, axis, scales, zeroPoints } = encoding;
    // Values along `axis` repeat every `inner` elements, `dims[axis]` of them.
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const channels = dims[axis]!;
    const scale = Float32Array.from(scales);
    for (let i = 0; i < count; i++) {
      const c = Math.floor(i / inner) % channels;
      out[i] = (q[i]! - zeroPoints[c]!) * scale[c]!; // a float32 product, as ONNX Runtime's DequantizeLinear
    }
    return;
  }
  // Planes: byte k of every value, then byte k + 1 of every value, …
  const width = storedBytesPerValue(encoding);
  const bytes = new Uint8Array(count * width);
  for (let k = 0; k < width; k++) {
    const plane = file.subarray(at + k * count, at + (k + 1) * count);
    for (let i = 0; i < count; i++) bytes[i * width + k] = plane[i]!;
  }
  if (encoding.kind === 'f32') out.set(new Float32Array(bytes.buffer));
  else {
    const halves = new Uint16Array(bytes.buffer);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i]!);
  }
}

/** IEEE 754 binary16 to a number: exact (every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
