/** The expression classifier: one model session, fed aligned faces as its model card says. */
import { JadferError } from '../contract/errors.js';
import type { EngineOptions } from '../contract/options.js';
import type { Backend } from '../contract/types.js';
import type { ClassifierCard } from './model-card.js';
import type { ModelSession, ModelSource, OnnxRuntime } from './onnx-runtime.js';

export class Classifier {
  private constructor(
    private readonly session: ModelSession,
    readonly card: ClassifierCard,
    /** Classify each face with its mirror image and average the two (create()'s `mirror` option). */
    readonly mirror: boolean,
    /** Added to the logits before the softmax: the card's logit adjustment taken out (`priors: 'unadjusted'`). */
    private readonly logitShift: Float32Array | undefined,
  ) {}

  static async create(
    runtime: OnnxRuntime,
    model: ModelSource,
    card: ClassifierCard,
    { mirror, priors }: Pick<EngineOptions, 'mirror' | 'priors'>,
  ): Promise<Classifier> {
    const session = await runtime.open(model, card.name, {
      inputs: [card.input.name],
      outputs: [card.output.name],
      shapes: { [card.input.name]: card.input.shape },
    });
    return new Classifier(session, card, mirror, priors === 'unadjusted' ? trainingPriorShift(card) : undefined);
  }

  get backend(): Backend {
    return this.session.backend;
  }

  get elementsPerFace(): number {
    const [, c, h, w] = this.card.input.shape;
    return c * h * w;
  }

  /** Runs `count` preprocessed faces; one batched run when the model allows it. Returns probabilities. */
  async classify(batch: Float32Array, count: number): Promise<Float32Array[]> {
    if (count === 0) return [];
    if (!this.mirror) return this.classifyViews(batch, count);
    // Faces and their mirror images as one batch: twice the faces, one run.
    const both = new Float32Array(batch.length * 2);
    both.set(batch);
    mirrorFaces(batch, both.subarray(batch.length), count, this.card.input.layout, this.card.input.shape);
    const scores = await this.classifyViews(both, count * 2, false);
    return Array.from({ length: count }, (_, i) => this.finish(mean(scores[i]!, scores[count + i]!)));
  }

  /** `finished`: softmax logits here; false returns the raw outputs (for averaging logits first). */
  private async classifyViews(batch: Float32Array, count: number, finished = true): Promise<Float32Array[]> {
    const rows: Float32Array[] = [];
    if (this.card.input.dynamicBatch || count === 1) rows.push(...(await this.run(batch, count)));
    // One face per run, one run at a time: a session runs one request at once.
    else
      for (let i = 0; i < count; i++)
        rows.push(...(await this.run(batch.subarray(i * this.elementsPerFace, (i + 1) * this.elementsPerFace), 1)));
    return finished ? rows.map((row) => this.finish(row)) : rows;
  }

  private finish(row: Float32Array): Float32Array {
    if (this.card.output.kind !== 'logits') return row;
    return softmax(this.logitShift ? row.map((v, k) => v + this.logitShift![k]!) : row);
  }

  private async run(data: Float32Array, count: number): Promise<Float32Array[]> {
    const [, ...rest] = this.card.input.shape;
    const outputs = await this.session.run({ [this.card.input.name]: { data, shape: [count, ...rest] } });
    const values = outputs[this.card.output.name]!;
    const classes = this.card.labels.length;
    if (values.length !== count * classes) {
      throw new JadferError(
        'E_MODEL_LOAD',
        `model ${this.card.name} returned ${values.length} values for ${count}×${classes} scores`,
      );
    }
    return Array.from({ length: count }, (_, i) => values.slice(i * classes, (i + 1) * classes));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Writes each face of `src` mirrored left to right into `dst` (the width axis of the card's layout). */
export function mirrorFaces(
  src: Float32Array,
  dst: Float32Array,
  count: number,
  layout: 'NCHW' | 'NHWC',
  [, a, b, c]: readonly number[],
): void {
  // NCHW [C,H,W]: rows of W values; NHWC [H,W,C]: rows of W pixels of C values.
  const [rows, width, pixel] = layout === 'NCHW' ? [a! * b!, c!, 1] : [a!, b!, c!];
  const perFace = rows * width * pixel;
  for (let f = 0; f < count; f++)
    for (let r = 0; r < rows; r++) {
      const row = f * perFace + r * width * pixel;
      for (let x = 0; x < width; x++)
        for (let k = 0; k < pixel; k++) dst[row + x * pixel + k] = src[row + (width - 1 - x) * pixel + k]!;
    }
}

function mean(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => (v + b[i]!) / 2);
}

export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** log π: the log of each class's share of the training split's counts. */
export function logPrior(counts: readonly number[]): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  return Float32Array.from(counts, (c) => Math.log(c / total));
}

/**
 * The bias a logit adjustment adds to the logits, folded into a shipped classifier's last bias:
 * −τ·log π, plus the per-label shift when there is one. The one definition, for the runtime and
 * for training (training/balance/logit-adjustment.ts).
 */
export function adjustmentBias(a: { tau: number; trainCounts: readonly number[]; shift?: readonly number[] }) {
  return logPrior(a.trainCounts).map((l, k) => -a.tau * l + (a.shift?.[k] ?? 0));
}

/** +τ·log π − shift: undoes the card's logit adjustment (model-card.ts); none when the card has none. */
export function trainingPriorShift(card: Pick<ClassifierCard, 'architecture'>): Float32Array | undefined {
  const adjustment = card.architecture?.logitAdjustment;
  if (!adjustment?.tau && !adjustment?.shift) return undefined;
  return adjustmentBias(adjustment).map((b) => -b);
}
