/**
 * A run folder rebuilt from a shipped model: its params read back from the ONNX (onnx-params.ts),
 * its config and metrics from the run files shipped beside the card (`models/<name>.training/`).
 * `runs/` is not in the repository, so this is how a clone re-exports a shipped model (other weight
 * storage, a logit adjustment) or starts training from it with the run's exact config.
 *
 *   node --import tsx training/export/run-from-model.ts --model models/jadfer-accurate.json --out runs/accurate-shipped
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from '../train/checkpoint.js';
import { shippedParams } from './onnx-params.js';
import { scriptArgs } from '../../cli/args.js';

export function runFromModel(cardPath: string, out: string): void {
  const runFiles = cardPath.replace(/\.json$/, '.training');
  if (!existsSync(join(runFiles, 'config.json')))
    throw new Error(`${runFiles}/config.json: no run files beside the card`);
  const history = JSON.parse(readFileSync(join(runFiles, 'metrics.json'), 'utf8')) as EpochMetrics[];
  const best = history.reduce((a, b) => (b.validAccuracy > a.validAccuracy ? b : a));
  mkdirSync(join(out, 'best'), { recursive: true });
  shippedParams(cardPath).save(join(out, 'best', 'params'));
  // The run's figures too, so that shipping again keeps them.
  for (const file of readdirSync(runFiles)) copyFileSync(join(runFiles, file), join(out, file));
  writeFileSync(join(out, 'best', 'metrics.json'), JSON.stringify(best, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const USAGE = 'usage: run-from-model.ts --model models/<name>.json --out runs/<name>';
  const { values } = scriptArgs({ usage: USAGE, options: { model: { type: 'string' }, out: { type: 'string' } } });
  if (!values.model || !values.out) {
    console.error(USAGE);
    process.exit(2);
  }
  runFromModel(values.model, values.out);
  console.log(`wrote ${values.out} from ${values.model}`);
}
