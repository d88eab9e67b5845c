/**
 * Reader for the backbone feature cache written by training/backbone:
 *   <dir>/<split>.json           {backbone, n, h, w, c, files, labels, votes, skipped}
 *   <dir>/<split>-<view>.f32     raw little-endian float32, NHWC [n, h, w, c]
 * Files that fit comfortably are read once; larger ones (train at C=512 is ~2.8 GB per view)
 * are read per sample with positioned reads, which the page cache serves after the first epoch.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor4D } from '@tensorflow/tfjs';
import type { Rng } from '../model/rng.js';

export interface SplitMeta {
  backbone: string;
  /** The trunk node the features were taken at (absent in synthetic caches). */
  featureNode?: string;
  n: number;
  h: number;
  w: number;
  c: number;
  files: string[];
  labels: number[];
  /** n × 10: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF. */
  votes: number[][];
  skipped?: unknown;
}

export const EMOTION_VOTES = 8;
const IN_MEMORY_LIMIT = 1 << 30; // bytes

export class FeatureView {
  private readonly fd: number;
  private readonly resident?: Float32Array;
  readonly sampleFloats: number;

  constructor(
    readonly path: string,
    readonly meta: SplitMeta,
  ) {
    this.sampleFloats = meta.h * meta.w * meta.c;
    this.fd = openSync(path, 'r');
    const size = fstatSync(this.fd).size;
    if (size !== meta.n * this.sampleFloats * 4) {
      throw new Error(`${path}: ${size} bytes, expected n·h·w·c·4 = ${meta.n * this.sampleFloats * 4}`);
    }
    if (size <= IN_MEMORY_LIMIT) {
      const bytes = readFileSync(path);
      this.resident = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    }
  }

  /** Copies sample `index` into `out` at float offset `at`. */
  read(index: number, out: Float32Array, at: number): void {
    if (this.resident) {
      out.set(this.resident.subarray(index * this.sampleFloats, (index + 1) * this.sampleFloats), at);
      return;
    }
    const bytes = this.sampleFloats * 4;
    const target = new Uint8Array(out.buffer, out.byteOffset + at * 4, bytes);
    let done = 0;
    while (done < bytes) done += readSync(this.fd, target, done, bytes - done, index * bytes + done);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * What the trainer reads, per split: cached feature maps (FeatureSplit), or faces augmented online and
 * run through the frozen start of the trunk (ImageSplit, images.ts). `meta.h/w/c` is the map it yields.
 */
export interface TrainingSplit {
  readonly meta: SplitMeta;
  /** Distinct views a training sample can take; 0 when each is drawn fresh (online augmentation). */
  readonly viewCount: number;
  batch(indices: number[], rng?: Rng): Promise<Float32Array | Tensor4D>;
  close(): void;
}

/** Targets [batch, classes]: majority one-hot with label smoothing, or the vote distribution. */
export function targets(
  meta: SplitMeta,
  indices: number[],
  classes: number,
  soft: boolean,
  smoothing: number,
): Float32Array {
  const out = new Float32Array(indices.length * classes);
  indices.forEach((index, i) => {
    const votes = meta.votes[index]?.slice(0, EMOTION_VOTES);
    const total = votes ? votes.reduce((a, b) => a + b, 0) : 0;
    if (soft && votes && total > 0) {
      for (let k = 0; k < classes; k++) out[i * classes + k] = (votes[k] ?? 0) / total;
    } else {
      for (let k = 0; k < classes; k++) out[i * classes + k] = smoothing / classes;
      out[i * classes + meta.labels[index]!]! += 1 - smoothing;
    }
  });
  return out;
}

export class FeatureSplit implements TrainingSplit {
  readonly views: FeatureView[];

  constructor(
    readonly meta: SplitMeta,
    views: FeatureView[],
  ) {
    this.views = views;
  }

  /** Opens the split's cached views: by default every view the cache lists (orig, flip, jitterN…). */
  static open(dir: string, split: string, wantViews?: string[]): FeatureSplit {
    const meta = JSON.parse(readFileSync(join(dir, `${split}.json`), 'utf8')) as SplitMeta & { views?: string[] };
    wantViews ??= meta.views ?? ['orig', 'flip'];
    if (meta.labels.length !== meta.n) throw new Error(`${split}.json: ${meta.labels.length} labels for n=${meta.n}`);
    const views = wantViews
      .filter((v) => existsSync(join(dir, `${split}-${v}.f32`)))
      .map((v) => new FeatureView(join(dir, `${split}-${v}.f32`), meta));
    if (views.length === 0) throw new Error(`${dir}: no ${split}-<view>.f32 files`);
    return new FeatureSplit(meta, views);
  }

  get viewCount(): number {
    return this.views.length;
  }

  get sampleFloats(): number {
    return this.meta.h * this.meta.w * this.meta.c;
  }

  /** Gathers samples (index, view) into one NHWC batch buffer. */
  gather(indices: number[], views: number[]): Float32Array {
    const out = new Float32Array(indices.length * this.sampleFloats);
    indices.forEach((index, i) => this.views[views[i] ?? 0]!.read(index, out, i * this.sampleFloats));
    return out;
  }

  /** The model input for these samples: a random cached view each when training (`rng`), the original otherwise. */
  async batch(indices: number[], rng?: Rng): Promise<Float32Array> {
    return this.gather(indices, rng ? indices.map(() => rng.int(this.views.length)) : []);
  }

  close(): void {
    for (const v of this.views) v.close();
  }
}
