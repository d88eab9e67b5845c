/**
 * Averages the weights of finished runs that fine-tuned one model from one start (a "model soup",
 * Wortsman et al. 2022), optionally with that start itself mixed in (WiSE-FT, Wortsman et al. 2022).
 * Fine-tunes from one start stay in one basin, so the average is a model of its own, often better
 * than each run, at no inference cost. It is scored on the validation split and written as a run
 * folder that ship.ts ships like any other.
 *
 *   node --import tsx training/train/average.ts --runs runs/a,runs/b --out runs/<name>
 *     [--start-weight 0.3]   (share of the runs' common start; the runs share the rest equally)
 *     [--eval-batch 16] [--backend wasm]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreConfusion } from '../../common/metrics.js';
import { ParamStore } from '../model/params.js';
import { TfParams } from '../model/tf-ops.js';
import { BACKENDS, selectBackend, type BackendName } from './backend.js';
import type { EpochMetrics } from './checkpoint.js';
import { confusionSvg, writePng } from './plots.js';
import { evaluate, openValidation, runStart, type RunConfig, type WeightAverage } from './trainer.js';
import { scriptArgs } from '../../common/args.js';

interface FinishedRun {
  dir: string;
  config: RunConfig;
  params: ParamStore;
  best: EpochMetrics;
  history: EpochMetrics[];
}

function readRun(dir: string): FinishedRun {
  const json = <T>(file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  return {
    dir,
    config: json<RunConfig>('config.json'),
    params: ParamStore.load(join(dir, 'best', 'params')),
    best: json<EpochMetrics>('best/metrics.json'),
    history: json<EpochMetrics[]>('metrics.json'),
  };
}

/** Runs average only if they are one network on one input: same model config, trunk and feature node. */
function assertAverageable(runs: FinishedRun[], withStart: boolean): void {
  const shape = (r: FinishedRun) =>
    JSON.stringify({
      model: r.config.model,
      labels: r.config.labels,
      backbone: r.config.features.backbone,
      node: r.config.features.featureNode,
    });
  // A run without --init-from starts from its seed.
  const start = (r: FinishedRun) => r.config.train.initFrom ?? `its seed ${r.config.train.seed}`;
  for (const r of runs.slice(1)) {
    if (shape(r) !== shape(runs[0]!))
      throw new Error(
        `${r.dir} is not the same network as ${runs[0]!.dir} (model config, labels, trunk or feature node differ): their weights cannot be averaged`,
      );
    if (withStart && start(r) !== start(runs[0]!))
      throw new Error(
        `--start-weight needs one common start, but ${r.dir} started from ${start(r)} and ${runs[0]!.dir} from ${start(runs[0]!)}`,
      );
  }
}

/** Σ wᵢ·paramsᵢ over every tensor of the first store; each store must hold each tensor in the same shape. */
export function weightedAverage(stores: ParamStore[], weights: number[]): ParamStore {
  const out = new ParamStore();
  for (const [name, first] of stores[0]!.entries) {
    const sum = new Float32Array(first.data.length);
    stores.forEach((store, i) => {
      const data = store.require(name, first.shape).data;
      for (let j = 0; j < sum.length; j++) sum[j]! += weights[i]! * data[j]!;
    });
    out.set(name, first.shape, sum);
  }
  return out;
}

export interface AverageOptions {
  runs: string[];
  out: string;
  /** Share of the runs' common start (WiSE-FT); the runs share the rest equally. */
  startWeight: number;
  evalBatch: number;
  command: string;
}

