/**
 * jadfer against the browser baselines (@vladmandic/human, @vladmandic/face-api), side by side in one
 * headless Chromium, on the same 640×480 frames, one fresh browser context per system and run, one
 * after the other (bench/pages/compare.{html,js}, bench/pages/adapters/). Called by bench/run.ts.
 *
 * - Threads: every system gets the same count (`threads`): ONNX Runtime's `numThreads` for jadfer,
 *   `tf.setThreadsCount` for TF.js's WASM backend in the baselines (which also needs to be shown enough
 *   cores: see bench/pages/adapters/tfjs-wasm.js). Each page reports the count its runtime really uses.
 *   Pages are crossOriginIsolated (serve.mjs's COOP/COEP).
 * - Bytes: every request the page made for the system (JS, wasm, models; not the bench pages or the
 *   photos), counted at the server: raw = the files as they are; gzip and br = the same files compressed
 *   as `npm run build` pre-compresses jadfer's (scripts/precompress.mjs: gzip level 9, brotli quality 11),
 *   every system's alike, request by request.
 * - Accuracy is read, not measured: jadfer from its model card (`npx jadfer eval`), the baselines from
 *   bench/baselines/RESULTS.md (bench/baselines/accuracy.ts).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { compress } from '../scripts/precompress.mjs';
import { BENCH_FOLDERS, STRICT_CSP, startServer } from '../scripts/serve.mjs';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * The baselines' pages only: TF.js's threaded WASM build (tfjs-backend-wasm 4.22, embedded in both
 * bundles) starts its pthreads as workers from blob: URLs (`locateFile` returns a Blob of its worker
 * script, which then `importScripts` a Blob of the Emscripten glue). The strict CSP refuses both, so
 * these pages also allow blob: for workers and scripts. No eval is needed. jadfer's page keeps STRICT_CSP.
 */
export const TFJS_WASM_CSP = STRICT_CSP.replace("script-src 'self'", "script-src 'self' blob:").replace(
  "worker-src 'self'",
  "worker-src 'self' blob:",
);

export interface SystemSpec {
  id: string;
  /** bench/pages/adapters/<adapter>.js */
  adapter: 'jadfer' | 'human' | 'faceapi';
  label: string;
  package: string;
  detector?: string;
  csp: string;
  /** Why there is no WebGPU run, when there is none. */
  noWebGpu?: string;
}

export const SYSTEMS: SystemSpec[] = [
  {
    id: 'jadfer',
    adapter: 'jadfer',
    label: 'jadfer (default: BlazeFace back at 256×192)',
    package: 'jadfer',
    csp: STRICT_CSP,
  },
  {
    id: 'human',
    adapter: 'human',
    label: '@vladmandic/human (BlazeFace + emotion)',
    package: '@vladmandic/human',
    csp: TFJS_WASM_CSP,
  },
  {
    id: 'faceapi',
    adapter: 'faceapi',
    label: '@vladmandic/face-api (tinyFaceDetector + faceExpressionNet)',
    package: '@vladmandic/face-api',
    csp: TFJS_WASM_CSP,
    noWebGpu: "the face-api bundle embeds TF.js's cpu, webgl and wasm backends only",
  },
];

export interface CompareOptions {
  browser: Browser;
  shared: string;
  threads: number;
  warmup: number;
  runs: number;
  streamSeconds: number;
  /** WebGPU runs: 1-face latency only, few runs, as SwiftShader is 50–70× slower than WASM. */
  webgpu: { warmup: number; runs: number; maxMs: number } | false;
  log: (...parts: unknown[]) => void;
}

interface Transfer {
  path: string;
  status: number;
}

/** Records the paths the server answers while `record` holds an array. */
export function tallyRequests(server: Server) {
  let record: Transfer[] | undefined;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    // A HEAD (jadfer's check that each file is served) carries no body: no bytes.
    if (request.method === 'HEAD') return;
    response.on('finish', () => record?.push({ path, status: response.statusCode }));
  });
  return {
    start: () => void (record = []),
    stop: () => {
      const done = record ?? [];
      record = undefined;
      return done;
    },
  };
}

type Sizes = { raw: number; gzip: number; br: number };

