/**
 * Named float32 tensors: the single source of truth for weights. TF.js variables are
 * created from it and written back to it; ONNX initializers are read from it.
 * On disk: `<base>.json` (manifest: name → shape, offset) + `<base>.bin` (little-endian f32, or
 * f16 where a compact copy is worth the rounding: checkpoints committed to git).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { floatToHalf, halfToFloat } from '../onnx/float16.js';
import type { Init } from './ops.js';
import type { Rng } from './rng.js';

export interface ParamEntry {
  shape: number[];
  data: Float32Array;
}

interface Manifest {
  format: 'jadfer.params/v1';
  /** Absent: float32. */
  dtype?: 'float16';
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

export class ParamStore {
  readonly entries = new Map<string, ParamEntry>();

  get(name: string): ParamEntry | undefined {
    return this.entries.get(name);
  }

  /** Returns the entry, or throws with the names that exist (typo guard for the exporter). */
  require(name: string, shape: number[]): ParamEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`param ${name} missing from store (${this.entries.size} params)`);
    if (entry.shape.join(',') !== shape.join(',')) {
      throw new Error(`param ${name}: stored shape [${entry.shape}] but graph asks for [${shape}]`);
    }
    return entry;
  }

  set(name: string, shape: number[], data: Float32Array): void {
    this.entries.set(name, { shape: [...shape], data });
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  get totalCount(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.data.length;
    return n;
  }

  save(base: string, dtype: 'float32' | 'float16' = 'float32'): void {
    const tensors: Manifest['tensors'] = [];
    let offset = 0;
    for (const [name, e] of this.entries) {
      tensors.push({ name, shape: e.shape, offset, length: e.data.length });
      offset += e.data.length;
    }
    const all = dtype === 'float16' ? new Uint16Array(offset) : new Float32Array(offset);
    for (const t of tensors) {
      const data = this.entries.get(t.name)!.data;
      if (all instanceof Float32Array) all.set(data, t.offset);
      else for (let i = 0; i < data.length; i++) all[t.offset + i] = floatToHalf(data[i]!);
    }
    const manifest: Manifest = { format: 'jadfer.params/v1', ...(dtype === 'float16' ? { dtype } : {}), tensors };
    // Write-then-rename so a kill mid-save never leaves a torn checkpoint.
    writeFileSync(`${base}.bin.tmp`, new Uint8Array(all.buffer));
    writeFileSync(`${base}.json.tmp`, JSON.stringify(manifest));
    renameSync(`${base}.bin.tmp`, `${base}.bin`);
    renameSync(`${base}.json.tmp`, `${base}.json`);
  }

  static load(base: string): ParamStore {
    const manifest = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Manifest;
    if (manifest.format !== 'jadfer.params/v1') throw new Error(`${base}.json: unknown format ${manifest.format}`);
    const bytes = readFileSync(`${base}.bin`);
    const raw = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const all =
      manifest.dtype === 'float16' ? Float32Array.from(new Uint16Array(raw), halfToFloat) : new Float32Array(raw);
    const store = new ParamStore();
    for (const t of manifest.tensors) store.set(t.name, t.shape, all.slice(t.offset, t.offset + t.length));
    return store;
  }
}

/** Fills a new tensor according to `init`, drawing from `rng` (deterministic given the seed). */
export function initialValues(shape: number[], init: Init, rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  switch (init.kind) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'normal':
      for (let i = 0; i < size; i++) out[i] = init.std * truncatedNormal(rng);
      break;
    case 'pretrained':
      throw new Error('a pretrained param must be loaded before the model is built (see trunk-tail.ts)');
    case 'xavier': {
      const fanIn = shape.length >= 2 ? shape[shape.length - 2]! : shape[0]!;
      const fanOut = shape[shape.length - 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
      break;
    }
  }
  return out;
}

function truncatedNormal(rng: Rng): number {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return z;
  }
}
