/**
 * Face packs for training the whole trunk on FERPlus mixed with the wild training part
 * (`train.ts --images pack=<out>`), the fix docs/wild-photos.md says the heads alone cannot make:
 * - `train.facepack`: every `--fer-every`-th FERPlus train face (votes kept) and each wild training face
 *   (the aligner's 48×48 crop, faces.ts cache) `--wild-repeat` times, with hard votes on its folder's
 *   label; training augments every face afresh each step, so the repeats are not copies in practice;
 * - `valid.facepack`: FERPlus valid, so epochs are selected as before; the wild validation part is
 *   scored through the full pipeline afterwards (`jadfer eval --only training/data/wild/valid.txt`).
 *
 *   node --import tsx training/wild/mixed-pack.ts --out .cache/mixed-pack [--wild-repeat 3] [--fer-every 2]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import { hardVotes, loadDataset, readOrSkip } from '../data/datasets.js';
import { writeFacePack } from '../data/face-pack.js';
import { wildTrainFaces } from './cache-heads.js';

const { values } = scriptArgs({
  usage: 'Usage: node --import tsx training/wild/mixed-pack.ts --out <dir> [--wild-repeat 3] [--fer-every 2]',
  options: {
    out: { type: 'string', default: '.cache/mixed-pack' },
    'wild-repeat': { type: 'string', default: '3' },
    'fer-every': { type: 'string', default: '2' },
  },
  numbers: ['wild-repeat', 'fer-every'],
});
const repeat = Number(values['wild-repeat']);
const ferEvery = Number(values['fer-every']);
mkdirSync(values.out, { recursive: true });

async function ferplus(split: 'train' | 'valid', every: number) {
  const dataset = await loadDataset('ferplus', split);
  const skipped = { ...dataset.skipped };
  const rows = { files: [] as string[], labels: [] as number[], votes: [] as number[][], faces: [] as Uint8Array[] };
  for (const [i, item] of dataset.items.entries()) {
    if (i % every !== 0) continue;
    const face = await readOrSkip(item, skipped);
    if (!face) continue;
    rows.files.push(item.file);
    rows.labels.push(item.label);
    rows.votes.push(item.votes);
    rows.faces.push(Uint8Array.from(face));
  }
  return { rows, skipped };
}

const train = await ferplus('train', ferEvery);
const wild = await wildTrainFaces();
for (let r = 0; r < repeat; r++)
  for (const face of wild) {
    train.rows.files.push(`${face.file}#${r}`);
    train.rows.labels.push(face.label);
    train.rows.votes.push(hardVotes(face.label));
    train.rows.faces.push(face.face);
  }
const { faces: trainFaces, ...trainHeader } = train.rows;
writeFacePack(
  join(values.out, 'train.facepack'),
  {
    source: `ferplus train (every ${ferEvery}) + wild train part (training/data/wild/train.txt) ×${repeat}`,
    ...trainHeader,
    skipped: train.skipped,
  },
  trainFaces,
);
const valid = await ferplus('valid', 1);
const { faces: validFaces, ...validHeader } = valid.rows;
writeFacePack(
  join(values.out, 'valid.facepack'),
  { source: 'ferplus valid', ...validHeader, skipped: valid.skipped },
  validFaces,
);
console.log(
  `${values.out}: train ${trainFaces.length} faces (${trainFaces.length - wild.length * repeat} FERPlus, ` +
    `${wild.length} wild ×${repeat}), valid ${validFaces.length}`,
);