/** Averages the runs' best weights, scores them on the validation split, and writes a run folder. */
export async function averageRuns(o: AverageOptions): Promise<{ average: WeightAverage; validation: EpochMetrics }> {
  if (!(o.startWeight >= 0 && o.startWeight < 1))
    throw new Error(`the start's weight must be in [0, 1), got ${o.startWeight}`);
  if (o.runs.length === 0 || (o.runs.length === 1 && o.startWeight === 0))
    throw new Error('nothing to average: give two runs or more, or one run with a start weight above 0');
  const runs = o.runs.map(readRun);
  assertAverageable(runs, o.startWeight > 0);
  const first = runs[0]!;
  const stores = runs.map((r) => r.params);
  const weights = runs.map(() => (1 - o.startWeight) / runs.length);
  if (o.startWeight > 0) {
    stores.push(await runStart(first.config));
    weights.push(o.startWeight);
  }
  const averaged = weightedAverage(stores, weights);

  const started = performance.now();
  const valid = await openValidation(first.config.train);
  const params = TfParams.fromStore(averaged);
  const scored = await evaluate(params, first.config.model, valid, o.evalBatch).finally(() => {
    params.dispose();
    valid.close();
  });

  const average: WeightAverage = {
    runs: runs.map((r, i) => ({
      dir: r.dir,
      weight: weights[i]!,
      validAccuracy: r.best.validAccuracy,
      validMeanClassAccuracy: scoreConfusion(r.best.confusion).meanClassAccuracy,
      seconds: Math.round(r.history.reduce((a, m) => a + m.seconds, 0)),
      epochs: r.history.length,
      command: r.config.train.command ?? null,
    })),
    ...(o.startWeight > 0 ? { start: { initFrom: first.config.train.initFrom ?? null, weight: o.startWeight } } : {}),
    command: o.command,
  };
  // One record in the epoch format: the validation of the averaged weights (nothing trains here).
  const validation: EpochMetrics = {
    epoch: 1,
    trainLoss: Number.NaN,
    trainCe: Number.NaN,
    trainVariety: Number.NaN,
    trainAccuracy: Number.NaN,
    validLoss: scored.loss,
    validAccuracy: scored.accuracy,
    validMeanClassAccuracy: scored.meanClassAccuracy,
    perClassAccuracy: scored.perClass,
    confusion: scored.confusion,
    lr: 0,
    samplesPerSecond: 0,
    seconds: average.runs.reduce((a, r) => a + r.seconds, 0) + (performance.now() - started) / 1000,
  };
  mkdirSync(join(o.out, 'best'), { recursive: true });
  averaged.save(join(o.out, 'best', 'params'));
  writeFileSync(join(o.out, 'best', 'metrics.json'), JSON.stringify(validation, null, 2));
  writeFileSync(join(o.out, 'metrics.json'), JSON.stringify([validation], null, 2));
  writeFileSync(join(o.out, 'config.json'), JSON.stringify({ ...first.config, average } satisfies RunConfig, null, 2));
  await writePng(
    confusionSvg(
      scored.confusion,
      first.config.labels,
      `validation, averaged weights, acc ${(scored.accuracy * 100).toFixed(2)}%, mean per class ${(scored.meanClassAccuracy * 100).toFixed(2)}%`,
    ),
    join(o.out, 'confusion-matrix.png'),
  );
  return { average, validation };
}

const USAGE = `usage: average.ts --runs runs/a,runs/b[,…] --out runs/<name> [--start-weight w in [0,1)] [--eval-batch 16] [--backend ${BACKENDS.join('|')}]`;

async function main(): Promise<void> {
  const { values } = scriptArgs({
    usage: USAGE,
    numbers: ['start-weight', 'eval-batch'],
    options: {
      runs: { type: 'string' },
      out: { type: 'string' },
      'start-weight': { type: 'string', default: '0' },
      'eval-batch': { type: 'string', default: '16' },
      backend: { type: 'string' },
    },
  });
  if (!values.runs || !values.out || (values.backend && !BACKENDS.includes(values.backend as BackendName))) {
    console.error(USAGE);
    process.exit(2);
  }
  const backend = await selectBackend(values.backend as BackendName | undefined);
  console.log(`backend: ${backend.name} (${backend.reason})`);
  const { average, validation } = await averageRuns({
    runs: values.runs.split(',').filter(Boolean),
    out: values.out,
    startWeight: Number(values['start-weight']),
    evalBatch: Number(values['eval-batch']),
    command: ['node --import tsx training/train/average.ts', ...process.argv.slice(2)].join(' '),
  });
  for (const r of average.runs)
    console.log(
      `  ${r.dir} ×${r.weight.toFixed(3)}: ${(100 * r.validAccuracy).toFixed(2)} %, mean per class ${(100 * r.validMeanClassAccuracy!).toFixed(2)} %`,
    );
  if (average.start)
    console.log(`  its start (${average.start.initFrom ?? 'the seed'}) ×${average.start.weight.toFixed(3)}`);
  console.log(
    `averaged: valid acc ${(100 * validation.validAccuracy).toFixed(2)} %, mean per class ${(100 * validation.validMeanClassAccuracy!).toFixed(2)} %, loss ${validation.validLoss.toFixed(4)}; weights in ${values.out}/best/params.{json,bin}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main().catch((error: unknown) => {
    console.error(`average: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
