/**
 * Ships a trained run as a model in models/: export (ONNX + card), parity of TF.js against the
 * exported ONNX, the SDK's own evaluation, and the run's figures beside the card. One command, so a
 * shipped card never mixes numbers from different runs.
 *
 *   node --import tsx training/export/ship.ts --run runs/<name> --variant base [--mirror-average]
 *
 * Card sections written by hand-run studies (`training.backboneSelection`, `training.design`) are
 * kept from the card being replaced; `performance` is dropped, as it belongs to the old model
 * (`npm run bench -- --model jadfer-<variant> --record` measures the new one into the card).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { RunConfig } from '../train/trainer.js';
import { exportRun, loadBackboneForExport } from './export.js';
import { parityCardEntry, parityHolds, runParity, STORAGE_PARITY } from './parity.js';
import { WEIGHT_FORMATS, type WeightFormat } from './quantize.js';
import { chooseTau, logScores, type LogitAdjustment } from '../balance/logit-adjustment.js';
import { classCounts, loadFerPlusSplit } from '../../common/ferplus.js';
import { FERPLUS_DIR } from '../data/paths.js';

import { scriptArgs } from '../../common/args.js';

/**
 * What the feature cache the run trained on was made of, from its own metadata; when a clone
 * re-ships a model without that cache (.cache/ is not in the repository), the card it replaces said it.
 */
function featureCaching(dir: string, previous: unknown): string {
  if (!existsSync(join(dir, 'train.json')) && typeof previous === 'string') return previous;
  const meta = JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8')) as {
    n: number;
    views: string[];
    featureNode: string;
    engine: string;
    imgsPerSec: number;
  };
  const minutes = (meta.n * meta.views.length) / meta.imgsPerSec / 60;
  return `FERPlus train (${meta.n.toLocaleString('en')} images × ${meta.views.join(' + ')}) and valid through the converted trunk up to ${meta.featureNode} on ${meta.engine === 'ort' ? 'onnxruntime-node' : meta.engine}, ${Math.round(meta.imgsPerSec)} images/s, ~${Math.round(minutes)} min (training/backbone/cache-features.ts)`;
}

const RUN_FILES = ['config.json', 'metrics.json', 'curves.png', 'confusion-matrix.png'];
const KEPT_TRAINING_SECTIONS = ['backboneSelection', 'design'];

const USAGE =
  'usage: ship.ts --run runs/<name> [--variant base] [--out-dir models] [--weights mixed|int8|float16|float32] [--logit-adjust auto|none|<τ>]';

const { values } = scriptArgs({
  usage: USAGE,
  options: {
    run: { type: 'string' },
    variant: { type: 'string', default: 'base' },
    'out-dir': { type: 'string', default: 'models' },
    weights: { type: 'string', default: 'mixed' },
    'logit-adjust': { type: 'string', default: 'auto' },
  },
});
const weights = values.weights as WeightFormat;
if (!values.run || !WEIGHT_FORMATS.includes(weights)) {
  console.error(USAGE);
  process.exit(2);
}
const runDir = values.run;
const outDir = values['out-dir']!;
const cardPath = join(outDir, `jadfer-${values.variant}.json`);
const previous = existsSync(cardPath)
  ? (JSON.parse(readFileSync(cardPath, 'utf8')) as { training?: Record<string, unknown> })
  : undefined;

const run = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as RunConfig;
const backbone = await loadBackboneForExport(run.features.backbone, run.features.featureNode);
const logitAdjustment = await chooseLogitAdjustment(values['logit-adjust']!);
// Exported beside the scratch scores first: a file that fails parity never replaces the shipped one.
const staged = join('.cache', 'ship', `${values.variant}-staged`);
rmSync(staged, { recursive: true, force: true });
const exported = await exportRun({
  run: runDir,
  variant: values.variant!,
  outDir: staged,
  backbone,
  weights,
  logitAdjustment,
});
console.log(`exported ${exported.onnxPath} (${(exported.bytes.length / 1e6).toFixed(2)} MB, ${weights} weights)`);

