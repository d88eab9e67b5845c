/**
 * Why wild photos lose disgust and sadness to neutral: the cached faces (faces.ts) cropped in several
 * ways and classified by a shipped model on onnxruntime-node, with each photo's conditions (colour,
 * photo size, face resolution, roll, crop outside the photo), per class. Writes the per-photo table
 * (`--out`, JSON) and prints accuracy by variant and by condition. docs/wild-photos.md has the results.
 *
 *   node --import tsx training/wild/diagnose.ts --model models/jadfer-base.json [--variants pipeline,via48]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { scriptArgs } from '../../common/args.js';
import type { ClassifierCard } from '../../src/engine/model-card.js';
import { FER_EMOTIONS } from '../../common/ferplus.js';
import { WILD_DIR } from '../data/paths.js';
import { FLOAT_COMPUTE } from '../export/ort-run.js';
import { cropMatrix, grayCrop, outsideShare, via48 } from './crops.js';
import { decodePhoto, WILD_FACES, type WildFace } from './faces.js';

type Variant = (image: Parameters<typeof grayCrop>[0], record: WildFace, card: ClassifierCard) => Float32Array;

const size = (card: ClassifierCard) => card.input.shape.at(-1)!;
export const VARIANTS: Record<string, Variant> = {
  /** What the SDK computes: the aligned face warped straight to the model's input. */
  pipeline: (image, r, card) => grayCrop(image, cropMatrix(r, size(card), card.crop?.template), size(card)),
  /** The training faces' form: 48×48 bytes, upsampled. */
  via48: (image, r, card) => via48(image, cropMatrix(r, 48, card.crop?.template), size(card)),
  /** Looser (more background) and tighter framing, and the face lower or higher in the crop. */
  loose: (image, r, card) => via48(image, cropMatrix(r, 48, card.crop?.template, 1.15), size(card)),
  tight: (image, r, card) => via48(image, cropMatrix(r, 48, card.crop?.template, 0.87), size(card)),
  up: (image, r, card) => via48(image, cropMatrix(r, 48, card.crop?.template, 1, 0.06), size(card)),
  down: (image, r, card) => via48(image, cropMatrix(r, 48, card.crop?.template, 1, -0.06), size(card)),
};

export interface Conditions {
  colour: boolean;
  /** Source pixels between the eyes. */
  eyePx: number;
  /** Degrees of roll. */
  roll: number;
  outside: number;
  small: boolean;
}

export function conditionsOf(record: WildFace, card: ClassifierCard): Conditions {
  const [r, l] = [record.face!.landmarks[0]!, record.face!.landmarks[1]!];
  return {
    colour: record.colour,
    eyePx: Math.hypot(l.x - r.x, l.y - r.y),
    roll: (Math.atan2(l.y - r.y, l.x - r.x) * 180) / Math.PI,
    outside: outsideShare(record, cropMatrix(record, size(card), card.crop?.template), size(card)),
    small: Math.max(record.width, record.height) < 200,
  };
}

if (process.argv[1]?.endsWith('diagnose.ts')) {
  const { values } = scriptArgs({
    usage:
      'Usage: node --import tsx training/wild/diagnose.ts --model <card.json> [--variants a,b] [--faces <json>] [--out <json>]',
    options: {
      model: { type: 'string', default: 'models/jadfer-base.json' },
      variants: { type: 'string', default: 'pipeline,via48' },
      faces: { type: 'string', default: WILD_FACES },
      data: { type: 'string', default: WILD_DIR },
      out: { type: 'string' },
    },
  });
  const card = JSON.parse(readFileSync(values.model, 'utf8')) as ClassifierCard & { file: string };
  const session = await ort.InferenceSession.create(readFileSync(join(values.model, '..', card.file)), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    extra: FLOAT_COMPUTE,
  });
  const names = values.variants.split(',');
  const { records } = JSON.parse(readFileSync(values.faces, 'utf8')) as { records: WildFace[] };
  const rows: { path: string; truth: number; conditions?: Conditions; predicted: Record<string, number> }[] = [];
  const n = size(card) * size(card);
  const pending: { row: (typeof rows)[number]; crops: Float32Array[] }[] = [];
  const flush = async () => {
    for (let v = 0; v < names.length; v++) {
      const x = new Float32Array(pending.length * n);
      pending.forEach((p, i) => x.set(p.crops[v]!, i * n));
      const out = await session.run({
        [card.input.name]: new ort.Tensor('float32', x, [pending.length, 1, size(card), size(card)]),
      });
      const logits = out[card.output.name]!.data as Float32Array;
      pending.forEach((p, i) => {
        const row = logits.subarray(i * 8, i * 8 + 8);
        p.row.predicted[names[v]!] = row.indexOf(Math.max(...row));
      });
    }
    pending.length = 0;
  };
  for (const record of records) {
    const truth = FER_EMOTIONS.indexOf(record.path.split('/')[0] as (typeof FER_EMOTIONS)[number]);
    const row = { path: record.path, truth, predicted: {} as Record<string, number> };
    rows.push(row);
    if (!record.face) continue;
    const image = await decodePhoto(join(values.data, record.path));
    Object.assign(row, { conditions: conditionsOf(record, card) });
    pending.push({ row, crops: names.map((name) => VARIANTS[name]!(image, record, card)) });
    if (pending.length === 32) await flush();
  }
  if (pending.length) await flush();
  if (values.out) writeFileSync(values.out, JSON.stringify({ model: card.name, variants: names, rows }));
  console.log(`${card.name}: ${rows.length} photos, ${rows.filter((r) => !r.conditions).length} without a face`);
}
