#!/usr/bin/env node
// Builds dist/: the bundles (rollup), the ONNX Runtime files, our wasm kernels, the
// shipped models and the type declarations. Everything a page needs, relative to itself.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

rmSync(dist, { recursive: true, force: true });
run(bin('rollup'), ['-c', '--silent']);

// Only the builds the engine imports: the WASM-only one and the WebGPU (JSPI) one (see src/engine/onnx-runtime.ts).
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
mkdirSync(join(dist, 'ort'), { recursive: true });
for (const file of [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.jspi.mjs',
  'ort-wasm-simd-threaded.jspi.wasm',
]) {
  cpSync(join(ortDist, file), join(dist, 'ort', file));
}

const models = join(root, 'models');
mkdirSync(join(dist, 'models'), { recursive: true });
for (const file of readdirSync(models)) {
  if (/\.(onnx|json)$|^LICENSE/.test(file)) cpSync(join(models, file), join(dist, 'models', file));
}
// Each model optimised by ONNX Runtime at build time, so that a WASM session opens without optimising.
run(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'prepare-models.ts'), join(dist, 'models')]);

// Our SIMD preprocessing kernels (AssemblyScript → wasm/build/), shipped in dist/wasm/.
run(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')]);
mkdirSync(join(dist, 'wasm'), { recursive: true });
cpSync(join(root, 'wasm', 'build', 'jadfer-kernels.wasm'), join(dist, 'wasm', 'jadfer-kernels.wasm'));

// The fleet dashboard (`jadfer fleet serve`): its page and Chart.js with its licence, served from here.
mkdirSync(join(dist, 'fleet'), { recursive: true });
cpSync(join(root, 'cli', 'fleet', 'page'), join(dist, 'fleet'), { recursive: true });
const chartjs = join(root, 'node_modules', 'chart.js');
cpSync(join(chartjs, 'dist', 'chart.umd.min.js'), join(dist, 'fleet', 'chart.umd.min.js'));
cpSync(join(chartjs, 'LICENSE.md'), join(dist, 'fleet', 'chart.js-LICENSE.md'));

// The .br and .gz copies for servers that send them as they are come from `npm run precompress`, not from here:
// brotli at quality 11 takes minutes on ONNX Runtime's wasm, and neither the demo on localhost nor the tests need it.

run(bin('tsc'), ['-p', 'tsconfig.build.json']);
console.log('built dist/');
