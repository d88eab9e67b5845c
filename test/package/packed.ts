/**
 * The package as a user gets it: `npm pack` of the built repository, installed offline into a fresh
 * app folder outside the repository (so nothing resolves from the repository's own node_modules).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDist } from '../dist.js';

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
