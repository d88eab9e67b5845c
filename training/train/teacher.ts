/**
 * A trained model as a teacher for distillation: the exported ONNX with its card, run on
 * onnxruntime-node (native, so it costs a fraction of a TF.js training step) on the very faces the
 * student sees this step — the same augmentation, mirror and all — so the student matches the
 * teacher's function, not a cached guess about another view ("consistent teaching").
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { resizeBilinearGray } from '../backbone/preprocess.js';
import { FER_SIZE } from '../../common/ferplus.js';
import { trainingPriorShift } from '../../src/engine/classifier.js';
import type { ClassifierCard } from '../../src/engine/model-card.js';

export interface TeacherCard extends Pick<ClassifierCard, 'architecture'> {
  name: string;
  sha256: string;
  input: { name: string; shape: number[]; color: string; mean: number[]; std: number[] };
  output: { name: string; kind: string };
  labels: string[];
}

export class Teacher {
  private constructor(
    readonly card: TeacherCard,
    private readonly session: ort.InferenceSession,
    /** Average the face's view with its mirror: a two-view ensemble, steadier targets for one more teacher pass. */
    readonly mirror: boolean,
    // A shipped card's logit adjustment, taken out: the student learns the model as trained, and
    // its own adjustment is chosen when it ships.
    private readonly priorShift = trainingPriorShift(card),
  ) {}

  /** `path`: a model card (.json) beside its .onnx. One thread: the other core trains. */
  static async open(path: string, { mirror = false, threads = 1 } = {}): Promise<Teacher> {
    const card = JSON.parse(readFileSync(path, 'utf8')) as TeacherCard & { file: string };
    if (card.input.color !== 'gray' || card.output.kind !== 'logits')
      throw new Error(`${path}: a teacher must take one gray channel and return logits`);
    const model = new URL(card.file, `file://${path.startsWith('/') ? '' : `${process.cwd()}/`}${path}`);
    const session = await ort.InferenceSession.create(readFileSync(model), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    return new Teacher(card, session, mirror);
  }

  /**
   * softmax(logits / temperature) of 48×48 gray faces, each mirrored where `flips` says so, [n × classes];
   * with `mirror`, the mean of that and the other view's.
   */
  async probabilities(faces: Uint8Array[], flips: boolean[], temperature: number): Promise<Float32Array> {
    const probs = await this.softened(faces, flips, temperature);
    if (!this.mirror) return probs;
    const other = await this.softened(
      faces,
      flips.map((flip) => !flip),
      temperature,
    );
    return probs.map((p, i) => (p + other[i]!) / 2);
  }

  private async softened(faces: Uint8Array[], flips: boolean[], temperature: number): Promise<Float32Array> {
    const size = this.card.input.shape.at(-1)!;
    const [mean, std] = [this.card.input.mean[0]!, this.card.input.std[0]!];
    const x = new Float32Array(faces.length * size * size);
    faces.forEach((face, i) => {
      const img = resizeBilinearGray(face, FER_SIZE, FER_SIZE, size, size, flips[i]);
      for (let p = 0; p < img.length; p++) x[i * size * size + p] = (img[p]! - mean) / std;
    });
    const out = await this.session.run({
      [this.card.input.name]: new ort.Tensor('float32', x, [faces.length, 1, size, size]),
    });
    const logits = out[this.card.output.name]!.data as Float32Array;
    const K = this.card.labels.length;
    const probs = new Float32Array(logits.length);
    for (let i = 0; i < faces.length; i++) {
      const row = Array.from(logits.subarray(i * K, (i + 1) * K), (v, k) => v + (this.priorShift?.[k] ?? 0));
      const max = Math.max(...row);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += probs[i * K + k] = Math.exp((row[k]! - max) / temperature);
      for (let k = 0; k < K; k++) probs[i * K + k]! /= sum;
    }
    return probs;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
