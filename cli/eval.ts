import { stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JadferError } from '../src/index.js';
import { DEFAULTS, PRIORS, type CreateOptions } from '../src/contract/options.js';
import { FER_EMOTIONS, loadFerPlusSplit } from '../common/ferplus.js';
import { byLabel, ConfusionMatrix, scoreConfusion } from '../common/metrics.js';
import { requiredString } from '../common/args.js';
import { choices, defineCommand, JSON_FLAG, type Cli } from './command.js';
import { evaluatePhotos, isPhotoFolderSet, PHOTO_USAGE, readPhotoList } from './eval-photos.js';
import type { EvalReport } from '../common/eval-report.js';
import { loadModels, modelUrl } from './models.js';

export const evalCommand = defineCommand({
  summary: 'accuracy of a model on a FERPlus split (majority vote, 8 classes) or on photo folders',
  description: `Scores a classifier on a FERPlus split (FER2013Train/, FER2013Valid/ or FER2013Test/ with its
label.csv), majority-vote protocol, 8 classes: label = the emotion with most votes; images whose
top vote is unknown/NF, or whose majority is tied, are skipped and counted. Every image goes
through the SDK's own preprocessing (the crop is the whole 48×48 image, as detector 'none').

Prints overall accuracy, mean per-class accuracy (macro recall: each class weighs the same),
macro F1 (per class, the harmonic mean of recall and precision: false calls of a class count too),
per-class accuracy, the confusion matrix and the skipped counts.

${PHOTO_USAGE}`,
  flags: {
    data: {
      type: 'string',
      value: '<dir>',
      help: 'the FERPlus split folder, or a folder of photo folders named after the labels (required)',
    },
    model: {
      type: 'string',
      value: '<card.json>',
      help: 'a classifier model card, or the .onnx beside its card (default: the shipped model)',
    },
    json: {
      ...JSON_FLAG,
      help: `print one JSON object: { accuracy, meanClassAccuracy, macroF1, n, perClass, confusion, labels, skipped,
model, data }`,
    },
    mirror: {
      type: 'boolean',
      sdk: 'mirror',
      help: "classify each face with its mirror image too and average them (create()'s mirror)",
    },
    priors: {
      type: 'string',
      value: '<p>',
      sdk: 'priors',
      help: `${choices(PRIORS, DEFAULTS.priors)}: takes the model's logit adjustment out (create()'s priors)`,
    },
    limit: { type: 'string', value: '<n>', number: { integer: true, min: 1 }, help: 'score the first n images only' },
    only: {
      type: 'string',
      value: '<list>',
      help: 'photo folders: score only the photos the list names (one <label>/<photo> a line: a split of the set)',
    },
    scores: {
      type: 'string',
      value: '<file>',
      help: "write each image's probabilities and true label to <file> (calibration and logit-adjustment studies)",
    },
  },
  async run({ values, sdkOptions }, cli) {
    const data = requiredString(values.data, 'data');
    // Checked before the split and the models load (a minute or more), and the --scores file before the scoring.
    const folder = await stat(data).catch(() => undefined);
    if (!folder?.isDirectory())
      throw new JadferError('E_BAD_INPUT', `--data ${data}: ${folder ? 'not a folder' : 'no such folder'}`, {
        details: { path: data },
      });
    const photos = isPhotoFolderSet(data, FER_EMOTIONS);
    const split = await stat(join(data, 'label.csv')).catch(() => undefined);
    if (!photos && !split?.isFile())
      throw new JadferError(
        'E_BAD_INPUT',
        `--data ${data}: not a FERPlus split folder (no label.csv in it), nor photo folders named after the labels`,
        { details: { path: data } },
      );
    const only = values.only === undefined ? undefined : readPhotoList(values.only);
    const model = await modelUrl(values.model);
    if (values.scores && !(await stat(dirname(values.scores)).catch(() => undefined))?.isDirectory())
      throw new JadferError('E_BAD_INPUT', `--scores ${values.scores}: its folder does not exist`, {
        details: { path: values.scores },
      });
    const options = { ...sdkOptions, ...model };
    const report = photos
      ? await evaluatePhotos(data, options, only, cli, {
          labels: FER_EMOTIONS,
          score: scoreConfusion,
        })
      : await evaluate(data, options, values.limit ?? Infinity, cli);
    if (values.scores) {
      const { scores, truth } = report;
      await writeFile(values.scores, JSON.stringify({ model: report.model, labels: report.labels, truth, scores }));
    }
    delete report.scores;
    delete report.truth;
    if (cli.json) cli.printJson(report, 0);
    else printReport(report, cli);
    return 0;
  },
});

export async function evaluate(
  dataDir: string,
  options: Pick<CreateOptions, 'mirror' | 'priors' | 'modelUrl'>,
  limit = Infinity,
  cli: Cli,
): Promise<EvalReport> {
  const started = performance.now();
  cli.progress.update(`reading ${dataDir}…`, true);
  const split = await loadFerPlusSplit(dataDir, {
    pixels: true,
    limit,
    onProgress: (done, total) => cli.progress.update(`reading ${dataDir}: ${done}/${total} images`),
  });
  const fer = await loadModels({ detector: 'none', device: 'wasm', ...options }, cli);
  const labels = FER_EMOTIONS;
  const counts = new ConfusionMatrix(labels.length);
  const scores: number[][] = [];
  const truth: number[] = [];
  const skipped: Record<string, number> = { ...(split.skipped as Record<string, number>) };
  try {
    for (const [i, item] of split.items.entries()) {
      cli.progress.update(`scoring ${i + 1}/${split.items.length}`);
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
    cli.progress.clear();
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

function printReport(report: EvalReport, cli: Cli): void {
  const out = (line: string) => cli.out(line);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  out(`model ${report.model} on ${report.data}`);
  out(`accuracy ${pct(report.accuracy)} (${report.correct}/${report.n}), ${(report.ms / 1000).toFixed(1)} s`);
  out(`mean per-class accuracy ${pct(report.meanClassAccuracy)} (macro recall: each class weighs the same)`);
  out(`macro F1 ${pct(report.macroF1)} (false calls of a class count too)`);
  out('\nper class: recall (right of its faces), precision (right of its calls)');
  for (const [label, c] of Object.entries(report.perClass))
    out(
      `  ${label.padEnd(10)} ${pct(c.accuracy).padStart(7)}  (${c.correct}/${c.n})   ${pct(c.precision).padStart(7)}  (${c.correct}/${c.predicted})`,
    );
  out('\nconfusion (rows: truth, columns: predicted):');
  const short = report.labels.map((l) => l.slice(0, 5));
  out(`  ${''.padEnd(10)}${short.map((l) => l.padStart(7)).join('')}`);
  report.confusion.forEach((row, k) =>
    out(`  ${report.labels[k]!.padEnd(10)}${row.map((v) => String(v).padStart(7)).join('')}`),
  );
  if (report.noFace) out(`\nmeans over ${report.scoredClasses!.join(', ')}; no face in ${report.noFace.length}`);
  const skipped = Object.entries(report.skipped).filter(([, v]) => v > 0);
  out(`\nskipped: ${skipped.length ? skipped.map(([reason, count]) => `${reason} ${count}`).join(', ') : 'none'}`);
}
