/**
 * Train the JADFER heads on cached backbone features.
 *
 *   node --import tsx training/train/train.ts --features .cache/features/<backbone> --epochs 30 \
 *     --out runs/<name> [--seed 1] [--resume] [--backend webgpu|wasm|cpu|tensorflow] [--soft-labels]
 *     [--batch 128] [--lr 5e-4] [--weight-decay 0.05] [--variety-weight 0.1] [--label-smoothing 0.1]
 *     [--paths 4] [--dim 128] [--heads 4] [--layers 1] [--jad-ratio 0.1] [--jad-prob 0.5] [--dropout 0.1]
 *     [--tail-blocks 0] [--tail-lr-scale 0.2]   (fine-tune the trunk blocks after the cached node)
 *     [--init-from runs/<name>/best/params]       (start the heads from a finished run)
 *     [--synthetic]   (writes a small synthetic cache into --features first: a dry run without the backbone)
 *
 * For WebGPU on a machine without a GPU (SwiftShader), start node with LD_LIBRARY_PATH=/usr/lib/chromium.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JadferConfig } from '../model/config.js';
import { BACKENDS, selectBackend, type BackendName } from './backend.js';
import { writeSyntheticFeatures } from './synthetic.js';
import { DEFAULT_TRAIN, train } from './trainer.js';

const { values } = parseArgs({
  options: {
    features: { type: 'string' },
    epochs: { type: 'string', default: '30' },
    out: { type: 'string' },
    seed: { type: 'string', default: String(DEFAULT_TRAIN.seed) },
    resume: { type: 'boolean', default: false },
    backend: { type: 'string' },
    'soft-labels': { type: 'boolean', default: false },
    batch: { type: 'string' },
    lr: { type: 'string' },
    'weight-decay': { type: 'string' },
    'variety-weight': { type: 'string' },
    'label-smoothing': { type: 'string' },
    'warmup-epochs': { type: 'string' },
    paths: { type: 'string' },
    dim: { type: 'string' },
    heads: { type: 'string' },
    layers: { type: 'string' },
    'jad-ratio': { type: 'string' },
    'jad-prob': { type: 'string' },
    dropout: { type: 'string' },
    'tail-blocks': { type: 'string' },
    'tail-lr-scale': { type: 'string' },
    'init-from': { type: 'string' },
    'log-every': { type: 'string' },
    synthetic: { type: 'boolean', default: false },
  },
});

if (!values.features || !values.out) {
  console.error('usage: train.ts --features <cache dir> --out runs/<name> [--epochs E] [--seed S] [--resume] [--backend ...] [--soft-labels]');
  process.exit(2);
}
if (values.backend && !BACKENDS.includes(values.backend as BackendName)) {
  console.error(`--backend must be one of ${BACKENDS.join(', ')}`);
  process.exit(2);
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const model: Partial<JadferConfig> = Object.fromEntries(
  Object.entries({
    paths: num(values.paths),
    dim: num(values.dim),
    heads: num(values.heads),
    layers: num(values.layers),
    jadRatio: num(values['jad-ratio']),
    jadProb: num(values['jad-prob']),
    dropout: num(values.dropout),
    tailBlocks: num(values['tail-blocks']),
  }).filter(([, v]) => v !== undefined),
);

if (values.synthetic && !existsSync(`${values.features}/train.json`)) {
  writeSyntheticFeatures(values.features, { h: 7, w: 7, c: 128, classes: 8, train: 4096, valid: 512, seed: 1 });
  console.log(`wrote a synthetic feature cache to ${values.features}`);
}

const backend = await selectBackend(values.backend as BackendName | undefined);
console.log(`backend: ${backend.name} (${backend.reason})${backend.skipped.length ? `; skipped ${backend.skipped.join('; ')}` : ''}`);

// The wasm backend's Emscripten glue rethrows unhandled rejections and Node then prints its whole
// minified source line; report failures ourselves instead (the stack, without that line).
const result = await train({
  ...DEFAULT_TRAIN,
  features: values.features,
  out: values.out,
  epochs: Number(values.epochs),
  seed: Number(values.seed),
  resume: values.resume,
  softLabels: values['soft-labels'],
  batchSize: num(values.batch) ?? DEFAULT_TRAIN.batchSize,
  lr: num(values.lr) ?? DEFAULT_TRAIN.lr,
  weightDecay: num(values['weight-decay']) ?? DEFAULT_TRAIN.weightDecay,
  varietyWeight: num(values['variety-weight']) ?? DEFAULT_TRAIN.varietyWeight,
  labelSmoothing: num(values['label-smoothing']) ?? DEFAULT_TRAIN.labelSmoothing,
  warmupEpochs: num(values['warmup-epochs']) ?? DEFAULT_TRAIN.warmupEpochs,
  tailLrScale: num(values['tail-lr-scale']) ?? DEFAULT_TRAIN.tailLrScale,
  ...(values['init-from'] ? { initFrom: values['init-from'] } : {}),
  logEvery: num(values['log-every']) ?? DEFAULT_TRAIN.logEvery,
  model,
  backend: backend.name,
  ...(backend.device ? { device: backend.device } : {}),
  command: ['node --import tsx training/train/train.ts', ...process.argv.slice(2)].join(' '),
}).catch((error: unknown) => {
  console.error(`train: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
console.log(`done: best valid accuracy ${result.state.bestValidAccuracy.toFixed(4)} at epoch ${result.state.bestEpoch}; weights in ${values.out}/best/params.{json,bin}`);
