/**
 * Feature cache for training the heads (and nothing else) of a model whose trunk is already trained:
 * the model's own trunk output (the heads' input, NHWC) on FERPlus and on the wild training crops,
 * in the trainer's cache format (features.ts: `<split>.json`, `<split>-<view>.f32`), so a heads-only
 * fine-tune runs at heads speed (minutes an epoch on one core) instead of the whole trunk's (over an hour).
 *
 * - `train`: FERPlus train (votes kept, for soft labels) followed by the wild training part's faces, each
 *   repeated `--wild-repeat` times (the wild photos are few: repetition weighs them in every epoch), with
 *   hard votes on their folder's label. Views `orig` and `flip`: for a wild repeat r > 0 the face is
 *   jittered (augment.ts, seeded by photo and repeat) before the mirror.
 * - `valid`: FERPlus valid, `orig`.
 * Every face is a 48×48 byte crop upsampled to the model's input, as training feeds FERPlus; the wild
 * crops come from the aligner (faces.ts cache, crops.ts), so they frame the face as the SDK does.
 *
 *   node --import tsx training/wild/cache-heads.ts --model .cache/base-start/jadfer-start.json --out .cache/heads-wild
 *        [--wild-repeat 4] [--fer-every 1] [--limit N]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { scriptArgs } from '../../common/args.js';
import type { ClassifierCard } from '../../src/engine/model-card.js';
import { resizeBilinearGray } from '../backbone/preprocess.js';
import { jitterFace } from '../data/augment.js';
import { hardVotes } from '../data/datasets.js';
import { FER_EMOTIONS, FER_SIZE, loadFerPlusSplit } from '../../common/ferplus.js';
import { FERPLUS_DIR, WILD_DIR } from '../data/paths.js';
import { WILD_SPLIT_DIR } from '../data/wild-split.js';
import { FLOAT_COMPUTE } from '../export/ort-run.js';
import { cropMatrix, grayCrop } from './crops.js';
import { decodePhoto, WILD_FACES, type WildFace } from './faces.js';

/** The tensor the heads read: the input of the stem's LayerNormalization. */
export function headsInput(model: onnxProto.onnx.IModelProto): string {
  const node = model.graph!.node!.find((n) => n.opType === 'LayerNormalization' && n.input![1] === 'stem.ln.gamma');
  if (!node) throw new Error('no stem LayerNormalization (stem.ln.gamma): not a JADFER graph');
  return node.input![0]!;
}

/** The model with the heads' input as an extra graph output. */
export function withHeadsOutput(bytes: Uint8Array): { bytes: Uint8Array; output: string } {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const output = headsInput(model);
  model.graph!.output!.push(onnxProto.onnx.ValueInfoProto.create({ name: output }));
  return { bytes: onnxProto.onnx.ModelProto.encode(model).finish(), output };
}

