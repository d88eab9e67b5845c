import { spawnSync } from 'node:child_process';
import { ensureDist } from '../dist.js';

// Every test that runs the CLI runs the built one (bin/jadfer.mjs imports dist/cli.js).
await ensureDist();

/** `npx jadfer <args>` as a user runs it: the built CLI in a child process, killed after `timeoutMs`. */
export const jadferWithin = (timeoutMs: number, ...args: string[]) =>
  spawnSync(process.execPath, ['bin/jadfer.mjs', ...args], { encoding: 'utf8', timeout: timeoutMs });

export const jadfer = (...args: string[]) => jadferWithin(120_000, ...args);
