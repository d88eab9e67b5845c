/**
 * Face-expression datasets other than the FERPlus layout, as the same item list the feature
 * cache reads: 48×48 gray faces with a label index into FER_EMOTIONS and 10 vote counts
 * (hard-labelled data gets all 10 votes on its label, so soft-label training sees one-hot).
 *   - FER2013 `fer2013.csv` (emotion, pixels, Usage);
 *   - a folder per class: `<root>/<split>/<class>/*.{png,jpg,jpeg,webp}` (RAF-DB style, or your own);
 *   - a face pack, `<dir>/<split>.facepack` (face-pack.ts): any of these, in one file, decoded.
 * Unreadable rows and images are skipped and counted by reason, never fatal.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Dataset, DatasetItem } from './dataset.js';
import { readFacePack } from './face-pack.js';
import {
  FER_EMOTIONS,
  FER_SIZE,
  FER_VOTE_COLUMNS,
  FerImageError,
  loadFerPlusSplit,
  readFerImage,
} from '../../common/ferplus.js';
import { FERPLUS_DIR } from './paths.js';
import { loadSharp } from '../../common/sharp.js';

/** FER2013's own label order (emotion column) onto FERPlus's. */
const FER2013_TO_FERPLUS = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'].map((l) =>
  FER_EMOTIONS.indexOf(l as never),
);
const USAGE: Record<string, string> = { train: 'Training', valid: 'PublicTest', test: 'PrivateTest' };

/** Folder names people use for each class, onto FERPlus labels. */
const CLASS_ALIASES: Record<string, string> = {
  neutral: 'neutral',
  happy: 'happiness',
  happiness: 'happiness',
  surprise: 'surprise',
  surprised: 'surprise',
  sad: 'sadness',
  sadness: 'sadness',
  angry: 'anger',
  anger: 'anger',
  disgust: 'disgust',
  disgusted: 'disgust',
  fear: 'fear',
  fearful: 'fear',
  contempt: 'contempt',
};

/** FERPlus folder of each split name. */
export const SPLIT_DIRS: Record<string, string> = { train: 'FER2013Train', valid: 'FER2013Valid' };

/**
 * A split of the dataset a --dataset spec names: `ferplus` (default, majority vote, votes kept),
 * `fer2013-csv=<file>`, `folder=<root>` or `pack=<dir>`.
 */
export async function loadDataset(spec: string, split: string, limit = Infinity): Promise<Dataset> {
  const [kind, location] = spec.split(/=(.*)/s, 2) as [string, string | undefined];
  if (kind === 'fer2013-csv' && location) return loadFer2013Csv(location, split as 'train' | 'valid' | 'test');
  if (kind === 'folder' && location) return loadClassFolders(location, split);
  if (kind === 'pack' && location) return readFacePack(join(location, `${split}.facepack`));
  if (kind !== 'ferplus')
    throw new Error(`--dataset ${spec}: expected ferplus, fer2013-csv=<file>, folder=<dir> or pack=<dir>`);
  const loaded = await loadFerPlusSplit(join(FERPLUS_DIR, SPLIT_DIRS[split]!), { verifyImages: false, limit });
  return {
    items: loaded.items.map((it) => ({
      file: it.file,
      label: it.label,
      votes: it.votes,
      read: () => readFerImage(it.path),
    })),
    skipped: { ...loaded.skipped } as Record<string, number>,
  };
}

/**
 * The item's face, or undefined when its image is unreadable: the reason is counted in `skipped`,
 * never fatal. Anything else (no sharp) is thrown.
 */
export async function readOrSkip(item: DatasetItem, skipped: Record<string, number>): Promise<Uint8Array | undefined> {
  try {
    return await item.read();
  } catch (e) {
    if (!(e instanceof FerImageError)) throw e;
    skipped[e.reason] = (skipped[e.reason] ?? 0) + 1;
    return undefined;
  }
}

export function hardVotes(label: number): number[] {
  return FER_VOTE_COLUMNS.map((_, k) => (k === label ? 10 : 0));
}

export function loadFer2013Csv(csvPath: string, split: 'train' | 'valid' | 'test'): Dataset {
  const skipped: Record<string, number> = {};
  const bump = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const lines = readFileSync(csvPath, 'utf8').split(/\r?\n/);
  const header =
    lines
      .shift()
      ?.split(',')
      .map((h) => h.trim()) ?? [];
  const [emotionCol, pixelsCol, usageCol] = ['emotion', 'pixels', 'Usage'].map((name) => header.indexOf(name));
  if (emotionCol! < 0 || pixelsCol! < 0 || usageCol! < 0)
    throw new Error(`${csvPath}: expected the header emotion,pixels,Usage`);
  const items: DatasetItem[] = [];
  lines.forEach((line, row) => {
    if (line.trim() === '') return;
    const cells = line.split(',');
    if (cells[usageCol!]?.trim() !== USAGE[split]) return;
    const emotion = Number(cells[emotionCol!]);
    const pixels = cells[pixelsCol!]?.trim().split(/\s+/).map(Number) ?? [];
    if (!Number.isInteger(emotion) || FER2013_TO_FERPLUS[emotion] === undefined) return void bump('bad-label');
    if (pixels.length !== FER_SIZE * FER_SIZE || pixels.some((p) => !(p >= 0 && p <= 255)))
      return void bump('bad-pixels');
    const face = Uint8Array.from(pixels);
    const label = FER2013_TO_FERPLUS[emotion]!;
    items.push({ file: `${csvPath}#${row + 2}`, label, votes: hardVotes(label), read: async () => face });
  });
  return { items, skipped };
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export function loadClassFolders(root: string, split: string): Dataset {
  const skipped: Record<string, number> = {};
  const bump = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const items: DatasetItem[] = [];
  const dir = join(root, split);
  for (const name of readdirSync(dir).sort()) {
    if (!statSync(join(dir, name)).isDirectory()) continue;
    const label = FER_EMOTIONS.indexOf((CLASS_ALIASES[name.toLowerCase()] ?? '') as never);
    const files = readdirSync(join(dir, name))
      .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort();
    if (label < 0) {
      skipped[`unknown-class:${name}`] = files.length;
      continue;
    }
    for (const file of files) {
      const path = join(dir, name, file);
      items.push({ file: path, label, votes: hardVotes(label), read: () => readFace(path) });
    }
  }
  if (items.length === 0 && Object.keys(skipped).length === 0) bump('empty');
  return { items, skipped };
}

/** Any image → 48×48 gray (the whole image is taken as the face crop). */
export async function readFace(path: string): Promise<Uint8Array> {
  const sharp = await loadSharp();
  try {
    const { data } = await sharp(path, { failOn: 'error' })
      .greyscale()
      .resize(FER_SIZE, FER_SIZE, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return new Uint8Array(data.buffer, data.byteOffset, FER_SIZE * FER_SIZE).slice();
  } catch (e) {
    throw new FerImageError('corrupt-image', path, e);
  }
}
