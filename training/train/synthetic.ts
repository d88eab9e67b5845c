/**
 * A small synthetic feature cache in the real format, for tests and dry runs while the
 * backbone cache does not exist. Each class lights up its own spatial cell and channel
 * group, so the heads can learn it quickly; the flip view mirrors the map horizontally.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../model/rng.js';
import type { SplitMeta } from './features.js';

export interface SyntheticSpec {
  h: number;
  w: number;
  c: number;
  classes: number;
  train: number;
  valid: number;
  seed: number;
  noise?: number;
}

export function writeSyntheticFeatures(dir: string, spec: SyntheticSpec): void {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(spec.seed);
  for (const [split, n, views] of [
    ['train', spec.train, ['orig', 'flip']],
    ['valid', spec.valid, ['orig']],
  ] as const) {
    const labels = Array.from({ length: n }, () => rng.int(spec.classes));
    const votes = labels.map((label) => {
      const v = new Array<number>(10).fill(0);
      v[label] = 7 + rng.int(4);
      v[(label + 1) % spec.classes] = 10 - v[label]!;
      return v;
    });
    const orig = new Float32Array(n * spec.h * spec.w * spec.c);
    labels.forEach((label, i) => fillSample(orig, i, label, spec, rng));
    writeFileSync(join(dir, `${split}-orig.f32`), new Uint8Array(orig.buffer));
    if (views.includes('flip' as never))
      writeFileSync(join(dir, `${split}-flip.f32`), new Uint8Array(flipW(orig, n, spec).buffer));
    const meta: SplitMeta = {
      backbone: 'synthetic',
      n,
      h: spec.h,
      w: spec.w,
      c: spec.c,
      files: labels.map((_, i) => `synthetic${i}.png`),
      labels,
      votes,
      skipped: 0,
    };
    writeFileSync(join(dir, `${split}.json`), JSON.stringify(meta));
  }
}

function fillSample(out: Float32Array, i: number, label: number, spec: SyntheticSpec, rng: Rng): void {
  const { h, w, c } = spec;
  const base = i * h * w * c;
  for (let j = 0; j < h * w * c; j++) out[base + j] = (spec.noise ?? 1) * rng.normal();
  const cell = label % (h * w);
  const group = Math.max(1, Math.floor(c / spec.classes));
  // A global cue (every position) plus a local one (the class's own cell).
  for (let t = 0; t < h * w; t++) {
    for (let ch = 0; ch < group; ch++) out[base + t * c + ((label * group + ch) % c)]! += t === cell ? 3 : 1;
  }
}

function flipW(src: Float32Array, n: number, { h, w, c }: SyntheticSpec): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const from = ((i * h + y) * w + x) * c;
        const to = ((i * h + y) * w + (w - 1 - x)) * c;
        out.set(src.subarray(from, from + c), to);
      }
    }
  }
  return out;
}
