/**
 * The wild photo set's split by identity (`../shared/data/wild`, LFW-style names `Name_Surname_0001.jpg`):
 * no person is in both parts, so the validation part judges a model on people it never trained on, as the
 * held-back half does. The rule, deterministic and data-only (no model is consulted):
 * - a photo's identity is its file name without the trailing `_<number>.<ext>`;
 * - identities are taken in the order of the sha256 of their name;
 * - an identity joins validation if no class then has more than VALID_SHARE of its photos there, else training.
 * The caps keep every class represented in both parts: disgust, for one, is 151 photos of 11 people, 104
 * of one of them, whom a plain hash split could have put all in one part.
 *
 * `node --import tsx training/data/wild-split.ts [--data ../shared/data/wild]` writes the two lists
 * (`training/data/wild/{train,valid}.txt`, one `<label>/<photo>` a line, for `jadfer eval --only`).
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from '../../common/args.js';
import { WILD_DIR } from './paths.js';

export const VALID_SHARE = 0.3;
export const WILD_SPLIT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'wild');

export function identityOf(file: string): string {
  return /^(.+)_\d+\.[a-z]+$/i.exec(file)?.[1] ?? file;
}

export interface WildSplit {
  train: string[];
  valid: string[];
}

/** Splits `<label>/<photo>` paths by the rule above. */
export function splitByIdentity(paths: readonly string[], share = VALID_SHARE): WildSplit {
  const byIdentity = new Map<string, string[]>();
  const classTotal = new Map<string, number>();
  for (const path of paths) {
    const [label, file] = path.split('/') as [string, string];
    const id = identityOf(file);
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), path]);
    classTotal.set(label, (classTotal.get(label) ?? 0) + 1);
  }
  const hash = (id: string) => createHash('sha256').update(id).digest('hex');
  const order = [...byIdentity.keys()].sort((a, b) => (hash(a) < hash(b) ? -1 : hash(a) > hash(b) ? 1 : 0));
  const inValid = new Map<string, number>();
  const split: WildSplit = { train: [], valid: [] };
  for (const id of order) {
    const own = new Map<string, number>();
    for (const path of byIdentity.get(id)!) own.set(path.split('/')[0]!, (own.get(path.split('/')[0]!) ?? 0) + 1);
    const fits = [...own].every(([label, n]) => (inValid.get(label) ?? 0) + n <= share * classTotal.get(label)!);
    if (fits) for (const [label, n] of own) inValid.set(label, (inValid.get(label) ?? 0) + n);
    (fits ? split.valid : split.train).push(...byIdentity.get(id)!);
  }
  split.train.sort();
  split.valid.sort();
  return split;
}

/** Every `<label>/<photo>` of a folder-per-class set. */
export function photoPaths(dir: string): string[] {
  return readdirSync(dir)
    .filter((label) => statSync(join(dir, label)).isDirectory())
    .flatMap((label) =>
      readdirSync(join(dir, label))
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .map((f) => `${label}/${f}`),
    )
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = scriptArgs({
    usage: 'Usage: node --import tsx training/data/wild-split.ts [--data <wild photo folders>]',
    options: { data: { type: 'string', default: WILD_DIR } },
  });
  const split = splitByIdentity(photoPaths(values.data));
  for (const part of ['train', 'valid'] as const) {
    const header = `# wild photos, ${part} part of the identity split (training/data/wild-split.ts); ${split[part].length} photos\n`;
    writeFileSync(join(WILD_SPLIT_DIR, `${part}.txt`), header + split[part].join('\n') + '\n');
    const counts: Record<string, number> = {};
    for (const p of split[part]) counts[p.split('/')[0]!] = (counts[p.split('/')[0]!] ?? 0) + 1;
    console.log(part, split[part].length, JSON.stringify(counts));
  }
}
