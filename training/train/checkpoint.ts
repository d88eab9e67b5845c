/**
 * Run-folder checkpoints. Each epoch writes `checkpoint.tmp/` completely, then swaps it in,
 * so a kill at any moment leaves either the previous or the new checkpoint, never a mix.
 *   checkpoint/params.{json,bin}     model weights
 *   checkpoint/optimizer.{json,bin}  AdamW m, v
 *   checkpoint/state.json            epoch, step, RNG state, best, metric history
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
