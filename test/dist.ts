// For tests that run the built package: `await ensureDist()` builds dist/ when it is missing or older than its
// sources, once for all the test files that run in parallel (a lock folder), and fails with the build's output if
// the build fails. A test that needs dist/ never skips: a skip would pass a run that tested nothing.
// A source edited while a suite runs makes the next test file rebuild dist/ under the files still using it: edit
// between runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '..');
/** What scripts/build.mjs reads. */
const SOURCES = [
  'src',
  'workers',
  'cli',
  'common',
  'models',
  'wasm/assembly',
  'rollup.config.mjs',
  'tsconfig.build.json',
  'scripts/build.mjs',
  'scripts/build-wasm.mjs',
];
/** What it writes, one file per step; the type declarations come last. */
const OUTPUTS = [
  'dist/jadfer.js',
  'dist/jadfer.iife.js',
  'dist/jadfer.testing.js',
  'dist/jadfer-analytics-nats.js',
  'dist/jadfer.worker.js',
  'dist/jadfer.engine.js',
  'dist/jadfer.testing.worker.js',
  'dist/jadfer.testing.engine.js',
  'dist/cli.js',
  'dist/ort/ort-wasm-simd-threaded.wasm',
  'dist/wasm/jadfer-kernels.wasm',
  'dist/types/src/index.d.ts',
];
const LOCK = join(ROOT, '.cache', 'dist-build.lock');
const WAIT_MS = 15 * 60_000;

function newestSource(path: string): number {
  const full = join(ROOT, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder
  for (const entry of readdirSync(full, { recursive: true, encoding: 'utf8' }))
    newest = Math.max(newest, statSync(join(full, entry)).mtimeMs);
  return newest;
}

/** Why dist/ must be built, or null when it is complete and newer than every source. */
export function distOutdated(): string | null {
  const missing = OUTPUTS.find((file) => !existsSync(join(ROOT, file)));
  if (missing) return `${missing} is missing`;
  const builtAt = Math.min(...OUTPUTS.map((file) => statSync(join(ROOT, file)).mtimeMs));
  const changed = SOURCES.find((path) => newestSource(path) > builtAt);
  return changed ? `${changed} changed after the last build` : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, or returns false while another live process holds it (a dead holder's lock is removed). */
function lock(): boolean {
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  try {
    mkdirSync(LOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      return false; // taken a moment ago, its pid not yet written
    }
    if (Number.isInteger(holder) && !alive(holder)) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(LOCK, 'pid'), String(process.pid));
  return true;
}

/** Builds dist/ (npm run build) unless it is up to date; throws with the build's output when it fails. */
export async function ensureDist(): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let built = false;
  for (let reason = distOutdated(); reason; reason = distOutdated()) {
    if (built)
      throw new Error(`dist/ is still out of date after npm run build: ${reason} (a file dated in the future?)`);
    if (!lock()) {
      if (Date.now() > deadline) throw new Error(`dist/ is being built by another process for too long (${LOCK})`);
      await sleep(500);
      continue;
    }
    try {
      // Another test file may have finished a build between our check and the lock.
      if (!distOutdated()) return;
      console.error(`building dist/ for the tests: ${reason}`);
      const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (build.status !== 0)
        throw new Error(
          `npm run build failed (${build.status ?? build.signal}): the tests that need dist/ cannot run. Its output:\n` +
            `${build.stdout}${build.stderr}`.slice(-4000),
        );
      built = true;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
