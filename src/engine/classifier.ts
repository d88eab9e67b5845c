/** The expression classifier: one model session, fed aligned faces as its model card says. */
import { JadferError } from '../contract/errors.js';
import type { Backend } from '../contract/types.js';
import type { ClassifierCard } from './model-card.js';
import type { ModelSession, OnnxRuntime } from './onnx-runtime.js';

export class Classifier {
  private constructor(
    private readonly session: ModelSession,
    readonly card: ClassifierCard,
  ) {}

  static async create(runtime: OnnxRuntime, model: Uint8Array, card: ClassifierCard): Promise<Classifier> {
    const session = await runtime.open(model, card.name, { inputs: [card.input.name], outputs: [card.output.name] });
    return new Classifier(session, card);
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
    if (this.card.input.dynamicBatch || count === 1) return this.run(batch, count);
    const results: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      results.push(...(await this.run(batch.subarray(i * this.elementsPerFace, (i + 1) * this.elementsPerFace), 1)));
    }
    return results;
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
    return Array.from({ length: count }, (_, i) => {
      const row = values.slice(i * classes, (i + 1) * classes);
      return this.card.output.kind === 'logits' ? softmax(row) : row;
    });
  }

  release(): Promise<void> {
    return this.session.release();
  }
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