/** What one 200 answer for a path costs under each encoding (the compressed sizes are cached on disk). */
const sizes = new Map<string, Promise<Sizes>>();
function sizeOf(path: string): Promise<Sizes> {
  let size = sizes.get(path);
  if (!size) {
    const bytes = readFileSync(join(ROOT, decodeURIComponent(path)));
    size = compress(bytes).then((out) => ({ raw: bytes.length, gzip: out.gzip.length, br: out.br.length }));
    sizes.set(path, size);
  }
  return size;
}

/** The system's own transfers: not the bench pages, not the fixture photos. */
export async function bytesOf(transfers: Transfer[]) {
  const files = new Map<string, Sizes & { requests: number }>();
  for (const t of transfers) {
    if (t.status !== 200 || t.path.startsWith('/bench/') || t.path.startsWith('/shared/')) continue;
    const file = files.get(t.path) ?? { requests: 0, raw: 0, gzip: 0, br: 0 };
    const size = await sizeOf(t.path);
    file.requests++;
    file.raw += size.raw;
    file.gzip += size.gzip;
    file.br += size.br;
    files.set(t.path, file);
  }
  const all = [...files.values()];
  const sum = (key: keyof Sizes) => all.reduce((a, f) => a + f[key], 0);
  return {
    requests: all.reduce((a, f) => a + f.requests, 0),
    raw: sum('raw'),
    gzip: sum('gzip'),
    br: sum('br'),
    files: Object.fromEntries([...files].sort((a, b) => b[1].raw - a[1].raw)),
  };
}

function packageVersion(name: string): string {
  const file = name === 'jadfer' ? join(ROOT, 'package.json') : join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * FERPlus valid accuracy (8 classes) and mean per-class accuracy, per classifier: jadfer from the
 * card it ships, the baselines from RESULTS.md's table.
 */
export function readAccuracy(): Record<SystemSpec['adapter'], Accuracy> {
  const card = JSON.parse(readFileSync(join(ROOT, 'models/jadfer-base.json'), 'utf8')) as {
    metrics: { validationAccuracy: number; meanClassAccuracy?: number; command: string };
  };
  const lines = readFileSync(join(ROOT, 'bench/baselines/RESULTS.md'), 'utf8').split('\n');
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines.find((l) => l.startsWith('| system |')) ?? '');
  const column = (name: string) => {
    const i = header.findIndex((h) => h.startsWith(name));
    if (i < 0) throw new Error(`bench/baselines/RESULTS.md: no '${name}' column`);
    return i;
  };
  const percent = (cell: string) => Number(cell.match(/([\d.]+) %/)?.[1] ?? NaN) / 100;
  const row = (pkg: string) => {
    const line = lines.find((l) => l.startsWith(`| \`${pkg}\``));
    if (!line) throw new Error(`no ${pkg} accuracy row in bench/baselines/RESULTS.md`);
    return {
      accuracy: percent(cells(line)[column('accuracy, 8-class')]!),
      meanClassAccuracy: percent(cells(line)[column('mean per-class accuracy')]!),
      source: 'bench/baselines/RESULTS.md (node --import tsx bench/baselines/accuracy.ts)',
    };
  };
  const jadfer = {
    accuracy: card.metrics.validationAccuracy,
    meanClassAccuracy: card.metrics.meanClassAccuracy ?? NaN,
    source: `models/jadfer-base.json (${card.metrics.command})`,
  };
  return { jadfer, human: row('@vladmandic/human'), faceapi: row('@vladmandic/face-api') };
}

/** Overall accuracy and mean per-class accuracy (macro recall) on FERPlus valid. */
export interface Accuracy {
  accuracy: number;
  meanClassAccuracy: number;
  source: string;
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  faces: number;
  found: string[];
}
/** What bench/pages/compare.js returns for one page. */
export interface PageResult {
  backend: string;
  threads?: number;
  coldStart: { ms: number };
  oneFace: Stats;
  fiveFaces?: Stats;
  stream?: {
    seconds: number;
    frames: number;
    fps: number;
    animationFramesPainted: number;
    longTasks: { count: number; totalMs: number };
  };
  adapter?: {
    available: boolean;
    isFallbackAdapter?: boolean;
    architecture?: string;
    vendor?: string;
    reason?: string;
  };
  cspViolations: string[];
  pageErrors: string[];
}
export type SystemResult = PageResult & {
  id: string;
  label: string;
  package: string;
  version: string;
  csp: string;
  accuracy: Accuracy;
  bytes: Awaited<ReturnType<typeof bytesOf>>;
  webgpu: (PageResult & { status: string }) | { status: 'n/a'; reason?: string };
};
export type Comparison = Awaited<ReturnType<typeof runComparison>>;