/** The wild training part's faces as 48×48 byte crops, with their labels. */
export async function wildTrainFaces(
  facesPath = WILD_FACES,
): Promise<{ file: string; label: number; face: Uint8Array }[]> {
  const train = new Set(
    readFileSync(join(WILD_SPLIT_DIR, 'train.txt'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#')),
  );
  const { records } = JSON.parse(readFileSync(facesPath, 'utf8')) as { records: WildFace[] };
  const out: { file: string; label: number; face: Uint8Array }[] = [];
  for (const record of records) {
    if (!train.has(record.path) || !record.face) continue;
    const image = await decodePhoto(join(WILD_DIR, record.path));
    const crop = grayCrop(image, cropMatrix(record, FER_SIZE), FER_SIZE);
    out.push({
      file: `wild/${record.path}`,
      label: FER_EMOTIONS.indexOf(record.path.split('/')[0] as (typeof FER_EMOTIONS)[number]),
      face: Uint8Array.from(crop, (v) => Math.round(v)),
    });
  }
  return out;
}

if (process.argv[1]?.endsWith('cache-heads.ts')) {
  const { values } = scriptArgs({
    usage:
      'Usage: node --import tsx training/wild/cache-heads.ts --model <card.json> --out <dir> [--wild-repeat 4] [--limit N]',
    options: {
      model: { type: 'string' },
      out: { type: 'string', default: '.cache/heads-wild' },
      'wild-repeat': { type: 'string', default: '4' },
      'fer-every': { type: 'string', default: '1' },
      limit: { type: 'string' },
    },
    numbers: ['wild-repeat', 'fer-every', 'limit'],
  });
  const cardPath = values.model!;
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as ClassifierCard & { file: string };
  const size = card.input.shape.at(-1)!;
  const { bytes, output } = withHeadsOutput(readFileSync(join(cardPath, '..', card.file)));
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    extra: FLOAT_COMPUTE,
  });
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  const repeat = Number(values['wild-repeat']);
  mkdirSync(values.out, { recursive: true });

  /** Runs faces through the trunk in batches, appending each view's maps to its file. */
  const write = async (
    split: string,
    faces: Uint8Array[],
    views: Record<string, (i: number) => [Uint8Array, boolean]>,
  ) => {
    let shape: number[] = [];
    for (const [view, pick] of Object.entries(views)) {
      const fd = openSync(join(values.out, `${split}-${view}.f32`), 'w');
      for (let start = 0; start < faces.length; start += 32) {
        const count = Math.min(32, faces.length - start);
        const x = new Float32Array(count * size * size);
        for (let i = 0; i < count; i++) {
          const [face, flip] = pick(start + i);
          const img = resizeBilinearGray(face, FER_SIZE, FER_SIZE, size, size, flip);
          for (let p = 0; p < img.length; p++)
            x[i * size * size + p] = (img[p]! - (card.input.mean?.[0] ?? 0)) / (card.input.std?.[0] ?? 1);
        }
        const out = await session.run({ [card.input.name]: new ort.Tensor('float32', x, [count, 1, size, size]) });
        const maps = out[output]!;
        shape = maps.dims as number[];
        const data = maps.data as Float32Array;
        writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if ((start / 32) % 100 === 0) console.log(`${split} ${view} ${start}/${faces.length}`);
      }
      closeSync(fd);
    }
    return shape;
  };

  const meta = (faces: number, shape: number[], rest: object) => {
    // [n, tokens, c] or [n, h, w, c]: the map is square.
    const c = shape.at(-1)!;
    const side = Math.round(Math.sqrt(shape.slice(1, -1).reduce((a, b) => a * b, 1)));
    return {
      backbone: (card.training as { backbone?: { name?: string } } | undefined)?.backbone?.name ?? 'faceres-128',
      featureNode: 'heads-input',
      n: faces,
      h: side,
      w: side,
      c,
      ...rest,
    };
  };

  const valid = await loadFerPlusSplit(join(FERPLUS_DIR, 'FER2013Valid'), { pixels: true, limit });
  const validFaces = valid.items.map((it) => it.pixels!);
  // valid.json is written last: its presence marks a finished valid split, kept when the train split is redone.
  const validShape = existsSync(join(values.out, 'valid.json'))
    ? []
    : await write('valid', validFaces, { orig: (i) => [validFaces[i]!, false] });
  if (validShape.length)
    writeFileSync(
      join(values.out, 'valid.json'),
      JSON.stringify(
        meta(validFaces.length, validShape, {
          views: ['orig'],
          files: valid.items.map((it) => it.file),
          labels: valid.items.map((it) => it.label),
          votes: valid.items.map((it) => it.votes),
        }),
      ),
    );

  const ferTrain = await loadFerPlusSplit(join(FERPLUS_DIR, 'FER2013Train'), { pixels: true, limit });
  // Every n-th FERPlus face (--fer-every): a heads-only fine-tune needs FERPlus to hold its ground, not all of it.
  const every = Number(values['fer-every']);
  ferTrain.items = ferTrain.items.filter((_, i) => i % every === 0);
  const wild = await wildTrainFaces();
  const rows = [
    ...ferTrain.items.map((it) => ({
      file: it.file,
      label: it.label,
      votes: it.votes,
      face: it.pixels!,
      repeat: 0,
      index: 0,
    })),
    ...Array.from({ length: repeat }, (_, r) =>
      wild.map((w, index) => ({
        file: w.file,
        label: w.label,
        votes: hardVotes(w.label),
        face: w.face,
        repeat: r,
        index,
      })),
    ).flat(),
  ];
  const faceOf = (i: number) => {
    const row = rows[i]!;
    // Wild repeats after the first are jittered (seeded by photo and repeat), as training jitters FERPlus.
    return row.repeat === 0 ? row.face : jitterFace(row.face, 1_000_000 + row.index, row.repeat);
  };
  const trainShape = await write(
    'train',
    rows.map((r) => r.face),
    {
      orig: (i) => [faceOf(i), false],
      flip: (i) => [faceOf(i), true],
    },
  );
  writeFileSync(
    join(values.out, 'train.json'),
    JSON.stringify(
      meta(rows.length, trainShape, {
        views: ['orig', 'flip'],
        files: rows.map((r) => r.file),
        labels: rows.map((r) => r.label),
        votes: rows.map((r) => r.votes),
        wild: { photos: wild.length, repeat, split: 'training/data/wild/train.txt' },
      }),
    ),
  );
  console.log(
    `train ${rows.length} rows (${ferTrain.items.length} FERPlus, ${wild.length} wild × ${repeat}), valid ${validFaces.length}`,
  );
}
