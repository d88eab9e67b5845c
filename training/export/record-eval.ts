/**
 * Scores an exported model with `jadfer eval` (the SDK's own preprocessing, not the training
 * pipeline's) and records the result, per-class accuracy and the exact command in its card; then
 * the same with each create() option that changes the scores (`metrics.options`), so the integrator
 * sees what `mirror` and `priors: 'unadjusted'` buy on this model.
 *
 *   node --import tsx training/export/record-eval.ts models/jadfer-base.json [--data <split dir>]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { relative } from 'node:path';
import { FERPLUS_DIR } from '../data/paths.js';
import { scriptArgs } from '../../common/args.js';

const { values, positionals } = scriptArgs({
  usage: 'usage: record-eval.ts <model card.json> [--data <FERPlus split dir>]',
  options: { data: { type: 'string', default: `${FERPLUS_DIR}/FER2013Valid` } },
  positionals: { min: 1, max: 1 },
});
const cardPath = positionals[0]!;
const data = values.data;
const args = ['eval', '--data', relative(process.cwd(), data), '--model', cardPath];
const evaluate = (extra: string[] = []) =>
  JSON.parse(
    execFileSync(process.execPath, ['bin/jadfer.mjs', ...args, ...extra, '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    }),
  ) as {
    accuracy: number;
    meanClassAccuracy: number;
    macroF1: number;
    n: number;
    perClass: unknown;
    confusion: number[][];
    skipped: unknown;
  };
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
const report = evaluate();
const card = JSON.parse(readFileSync(cardPath, 'utf8'));
const variants: [string, string[]][] = [['mirror: true', ['--mirror']]];
if (card.architecture?.logitAdjustment?.tau || card.architecture?.logitAdjustment?.shift)
  variants.unshift(["priors: 'unadjusted'", ['--priors', 'unadjusted']]);
const options = variants.map(([option, extra]) => {
  const scored = evaluate(extra);
  console.log(
    `${option}: ${(100 * scored.accuracy).toFixed(2)}%, mean per class ${(100 * scored.meanClassAccuracy).toFixed(2)}%`,
  );
  return {
    option,
    accuracy: scored.accuracy,
    meanClassAccuracy: scored.meanClassAccuracy,
    macroF1: scored.macroF1,
    command: `npx jadfer ${[...args, ...extra].join(' ')}`,
  };
});
const trainingTime = card.metrics?.validationAccuracy;
const trainingTimeMeanClass = card.metrics?.meanClassAccuracy;
card.metrics = {
  ...card.metrics,
  validationAccuracy: report.accuracy,
  meanClassAccuracy: report.meanClassAccuracy,
  macroF1: report.macroF1,
  n: report.n,
  perClass: Object.fromEntries(
    Object.entries(report.perClass as Record<string, { accuracy: number }>).map(([label, c]) => [label, c.accuracy]),
  ),
  confusion: report.confusion,
  skipped: report.skipped,
  split: 'FER2013Valid, majority vote, 8 classes',
  command: `npx jadfer ${args.join(' ')}`,
  options,
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
