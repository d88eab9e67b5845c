/**
 * FERPlus loader (Microsoft FERPlus labels over FER2013 images).
 *
 * A split folder holds 48×48 8-bit grayscale PNGs and a `label.csv` without header:
 *   file,"(x, y, w, h)",neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF
 * (10 annotator votes per image).
 *
 * Majority-vote protocol (the usual one, and this project's default):
 *   label = argmax over the 8 emotions; the image is dropped when the top vote over all 10
 *   columns belongs to `unknown` or `NF` (ties with an emotion included), or when the maximum
 *   over the 8 emotions is shared by several emotions.
 * Soft labels: the vote distribution over the 8 emotions (`softLabel`).
 *
 * Malformed rows and unreadable / corrupt images are skipped and counted by reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FERPLUS_LABELS, type FerPlusLabel } from '../src/contract/labels.js';
import { loadSharp } from './sharp.js';

/** The SDK's label list: the training data's order is the shipped models' order. */
export const FER_EMOTIONS = FERPLUS_LABELS;
export type FerEmotion = FerPlusLabel;
export const FER_VOTE_COLUMNS = [...FER_EMOTIONS, 'unknown', 'NF'] as const;
export const FER_SIZE = 48;

export type SkipReason =
  | 'malformed-row'
  | 'duplicate-file'
  | 'no-votes'
  | 'unknown-or-nf'
  | 'tied-majority'
  | 'missing-image'
  | 'corrupt-image'
  | 'wrong-size';

export interface FerPlusItem {
  /** File name as written in label.csv, e.g. `fer0028638.png`. */
  file: string;
  /** Absolute path of the image. */
  path: string;
  /** Majority label, index into FER_EMOTIONS. */
  label: number;
  /** The 10 raw vote counts (8 emotions, unknown, NF). */
  votes: number[];
  /** 48×48 grayscale pixels (row-major), present when `pixels: true`. */
  pixels?: Uint8Array;
  /** Vote distribution over the 8 emotions, present when `soft: true`. */
  soft?: Float32Array;
}

export interface FerPlusSplit {
  dir: string;
  items: FerPlusItem[];
  skipped: Partial<Record<SkipReason, number>>;
  /** Rows read from label.csv (including skipped ones). */
  rows: number;
}

export interface LoadOptions {
  /**
   * Keep at most this many accepted items (rows are read in file order). Protocol skips
   * (ties, unknown/NF, malformed rows) are counted over the whole file; image skips only over
   * the images decoded to fill the limit.
   */
  limit?: number;
  /** Attach the soft label (vote distribution over the 8 emotions) to each item. Default false. */
  soft?: boolean;
  /**
   * Decode every accepted image to check it (corrupt / missing / wrong size are then
   * skipped and counted). Default true. When false, only the existence of the file is checked.
   */
  verifyImages?: boolean;
  /** Keep the decoded 48×48 pixels on each item (implies verifyImages). Default false. */
  pixels?: boolean;
  /** Decoding concurrency. Default 8. */
  concurrency?: number;
  /** Called after each window of images is decoded: how many items are accepted so far, of at most how many. */
  onProgress?: (accepted: number, most: number) => void;
}

export type ParsedRow = { ok: true; file: string; votes: number[] } | { ok: false; reason: 'malformed-row' };

/** Parses one CSV line honouring double quotes (the box column contains commas). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLabelRow(line: string): ParsedRow {
  const cols = splitCsvLine(line.replace(/\r$/, ''));
  if (cols.length !== 12) return { ok: false, reason: 'malformed-row' };
  const file = cols[0]!.trim();
  if (!/^[\w.-]+\.png$/i.test(file)) return { ok: false, reason: 'malformed-row' };
  const votes: number[] = [];
  for (const c of cols.slice(2)) {
    const s = c.trim();
    if (!/^\d+$/.test(s)) return { ok: false, reason: 'malformed-row' };
    votes.push(Number(s));
  }
  return { ok: true, file, votes };
}

/** Majority-vote label (index into FER_EMOTIONS) or the reason the row is dropped. */
export function majorityLabel(
  votes: readonly number[],
): { label: number } | { reason: 'no-votes' | 'unknown-or-nf' | 'tied-majority' } {
  if (votes.length !== 10) throw new Error(`expected 10 votes, got ${votes.length}`);
  const emo = votes.slice(0, 8);
  const emoMax = Math.max(...emo);
  const otherMax = Math.max(votes[8]!, votes[9]!);
  if (emoMax === 0 && otherMax === 0) return { reason: 'no-votes' };
  if (otherMax >= emoMax) return { reason: 'unknown-or-nf' };
  const winners = emo.reduce((n, v) => n + (v === emoMax ? 1 : 0), 0);
  if (winners !== 1) return { reason: 'tied-majority' };
  return { label: emo.indexOf(emoMax) };
}

