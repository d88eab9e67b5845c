/**
 * Packs dataset splits into face packs (face-pack.ts), e.g. FERPlus for a lent GPU machine:
 *   node --import tsx training/data/pack-faces.ts --out <dir> [--splits train,valid] [--dataset ferplus]
 * Unreadable images are skipped and counted, as the feature cache would.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, readOrSkip } from './datasets.js';
import { writeFacePack } from './face-pack.js';
import { scriptArgs } from '../../common/args.js';

const USAGE =
  'usage: pack-faces.ts --out <dir> [--splits train,valid] [--dataset ferplus|fer2013-csv=<file>|folder=<root>]';

const { values } = scriptArgs({
  usage: USAGE,
  options: {
    out: { type: 'string' },
    splits: { type: 'string', default: 'train,valid' },
    dataset: { type: 'string', default: 'ferplus' },
  },
});
if (!values.out) {
  console.error(USAGE);
  process.exit(2);
}
mkdirSync(values.out, { recursive: true });
for (const split of values.splits.split(',')) {
  const dataset = await loadDataset(values.dataset, split);
  const skipped = { ...dataset.skipped };
  const kept: typeof dataset.items = [];
  const faces: Uint8Array[] = [];
  for (const item of dataset.items) {
    const face = await readOrSkip(item, skipped);
    if (!face) continue;
    faces.push(face);
    kept.push(item);
  }
  const path = join(values.out, `${split}.facepack`);
  const source = `${values.dataset}:${split}`;
  writeFacePack(
    path,
    {
      source,
      files: kept.map((i) => i.file),
      labels: kept.map((i) => i.label),
      votes: kept.map((i) => i.votes),
      skipped,
    },
    faces,
  );
  console.log(
    `${path}: ${kept.length} faces, ${(statSync(path).size / 1e6).toFixed(1)} MB, skipped ${JSON.stringify(skipped)}`,
  );
}
