/**
 * Run-folder checkpoints. Each epoch writes `checkpoint.tmp/` completely, then swaps it in,
 * so a kill at any moment leaves either the previous or the new checkpoint, never a mix.
 *   checkpoint/params.{json,bin}     model weights
 *   checkpoint/optimizer.{json,bin}  AdamW m, v
 *   checkpoint/state.json            epoch, step, RNG state, best, metric history
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParamStore } from '../model/params.js';
import type { RngState } from '../model/rng.js';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainCe: number;
  trainVariety: number;
  trainAccuracy: number;
  validLoss: number;
  validAccuracy: number;
  /** Distillation runs: the mean KL term (teacher ‖ student) at the run's temperature. */
  trainDistill?: number;
  /** Mean per-class accuracy (macro recall) on valid; older runs lack it (scoreConfusion(confusion) gives it). */
  validMeanClassAccuracy?: number;
  perClassAccuracy: number[];
  confusion: number[][];
  lr: number;
  samplesPerSecond: number;
  seconds: number;
}

export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  step: number;
  rng: RngState;
  bestValidAccuracy: number;
  bestEpoch: number;
  history: EpochMetrics[];
  /** Set in a checkpoint taken inside an epoch: where to go on, with the epoch's order and running sums. */
  partial?: {
    steps: number;
    order: number[];
    sums: { seen: number; ce: number; variety: number; distill: number; correct: number; stepMs: number };
    seconds: number;
  };
}

export interface Checkpoint {
  params: ParamStore;
  optimizer: ParamStore;
  state: TrainState;
}

export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): void {
  const tmp = join(runDir, 'checkpoint.tmp');
  const current = join(runDir, 'checkpoint');
  const old = join(runDir, 'checkpoint.old');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  checkpoint.params.save(join(tmp, 'params'));
  checkpoint.optimizer.save(join(tmp, 'optimizer'));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(checkpoint.state));
  rmSync(old, { recursive: true, force: true });
  if (existsSync(current)) renameSync(current, old);
  renameSync(tmp, current);
  rmSync(old, { recursive: true, force: true });
}

export function loadCheckpoint(runDir: string): Checkpoint | undefined {
  for (const dir of ['checkpoint', 'checkpoint.old'].map((d) => join(runDir, d))) {
    if (!existsSync(join(dir, 'state.json'))) continue;
    return {
      params: ParamStore.load(join(dir, 'params')),
      optimizer: ParamStore.load(join(dir, 'optimizer')),
      state: JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainState,
    };
  }
  return undefined;
}

/**
 * A run longer than a session goes on from a checkpoint committed to git: `runs/` and `.cache/` do
 * not survive between sessions. This is a compact copy of the latest checkpoint (the folder holds the
 * latest only): weights and AdamW's m as float16, v as float16 of its square root (v itself underflows
 * half precision), with the run's config and the best epoch's weights and metrics.
 *   <dir>/config.json, state.json           the run's settings; epoch, step, RNG, history
 *   <dir>/params.*, optimizer.*             the latest weights and optimizer moments (float16)
 *   <dir>/best-params.*, best-metrics.json  the epoch selection chose so far (float16)
 * `restoreCommittedCheckpoint` rebuilds the run folder from it, and `--resume` goes on as usual, from
 * weights rounded to float16: close to the uninterrupted run, not bit for bit.
 */
export function saveCommittedCheckpoint(dir: string, runDir: string, checkpoint: Checkpoint): void {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  checkpoint.params.save(join(tmp, 'params'), 'float16');
  mapOptimizerV(checkpoint.optimizer, Math.sqrt).save(join(tmp, 'optimizer'), 'float16');
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(checkpoint.state));
  copyFileSync(join(runDir, 'config.json'), join(tmp, 'config.json'));
  if (existsSync(join(runDir, 'best', 'params.json'))) {
    ParamStore.load(join(runDir, 'best', 'params')).save(join(tmp, 'best-params'), 'float16');
    copyFileSync(join(runDir, 'best', 'metrics.json'), join(tmp, 'best-metrics.json'));
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

/**
 * The weights a run chose (`<run>/best/params`), or those of a committed checkpoint (`<dir>/best-params`,
 * its float16 copy), so that parity and the tools built on it take either folder as it is.
 */
export function bestParamsOf(dir: string): string {
  return existsSync(join(dir, 'best', 'params.json')) ? join(dir, 'best', 'params') : join(dir, 'best-params');
}

/** Rebuilds `runDir` (config, checkpoint, best) from a committed checkpoint; false when there is none. */
export function restoreCommittedCheckpoint(dir: string, runDir: string): boolean {
  if (!existsSync(join(dir, 'state.json'))) return false;
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainState;
  mkdirSync(runDir, { recursive: true });
  copyFileSync(join(dir, 'config.json'), join(runDir, 'config.json'));
  writeFileSync(join(runDir, 'metrics.json'), JSON.stringify(state.history, null, 2));
  if (existsSync(join(dir, 'best-params.json'))) {
    mkdirSync(join(runDir, 'best'), { recursive: true });
    ParamStore.load(join(dir, 'best-params')).save(join(runDir, 'best', 'params'));
    copyFileSync(join(dir, 'best-metrics.json'), join(runDir, 'best', 'metrics.json'));
  }
  saveCheckpoint(runDir, {
    params: ParamStore.load(join(dir, 'params')),
    optimizer: mapOptimizerV(ParamStore.load(join(dir, 'optimizer')), (x) => x * x),
    state,
  });
  return true;
}

/** AdamW's second moments (`v/…`) through f; the first moments as they are. */
function mapOptimizerV(store: ParamStore, f: (x: number) => number): ParamStore {
  const out = new ParamStore();
  for (const [name, { shape, data }] of store.entries) out.set(name, shape, name.startsWith('v/') ? data.map(f) : data);
  return out;
}
