/**
 * Linear probe of candidate backbones on FERPlus (majority vote, 8 classes).
 *
 *   node --import tsx training/backbone/probe.ts [--backbones mobileface,mobilefacenet,faceres]
 *        [--train 3000] [--valid all] [--norm mobilefacenet=0,255] [--tag suffix]
 *        [--engine ort|tfjs] [--threads 1]
 *
 * Features come from the TF.js graph model (`--engine tfjs`, wasm backend) or, by default
 * and ~3-10× faster here, from the same trunk converted to ONNX and run by onnxruntime-node
 * (1 thread); parity.ts shows both agree to ~1e-6 relative. For each backbone: FERPlus 48×48 gray faces are
 * upsampled (bilinear) to the input size, replicated to 3 channels and normalised; every
 * candidate feature map is global-average-pooled. A logistic regression (standardised
 * features, l2 picked on a 20% hold-out of the training subset) is trained on the training
 * subset and scored on the FERPlus validation split. Pooled features are kept under
 * .cache/probe/ and results appended to .cache/probe/results.jsonl.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder, int } from '../onnx/builder.js';
import { initTf, loadGraphModelFromDisk, tf } from './tfjs-env.js';
import { emitBackboneMulti } from './convert/emit.js';
import { loadBackbone } from './convert/tfjs-import.js';
import { CANDIDATES, candidatePath, type BackboneCandidate } from './candidates.js';
import { grayBatch } from './preprocess.js';
import { linearProbe } from './linear-probe.js';
import { loadFerPlusSplit, readFerImage, type FerPlusItem } from '../../common/ferplus.js';
import { FERPLUS_DIR } from '../data/paths.js';
import { scriptArgs } from '../../common/args.js';

const USAGE = `usage: probe.ts [--backbones mobileface,mobilefacenet,faceres] [--train 3000] [--valid all|N]
  [--norm mobilefacenet=0,255;…] [--tag suffix] [--engine ort|tfjs] [--threads 1]`;

/** Deterministic shuffle (mulberry32). */
export function shuffled<T>(xs: readonly T[], seed = 1): T[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function pixelsOf(items: FerPlusItem[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < items.length; i += 64)
    out.push(...(await Promise.all(items.slice(i, i + 64).map((it) => readFerImage(it.path)))));
  return out;
}

/** Same pooled features through the converted ONNX trunk (onnxruntime-node, 1 thread); parity.ts checks it matches TF.js. */
async function pooledFeaturesOrt(cand: BackboneCandidate, faces: Uint8Array[], batch = 32) {
  const tfModel = { ...loadBackbone(cand.name), spec: cand.spec };
  const g = new OnnxGraphBuilder('probe');
  const s = cand.spec.inputSize;
  const input = g.input('input', ['batch', 3, s, s]);
  const outs = emitBackboneMulti(
    g,
    input,
    tfModel,
    cand.features.map((f) => f.node),
  );
  outs.forEach((o, k) => {
    const p = g.op('GlobalAveragePool', [o.output]);
    g.alias(g.op('Flatten', [p], { axis: int(1) }), `pooled${k}`);
    g.output(`pooled${k}`, ['batch', o.shape.c]);
  });
  const sess = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const dims = outs.map((o) => o.shape.c);
  const feats = dims.map((d) => new Float32Array(faces.length * d));
  const t0 = performance.now();
  for (let i = 0; i < faces.length; i += batch) {
    const chunk = faces.slice(i, i + batch);
    const r = await sess.run({
      input: new ort.Tensor('float32', grayBatch(chunk, 48, cand.spec, 'nchw'), [chunk.length, 3, s, s]),
    });
    dims.forEach((d, k) => feats[k]!.set(r[`pooled${k}`]!.data as Float32Array, i * d));
    if ((i / batch) % 25 === 0) process.stdout.write(`  ${cand.name}: ${i + chunk.length}/${faces.length}\r`);
  }
  const secs = (performance.now() - t0) / 1000;
  await sess.release();
  return { feats, dims, imgsPerSec: faces.length / secs, secs };
}

async function pooledFeatures(cand: BackboneCandidate, faces: Uint8Array[], batch = 16) {
  if (engine === 'ort') return pooledFeaturesOrt(cand, faces);
  const { model } = await loadGraphModelFromDisk(candidatePath(cand), cand.spec.inputSize);
  const nodes = cand.features.map((f) => f.node);
  const dims = cand.features.map((f) => f.shape[2]);
  const feats = dims.map((d) => new Float32Array(faces.length * d));
  const s = cand.spec.inputSize;
  const t0 = performance.now();
  for (let i = 0; i < faces.length; i += batch) {
    const chunk = faces.slice(i, i + batch);
    const outs = tf.tidy(() => {
      const x = tf.tensor4d(grayBatch(chunk, 48, cand.spec, 'nhwc'), [chunk.length, s, s, 3]);
      const ys = model.execute(x, nodes) as tf.Tensor4D[];
      return ys.map((y) => tf.mean(y, [1, 2]));
    });
    for (let k = 0; k < nodes.length; k++) feats[k]!.set(await outs[k]!.data(), i * dims[k]!);
    tf.dispose(outs);
    if ((i / batch) % 50 === 0) process.stdout.write(`  ${cand.name}: ${i + chunk.length}/${faces.length}\r`);
  }
  const secs = (performance.now() - t0) / 1000;
  model.dispose();
  return { feats, dims, imgsPerSec: faces.length / secs, secs };
}

let engine: 'tfjs' | 'ort' = 'ort';

async function main() {
  const { values } = scriptArgs({
    usage: USAGE,
    numbers: ['threads', 'train'],
    options: {
      engine: { type: 'string', default: 'ort' },
      threads: { type: 'string', default: '1' },
      backbones: { type: 'string', default: 'mobileface,mobilefacenet,faceres' },
      train: { type: 'string', default: '3000' },
      valid: { type: 'string', default: 'all' },
      tag: { type: 'string', default: '' },
      norm: { type: 'string', default: '' },
    },
  });
  engine = values.engine as 'tfjs' | 'ort';
  const threads = Number(values.threads);
  await initTf('wasm', threads);
  const names = values.backbones.split(',');
  const nTrain = Number(values.train);
  const validArg = values.valid;
  const tag = values.tag;
  const normOverrides = Object.fromEntries(
    values.norm
      .split(';')
      .filter(Boolean)
      .map((kv) => {
        const [k, v] = kv.split('=');
        const [mean, std] = v!.split(',').map(Number);
        return [k!, [mean!, std!] as const];
      }),
  );

  const train = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Train`, { verifyImages: false });
  const valid = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Valid`, { verifyImages: false });
  const trainItems = shuffled(train.items, 1).slice(0, nTrain);
  const validItems = validArg === 'all' ? valid.items : shuffled(valid.items, 2).slice(0, Number(validArg));
  const trainFaces = await pixelsOf(trainItems);
  const validFaces = await pixelsOf(validItems);
  const trainY = Int32Array.from(trainItems.map((i) => i.label));
  const validY = Int32Array.from(validItems.map((i) => i.label));
  console.log(
    `train subset ${trainItems.length}/${train.items.length}, valid ${validItems.length}/${valid.items.length}; engine ${engine} (tfjs ${tf.getBackend()} threads=${threads}); ${cpus().length} cpus (${cpus()[0]?.model})`,
  );
  mkdirSync('.cache/probe', { recursive: true });

  for (const name of names) {
    const base = CANDIDATES[name];
    if (!base) throw new Error(`unknown backbone ${name}`);
    const o = normOverrides[name];
    const cand: BackboneCandidate = o
      ? { ...base, spec: { ...base.spec, mean: [o[0], o[0], o[0]], std: [o[1], o[1], o[1]] } }
      : base;
    const label = `${name}${o ? `[norm ${o[0]},${o[1]}]` : ''}${tag}`;
    const tr = await pooledFeatures(cand, trainFaces);
    const va = await pooledFeatures(cand, validFaces);
    const msPerImg = 1000 / ((tr.imgsPerSec * tr.secs + va.imgsPerSec * va.secs) / (tr.secs + va.secs));
    for (let k = 0; k < cand.features.length; k++) {
      const f = cand.features[k]!;
      const d = tr.dims[k]!;
      writeFileSync(`.cache/probe/${label.replace(/[^\w.-]+/g, '_')}-${k}-train.f32`, tr.feats[k]!);
      writeFileSync(`.cache/probe/${label.replace(/[^\w.-]+/g, '_')}-${k}-valid.f32`, va.feats[k]!);
      const t0 = performance.now();
      const r = linearProbe(tr.feats[k]!, trainY, va.feats[k]!, validY, d);
      const row = {
        backbone: label,
        node: f.node,
        shape: f.shape,
        inputSize: cand.spec.inputSize,
        norm: { mean: cand.spec.mean[0], std: cand.spec.std[0] },
        nTrain: trainY.length,
        nValid: validY.length,
        valAcc: +r.valAcc.toFixed(4),
        holdoutAcc: +r.holdoutAcc.toFixed(4),
        l2: r.l2,
        sweep: r.sweep,
        engine,
        msPerImg: +msPerImg.toFixed(1),
        fitSecs: +((performance.now() - t0) / 1000).toFixed(1),
        date: new Date().toISOString(),
      };
      console.log(JSON.stringify(row));
      appendFileSync('.cache/probe/results.jsonl', JSON.stringify(row) + '\n');
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack?.split('\n').slice(0, 8).join('\n') : e);
  process.exit(1);
});
