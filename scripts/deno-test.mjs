#!/usr/bin/env node
// Runs the Deno suite with the Deno binary from npm against the built dist/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const deno = join(root, 'node_modules', '.bin', 'deno');
// Deno warns without a private runtime dir (WebGPU probing).
const env = { ...process.env, XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'jadfer-deno-')), NO_COLOR: '1' };
const result = spawnSync(deno, ['test', '--allow-read', '--allow-env', '--no-check', '--no-lock', 'test/deno/'], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
