/**
 * A run folder rebuilt from a shipped model: its params read back from the ONNX (onnx-params.ts),
 * its config and metrics from the run files shipped beside the card (`models/<name>.training/`).
 * `runs/` is not in the repository, so this is how a clone re-exports a shipped model (other weight
 * storage, a logit adjustment) or starts training from it with the run's exact config.
 *
 *   node --import tsx training/export/run-from-model.ts --model models/jadfer-accurate.json --out runs/accurate-shipped
 *        [--backbone faceres-128]
 *
 * `--backbone` runs the same weights on the same trunk at another input size: the trunk is fully
 * convolutional and the contextual branch's positions are resampled to the new grid (positions.ts),
 * so a model trained at 160 can be shipped, or trained further, at 128 for two thirds of the cost.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from '../train/checkpoint.js';
import type { FeatureShape } from '../model/config.js';
import { fitPositions } from '../model/positions.js';
import type { RunConfig } from '../train/trainer.js';
import { CANDIDATES } from '../backbone/candidates.js';
import { shippedParams } from './onnx-params.js';
import { scriptArgs } from '../../common/args.js';

export function runFromModel(cardPath: string, out: string, backbone?: string): void {
  const runFiles = cardPath.replace(/\.json$/, '.training');
  if (!existsSync(join(runFiles, 'config.json')))
    throw new Error(`${runFiles}/config.json: no run files beside the card`);
  const history = JSON.parse(readFileSync(join(runFiles, 'metrics.json'), 'utf8')) as EpochMetrics[];
  const best = history.reduce((a, b) => (b.validAccuracy > a.validAccuracy ? b : a));
  const run = JSON.parse(readFileSync(join(runFiles, 'config.json'), 'utf8')) as RunConfig;
  const resized = backbone && backbone !== run.features.backbone ? atInputSize(run, backbone) : undefined;
  mkdirSync(join(out, 'best'), { recursive: true });
  const params = shippedParams(cardPath);
  (resized ? fitPositions(params, resized.model.featureShape) : params).save(join(out, 'best', 'params'));
  // The run's figures too, so that shipping again keeps them.
  for (const file of readdirSync(runFiles)) copyFileSync(join(runFiles, file), join(out, file));
  if (resized) writeFileSync(join(out, 'config.json'), JSON.stringify(resized, null, 2));
  writeFileSync(join(out, 'best', 'metrics.json'), JSON.stringify(best, null, 2));
}

/** The run's config with its trunk at another input size: feature map and tail input scale with it. */
function atInputSize(run: RunConfig, backbone: string): RunConfig {
  const [from, to] = [CANDIDATES[run.features.backbone], CANDIDATES[backbone]];
  if (!from || !to || from.file !== to.file)
    throw new Error(
      `--backbone ${backbone}: not the trunk this model was trained on (${run.features.backbone}) at another size`,
    );
  const scale = (shape: FeatureShape): FeatureShape => {
    const [h, w] = [
      (shape.h * to.spec.inputSize) / from.spec.inputSize,
      (shape.w * to.spec.inputSize) / from.spec.inputSize,
    ];
    if (!Number.isInteger(h) || !Number.isInteger(w))
      throw new Error(
        `--backbone ${backbone}: a ${shape.h}×${shape.w} map does not scale to a whole grid at ${to.spec.inputSize}`,
      );
    return { ...shape, h, w };
  };
  const { tailLayout } = run.model;
  return {
    ...run,
    model: {
      ...run.model,
      featureShape: scale(run.model.featureShape),
      ...(tailLayout ? { tailLayout: { ...tailLayout, input: scale(tailLayout.input) } } : {}),
    },
    train: { ...run.train, ...(run.train.images ? { images: { ...run.train.images, backbone } } : {}) },
    features: { ...run.features, backbone },
    resized: { from: run.resized?.from ?? run.features.backbone, to: backbone },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const USAGE = 'usage: run-from-model.ts --model models/<name>.json --out runs/<name> [--backbone <trunk at a size>]';
  const { values } = scriptArgs({
    usage: USAGE,
    options: { model: { type: 'string' }, out: { type: 'string' }, backbone: { type: 'string' } },
  });
  if (!values.model || !values.out) {
    console.error(USAGE);
    process.exit(2);
  }
  runFromModel(values.model, values.out, values.backbone);
  console.log(`wrote ${values.out} from ${values.model}`);
}
