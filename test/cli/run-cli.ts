import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDist } from '../dist.js';

// Every test that runs the CLI runs the built one (bin/jadfer.mjs imports dist/cli.js).
await ensureDist();

/** `npx jadfer <args>` as a user runs it: the built CLI in a child process, killed after `timeoutMs`. */
export const jadferWithin = (timeoutMs: number, ...args: string[]) =>
  spawnSync(process.execPath, ['bin/jadfer.mjs', ...args], { encoding: 'utf8', timeout: timeoutMs });

export const jadfer = (...args: string[]) => jadferWithin(120_000, ...args);

/** A run's peak resident memory (bytes), the CLI's own and its native modules' (sharp, ONNX Runtime). */
export function jadferPeakMemory(...args: string[]): { run: ReturnType<typeof jadfer>; peakBytes: number } {
  const file = join(mkdtempSync(join(tmpdir(), 'jadfer-rss-')), 'max-rss');
  const run = spawnSync(process.execPath, ['--import', './test/cli/max-rss.mjs', 'bin/jadfer.mjs', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, JADFER_MAX_RSS_FILE: file },
  });
  return { run, peakBytes: Number(readFileSync(file, 'utf8')) * 1024 };
}

/** Whether `script` (util-linux) can give the CLI a terminal. */
export const haveScript = spawnSync('script', ['--version']).status === 0;

/** The CLI with a terminal for stdin, stdout and stderr (`script`): what a person sees, both streams in one. */
export function jadferInTerminal(...args: string[]) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, 'bin/jadfer.mjs', ...args].map(quote).join(' ');
  return spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
}
