/**
 * Feature cache: runs the chosen backbone over a face-expression dataset and stores its
 * intermediate feature map for head training.
 *
 *   node --import tsx training/backbone/cache-features.ts [--backbone mobilefacenet]
 *        [--splits train,valid] [--engine ort|tfjs] [--backend wasm|webgpu|cpu (tfjs)] [--batch 32]
 *        [--threads 1] [--limit N] [--out .cache/features]
 *        [--dataset ferplus | fer2013-csv=<fer2013.csv> | folder=<root> | pack=<dir>]
 *        [--feature-node <TF node>]   (default: the candidate's first; an earlier node lets the
 *                                      trainer fine-tune the trunk blocks after it, see trunk-tail.ts)
 *
 * Datasets: FERPlus (default; majority vote, votes kept for soft labels), FER2013's csv (Usage
 * Training/PublicTest/PrivateTest = train/valid/test), a folder per class (<root>/<split>/<class>/)
 * or face packs (<dir>/<split>.facepack, training/data/face-pack.ts).
 * Writes, per split (train → FER2013Train, valid → FER2013Valid for FERPlus):
 *   <out>/<backbone>/<split>-<view>.f32   raw little-endian float32, NHWC [n, h, w, c]
 *   <out>/<backbone>/<split>.json         { backbone, featureNode, spec, n, h, w, c, views,
 *                                           files, labels, votes, skipped, ... }
 * Views: `orig` and `flip` (horizontal mirror of the 48×48 face) for train, plus `jitterN` with
 * --views (a seeded small rotation/scale/shift, training/data/augment.ts); `orig` for valid.
 * Row i of every view file belongs to files[i] / labels[i] / votes[i]. The json is written
 * last, so its presence marks a complete split. Default engine: onnxruntime-node on the
 * converted trunk (parity with TF.js checked by parity.ts), the faster one here.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CANDIDATES, candidatePath } from './candidates.js';
import { grayBatch } from './preprocess.js';
import { backboneToOnnx } from './convert/emit.js';
import { DEFAULT_BACKBONE, loadBackbone } from './convert/tfjs-import.js';
import { jitterFace } from '../data/augment.js';
import type { DatasetItem } from '../data/dataset.js';
import { loadDataset, readOrSkip, SPLIT_DIRS } from '../data/datasets.js';
import type { BackendName } from '../train/backend.js';
import { scriptArgs } from '../../common/args.js';

const USAGE = `usage: cache-features.ts [--backbone faceres-112] [--splits valid,train] [--engine ort|tfjs]
  [--backend wasm|webgpu|cpu] [--batch 32] [--threads 1] [--limit N] [--out .cache/features] [--views orig,flip,jitter1]
  [--dataset ferplus|fer2013-csv=<file>|folder=<root>|pack=<dir>] [--feature-node <TF node>] [--force]`;

const { values: flags } = scriptArgs({
  usage: USAGE,
  numbers: ['threads', 'batch', 'limit'],
  options: {
    backbone: { type: 'string', default: DEFAULT_BACKBONE },
    engine: { type: 'string', default: 'ort' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    limit: { type: 'string', default: 'Infinity' },
    out: { type: 'string', default: '.cache/features' },
    'feature-node': { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    splits: { type: 'string', default: 'valid,train' },
    dataset: { type: 'string', default: 'ferplus' },
    views: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
});

const VIEWS: Record<string, string[]> = { train: ['orig', 'flip'], valid: ['orig'] };

export interface FeatureSplitMeta {
  backbone: string;
  featureNode: string;
  spec: { inputSize: number; color: string; mean: number[]; std: number[] };
  split: string;
  source: string;
  layout: 'NHWC';
  dtype: 'float32';
  n: number;
  h: number;
  w: number;
  c: number;
  views: string[];
  files: string[];
  labels: number[];
  votes: number[][];
  skipped: Record<string, number>;
  engine: string;
  imgsPerSec: number;
  createdAt: string;
}

type Runner = (batch: Float32Array, n: number) => Promise<Float32Array>; // NCHW in → NHWC out

async function ortRunner(
  name: string,
  threads: number,
  featureNode?: string,
): Promise<{ run: Runner; shape: { c: number; h: number; w: number }; featureNode: string }> {
  const model = loadBackbone(name, { featureNode });
  const { bytes, shape } = backboneToOnnx(model);
  const ort = await import('onnxruntime-node'); // native: loaded only for this engine
  const sess = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const s = model.spec.inputSize;
  const { c, h, w } = shape;
  return {
    shape,
    featureNode: model.featureNode,
    async run(x, n) {
      const r = await sess.run({ input: new ort.Tensor('float32', x, [n, 3, s, s]) });
      const nchw = r.features!.data as Float32Array;
      const out = new Float32Array(n * c * h * w);
      for (let b = 0; b < n; b++)
        for (let k = 0; k < c; k++)
          for (let p = 0; p < h * w; p++) out[(b * h * w + p) * c + k] = nchw[(b * c + k) * h * w + p]!;
      return out;
    },
  };
}

/** TF.js on `backend` (wasm by default; webgpu where a GPU is, e.g. a lent machine without onnxruntime-node). */
async function tfjsRunner(
  name: string,
  threads: number,
  backend: BackendName,
  featureNode?: string,
): Promise<{ run: Runner; shape: { c: number; h: number; w: number }; featureNode: string }> {
  const { initTf, loadGraphModelFromDisk, tf } = await import('./tfjs-env.js');
  if (backend === 'wasm' || backend === 'cpu') await initTf(backend, threads);
  else await (await import('../train/backend.js')).selectBackend(backend);
  const cand = CANDIDATES[name]!;
  const { model } = await loadGraphModelFromDisk(candidatePath(cand), cand.spec.inputSize);
  const node = featureNode ?? cand.features[0]!.node;
  const s = cand.spec.inputSize;
  const [, h, w, c] = tf.tidy(
    () => (model.execute(tf.zeros([1, s, s, 3]), node) as import('@tensorflow/tfjs').Tensor).shape,
  ) as [number, number, number, number];
  return {
    shape: { c, h, w },
    featureNode: node,
    async run(x, n) {
      // input arrives NCHW; tfjs wants NHWC
      const t = tf.tidy(() => tf.transpose(tf.tensor4d(x, [n, 3, s, s]), [0, 2, 3, 1]));
      const y = model.execute(t, node) as import('@tensorflow/tfjs').Tensor;
      const out = (await y.data()) as Float32Array;
      tf.dispose([t, y]);
      return out;
    },
  };
}