/** Vote distribution over the 8 emotions (sums to 1; unknown/NF votes are ignored). */
export function softLabel(votes: readonly number[]): Float32Array {
  const emo = votes.slice(0, 8);
  const total = emo.reduce((a, b) => a + b, 0);
  const out = new Float32Array(8);
  if (total > 0) for (let i = 0; i < 8; i++) out[i] = emo[i]! / total;
  return out;
}

/** Reads one FER image as 48×48 grayscale bytes. Throws `FerImageError` with a reason. */
export async function readFerImage(path: string): Promise<Uint8Array> {
  if (!existsSync(path)) throw new FerImageError('missing-image', path);
  let data: Buffer;
  let info: { width: number; height: number; channels: number };
  const sharp = await loadSharp(); // outside the try: a missing sharp is no corrupt image
  try {
    ({ data, info } = await sharp(path, { failOn: 'error' }).greyscale().raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new FerImageError('corrupt-image', path, e);
  }
  if (info.width !== FER_SIZE || info.height !== FER_SIZE) throw new FerImageError('wrong-size', path);
  if (info.channels === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  // greyscale() with an alpha channel still returns 2 channels: keep the first.
  const out = new Uint8Array(FER_SIZE * FER_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels]!;
  return out;
}

export class FerImageError extends Error {
  constructor(
    readonly reason: 'missing-image' | 'corrupt-image' | 'wrong-size',
    readonly path: string,
    cause?: unknown,
  ) {
    super(`${reason}: ${path}${cause instanceof Error ? ` (${cause.message})` : ''}`);
  }
}

/** Loads a FERPlus split folder with the majority-vote protocol. */
export async function loadFerPlusSplit(dir: string, opts: LoadOptions = {}): Promise<FerPlusSplit> {
  const { limit = Infinity, pixels = false, concurrency = 8, soft = false } = opts;
  const verify = pixels || (opts.verifyImages ?? true);
  const csv = readFileSync(join(dir, 'label.csv'), 'utf8');
  const skipped: Partial<Record<SkipReason, number>> = {};
  const bump = (r: SkipReason) => (skipped[r] = (skipped[r] ?? 0) + 1);
  const seen = new Set<string>();
  const candidates: FerPlusItem[] = [];
  let rows = 0;
  for (const line of csv.split('\n')) {
    if (line.trim() === '') continue;
    rows++;
    const row = parseLabelRow(line);
    if (!row.ok) {
      bump(row.reason);
      continue;
    }
    if (seen.has(row.file)) {
      bump('duplicate-file');
      continue;
    }
    seen.add(row.file);
    const m = majorityLabel(row.votes);
    if ('reason' in m) {
      bump(m.reason);
      continue;
    }
    candidates.push({
      file: row.file,
      path: join(dir, row.file),
      label: m.label,
      votes: row.votes,
      ...(soft ? { soft: softLabel(row.votes) } : {}),
    });
  }

  const items: FerPlusItem[] = [];
  if (!verify) {
    for (const it of candidates) {
      if (items.length >= limit) break;
      if (existsSync(it.path)) items.push(it);
      else bump('missing-image');
    }
    return { dir, items, skipped, rows };
  }
  // Decode in order, a window at a time, until `limit` accepted items.
  let next = 0;
  while (items.length < limit && next < candidates.length) {
    const want = Math.min(candidates.length - next, Math.max(concurrency, Math.min(256, (limit - items.length) * 2)));
    const batch = candidates.slice(next, next + want);
    next += want;
    const decoded = await Promise.all(
      batch.map((it) =>
        readFerImage(it.path).then(
          (px) => ({ it, px }),
          (e: unknown) => ({ it, err: e }),
        ),
      ),
    );
    for (const d of decoded) {
      if ('err' in d) {
        if (d.err instanceof FerImageError) bump(d.err.reason);
        else throw d.err;
        continue;
      }
      if (items.length >= limit) break;
      items.push(pixels ? { ...d.it, pixels: d.px } : d.it);
    }
    opts.onProgress?.(items.length, Math.min(limit, candidates.length));
  }
  return { dir, items, skipped, rows };
}

/** Per-class counts of a loaded split, in FER_EMOTIONS order. */
export function classCounts(items: readonly { label: number }[]): number[] {
  const c = new Array<number>(8).fill(0);
  for (const it of items) c[it.label]!++;
  return c;
}
