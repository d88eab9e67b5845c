/**
 * Train the JADFER heads on cached backbone features, or the whole trunk with them from the faces.
 *
 *   node --import tsx training/train/train.ts --features .cache/features/<backbone> --epochs 30 \
 *     --out runs/<name> [--seed 1] [--resume] [--backend webgpu|wasm|cpu|tensorflow] [--soft-labels]
 *   node --import tsx training/train/train.ts --images ferplus|pack=<dir>|… --backbone faceres-160 \
 *     [--from-node conv1_relu/clip_by_value] [--limit N] --out runs/<name> …
 *     (faces augmented afresh every step, the trunk frozen up to --from-node (default: its stem) and
 *      every block after it trained with the heads; --tail-blocks defaults to all blocks up to the
 *      backbone's feature node. For a GPU: on 2 CPU cores this runs at a few samples per second.)
 *     [--batch 128] [--lr 5e-4] [--weight-decay 0.05] [--variety-weight 0.1] [--label-smoothing 0.1]
 *     [--paths 4] [--dim 128] [--heads 4] [--layers 1] [--jad-ratio 0.1] [--jad-prob 0.5] [--dropout 0.1]
 *     [--tail-blocks 0] [--tail-lr-scale 0.2]   (fine-tune the trunk blocks after the cached node)
 *     [--init-from runs/<name>/best/params]       (start the heads from a finished run)
 *     [--eval-batch 256]  (the epoch-end validation batch; lower it when the whole trunk trains)
 *     [--augment jitter|kiosk]   (kiosk: training/data/augment.ts KIOSK_AUGMENT, on --images runs)
 *     [--teacher models/<name>.json] [--distill-weight 0.7] [--temperature 2]   (distillation, --images runs)
 *     [--teacher-mirror]   (the teacher averages each face's view with its mirror)
 *     [--checkpoint-every N]   (also checkpoint every N steps inside an epoch)
 *     [--committed-checkpoint training/checkpoints/<run>]   (a compact copy of each checkpoint, to commit:
 *      with --resume, a run folder that did not survive the session is rebuilt from it)
 *     [--synthetic]   (writes a small synthetic cache into --features first: a dry run without the backbone)
 *
 * For WebGPU on a machine without a GPU (SwiftShader), start node with LD_LIBRARY_PATH=/usr/lib/chromium.
 */
import { existsSync } from 'node:fs';
import { scriptArgs } from '../../common/args.js';
import type { JadferConfig } from '../model/config.js';
import { BACKENDS, selectBackend, type BackendName } from './backend.js';
import { writeSyntheticFeatures } from './synthetic.js';
import { AUGMENTATIONS, blocksBetween, TRUNK_STEM, type Augmentation } from './images.js';
import { DEFAULT_TRAIN, train } from './trainer.js';

const USAGE = `usage: train.ts (--features <cache dir> | --images <dataset> --backbone <name>) --out runs/<name>
  [--epochs E] [--seed S] [--resume] [--backend ${BACKENDS.join('|')}] [--soft-labels] [--limit N] [--from-node <node>]
  [--batch 128] [--lr 5e-4] [--weight-decay 0.05] [--variety-weight 0.1] [--label-smoothing 0.1] [--warmup-epochs E]
  [--paths 4] [--dim 128] [--heads 4] [--layers 1] [--jad-ratio 0.1] [--jad-prob 0.5] [--dropout 0.1]
  [--tail-blocks 0] [--tail-lr-scale 0.2] [--init-from runs/<name>/best/params] [--log-every N] [--eval-batch 256]
  [--synthetic]
(the header of training/train/train.ts says what each does)`;