async function cacheSplit(
  split: string,
  name: string,
  engine: string,
  runner: Awaited<ReturnType<typeof ortRunner>>,
  outDir: string,
  batch: number,
  limit: number,
) {
  const loaded = await loadDataset(flags.dataset, split, limit);
  if (Number.isFinite(limit)) loaded.items.splice(limit);
  const skipped = loaded.skipped;
  // --views orig,flip,jitter1,jitter2 adds augmented train views (training/data/augment.ts).
  const views = split === 'train' ? (flags.views ?? VIEWS.train!.join(',')).split(',') : VIEWS[split]!;
  const spec = CANDIDATES[name]!.spec;
  const { c, h, w } = runner.shape;
  const tmp = (v: string) => join(outDir, `${split}-${v}.f32.partial`);
  const fds = Object.fromEntries(views.map((v) => [v, openSync(tmp(v), 'w')]));
  const kept: DatasetItem[] = [];
  const t0 = performance.now();
  let done = 0;
  for (let i = 0; i < loaded.items.length; i += batch) {
    const chunk = loaded.items.slice(i, i + batch);
    const faces: Uint8Array[] = [];
    for (const it of chunk) {
      const face = await readOrSkip(it, skipped);
      if (!face) continue;
      faces.push(face);
      kept.push(it);
    }
    if (faces.length === 0) continue;
    for (const v of views) {
      const jitter = /^jitter(\d+)$/.exec(v);
      const input = jitter ? faces.map((face, k) => jitterFace(face, i + k, Number(jitter[1]))) : faces;
      const feats = await runner.run(grayBatch(input, 48, spec, 'nchw', v === 'flip'), faces.length);
      writeSync(fds[v]!, new Uint8Array(feats.buffer, feats.byteOffset, feats.byteLength));
    }
    done += faces.length;
    if ((i / batch) % 20 === 0 || i + batch >= loaded.items.length) {
      const secs = (performance.now() - t0) / 1000;
      const rate = (done * views.length) / secs;
      const eta = ((loaded.items.length - i - chunk.length) * views.length) / rate;
      console.log(
        `${split}: ${done}/${loaded.items.length} images × ${views.length} views, ${rate.toFixed(1)} img/s, ETA ${(eta / 60).toFixed(1)} min`,
      );
    }
  }
  for (const v of views) {
    closeSync(fds[v]!);
    renameSync(tmp(v), join(outDir, `${split}-${v}.f32`));
  }
  const imgsPerSec = (done * views.length) / ((performance.now() - t0) / 1000);
  const meta: FeatureSplitMeta = {
    backbone: name,
    featureNode: runner.featureNode,
    spec,
    split,
    source: SPLIT_DIRS[split]!,
    layout: 'NHWC',
    dtype: 'float32',
    n: kept.length,
    h,
    w,
    c,
    views,
    files: kept.map((k) => k.file),
    labels: kept.map((k) => k.label),
    votes: kept.map((k) => k.votes),
    skipped,
    engine,
    imgsPerSec: +imgsPerSec.toFixed(2),
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(outDir, `${split}.json`), JSON.stringify(meta));
  console.log(JSON.stringify({ split, n: meta.n, h, w, c, views, skipped, imgsPerSec: meta.imgsPerSec }));
}

async function main() {
  const name = flags.backbone;
  const engine = flags.engine;
  const threads = Number(flags.threads);
  const batch = Number(flags.batch);
  const limit = Number(flags.limit);
  const outDir = join(flags.out, name);
  mkdirSync(outDir, { recursive: true });
  const featureNode = flags['feature-node'];
  const backend = flags.backend as BackendName;
  const runner =
    engine === 'tfjs'
      ? await tfjsRunner(name, threads, backend, featureNode)
      : await ortRunner(name, threads, featureNode);
  const on = engine === 'tfjs' ? ` (${backend})` : '';
  console.log(
    `backbone ${name} → ${runner.featureNode} [h=${runner.shape.h}, w=${runner.shape.w}, c=${runner.shape.c}], engine ${engine}${on}, ${threads} thread(s), out ${outDir}`,
  );
  for (const split of flags.splits.split(',')) {
    if (!SPLIT_DIRS[split]) throw new Error(`unknown split ${split}`);
    if (existsSync(join(outDir, `${split}.json`)) && !flags.force) {
      console.log(`${split}: already cached (use --force to redo)`);
      continue;
    }
    await cacheSplit(split, name, engine, runner, outDir, batch, limit);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack?.split('\n').slice(0, 8).join('\n') : e);
  process.exit(1);
});
