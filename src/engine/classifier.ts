/** The expression classifier: one ORT session, fed aligned faces as its model card says. */
import type * as OrtTypes from 'onnxruntime-web';
import { JadferError } from '../contract/errors.js';
import type { Backend } from '../contract/types.js';
import type { ClassifierCard } from './model-card.js';
import type { Ort } from './ort-runtime.js';
import { checkSessionNames, createSession } from './sessions.js';

export class Classifier {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtTypes.InferenceSession,
    readonly card: ClassifierCard,
    readonly backend: Backend,
  ) {}

  static async create(ort: Ort, model: Uint8Array, card: ClassifierCard, backend: Backend): Promise<Classifier> {
    const session = await createSession(ort, model, backend, card.name);
    await checkSessionNames(session, card.name, [card.input.name], [card.output.name]);
    return new Classifier(ort, session, card, backend);
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
    const input = new this.ort.Tensor('float32', data, [count, ...rest]);
    const outputs = await this.session.run({ [this.card.input.name]: input });
    const values = outputs[this.card.output.name]!.data as Float32Array;
    const classes = this.card.labels.length;
    try {
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
    } finally {
      for (const tensor of Object.values(outputs)) tensor.dispose();
    }
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
