import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineCommand } from './command.js';

/** The package root (dist/cli.js lives one folder below it). */
const root = fileURLToPath(new URL('../', import.meta.url));
const script = `${root}training/train/train.ts`;

/** Training runs from a checkout of the repository, with its dev dependencies; the published package ships none of it. */
export const trainCommand = defineCommand({
  summary: 'train the JADFER heads (in a checkout of the repository)',
  synopsis: '--features <cache dir> --out runs/<name> [options]',
  description: 'Runs training/train/train.ts (TF.js) with these arguments; `jadfer train --help` prints its options.',
  flags: {},
  passthrough: true,
  unavailable: () =>
    existsSync(script)
      ? undefined
      : 'training runs from a checkout of the repository (git clone, then npm install there); the installed package ships the runtime only',
  async run({ positionals }) {
    const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...positionals], {
      cwd: root,
      stdio: 'inherit',
    });
    return result.status ?? 1;
  },
});
