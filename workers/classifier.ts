/** The expression classifier: one ORT session fed as its model card says. */
import type * as OrtTypes from 'onnxruntime-web';
import { JadferError } from '../src/errors.js';
import type { Backend } from '../src/types.js';
import { tensorSpec, type ClassifierCard, type TensorSpec } from './model-card.js';
import type { Ort } from './ort-runtime.js';

export class Classifier {
  readonly spec: TensorSpec;
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtTypes.InferenceSession,
    readonly card: ClassifierCard,
    readonly backend: Backend,
  ) {
    this.spec = tensorSpec(card);
  }

  static async create(ort: Ort, model: Uint8Array, card: ClassifierCard, backend: Backend): Promise<Classifier> {
    let session: OrtTypes.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, { executionProviders: [backend], graphOptimizationLevel: 'all' });
    } catch (error) {
      // WASM runs any valid model, so a failure there is the model's; on WebGPU it may be the backend's.
      const code = backend === 'wasm' ? 'E_MODEL_LOAD' : 'E_BACKEND_UNAVAILABLE';
      throw new JadferError(code, `cannot create a ${backend} session for ${card.name}: ${message(error)}`, { cause: error });
    }
    const problems: string[] = [];
    if (!session.inputNames.includes(card.input.name)) problems.push(`input '${card.input.name}' not in [${session.inputNames}]`);
    if (!session.outputNames.includes(card.output.name)) problems.push(`output '${card.output.name}' not in [${session.outputNames}]`);
    if (problems.length) {
      await session.release();
      throw new JadferError('E_MODEL_LOAD', `model ${card.name} does not match its card: ${problems.join('; ')}`, { details: { problems } });
    }
    return new Classifier(ort, session, card, backend);
  }

  get elementsPerFace(): number {
    return this.spec.channels * this.spec.height * this.spec.width;
  }

  /** Runs `count` preprocessed faces; one batched run when the model allows it. Returns probabilities. */
  async classify(batch: Float32Array, count: number): Promise<Float32Array[]> {
    if (count === 0) return [];
    if (this.card.input.dynamicBatch || count === 1) return this.run(batch, count);
    const results: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      const one = batch.subarray(i * this.elementsPerFace, (i + 1) * this.elementsPerFace);
      results.push(...(await this.run(one, 1)));
    }
    return results;
  }

  private async run(data: Float32Array, count: number): Promise<Float32Array[]> {
    const [, ...rest] = this.card.input.shape;
    const input = new this.ort.Tensor('float32', data, [count, ...rest]);
    const outputs = await this.session.run({ [this.card.input.name]: input });
    const output = outputs[this.card.output.name]!;
    const values = output.data as Float32Array;
    const classes = this.card.labels.length;
    if (values.length !== count * classes) {
      throw new JadferError('E_MODEL_LOAD', `model ${this.card.name} returned ${values.length} values for ${count}×${classes} scores`);
    }
    for (const tensor of Object.values(outputs)) tensor.dispose();
    const rows: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      const row = values.slice(i * classes, (i + 1) * classes);
      rows.push(this.card.output.kind === 'logits' ? softmax(row) : row);
    }
    return rows;
  }

  async release(): Promise<void> {
    await this.session.release();
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