async function runPage(
  browser: Browser,
  origin: string,
  tally: ReturnType<typeof tallyRequests>,
  options: Record<string, unknown>,
  timeoutMs: number,
): Promise<PageResult> {
  const context = await browser.newContext(); // fresh: no HTTP cache, storage or tfjs state from another system
  tally.start();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/bench/pages/compare.html`);
    await page.waitForFunction(() => (window as unknown as { compareReady?: boolean }).compareReady);
    const run = page.evaluate(
      (o) => (window as unknown as { runCompare: (o: unknown) => Promise<PageResult> }).runCompare(o),
      options,
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no result within ${timeoutMs / 1000} s`)), timeoutMs).unref(),
    );
    const result = await Promise.race([run, timeout]);
    return { ...result, pageErrors: errors };
  } finally {
    await context.close();
    // Requests finish as the context closes; give their 'finish' events a turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runComparison(options: CompareOptions) {
  const { browser, shared, threads, warmup, runs, streamSeconds, log } = options;
  const mounts = { '/shared/': shared };
  const servers = new Map<string, { server: Server; origin: string; tally: ReturnType<typeof tallyRequests> }>();
  const serverFor = async (csp: string) => {
    if (!servers.has(csp)) {
      const server = (await startServer({ port: 0, csp, folders: BENCH_FOLDERS, mounts })) as Server;
      servers.set(csp, {
        server,
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        tally: tallyRequests(server),
      });
    }
    return servers.get(csp)!;
  };
  const photos = { one: '/shared/fixtures/photos/portrait-a-1.jpg', five: '/shared/fixtures/photos/group-3.jpg' };
  const accuracy = readAccuracy();
  const systems: SystemResult[] = [];
  try {
    for (const spec of SYSTEMS) {
      const { origin, tally } = await serverFor(spec.csp);
      log(`  ${spec.label}: wasm…`);
      const base = {
        id: spec.id,
        label: spec.label,
        package: spec.package,
        version: packageVersion(spec.package),
        csp: spec.csp === STRICT_CSP ? 'strict' : 'strict + blob: workers/scripts',
        accuracy: accuracy[spec.adapter],
      };
      const wasm = await runPage(
        browser,
        origin,
        tally,
        { system: spec.adapter, device: 'wasm', threads, detector: spec.detector, photos, warmup, runs, streamSeconds },
        180_000,
      );
      const bytes = await bytesOf(tally.stop());
      let webgpu: SystemResult['webgpu'];
      if (!options.webgpu) webgpu = { status: 'n/a', reason: 'skipped (--no-webgpu)' };
      else if (spec.noWebGpu) webgpu = { status: 'n/a', reason: spec.noWebGpu };
      else {
        log(`  ${spec.label}: webgpu…`);
        const { warmup: w, runs: r, maxMs } = options.webgpu;
        try {
          const result = await runPage(
            browser,
            origin,
            tally,
            {
              system: spec.adapter,
              device: 'webgpu',
              threads,
              detector: spec.detector,
              photos: { one: photos.one },
              warmup: w,
              runs: r,
              maxMs,
              streamSeconds: 0,
            },
            150_000,
          );
          tally.stop();
          const adapter = result.adapter!; // the page loads nothing when there is no adapter
          webgpu = adapter.available
            ? { status: adapter.isFallbackAdapter ? 'software adapter' : 'hardware adapter', ...result }
            : { status: 'n/a', reason: `no adapter: ${adapter.reason}` };
        } catch (error) {
          tally.stop();
          webgpu = {
            status: 'n/a',
            reason: `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
          };
        }
      }
      systems.push({ ...base, ...wasm, bytes, webgpu });
    }
  } finally {
    for (const { server } of servers.values()) server.close();
  }
  return {
    threads,
    warmup,
    runs,
    streamSeconds,
    photos,
    frame: '640×480, photo letterboxed into an HTMLCanvasElement',
    systems,
  };
}

function system(comparison: Comparison, id: string): SystemResult {
  const found = comparison.systems.find((s) => s.id === id);
  if (!found) throw new Error(`no ${id} in the comparison`);
  return found;
}
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : '—');
const ms = (x: number) => x.toFixed(1);

/** The issue's targets against the baselines, each with the numbers behind it. */
export function targetsVsBaselines(comparison: Comparison) {
  const [jadfer, human, faceapi] = [
    system(comparison, 'jadfer'),
    system(comparison, 'human'),
    system(comparison, 'faceapi'),
  ];
  const best = Math.max(human.accuracy.accuracy, faceapi.accuracy.accuracy);
  return [
    {
      name: 'jadfer FERPlus valid accuracy ≥ both baselines + 10 points',
      pass: jadfer.accuracy.accuracy >= best + 0.1,
      detail: `jadfer ${pct(jadfer.accuracy.accuracy)}, bar ${pct(best + 0.1)} (face-api ${pct(faceapi.accuracy.accuracy)}, human ${pct(human.accuracy.accuracy)}, + 10 points)`,
    },
    {
      name: "jadfer p50 (1 face) ≤ 0.5 × human's p50 (1 face)",
      pass: jadfer.oneFace.p50 <= 0.5 * human.oneFace.p50,
      detail: `jadfer ${ms(jadfer.oneFace.p50)} ms, human ${ms(human.oneFace.p50)} ms: ${(jadfer.oneFace.p50 / human.oneFace.p50).toFixed(2)}× (wasm, ${comparison.threads} threads each)`,
    },
    {
      name: 'jadfer finds 5 of 5 faces in group-3.jpg',
      pass: jadfer.fiveFaces?.faces === 5,
      detail: `${jadfer.fiveFaces?.faces ?? 'none'} found`,
    },
  ];
}

function webGpuCell(s: SystemResult): string {
  const w = s.webgpu;
  if (!('oneFace' in w)) return `n/a (${w.reason})`;
  return `${ms(w.oneFace.p50)} ms (${w.status}${w.adapter?.architecture ? `, ${w.adapter.architecture}` : ''}; n=${w.oneFace.n})`;
}

export function printComparison(comparison: Comparison, machine: { chromium: string; cpus: number; cpu?: string }) {
  const { threads, warmup, runs, streamSeconds } = comparison;
  const print = (line = '') => console.log(line);
  print(
    `\njadfer vs browser baselines: Chromium ${machine.chromium}, ${machine.cpus} cores (${machine.cpu}), WASM, ${threads} threads each`,
  );
  print(
    `(${comparison.frame}; ${warmup} warm-up + ${runs} timed runs per frame; stream: ${streamSeconds} s on the 1-face photo repainted every animation frame)`,
  );
  print(
    `| system | faces found (1 / 5) | p50/p95 1 face ms | p50/p95 5 faces ms | cold start | bytes br / gzip (raw) | long tasks in ${streamSeconds} s | frames in ${streamSeconds} s | FERPlus valid acc (mean per class) | WebGPU p50 1 face |`,
  );
  print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of comparison.systems) {
    const five = s.fiveFaces!;
    const stream = s.stream!;
    print(
      `| ${s.label} | ${s.oneFace.faces} / ${five.faces} | ${ms(s.oneFace.p50)} / ${ms(s.oneFace.p95)} | ${ms(five.p50)} / ${ms(five.p95)} | ${(s.coldStart.ms / 1000).toFixed(2)} s | ` +
        `${(s.bytes.br / 1e6).toFixed(2)} / ${(s.bytes.gzip / 1e6).toFixed(2)} MB (${(s.bytes.raw / 1e6).toFixed(2)} MB) | ${stream.longTasks.count} (${stream.longTasks.totalMs.toFixed(0)} ms) | ` +
        `${stream.frames} (${stream.fps.toFixed(1)} fps; ${stream.animationFramesPainted} repaints) | ${pct(s.accuracy.accuracy)} (${pct(s.accuracy.meanClassAccuracy)}) | ${webGpuCell(s)} |`,
    );
  }
  print('\nfaces on the 5-face frame (expression, detector score):');
  for (const s of comparison.systems) print(`  ${s.id}: ${s.fiveFaces!.found.join(', ')}`);
  print('\ntargets vs baselines:');
  for (const t of targetsVsBaselines(comparison)) print(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`);
}
