#!/usr/bin/env node
/**
 * Compiles the AssemblyScript pixel kernels to wasm/build/jadfer-kernels.wasm
 * (WebAssembly SIMD, -O3). The engine loads it through src/engine/pipeline/kernels-wasm.ts.
 *
 * Usage: node scripts/build-wasm.mjs
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'wasm', 'assembly', 'kernels.ts');
const outFile = path.join(root, 'wasm', 'build', 'jadfer-kernels.wasm');
const ascBin = path.join(
  path.dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')),
  'bin',
  'asc.js',
);

fs.mkdirSync(path.dirname(outFile), { recursive: true });
execFileSync(
  process.execPath,
  [
    ascBin,
    entry,
    '--outFile',
    outFile,
    '--textFile',
    outFile.replace(/\.wasm$/, '.wat'),
    '--enable',
    'simd',
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--initialMemory',
    '2',
  ],
  { stdio: 'inherit', cwd: root },
);
console.log(`${path.relative(root, outFile)} (${fs.statSync(outFile).size} bytes)`);