// Rounded weights move logits a little, and now and then a near tie: over the 512 faces, the
// files agree with the training run on at least 99.5 % of top-1 labels, and within STORAGE_PARITY[weights].
const parity = await runParity(runDir, exported.onnxPath, 8, 512, logitAdjustment);
const tolerance = STORAGE_PARITY[weights];
console.log(
  `parity: against the run ${parity.maxAbsDiff.toExponential(2)} (≤ ${tolerance.maxAbsDiff}), top-1 on faces ${parity.faceTop1Agreement} (≥ ${tolerance.top1Agreement}; with noise inputs ${parity.top1Agreement}); ` +
    `file read back into the definition ${parity.stored?.maxAbsDiff.toExponential(2)}, top-1 ${parity.stored?.top1Agreement}`,
);
if (!parityHolds(parity, tolerance.maxAbsDiff, tolerance.top1Agreement))
  throw new Error(
    `parity failed: the exported model does not compute what was trained (left in ${staged}; ${outDir} untouched)`,
  );
mkdirSync(outDir, { recursive: true });
const onnxPath = join(outDir, basename(exported.onnxPath));
copyFileSync(exported.onnxPath, onnxPath);
copyFileSync(exported.cardPath, cardPath);

const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, Record<string, unknown>>;
for (const section of KEPT_TRAINING_SECTIONS)
  if (previous?.training?.[section] !== undefined) card.training![section] = previous.training[section];
card.training!.featureCaching = run.features.online
  ? `none: trained from the faces (${run.features.dir}, ${run.features.trainN.toLocaleString('en')} train images), each augmented afresh every step and run through the frozen trunk up to ${run.features.featureNode} (training/train/images.ts)`
  : featureCaching(run.features.dir, previous?.training?.featureCaching);
card.parity = parityCardEntry(parity, tolerance, runDir, onnxPath);
writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);

// The SDK's own evaluation (same preprocessing as users get) goes into card.metrics.
execFileSync(process.execPath, ['--import', 'tsx', 'training/export/record-eval.ts', cardPath], { stdio: 'inherit' });

/**
 * The logit adjustment to fold in: none, a given τ, or (auto) τ by TAU_RULE from the SDK's own
 * scores of the unadjusted model on the validation split (exported to a scratch folder first).
 */
async function chooseLogitAdjustment(option: string): Promise<LogitAdjustment | undefined> {
  if (option === 'none') return undefined;
  const trainCounts = classCounts(
    (await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Train`, { verifyImages: false })).items,
  );
  if (option !== 'auto') {
    const tau = Number(option);
    if (!(tau >= 0 && tau <= 2)) throw new Error(`--logit-adjust must be auto, none or a τ in [0, 2], not ${option}`);
    return { tau, trainCounts, rule: `τ given on the command line (--logit-adjust ${option})` };
  }
  const scratch = join('.cache', 'ship', values.variant!);
  rmSync(scratch, { recursive: true, force: true });
  const plain = await exportRun({ run: runDir, variant: values.variant!, outDir: scratch, backbone, weights });
  const scoresPath = join(scratch, 'valid-scores.json');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  execFileSync(
    process.execPath,
    [
      'bin/jadfer.mjs',
      'eval',
      '--data',
      `${FERPLUS_DIR}/FER2013Valid`,
      '--model',
      plain.cardPath,
      '--scores',
      scoresPath,
    ],
    { stdio: 'inherit' },
  );
  const { scores, truth } = JSON.parse(readFileSync(scoresPath, 'utf8')) as { scores: number[][]; truth: number[] };
  const chosen = chooseTau(logScores(scores), truth, trainCounts);
  console.log(`logit adjustment: τ = ${chosen.tau} (${chosen.rule})`);
  return chosen;
}

const figures = join(outDir, `jadfer-${values.variant}.training`);
// Start empty: a run without curves (an averaged one) must not ship the replaced model's curves.
rmSync(figures, { recursive: true, force: true });
mkdirSync(figures, { recursive: true });
for (const file of RUN_FILES) if (existsSync(join(runDir, file))) copyFileSync(join(runDir, file), join(figures, file));
console.log(`shipped ${cardPath}; run files in ${figures}`);
console.log(
  `next: npm run build && npm run bench -- --model jadfer-${values.variant} --record --no-compare (its card's performance section)`,
);
