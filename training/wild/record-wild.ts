/**
 * Records a classifier's figures on the wild photos in its card (`metrics.wild`): `jadfer eval` on the
 * validation part of the identity split and on all the photos (whole photos, full pipeline), overall and
 * mean per class over the six classes with enough photos, per class, the photos without a face, and the
 * commands. `--valid-report` / `--all-report` take `jadfer eval --json` outputs already made of this file.
 *
 *   node --import tsx training/wild/record-wild.ts models/jadfer-base.json [--valid-report r.json] [--all-report r.json]
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import type { EvalReport } from '../../common/eval-report.js';
import { WILD_DIR } from '../data/paths.js';
import { WILD_SPLIT_DIR } from '../data/wild-split.js';

const { values, positionals } = scriptArgs({
  usage: 'usage: record-wild.ts <model card.json> [--valid-report <json>] [--all-report <json>]',
  options: { 'valid-report': { type: 'string' }, 'all-report': { type: 'string' } },
  positionals: { min: 1, max: 1 },
});
const cardPath = positionals[0]!;
const card = JSON.parse(readFileSync(cardPath, 'utf8')) as {
  file: string;
  sha256: string;
  metrics: Record<string, unknown>;
};
const bytes = readFileSync(join(cardPath, '..', card.file));
if (createHash('sha256').update(bytes).digest('hex') !== card.sha256) throw new Error(`${cardPath}: sha256 differs`);
const data = relative(process.cwd(), WILD_DIR);
const only = relative(process.cwd(), join(WILD_SPLIT_DIR, 'valid.txt'));
const parts = {
  valid: { args: ['--only', only], report: values['valid-report'] },
  all: { args: [] as string[], report: values['all-report'] },
};
const wild: Record<string, unknown> = {
  data: 'the wild photo set (../shared/data/wild: muxspace/facial_expressions, 2,685 whole photos), identity split by training/data/wild-split.ts',
  protocol:
    'whole photos through the full pipeline (default detector, alignment, classifier), the largest face; a photo without a face counts as wrong; mean per class and macro F1 over the classes with at least 20 photos',
};
for (const [part, { args, report }] of Object.entries(parts)) {
  const command = ['npx', 'jadfer', 'eval', '--data', data, ...args, '--model', cardPath];
  const r = JSON.parse(
    report
      ? readFileSync(report, 'utf8')
      : execFileSync(process.execPath, ['bin/jadfer.mjs', ...command.slice(2), '--json'], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        }),
  ) as EvalReport;
  if (r.model !== (card as unknown as { name: string }).name) throw new Error(`${report}: a report of ${r.model}`);
  wild[part] = {
    n: r.n,
    accuracy: r.accuracy,
    meanClassAccuracy: r.meanClassAccuracy,
    macroF1: r.macroF1,
    scoredClasses: r.scoredClasses,
    perClass: Object.fromEntries(
      Object.entries(r.perClass)
        .filter(([, c]) => c.n > 0)
        .map(([label, c]) => [label, { n: c.n, accuracy: c.accuracy }]),
    ),
    noFace: r.noFace?.length ?? 0,
    command: command.join(' '),
  };
  console.log(
    `${part}: ${(100 * r.accuracy).toFixed(2)} % overall, ${(100 * r.meanClassAccuracy).toFixed(2)} % per class (n ${r.n})`,
  );
}
card.metrics.wild = wild;
writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
