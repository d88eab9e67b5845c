/**
 * `npm run build` step: each model in dist/models/ prepared for the WASM backend
 * (src/engine/prepared-model.ts says why and how). ONNX Runtime's own optimiser, onnxruntime-node of
 * the same version as onnxruntime-web, runs with the options the engine would use in the browser, at
 * level 'extended' (the last level that is the same on every machine: 'all' adds layouts for this
 * CPU's vector width, which the browser's WASM build does not have). Its float32 weights are packed
 * and checked to unpack bit for bit; the card in dist/ gets a `prepared` entry (file, sha256, bytes, runtime).
 * models/ is not touched: the shipped model, its card and its sha256 stay as they are.
 *
 * Usage: node --import tsx scripts/prepare-models.ts [dist/models]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { WASM_GRAPH_OPTIONS } from '../src/engine/onnx-runtime.js';
import {
  halfToFloat,
  PREPARED_MAGIC,
  PREPARED_VERSION,
  PREPARED_WEIGHTS_PATH,
  unpackPreparedModel,
  type PreparedHeader,
  type PreparedSegment,
  type SegmentEncoding,
} from '../src/engine/prepared-model.js';

const { onnx } = onnxProto;
type Tensor = onnxProto.onnx.TensorProto;
const FLOAT = 1;
const EXTERNAL = 1;
/** Smaller float32 tensors stay in the graph. */
const MIN_EXTERNAL_VALUES = 64;
/** Every tensor's place in the external data is aligned to this. */
const ALIGN = 64;

