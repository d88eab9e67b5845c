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
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { RunConfig } from '../train/trainer.js';
import { exportRun, loadBackboneForExport } from './export.js';
import { runParity } from './parity.js';
import { scriptArgs } from '../../cli/args.js';

/** What the feature cache the run trained on was made of, from its own metadata. */
function featureCaching(dir: string): string {
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

const USAGE = 'usage: ship.ts --run runs/<name> [--variant base] [--out-dir models] [--mirror-average]';

const { values } = scriptArgs({
  usage: USAGE,
  options: {
    run: { type: 'string' },
    variant: { type: 'string', default: 'base' },
    'out-dir': { type: 'string', default: 'models' },
    'mirror-average': { type: 'boolean', default: false },
  },
});
if (!values.run) {
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
const mirrorAverage = values['mirror-average']!;
const exported = await exportRun({ run: runDir, variant: values.variant!, outDir, backbone, mirrorAverage });
console.log(`exported ${exported.onnxPath} (${(exported.bytes.length / 1e6).toFixed(2)} MB)`);

const parity = await runParity(runDir, exported.onnxPath, 8, 64, mirrorAverage);
console.log(`parity: maxAbsDiff ${parity.maxAbsDiff.toExponential(2)}, top-1 agreement ${parity.top1Agreement}`);
if (parity.top1Agreement < 1 || parity.maxAbsDiff > 1e-4)
  throw new Error('parity failed: the exported model does not compute what was trained');

const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, Record<string, unknown>>;
for (const section of KEPT_TRAINING_SECTIONS)
  if (previous?.training?.[section] !== undefined) card.training![section] = previous.training[section];
card.training!.featureCaching = run.features.online
  ? `none: trained from the faces (${run.features.dir}, ${run.features.trainN.toLocaleString('en')} train images), each augmented afresh every step and run through the frozen trunk up to ${run.features.featureNode} (training/train/images.ts)`
  : featureCaching(run.features.dir);
card.parity = {
  maxAbsDiff: parity.maxAbsDiff,
  top1Agreement: parity.top1Agreement,
  samples: parity.samples,
  runtimes: parity.runtimes,
  reference: `TF.js (${parity.tfBackend}): the backbone graph model + the JADFER heads from the same definition`,
  command: `npm run parity -- --run ${runDir} --model ${exported.onnxPath}${mirrorAverage ? ' --mirror-average' : ''}`,
};
writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);

// The SDK's own evaluation (same preprocessing as users get) goes into card.metrics.
execFileSync(process.execPath, ['--import', 'tsx', 'training/export/record-eval.ts', cardPath], { stdio: 'inherit' });

const figures = join(outDir, `jadfer-${values.variant}.training`);
// Start empty: a run without curves (an averaged one) must not ship the replaced model's curves.
rmSync(figures, { recursive: true, force: true });
mkdirSync(figures, { recursive: true });
for (const file of RUN_FILES) if (existsSync(join(runDir, file))) copyFileSync(join(runDir, file), join(figures, file));
console.log(`shipped ${cardPath}; run files in ${figures}`);
console.log(
  `next: npm run build && npm run bench -- --model jadfer-${values.variant} --record --no-compare (its card's performance section)`,
);
