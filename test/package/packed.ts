/**
 * The package as a user gets it: `npm pack` of the built repository, installed offline into a fresh
 * app folder outside the repository (so nothing resolves from the repository's own node_modules).
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser-launch.js';
import { ensureDist } from '../dist.js';
import { photoToY4m } from '../fixtures/y4m.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const PACK_DIR = join(ROOT, 'test-output', 'package');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

// Every package test packs the built repository.
await ensureDist();

/** The newest mtime under a folder (ms). */
function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).reduce((latest, entry) => {
    if (!entry.isFile()) return latest;
    return Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }, 0);
}

/**
 * Packs the repository once per build: test files run in separate processes, and packing 40 MB
 * costs about 10 s, so the tarball is reused until dist/ changes.
 */
export function packedTarball(): string {
  mkdirSync(PACK_DIR, { recursive: true });
  const existing = readdirSync(PACK_DIR).find((f) => f.endsWith('.tgz'));
  const sources = Math.max(
    newest(join(ROOT, 'dist')),
    newest(join(ROOT, 'bin')),
    ...['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  if (existing && statSync(join(PACK_DIR, existing)).mtimeMs > sources) return join(PACK_DIR, existing);
  for (const file of readdirSync(PACK_DIR)) if (file.endsWith('.tgz')) rmSync(join(PACK_DIR, file));
  const name = npm(['pack', '--silent', '--pack-destination', PACK_DIR], ROOT).trim().split('\n').pop()!;
  return join(PACK_DIR, name);
}

/** A fresh app folder with the packed package installed, offline, as `npm install jadfer` would. */
export function appWithPackage(name: string, files: Record<string, string> = {}): string {
  const app = mkdtempSync(join(tmpdir(), `jadfer-${name}-`));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `app-${name}`, private: true, type: 'module' }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(app, path, '..'), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  npm(['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', packedTarball()], app);
  return app;
}

/** Bytes on disk under a folder (file sizes, as `du --apparent-size` counts them). */
export function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).reduce(
    (sum, entry) => (entry.isFile() ? sum + statSync(join(entry.parentPath, entry.name)).size : sum),
    0,
  );
}

/**
 * An app with the packed package and `npm install sharp`: the repository's sharp, linked in (the tests
 * run offline; its platform binary resolves from the repository's node_modules); `photo`, when given,
 * copied in as photo.jpg.
 */
export function appWithSharp(name: string, files: Record<string, string>, photo?: string): string {
  const app = appWithPackage(name, files);
  symlinkSync(join(ROOT, 'node_modules', 'sharp'), join(app, 'node_modules', 'sharp'), 'dir');
  if (photo) copyFileSync(photo, join(app, 'photo.jpg'));
  return app;
}

/** A command line, run in the app as a user's shell would (npx finds the local bin). */
export function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync('sh', ['-c', command], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
}

export const output = (run: SpawnSyncReturns<string>) => `exit ${run.status}\n${run.stdout}\n${run.stderr}`;

/** The Deno binary from npm, run with a private runtime dir (Deno warns without one when it probes WebGPU). */
export const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
export const denoEnv = (): NodeJS.ProcessEnv => ({ XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'jadfer-deno-')) });

/** Chromium whose camera films `photo` (a still, as Chromium's fake camera plays a Y4M file), granted without a prompt. */
export async function chromiumWithCamera(photo: string): Promise<Browser> {
  const video = join(mkdtempSync(join(tmpdir(), 'jadfer-camera-')), 'camera.y4m');
  await photoToY4m(photo, video);
  return launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
}
