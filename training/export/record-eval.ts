/**
 * Scores an exported model with `jadfer eval` (the SDK's own preprocessing, not the training
 * pipeline's) and records the result, per-class accuracy and the exact command in its card.
 *
 *   node --import tsx training/export/record-eval.ts models/jadfer-base.json [--data <split dir>]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { relative } from 'node:path';
import { FERPLUS_DIR } from '../data/paths.js';
import { scriptArgs } from '../../cli/args.js';

const { values, positionals } = scriptArgs({
  usage: 'usage: record-eval.ts <model card.json> [--data <FERPlus split dir>]',
  options: { data: { type: 'string', default: `${FERPLUS_DIR}/FER2013Valid` } },
  positionals: { min: 1, max: 1 },
});
const cardPath = positionals[0]!;
const data = values.data;
const args = ['eval', '--data', relative(process.cwd(), data), '--model', cardPath];
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
const report = JSON.parse(
  execFileSync(process.execPath, ['bin/jadfer.mjs', ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }),
);
const card = JSON.parse(readFileSync(cardPath, 'utf8'));
const trainingTime = card.metrics?.validationAccuracy;
const trainingTimeMeanClass = card.metrics?.meanClassAccuracy;
card.metrics = {
  ...card.metrics,
  validationAccuracy: report.accuracy,
  meanClassAccuracy: report.meanClassAccuracy,
  n: report.n,
  perClass: Object.fromEntries(
    Object.entries(report.perClass as Record<string, { accuracy: number }>).map(([label, c]) => [label, c.accuracy]),
  ),
  confusion: report.confusion,
  skipped: report.skipped,
  split: 'FER2013Valid, majority vote, 8 classes',
  command: `npx jadfer ${args.join(' ')}`,
  measuredOn: `${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}, onnxruntime-web WASM`,
  trainingPipelineValidationAccuracy: card.metrics?.trainingPipelineValidationAccuracy ?? trainingTime,
  trainingPipelineMeanClassAccuracy: card.metrics?.trainingPipelineMeanClassAccuracy ?? trainingTimeMeanClass,
  trainingPipelineNote:
    'the same split scored by the training pipeline (TF.js preprocessing, one view per face), used to pick the best epoch',
};
writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
console.log(
  `${cardPath}: validation accuracy ${(100 * report.accuracy).toFixed(2)}%, mean per class ${(100 * report.meanClassAccuracy).toFixed(2)}% (n=${report.n}) by \`${card.metrics.command}\``,
);
