/**
 * `npm run bench [-- --json] [-- --runs N]`: speed targets, measured, never asserted in tests.
 *   - SDK end to end in headless Chromium (WASM, this machine's cores), 640×480 frames:
 *     per-frame latency p50/p95 for 1 and 5 faces, cold start, sustained stream FPS (5 faces);
 *   - the classifier alone per face (target < 20 ms);
 *   - our WASM SIMD kernels against the TypeScript reference (bench/kernels.ts).
 * Prints one JSON object, then a table (unless --json).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { startServer } from '../scripts/serve.mjs';
import { launchChromium } from '../test/browser-launch.js';

const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const runs = Number(args[args.indexOf('--runs') + 1]) || 40;
const device = (args.includes('--webgpu') ? 'webgpu' : 'wasm') as 'wasm' | 'webgpu';
const shared = new URL('../../shared/', import.meta.url).pathname;
const log = (...parts: unknown[]) => !jsonOnly && console.error(...parts);

if (!existsSync('dist/jadfer.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (!existsSync(`${shared}fixtures/photos`)) {
  console.error('bench needs ../shared/fixtures/photos');
  process.exit(1);
}
const shippedDefault = existsSync('dist/models/jadfer-base.json');
if (!shippedDefault) execFileSync(process.execPath, ['--import', 'tsx', 'test/fixtures/contract-model.ts', 'test-output/models']);
const modelUrl = shippedDefault ? undefined : '/test-output/models/contract-test.json';

log('kernels: WASM SIMD vs TypeScript (Node)…');
const kernelsLine = execFileSync(process.execPath, ['--import', 'tsx', 'bench/kernels.ts'], { encoding: 'utf8' }).split('\n').find((line) => line.startsWith('{'));
const kernels = kernelsLine ? JSON.parse(kernelsLine) : undefined;

log(`SDK in Chromium (${device}, ${runs} runs per scenario)…`);
const server = await startServer({ port: 0, mounts: { '/shared/': shared } });
const browser = await launchChromium();
let sdk: any;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bench/pages/sdk-bench.html`);
  await page.waitForFunction(() => (window as any).benchReady);
  sdk = await page.evaluate((options) => (window as any).runBench(options), { modelUrl, device, runs, streamSeconds: 8 });
} finally {
  await browser.close();
  server.close();
}

const oneFace = sdk.scenarios.find((s: any) => s.name === '1 face, blazeface');
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, chromium: sdk.userAgent.match(/Chrome\/([\d.]+)/)?.[1] },
  model: shippedDefault ? 'shipped default' : 'contract-test (no trained model shipped yet: classifier numbers are not JADFER)',
  device,
  sdk,
  kernels,
  targets: {
    'p50 ≤ 25 ms, 1 face (640×480)': oneFace.p50 <= 25,
    'classifier < 20 ms per face': sdk.classifier.p50 < 20,
    'moonshot: 30 FPS sustained, 5 faces': sdk.stream5.fps >= 30,
  },
};
console.log(JSON.stringify(result));
if (!jsonOnly) {
  const ms = (v: number) => v.toFixed(1);
  console.log(`\nSDK, Chromium ${result.machine.chromium}, ${device}, ${sdk.scenarios[0].threads} thread(s), ${result.machine.cpus} cores (${result.machine.cpu})`);
  console.log('| scenario | detector | faces found | p50 ms | p95 ms | cold start ms |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const s of sdk.scenarios) console.log(`| ${s.name} | ${s.detector} | ${s.faces} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.coldStartMs)} |`);
  console.log(`| classifier only (${sdk.classifier.model}) | none | ${sdk.classifier.faces} | ${ms(sdk.classifier.p50)} | ${ms(sdk.classifier.p95)} | |`);
  console.log(`\nstream, 5 faces (${sdk.stream5.detector}): ${sdk.stream5.fps.toFixed(1)} FPS sustained, ${sdk.stream5.dropped} frames dropped`);
  if (kernels) {
    console.log('\n| kernel | TypeScript ms | WASM SIMD ms | speed-up |');
    console.log('| --- | --- | --- | --- |');
    for (const k of kernels.results) console.log(`| ${k.name} | ${k.tsMs} | ${k.wasmMs} | ${k.speedup}× |`);
  }
  console.log('\ntargets:');
  for (const [name, ok] of Object.entries(result.targets)) console.log(`  ${ok ? 'met ' : 'MISS'}  ${name}`);
}