const { values } = scriptArgs({
  usage: USAGE,
  numbers: [
    'limit',
    'epochs',
    'seed',
    'batch',
    'lr',
    'weight-decay',
    'variety-weight',
    'label-smoothing',
    'warmup-epochs',
    'paths',
    'dim',
    'heads',
    'layers',
    'jad-ratio',
    'jad-prob',
    'dropout',
    'tail-blocks',
    'tail-lr-scale',
    'log-every',
    'eval-batch',
  ],
  options: {
    features: { type: 'string' },
    images: { type: 'string' },
    backbone: { type: 'string' },
    'from-node': { type: 'string', default: TRUNK_STEM },
    limit: { type: 'string' },
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
    'eval-batch': { type: 'string' },
    synthetic: { type: 'boolean', default: false },
    augment: { type: 'string', default: 'jitter' },
    teacher: { type: 'string' },
    'distill-weight': { type: 'string', default: '0.7' },
    temperature: { type: 'string', default: '2' },
    'teacher-mirror': { type: 'boolean', default: false },
    'checkpoint-every': { type: 'string' },
    'committed-checkpoint': { type: 'string' },
  },
});

if (!(values.features || (values.images && values.backbone)) || !values.out) {
  console.error(USAGE);
  process.exit(2);
}
if (!AUGMENTATIONS.includes(values.augment as Augmentation)) {
  console.error(`--augment must be one of ${AUGMENTATIONS.join(', ')}`);
  process.exit(2);
}
const images = values.images
  ? {
      augment: values.augment as Augmentation,
      dataset: values.images,
      backbone: values.backbone!,
      featureNode: values['from-node'],
      ...(values.limit ? { limit: Number(values.limit) } : {}),
    }
  : undefined;
if (values['teacher-mirror'] && !values.teacher) {
  console.error(`--teacher-mirror needs --teacher\n\n${USAGE}`);
  process.exit(2);
}
if (values.backend && !BACKENDS.includes(values.backend as BackendName)) {
  console.error(`--backend must be one of ${BACKENDS.join(', ')}\n\n${USAGE}`);
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
    tailBlocks: num(values['tail-blocks']) ?? (images ? blocksBetween(images.featureNode, images.backbone) : undefined),
  }).filter(([, v]) => v !== undefined),
);

if (values.synthetic && values.features && !existsSync(`${values.features}/train.json`)) {
  writeSyntheticFeatures(values.features, { h: 7, w: 7, c: 128, classes: 8, train: 4096, valid: 512, seed: 1 });
  console.log(`wrote a synthetic feature cache to ${values.features}`);
}

const backend = await selectBackend(values.backend as BackendName | undefined);
console.log(
  `backend: ${backend.name} (${backend.reason})${backend.skipped.length ? `; skipped ${backend.skipped.join('; ')}` : ''}`,
);

// The wasm backend's Emscripten glue rethrows unhandled rejections and Node then prints its whole
// minified source line; report failures ourselves instead (the stack, without that line).
const result = await train({
  ...DEFAULT_TRAIN,
  ...(values.features ? { features: values.features } : {}),
  ...(images ? { images } : {}),
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
  ...(values.teacher
    ? {
        teacher: {
          card: values.teacher,
          weight: Number(values['distill-weight']),
          temperature: Number(values.temperature),
          // Only when set: a run started without it keeps resuming (its recorded settings are compared).
          ...(values['teacher-mirror'] ? { mirror: true as const } : {}),
        },
      }
    : {}),
  ...(values['checkpoint-every'] ? { checkpointEverySteps: Number(values['checkpoint-every']) } : {}),
  ...(values['committed-checkpoint'] ? { committedCheckpoint: values['committed-checkpoint'] } : {}),
  evalBatch: num(values['eval-batch']) ?? DEFAULT_TRAIN.evalBatch,
  model,
  backend: backend.name,
  ...(backend.device ? { device: backend.device } : {}),
  command: ['node --import tsx training/train/train.ts', ...process.argv.slice(2)].join(' '),
}).catch((error: unknown) => {
  console.error(`train: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
console.log(
  `done: best valid accuracy ${result.state.bestValidAccuracy.toFixed(4)} at epoch ${result.state.bestEpoch}; weights in ${values.out}/best/params.{json,bin}`,
);
