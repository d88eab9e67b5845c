import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ASSET_PATHS } from '../src/client/assets.js';
import { readCard } from './cards.js';
import { defineCommand, JSON_FLAG, type Cli } from './command.js';
import { megabytes } from './progress.js';

export const infoCommand = defineCommand({
  summary: 'a short summary of the shipped model card (or the one given)',
  synopsis: '[card.json]',
  description: `Prints what a model card says in a few lines: the model, its input, labels, measured accuracy and
licence. --json prints the whole card.`,
  positionals: { max: 1 },
  flags: { json: { ...JSON_FLAG, help: 'print the whole card (JSON)' } },
  async run({ positionals }, cli) {
    const path = positionals[0] ?? fileURLToPath(new URL(ASSET_PATHS.classifier.card, import.meta.url));
    const { card, model } = await readCard(path);
    if (cli.json) cli.printJson(card);
    else await printSummary(card, model, cli);
    return 0;
  },
});

const pct = (v: unknown) => (typeof v === 'number' ? `${(100 * v).toFixed(2)} %` : '?');
const object = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

async function printSummary(card: Record<string, unknown>, model: string, cli: Cli): Promise<void> {
  const size = (await stat(model).catch(() => undefined))?.size;
  const input = object(card.input);
  const shape = Array.isArray(input.shape) ? (input.shape as number[]) : [];
  const [height, width] = input.layout === 'NHWC' ? shape.slice(1, 3) : shape.slice(2, 4);
  const rows: [string, string][] = [
    ['model', `${String(card.name)}${card.task ? ` (${String(card.task)})` : ''}`],
    [
      'file',
      `${String(card.file)}${size === undefined ? ' (missing beside the card)' : `, ${megabytes(size)}`}, sha256 ${String(card.sha256 ?? 'none')}`,
    ],
    ['input', `${width ?? '?'}×${height ?? '?'} ${String(input.color ?? '')}`.trim()],
  ];
  if (Array.isArray(card.labels)) rows.push(['labels', card.labels.join(', ')]);
  const metrics = object(card.metrics);
  if (metrics.validationAccuracy !== undefined) {
    rows.push([
      'accuracy',
      `${pct(metrics.validationAccuracy)} overall, ${pct(metrics.meanClassAccuracy)} mean per class, ${pct(metrics.macroF1)} macro F1` +
        ` (${String(metrics.split ?? 'validation split')}${metrics.n ? `, n = ${String(metrics.n)}` : ''})`,
    ]);
    for (const variant of Array.isArray(metrics.options) ? metrics.options.map(object) : [])
      rows.push([
        '',
        `with ${String(variant.option)}: ${pct(variant.accuracy)} / ${pct(variant.meanClassAccuracy)} / ${pct(variant.macroF1)}`,
      ]);
  }
  const terms = object(card.terms);
  const licence = terms.licence ?? object(card.provenance).licence;
  if (licence) rows.push(['licence', String(licence)]);
  for (const [key, value] of rows) cli.out(`${key.padEnd(9)} ${value}`);
  cli.out('\nthe whole card (terms of use, training, per-class figures): add --json');
}
