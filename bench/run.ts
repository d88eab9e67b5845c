/**
 * `npm run bench [-- --json] [-- --runs N]`: speed targets, measured, never asserted in tests.
 *   - SDK end to end in headless Chromium (WASM, this machine's cores), 640×480 frames:
 *     per-frame latency p50/p95 for 1 and 5 faces, cold start, sustained stream FPS (5 faces);
 *   - the classifier alone per face (target < 20 ms);
 *   - our WASM SIMD kernels against the TypeScript reference (bench/kernels.ts);
 *   - detector precision: face-free sets and streams, the precision–recall curve, recall through the SDK
 *     (bench/detectors.ts --no-options, bench/precision.ts);
 *   - jadfer against @vladmandic/human and @vladmandic/face-api in the same Chromium (bench/compare.ts):
 *     latency, faces found, cold start, bytes, main-thread long tasks while streaming, accuracy, WebGPU;
 *   - cold and warm starts against the same baselines, bytes as files, gzip and brotli (bench/cold-start.ts).
 * Prints one JSON object, then tables (unless --json), ending with the summary that the README's table holds
 * (bench/summary.ts; `summary` in the JSON).
 *
 * Options: --runs N (SDK section, 40), --webgpu (SDK section on WebGPU), --compare-runs N (100),
 * --compare-warmup N (30), --stream-seconds S (10), --threads N (every system; default min(4, cores),
 * jadfer's own default), --no-webgpu (comparison without WebGPU runs), --compare-only, --no-compare,
 * --cold-start-rounds N (3; cold and warm starts against the baselines, bench/cold-start.ts), --cold-start-only,
 * --model <name> (SDK section with models/<name>.json instead of the default; the comparison always
 * runs the default, as users get it), --record (write the SDK section's numbers into that model's
 * card: bench/record-card.ts), --device-loss-trials N (3; 0 leaves out the time a lost WebGPU
 * device takes to recover on WASM, which --no-webgpu also does), --engine-runs N (per-engine section, 40),
 * --no-engines, --engines-only (the per-engine section alone: Chromium, Firefox and WebKitGTK, bench/engines.ts),
 * --no-precision (leaves out the detector precision section).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { scriptArgs } from '../common/args.js';
import { BENCH_FOLDERS, startServer } from '../scripts/serve.mjs';
import { launchChromium } from '../test/browser-launch.js';
import { printColdStart, runColdStart, type ColdStart } from './cold-start.js';
import { printComparison, runComparison, targetsVsBaselines } from './compare.js';
import { printEngines, runEngines, type EngineResult } from './engines.js';
import { performanceSection, recordPerformance } from './record-card.js';
import { printPrecision, type PrecisionSection } from './precision.js';
import { printCost, type CostFigures } from './cost.js';
import { printSummary, summaryRows } from './summary.js';

const USAGE = `usage: npm run bench -- [--json] [--runs N] [--webgpu] [--compare-runs N] [--compare-warmup N]
  [--stream-seconds S] [--threads N] [--no-webgpu] [--compare-only] [--no-compare] [--cold-start-rounds N]
  [--cold-start-only] [--model <name>] [--record] [--device-loss-trials N]
  [--engine-runs N] [--no-engines] [--engines-only] [--no-precision]
(the header of bench/run.ts says what each does)`;
const args = process.argv.slice(2);
const { values: flags } = scriptArgs({
  usage: USAGE,
  numbers: [
    'runs',
    'compare-runs',
    'compare-warmup',
    'stream-seconds',
    'threads',
    'cold-start-rounds',
    'device-loss-trials',
    'engine-runs',
  ],
  options: {
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '40' },
    webgpu: { type: 'boolean', default: false },
    'compare-runs': { type: 'string', default: '100' },
    'compare-warmup': { type: 'string', default: '30' },
    'stream-seconds': { type: 'string', default: '10' },
    threads: { type: 'string', default: String(Math.max(1, Math.min(4, cpus().length))) },
    'no-webgpu': { type: 'boolean', default: false },
    'compare-only': { type: 'boolean', default: false },
    'cold-start-only': { type: 'boolean', default: false },
    'cold-start-rounds': { type: 'string', default: '3' },
    'no-compare': { type: 'boolean', default: false },
    model: { type: 'string' },
    record: { type: 'boolean', default: false },
    'device-loss-trials': { type: 'string', default: '3' },
    'engine-runs': { type: 'string', default: '40' },
    'no-engines': { type: 'boolean', default: false },
    'engines-only': { type: 'boolean', default: false },
    'no-precision': { type: 'boolean', default: false },
  },
});
const jsonOnly = flags.json;
const runs = Number(flags.runs);
const coldStartOnly = flags['cold-start-only'];
const enginesOnly = flags['engines-only'];
const compareOnly = flags['compare-only'] || coldStartOnly || enginesOnly;
const compare = !flags['no-compare'] && !enginesOnly;
const engines = !flags['no-engines'] && !flags['compare-only'] && !coldStartOnly;
const engineRuns = Number(flags['engine-runs']);
const threads = Number(flags.threads);
const device = flags.webgpu ? 'webgpu' : 'wasm';
const chosenModel = flags.model;
const record = flags.record;
const shared = new URL('../../shared/', import.meta.url).pathname;
const log = (...parts: unknown[]) => !jsonOnly && console.error(...parts);

if (!existsSync('dist/jadfer.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (!existsSync(`${shared}fixtures/photos`)) {
  console.error('bench needs ../shared/fixtures/photos');
  process.exit(1);
}
const shippedDefault = existsSync('dist/models/jadfer-base.json');
if (chosenModel !== undefined && !existsSync(`dist/models/${chosenModel}.json`)) {
  console.error(
    `--model ${chosenModel}: no dist/models/${chosenModel}.json (shipped: ${readdirSync('dist/models')
      .filter((f) => f.startsWith('jadfer-') && f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .join(', ')})`,
  );
  process.exit(2);
}
if (record && (compareOnly || !shippedDefault)) {
  console.error('--record needs the SDK section and a shipped model');
  process.exit(2);
}
if (!shippedDefault)
  execFileSync(process.execPath, ['--import', 'tsx', 'test/fixtures/contract-model.ts', 'test-output/models']);
const modelUrl = chosenModel
  ? `/dist/models/${chosenModel}.json`
  : shippedDefault
    ? undefined
    : '/test-output/models/contract-test.json';

const started = Date.now();
const loadBefore = loadavg()[0]!; // this machine may be shared: the 1-minute load average, before and after
let kernels: any;
if (!compareOnly) {
  log('kernels: WASM SIMD vs TypeScript (Node)…');
  const kernelsLine = execFileSync(process.execPath, ['--import', 'tsx', 'bench/kernels.ts'], { encoding: 'utf8' })
    .split('\n')
    .find((line) => line.startsWith('{'));
  kernels = kernelsLine ? JSON.parse(kernelsLine) : undefined;
}

// Detector precision (face-free sets and streams, the curve, recall through the SDK): bench/detectors.ts.
let precision: PrecisionSection | undefined;
let detectorWork: CostFigures | undefined;
if (!compareOnly && !flags['no-precision']) {
  log('detector precision: face-free sets and streams, the precision–recall curve (bench/detectors.ts)…');
  const line = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/detectors.ts', '--json', '--no-options', '--stream-seconds', '30'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  )
    .split('\n')
    .find((l) => l.startsWith('{'));
  ({ precision, cost: detectorWork } = line ? JSON.parse(line) : {});
}

// Eager memory measurement: measureUserAgentSpecificMemory() otherwise waits for a garbage collection.
const browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory']);
const chromium = browser.version();
let sdk: any;
let comparison: Awaited<ReturnType<typeof runComparison>> | undefined;
let coldStart: ColdStart | undefined;
try {
  if (!compareOnly) {
    log(`SDK in Chromium (${device}, ${runs} runs per scenario)…`);
    const server = await startServer({ port: 0, folders: BENCH_FOLDERS, mounts: { '/shared/': shared } });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bench/pages/sdk-bench.html`);
      await page.waitForFunction(() => (window as any).benchReady);
      sdk = await page.evaluate((options) => (window as any).runBench(options), {
        modelUrl,
        device,
        runs,
        streamSeconds: 8,
        deviceLossTrials: flags['no-webgpu'] ? 0 : Number(flags['device-loss-trials']),
      });
      await page.close();
    } finally {
      server.close();
    }
  }
  if (compare) {
    const rounds = Number(flags['cold-start-rounds']);
    log(`cold and warm starts against the baselines (${rounds} rounds)…`);
    coldStart = await runColdStart({ browser, shared, threads, rounds, log });
  }
  if (compare && !coldStartOnly) {
    const compareRuns = Number(flags['compare-runs']);
    const warmup = Number(flags['compare-warmup']);
    const streamSeconds = Number(flags['stream-seconds']);
    log(
      `jadfer vs browser baselines (wasm, ${threads} threads each, ${warmup} warm-up + ${compareRuns} timed runs per frame, ${streamSeconds} s stream)…`,
    );
    comparison = await runComparison({
      browser,
      shared,
      threads,
      warmup,
      runs: compareRuns,
      streamSeconds,
      webgpu: flags['no-webgpu'] ? false : { warmup: 1, runs: 5, maxMs: 20_000 },
      log,
    });
  }
} finally {
  await browser.close();
}
// After Chromium closed: one engine at a time, each in a fresh browser.
let perEngine: EngineResult[] | undefined;
if (engines) {
  log(`per engine (device 'auto', default threads, ${engineRuns} runs each)…`);
  perEngine = await runEngines({ shared, runs: engineRuns, modelUrl, log });
}

const oneFace = sdk?.scenarios.find((s: any) => s.name === '1 face, default');
const fiveFaces = sdk?.scenarios.find((s: any) => s.name === '5 faces, default');
const sdkTargets: Record<string, boolean> = sdk
  ? {
      'p50 ≤ 25 ms, 1 face (640×480)': oneFace.p50 <= 25,
      'classifier < 20 ms per face': sdk.classifier.p50 < 20,
      '5 of 5 faces in group-3.jpg (default detector)': fiveFaces.faces === 5,
      '5-face stream ≥ 24 FPS': sdk.stream5.fps >= 24,
      'moonshot: 5-face stream ≥ 30 FPS': sdk.stream5.fps >= 30,
      'every track reclassified ≥ 5 times a second (5-face stream)':
        sdk.stream5.classificationsPerTrackPerSecond.min >= 5,
      'new faces labelled within 250 ms (5 new faces; a fifth beside four tracked, every trial)':
        sdk.firstLabel.ms <= 250 && sdk.newFace.samples.every((ms: number) => ms <= 250),
    }
  : {};
const photos = precision?.faceFree.report.bySource.photo;
const precisionTargets: Record<string, boolean> = precision
  ? {
      'face-free report photos: at most 1 in 20 with a face': !!photos && photos.withFaces / photos.images <= 1 / 20,
      "face-free streams (Chromium's fake camera, the report images): 0 visitors": precision.streams.every(
        (s) => s.falseVisitors === 0,
      ),
      'group photos: every face found (at their size and in 640×480)': precision.groups.every(
        (g) => g.native === g.expected && g.frame640 === g.expected,
      ),
    }
  : {};
const result = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    chromium,
    loadAverage1m: { before: loadBefore, after: loadavg()[0]! },
  },
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  model:
    chosenModel ??
    (shippedDefault
      ? 'shipped default'
      : 'contract-test (no trained model shipped yet: classifier numbers are not JADFER)'),
  device,
  sdk,
  kernels,
  compare: comparison,
  precision,
  detectorWork,
  engines: perEngine,
  coldStart,
  targets: {
    ...sdkTargets,
    ...precisionTargets,
    ...(comparison ? Object.fromEntries(targetsVsBaselines(comparison).map((t) => [t.name, t.pass])) : {}),
    ...(coldStart ? Object.fromEntries(coldStart.targets.map((t) => [t.name, t.pass])) : {}),
  },
  summary: summaryRows(comparison, coldStart, sdk),
  wallSeconds: (Date.now() - started) / 1000,
};
console.log(JSON.stringify(result));
if (record) {
  const measured = sdk.classifier.model as string;
  recordPerformance(
    `models/${measured}.json`,
    performanceSection(sdk, oneFace, { ...result.machine, chromium }, result.date, result.command),
    measured,
  );
  log(`recorded the SDK numbers in models/${measured}.json (performance)`);
}
if (!jsonOnly) {
  const ms = (v: number) => v.toFixed(1);
  if (sdk) {
    console.log(
      `\nSDK, Chromium ${chromium}, ${device}, ${sdk.scenarios[0].threads} thread(s), ${result.machine.cpus} cores (${result.machine.cpu})`,
    );
    console.log('| scenario | detector | faces found | p50 ms | p95 ms | cold start ms |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const s of sdk.scenarios)
      console.log(`| ${s.name} | ${s.detector} | ${s.faces} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.coldStartMs)} |`);
    console.log(
      `| classifier only (${sdk.classifier.model}) | none | ${sdk.classifier.faces} | ${ms(sdk.classifier.p50)} | ${ms(sdk.classifier.p95)} | |`,
    );
    console.log(
      `\nstream, 5 faces (${sdk.stream5.detector}): ${sdk.stream5.fps.toFixed(1)} FPS sustained, ${sdk.stream5.dropped} frames dropped; ` +
        `each of its ${sdk.stream5.tracks} tracks reclassified ${sdk.stream5.classificationsPerTrackPerSecond.min.toFixed(1)}–${sdk.stream5.classificationsPerTrackPerSecond.max.toFixed(1)} times a second ` +
        `(${sdk.stream5.classifiedPerFrame.toFixed(2)} faces classified per frame); time to first label for 5 new faces ${ms(sdk.firstLabel.ms)} ms; ` +
        `a fifth face beside four tracked labelled after ${sdk.newFace.samples.map(ms).join(', ')} ms`,
    );
    // The stages as the page measured them (FrameResult.timings), the whole call last.
    const staged = [...sdk.scenarios.map((s: any) => [s.name, s.stages]), ['5-face stream', sdk.stream5.stages]];
    const stages = Object.keys(sdk.stream5.stages);
    console.log('\nwhere the time goes (mean ms per frame):');
    console.log(`| scenario | ${stages.join(' | ')} |`);
    console.log(`| --- | ${stages.map(() => '---').join(' | ')} |`);
    for (const [name, measured] of staged)
      console.log(`| ${name} | ${stages.map((k) => ms(measured[k])).join(' | ')} |`);
    const loss = sdk.deviceLoss;
    if (loss?.skipped) console.log(`\nlost WebGPU device: not measured (${loss.skipped})`);
    else if (loss)
      console.log(
        `\nlost WebGPU device → WASM (1 face, default pipeline, ${loss.trials} fresh instances): ` +
          `backend event p50 ${ms(loss.switchMs.p50)} ms (${loss.samples.map((s: any) => ms(s.switchMs)).join(', ')}), ` +
          `the frame sent at the loss answered p50 ${ms(loss.firstResultMs.p50)} ms ` +
          `(${loss.samples.map((s: any) => ms(s.firstResultMs)).join(', ')}); ` +
          `memory on WebGPU before the loss ${loss.memoryBytes === undefined ? 'n/a' : `${(loss.memoryBytes / 1e6).toFixed(0)} MB`}`,
      );
  }
  if (kernels) {
    console.log('\n| kernel | TypeScript ms | WASM SIMD ms | speed-up |');
    console.log('| --- | --- | --- | --- |');
    for (const k of kernels.results) console.log(`| ${k.name} | ${k.tsMs} | ${k.wasmMs} | ${k.speedup}× |`);
  }
  if (precision) printPrecision(precision);
  if (detectorWork) printCost(detectorWork);
  if (sdk || precision) {
    console.log('\ntargets:');
    for (const [name, ok] of Object.entries({ ...sdkTargets, ...precisionTargets }))
      console.log(`  ${ok ? 'met ' : 'MISS'}  ${name}`);
  }
  if (perEngine) printEngines(perEngine, engineRuns);
  if (comparison) printComparison(comparison, { chromium, cpus: result.machine.cpus, cpu: result.machine.cpu });
  if (coldStart) printColdStart(coldStart);
  printSummary(result.summary);
  console.log(
    `\nbench wall time: ${result.wallSeconds.toFixed(0)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${result.machine.loadAverage1m.after.toFixed(2)} after`,
  );
}
