import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { create } from '../src/index.js';
import type { PriorsOption } from '../src/contract/options.js';
import { FER_EMOTIONS, loadFerPlusSplit } from '../common/ferplus.js';
import { byLabel, ConfusionMatrix, scoreConfusion } from '../common/metrics.js';
import { loadSharp } from '../common/sharp.js';
import { numberOption, parseCommandLine, requiredString } from '../common/args.js';
import type { Command } from './command.js';
import type { EvalReport } from './eval-report.js';
import { evaluatePhotos, isPhotoFolderSet, PHOTO_USAGE, readPhotoList } from './eval-photos.js';

const USAGE = `Usage: jadfer eval --data <FERPlus split dir | photo folders> [--model <card.json|model.onnx>] [--mirror] [--priors balanced|unadjusted] [--json] [--limit N] [--only <list>]

Scores a classifier on a FERPlus split (FER2013Train/, FER2013Valid/ or FER2013Test/ with its
label.csv), majority-vote protocol, 8 classes: label = the emotion with most votes; images whose
top vote is unknown/NF, or whose majority is tied, are skipped and counted. Every image goes
through the SDK's own preprocessing (the crop is the whole 48×48 image, as detector 'none').

Prints overall accuracy, mean per-class accuracy (macro recall: each class weighs the same),
macro F1 (per class, the harmonic mean of recall and precision: false calls of a class count too),
per-class accuracy, the confusion matrix and the skipped counts. --mirror classifies each face
with its mirror image too and averages them (create()'s mirror); --priors unadjusted takes the model's
logit adjustment out (create()'s priors). --json prints one JSON object:
{ accuracy, meanClassAccuracy, macroF1, n, perClass, confusion, labels, skipped, model, data }. --scores
writes each image's probabilities and true label to a file (calibration and logit-adjustment studies).

${PHOTO_USAGE}`;

export const evalCommand: Command = {
  summary: 'accuracy of a model on a FERPlus split (majority vote, 8 classes)',
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandLine(args, {
      options: {
        data: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
        mirror: { type: 'boolean', default: false },
        priors: { type: 'string', default: 'balanced' },
        limit: { type: 'string' },
        scores: { type: 'string' },
        only: { type: 'string' },
      },
    });
    const data = requiredString(values.data, 'data');
    const modelPath = values.model;
    const limit = numberOption(values.limit, 'limit', { integer: true, min: 1 }) ?? Infinity;
    // create() checks the value (E_BAD_CONFIG names the choices), as for every option.
    const priors = values.priors as PriorsOption;
    const options = { mirror: values.mirror, priors };
    const report = isPhotoFolderSet(data, FER_EMOTIONS)
      ? await evaluatePhotos(data, modelPath, values.only ? readPhotoList(values.only) : undefined, options, {
          labels: FER_EMOTIONS,
          sharp: await loadSharp(),
          score: scoreConfusion,
        })
      : await evaluate(data, modelPath, limit, options);
    if (values.scores) {
      const { scores, truth } = report;
      writeFileSync(values.scores, JSON.stringify({ model: report.model, labels: report.labels, truth, scores }));
    }
    delete report.scores;
    delete report.truth;
    if (values.json) console.log(JSON.stringify(report));
    else printReport(report);
    return 0;
  },
};

export async function evaluate(
  dataDir: string,
  modelPath: string | undefined,
  limit = Infinity,
  { mirror = false, priors = 'balanced' }: { mirror?: boolean; priors?: PriorsOption } = {},
): Promise<EvalReport> {
  const started = performance.now();
  const split = await loadFerPlusSplit(dataDir, { pixels: true, limit });
  const fer = await create({
    detector: 'none',
    device: 'wasm',
    mirror,
    priors,
    ...(modelPath ? { modelUrl: pathToFileURL(modelPath).href } : {}),
  });
  const labels = FER_EMOTIONS;
  const counts = new ConfusionMatrix(labels.length);
  const scores: number[][] = [];
  const truth: number[] = [];
  const skipped: Record<string, number> = { ...(split.skipped as Record<string, number>) };
  try {
    for (const item of split.items) {
      const [face] = await fer.analyze({ data: item.pixels!, width: 48, height: 48 });
      const predicted = labels.indexOf(face!.expression.label as (typeof labels)[number]);
      if (predicted < 0) {
        skipped['model-label-not-in-ferplus'] = (skipped['model-label-not-in-ferplus'] ?? 0) + 1;
        continue;
      }
      counts.add(item.label, predicted);
      scores.push(labels.map((l) => (face!.expression.scores as Record<string, number>)[l]!));
      truth.push(item.label);
    }
  } finally {
    await fer.dispose();
  }
  const metrics = counts.metrics();
  return {
    model: fer.model.name,
    data: dataDir,
    n: metrics.n,
    correct: metrics.correct,
    accuracy: metrics.accuracy,
    meanClassAccuracy: metrics.meanClassAccuracy,
    macroF1: metrics.macroF1,
    labels,
    perClass: byLabel(labels, metrics.perClass),
    confusion: metrics.confusion,
    skipped,
    ms: performance.now() - started,
    scores,
    truth,
  };
}

function printReport(report: EvalReport): void {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  console.log(`model ${report.model} on ${report.data}`);
  console.log(`accuracy ${pct(report.accuracy)} (${report.correct}/${report.n}), ${(report.ms / 1000).toFixed(1)} s`);
  console.log(`mean per-class accuracy ${pct(report.meanClassAccuracy)} (macro recall: each class weighs the same)`);
  console.log(`macro F1 ${pct(report.macroF1)} (false calls of a class count too)`);
  console.log('\nper class: recall (right of its faces), precision (right of its calls)');
  for (const [label, c] of Object.entries(report.perClass))
    console.log(
      `  ${label.padEnd(10)} ${pct(c.accuracy).padStart(7)}  (${c.correct}/${c.n})   ${pct(c.precision).padStart(7)}  (${c.correct}/${c.predicted})`,
    );
  console.log('\nconfusion (rows: truth, columns: predicted):');
  const short = report.labels.map((l) => l.slice(0, 5));
  console.log(`  ${''.padEnd(10)}${short.map((l) => l.padStart(7)).join('')}`);
  report.confusion.forEach((row, k) =>
    console.log(`  ${report.labels[k]!.padEnd(10)}${row.map((v) => String(v).padStart(7)).join('')}`),
  );
  if (report.noFace)
    console.log(`\nmeans over ${report.scoredClasses!.join(', ')}; no face in ${report.noFace.length}`);
  const skipped = Object.entries(report.skipped).filter(([, v]) => v > 0);
  console.log(
    `\nskipped: ${skipped.length ? skipped.map(([reason, count]) => `${reason} ${count}`).join(', ') : 'none'}`,
  );
}