const versionOf = (name: string) =>
  (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;

/** A model's int8 weights as its DequantizeLinear nodes read them: what a folded tensor may be made of. */
interface Dequantization {
  scales: Float32Array;
  zeroPoints: Int8Array;
}

export async function prepareModel(
  modelPath: string,
  name: string,
): Promise<{ file: Uint8Array; header: PreparedHeader }> {
  const runtime = versionOf('onnxruntime-web');
  if (versionOf('onnxruntime-node') !== runtime)
    throw new Error(
      `prepare-models: onnxruntime-node ${versionOf('onnxruntime-node')} and onnxruntime-web ${runtime} differ; a graph optimised by one may not run in the other`,
    );
  const ort = await import('onnxruntime-node');
  const scratch = mkdtempSync(join(tmpdir(), 'jadfer-prepare-'));
  let optimised: Uint8Array;
  try {
    const out = join(scratch, `${name}.onnx`);
    const session = await ort.InferenceSession.create(modelPath, {
      ...WASM_GRAPH_OPTIONS,
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: out,
    } as never);
    await session.release();
    optimised = readFileSync(out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const model = onnx.ModelProto.decode(optimised);
  const dequantizations = dequantizationsOf(onnx.ModelProto.decode(readFileSync(modelPath)));

  const segments: Omit<PreparedSegment, 'at'>[] = [];
  const payloads: Uint8Array[] = [];
  const expected: Float32Array[] = [];
  let weightsBytes = 0;
  for (const tensor of model.graph!.initializer as Tensor[]) {
    if (tensor.dataType !== FLOAT || tensor.dataLocation === EXTERNAL) continue;
    const values = floatsOf(tensor);
    if (values.length < MIN_EXTERNAL_VALUES) continue;
    const dims = tensor.dims.map(Number);
    const encoding = smallestExactEncoding(values, dims, dequantizations);
    const offset = weightsBytes;
    weightsBytes = Math.ceil((offset + values.length * 4) / ALIGN) * ALIGN;
    segments.push({ name: tensor.name, offset, count: values.length, encoding });
    payloads.push(encode(values, encoding));
    expected.push(values);
    tensor.rawData = new Uint8Array(0);
    tensor.floatData = [];
    tensor.dataLocation = EXTERNAL;
    tensor.externalData = [
      { key: 'location', value: PREPARED_WEIGHTS_PATH },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(values.length * 4) },
    ].map((entry) => onnx.StringStringEntryProto.create(entry));
  }
  const graph = onnx.ModelProto.encode(model).finish();

  // The header holds the places of what follows it, so its length is settled first (places padded).
  const place = (headerBytes: number) => {
    let at = align4(12 + headerBytes);
    const graphAt = at;
    at = align4(at + graph.byteLength);
    const placed = segments.map((segment, i) => {
      const s = { ...segment, at };
      at = align4(at + payloads[i]!.byteLength);
      return s;
    });
    const header: PreparedHeader = {
      runtime,
      graph: { at: graphAt, bytes: graph.byteLength },
      weightsBytes,
      segments: placed,
    };
    return { header, total: at };
  };
  let headerBytes = 0;
  let placed = place(0);
  for (;;) {
    const json = new TextEncoder().encode(JSON.stringify(placed.header));
    if (json.byteLength <= headerBytes) break;
    headerBytes = json.byteLength + 64; // room for the places' own digits
    placed = place(headerBytes);
  }
  const { header, total } = placed;
  const file = new Uint8Array(total);
  const view = new DataView(file.buffer);
  file.set(new TextEncoder().encode(PREPARED_MAGIC), 0);
  view.setUint32(4, PREPARED_VERSION, true);
  const json = new TextEncoder().encode(JSON.stringify(header).padEnd(headerBytes, ' '));
  view.setUint32(8, json.byteLength, true);
  file.set(json, 12);
  file.set(graph, header.graph.at);
  header.segments.forEach((segment, i) => file.set(payloads[i]!, segment.at));

  // What the engine will unpack must be, bit for bit, what ONNX Runtime's optimiser wrote.
  const unpacked = unpackPreparedModel(file, name);
  const weights = new Float32Array(unpacked.weights.buffer);
  header.segments.forEach((segment, i) => {
    const got = new Uint32Array(weights.buffer, segment.offset, segment.count);
    const want = new Uint32Array(expected[i]!.buffer, expected[i]!.byteOffset, segment.count);
    if (got.some((bits, k) => bits !== want[k]))
      throw new Error(`prepare-models: ${name}: ${segment.name} (${segment.encoding.kind}) does not unpack exactly`);
  });
  return { file, header };
}

function dequantizationsOf(model: onnxProto.onnx.ModelProto): Dequantization[] {
  const initializers = new Map((model.graph!.initializer as Tensor[]).map((t) => [t.name, t]));
  const found: Dequantization[] = [];
  for (const node of model.graph!.node ?? []) {
    if (node.opType !== 'DequantizeLinear') continue;
    const [x, scale, zeroPoint] = (node.input ?? []).map((input) => initializers.get(input));
    if (!x || !scale || x.dataType !== 3 /* INT8 */) continue;
    const scales = floatsOf(scale);
    const zeroPoints = zeroPoint ? new Int8Array(bytesOf(zeroPoint)) : new Int8Array(scales.length);
    found.push({ scales, zeroPoints });
  }
  return found;
}

/** q8 with one of the model's own scale sets where every value is one exactly, else f16, else f32. */
export function smallestExactEncoding(
  values: Float32Array,
  dims: number[],
  dequantizations: Dequantization[],
): SegmentEncoding {
  for (const { scales, zeroPoints } of dequantizations)
    for (let axis = 0; axis < dims.length; axis++) {
      if (dims[axis] !== scales.length) continue;
      const encoding: SegmentEncoding = {
        kind: 'q8',
        dims,
        axis,
        scales: Array.from(scales),
        zeroPoints: Array.from(zeroPoints),
      };
      if (quantize(values, encoding)) return encoding;
    }
  if (values.every((v) => Object.is(halfToFloat(floatToHalf(v)), v))) return { kind: 'f16' };
  return { kind: 'f32' };
}

/** The int8 values, or undefined where one value is not exactly (q − zp) × scale. */
function quantize(values: Float32Array, encoding: Extract<SegmentEncoding, { kind: 'q8' }>): Int8Array | undefined {
  const { dims, axis, scales, zeroPoints } = encoding;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const scale = Float32Array.from(scales);
  const q = new Int8Array(values.length);
  const back = new Float32Array(1);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % dims[axis]!;
    const level = Math.round(values[i]! / scale[c]!) + zeroPoints[c]!;
    if (!(level >= -128 && level <= 127)) return undefined;
    back[0] = (level - zeroPoints[c]!) * scale[c]!;
    if (!Object.is(back[0], values[i])) return undefined;
    q[i] = level;
  }
  return q;
}

/** The packed bytes: int8 as they are; floats as byte planes (prepared-model.ts). */
function encode(values: Float32Array, encoding: SegmentEncoding): Uint8Array {
  if (encoding.kind === 'q8') return new Uint8Array(quantize(values, encoding)!.buffer);
  const width = encoding.kind === 'f32' ? 4 : 2;
  const bytes =
    encoding.kind === 'f32'
      ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
      : new Uint8Array(Uint16Array.from(values, floatToHalf).buffer);
  const planes = new Uint8Array(values.length * width);
  for (let k = 0; k < width; k++)
    for (let i = 0; i < values.length; i++) planes[k * values.length + i] = bytes[i * width + k]!;
  return planes;
}

/** A number to binary16 bits; exact for every value a half can hold (the only ones used). */
export function floatToHalf(value: number): number {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (Number.isNaN(value)) return 0x7e00;
  if (abs === Infinity) return sign | 0x7c00;
  if (abs < 2 ** -14) return sign | Math.round(abs / 2 ** -24); // subnormal (or zero)
  const exponent = Math.floor(Math.log2(abs));
  const fraction = Math.round((abs / 2 ** exponent - 1) * 1024);
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | Math.min(fraction, 1023);
}

function floatsOf(tensor: Tensor): Float32Array {
  if (tensor.rawData?.length) return new Float32Array(bytesOf(tensor));
  return Float32Array.from(tensor.floatData);
}

/** A copy of the tensor's raw bytes (aligned, owned). */
function bytesOf(tensor: Tensor): ArrayBuffer {
  return Uint8Array.from(tensor.rawData).buffer;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every card in `folder` whose model is an .onnx file there gets its prepared file. */
export async function prepareFolder(folder: string): Promise<void> {
  for (const cardFile of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
    const cardPath = join(folder, cardFile);
    const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { file?: string; prepared?: unknown };
    if (typeof card.file !== 'string' || !card.file.endsWith('.onnx')) continue;
    const name = card.file.slice(0, -'.onnx'.length);
    const started = performance.now();
    const { file, header } = await prepareModel(join(folder, card.file), name);
    const prepared = `${name}.prepared.bin`;
    writeFileSync(join(folder, prepared), file);
    card.prepared = { file: prepared, sha256: sha256(file), bytes: file.byteLength, runtime: header.runtime };
    writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    const kinds = header.segments.reduce<Record<string, number>>(
      (n, s) => ({ ...n, [s.encoding.kind]: (n[s.encoding.kind] ?? 0) + 1 }),
      {},
    );
    console.log(
      `prepared ${prepared}: ${(file.byteLength / 1e6).toFixed(2)} MB (${header.segments.length} weight tensors: ${Object.entries(
        kinds,
      )
        .map(([k, n]) => `${n} ${k}`)
        .join(
          ', ',
        )}; ${(header.weightsBytes / 1e6).toFixed(2)} MB as float32) in ${(performance.now() - started).toFixed(0)} ms`,
    );
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await prepareFolder(process.argv[2] ?? 'dist/models');
}
