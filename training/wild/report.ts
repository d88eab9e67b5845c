/**
 * The diagnosis tables and figure of docs/wild-photos.md, from diagnose.ts's per-photo tables: accuracy
 * per class for each crop variant (wild training part, validation part, all), and by photo source
 * (gray news photos against colour film frames), with where the misses went.
 *
 *   node --import tsx training/wild/report.ts .cache/wild/diag-base.json [--figure docs/figures/wild-by-source.png]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import { FER_EMOTIONS } from '../../common/ferplus.js';
import { WILD_SPLIT_DIR } from '../data/wild-split.js';
import { writePng } from '../train/plots.js';
import type { Conditions } from './diagnose.js';

interface Row {
  path: string;
  truth: number;
  conditions?: Conditions;
  predicted: Record<string, number>;
}
const SIX = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust'];

/** 'film': the small colour frames (film stills, under 200 px); 'news': the 350×350 gray photos; 'other' the rest. */
export function sourceOf(c: Conditions | undefined): string {
  if (!c) return 'no face';
  if (c.small) return 'film frames (colour, under 200 px)';
  return c.colour ? 'other colour photos' : 'news photos (gray, 350 px)';
}

function score(rows: Row[], variant: string) {
  const per = SIX.map((label) => {
    const of = rows.filter((r) => FER_EMOTIONS[r.truth] === label);
    const right = of.filter((r) => r.predicted[variant] === r.truth).length;
    const neutral = of.filter((r) => r.predicted[variant] === 0).length;
    return { label, n: of.length, accuracy: of.length ? right / of.length : NaN, neutral };
  });
  const right = rows.filter((r) => r.predicted[variant] === r.truth).length;
  const scored = per.filter((c) => c.n >= 20);
  return {
    n: rows.length,
    accuracy: right / rows.length,
    mean: scored.reduce((a, c) => a + c.accuracy, 0) / scored.length,
    per,
  };
}

const pct = (v: number) => (Number.isNaN(v) ? '–' : (100 * v).toFixed(1));

if (process.argv[1]?.endsWith('report.ts')) {
  const { values, positionals } = scriptArgs({
    usage: 'Usage: node --import tsx training/wild/report.ts <diag.json> [--figure <png>]',
    options: { figure: { type: 'string' } },
    positionals: { min: 1, max: 1 },
  });
  const diag = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { model: string; variants: string[]; rows: Row[] };
  const valid = new Set(
    readFileSync(join(WILD_SPLIT_DIR, 'valid.txt'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#')),
  );
  const parts: Record<string, Row[]> = {
    all: diag.rows,
    train: diag.rows.filter((r) => !valid.has(r.path)),
    valid: diag.rows.filter((r) => valid.has(r.path)),
  };
  console.log(`### ${diag.model}: crop variants (photos without a face count as wrong)\n`);
  console.log(`| part | variant | n | overall | mean per class | ${SIX.join(' | ')} |`);
  console.log(`| --- | --- | --- | --- | --- | ${SIX.map(() => '---').join(' | ')} |`);
  for (const [part, rows] of Object.entries(parts))
    for (const variant of diag.variants) {
      const s = score(rows, variant);
      console.log(
        `| ${part} | ${variant} | ${s.n} | ${pct(s.accuracy)} | ${pct(s.mean)} | ${s.per.map((c) => pct(c.accuracy)).join(' | ')} |`,
      );
    }
  const first = diag.variants[0]!;
  const sources = [...new Set(diag.rows.map((r) => sourceOf(r.conditions)))].sort();
  console.log(`\n### ${diag.model}, ${first}: by photo source, all photos (right / n; → neutral)\n`);
  console.log(`| source | photos | ${SIX.join(' | ')} |`);
  console.log(`| --- | --- | ${SIX.map(() => '---').join(' | ')} |`);
  const bySource = sources.map((source) => ({
    source,
    s: score(
      diag.rows.filter((r) => sourceOf(r.conditions) === source),
      first,
    ),
  }));
  for (const { source, s } of bySource)
    console.log(
      `| ${source} | ${s.n} | ${s.per.map((c) => (c.n ? `${pct(c.accuracy)} % of ${c.n}${c.label === 'neutral' ? '' : ` (${c.neutral} → neutral)`}` : '–')).join(' | ')} |`,
    );
  if (values.figure) {
    const shown = bySource.filter((b) => b.source !== 'no face' && b.source !== 'other colour photos');
    const colours = ['#4a78b5', '#d08a2c'];
    const [w, h, left, top, bar] = [760, 300, 50, 40, 22];
    const x0 = (k: number) => left + k * 115;
    const y = (v: number) => top + (1 - v) * 200;
    const bars = SIX.flatMap((label, k) =>
      shown.map(({ s }, j) => {
        const c = s.per[k]!;
        if (!c.n) return '';
        return `<rect x="${x0(k) + j * (bar + 4)}" y="${y(c.accuracy)}" width="${bar}" height="${200 * c.accuracy}" fill="${colours[j]}"/><text x="${x0(k) + j * (bar + 4) + bar / 2}" y="${y(c.accuracy) - 4}" font-size="10" text-anchor="middle">${Math.round(100 * c.accuracy)}</text><text x="${x0(k) + j * (bar + 4) + bar / 2}" y="${top + 214}" font-size="9" text-anchor="middle" fill="#555">n ${c.n}</text>`;
      }),
    ).join('');
    const labels = SIX.map(
      (l, k) => `<text x="${x0(k) + bar}" y="${top + 230}" font-size="12" text-anchor="middle">${l}</text>`,
    ).join('');
    const legend = shown
      .map(
        ({ source }, j) =>
          `<rect x="${left + j * 300}" y="${h - 22}" width="12" height="12" fill="${colours[j]}"/><text x="${left + j * 300 + 18}" y="${h - 12}" font-size="12">${source}</text>`,
      )
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="DejaVu Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${left}" y="20" font-size="14">${diag.model} on the wild photos: accuracy per class (%) by photo source</text><line x1="${left - 5}" y1="${y(0)}" x2="${w - 20}" y2="${y(0)}" stroke="#999"/>${bars}${labels}${legend}</svg>`;
    await writePng(svg, values.figure);
    console.log(`\nwrote ${values.figure}`);
  }
}
