import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.js';

/** The package root (dist/cli.js lives one folder below it). */
const root = fileURLToPath(new URL('../', import.meta.url));
const script = `${root}training/train/train.ts`;

export const trainCommand: Command = {
  summary: 'train the JADFER heads on cached backbone features (repository checkout)',
  usage: `Usage: jadfer train --features <cache dir> --out runs/<name> [--epochs E] [--seed S] [--resume] [--backend tensorflow|webgpu|wasm|cpu] [--soft-labels]
                    [--tail-blocks K [--tail-lr-scale 0.2]] [--init-from runs/<run>/best/params]

Runs training/train/train.ts (TF.js). Backends are tried in this order unless --backend says
otherwise: tensorflow (tfjs-node-gpu / tfjs-node, if you installed them), webgpu (Dawn, skipped on a
software adapter), wasm, cpu. Needs the repository checkout with its dev dependencies; the
published package ships the runtime only. Features come from training/backbone/cache-features.ts.
--tail-blocks fine-tunes the K trunk blocks after the node the features were cached at (cache them
with --feature-node); --init-from starts the heads from a finished run.`,
  async run(args) {
    if (!existsSync(script)) {
      console.error(
        `jadfer train: ${script} is missing. Training runs from a checkout of the repository (npm install there first).`,
      );
      return 1;
    }
    const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: 'inherit' });
    return result.status ?? 1;
  },
};
