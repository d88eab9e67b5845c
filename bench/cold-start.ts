/**
 * Cold and warm starts of jadfer and the baselines, side by side in one Chromium (called by
 * bench/run.ts). Per system and round: a fresh browser context (empty HTTP cache and storage)
 * loads bench/pages/cold-start.html and times import → create/load → first result on the 1-face
 * frame (cold), then a second page in the same context does it again (warm: the HTTP cache
 * revalidates with ETags, and each system keeps what it keeps: jadfer its persistent cache, human
 * its models in IndexedDB; face-api has no cache of its own). Bytes are counted at the server, as
 * in bench/compare.ts. The targets are ratios to human's, within this run: cold start ≤ 1×, warm
 * start ≤ 0.5 s, bytes of a cold start on the WASM path ≤ 3× under the same encoding (brotli; gzip too).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { BENCH_FOLDERS, startServer, STRICT_CSP } from '../scripts/serve.mjs';
import { bytesOf, tallyRequests, TFJS_WASM_CSP } from './compare.js';

const SYSTEMS = [
  { id: 'jadfer', csp: STRICT_CSP },
  { id: 'human', csp: TFJS_WASM_CSP },
  { id: 'faceapi', csp: TFJS_WASM_CSP },
] as const;
type SystemId = (typeof SYSTEMS)[number]['id'];

interface Start {
  ms: number;
  importMs: number;
  loadMs: number;
  firstResultMs: number;
  faces: number;
  /** jadfer's `fer.startup` (src/contract/types.ts StartupTimes). */
  startup?: Record<string, number | boolean>;
  bytes: Awaited<ReturnType<typeof bytesOf>>;
}

export interface StartOptions {
  browser: Browser;
  shared: string;
  threads: number;
  rounds: number;
  log: (...parts: unknown[]) => void;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runColdStart({ browser, shared, threads, rounds, log }: StartOptions) {
  const photo = '/shared/fixtures/photos/portrait-a-1.jpg';
  const results: Record<SystemId, { cold: Start[]; warm: Start[] }> = {
    jadfer: { cold: [], warm: [] },
    human: { cold: [], warm: [] },
    faceapi: { cold: [], warm: [] },
  };
  const servers: Server[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const { id, csp } of SYSTEMS) {
        log(`  start ${round + 1}/${rounds}: ${id}…`);
        const server = (await startServer({
          port: 0,
          csp,
          folders: BENCH_FOLDERS,
          mounts: { '/shared/': shared },
        })) as Server;
        servers.push(server);
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const tally = tallyRequests(server);
        const context = await browser.newContext();
        try {
          for (const kind of ['cold', 'warm'] as const) {
            const page = await context.newPage();
            await page.goto(`${origin}/bench/pages/cold-start.html`);
            await page.waitForFunction(() => (window as unknown as { startReady?: boolean }).startReady);
            tally.start();
            const start = await page.evaluate(
              (o) => (window as unknown as { runStart: (o: unknown) => Promise<Omit<Start, 'bytes'>> }).runStart(o),
              { system: id, threads, photo },
            );
            await page.close();
            await new Promise((resolve) => setTimeout(resolve, 50)); // let the last 'finish' events in
            results[id][kind].push({ ...start, bytes: await bytesOf(tally.stop()) });
          }
        } finally {
          await context.close();
          server.close();
        }
      }
    }
  } finally {
    for (const server of servers) server.close();
  }
  const summary = (starts: Start[]) => ({
    ms: median(starts.map((s) => s.ms)),
    importMs: median(starts.map((s) => s.importMs)),
    loadMs: median(starts.map((s) => s.loadMs)),
    firstResultMs: median(starts.map((s) => s.firstResultMs)),
    brBytes: median(starts.map((s) => s.bytes.br)),
    gzipBytes: median(starts.map((s) => s.bytes.gzip)),
    rawBytes: median(starts.map((s) => s.bytes.raw)),
    requests: median(starts.map((s) => s.bytes.requests)),
    // Each phase's median (booleans: whether every start had it).
    ...(starts[0]!.startup
      ? {
          startup: Object.fromEntries(
            Object.entries(starts[0]!.startup).map(([key, value]) => [
              key,
              typeof value === 'number'
                ? median(starts.map((s) => s.startup![key] as number))
                : starts.every((s) => s.startup![key] === value),
            ]),
          ),
        }
      : {}),
    files: starts[0]!.bytes.files,
    all: starts.map((s) => Math.round(s.ms)),
  });
  const systems = Object.fromEntries(
    Object.entries(results).map(([id, { cold, warm }]) => [id, { cold: summary(cold), warm: summary(warm) }]),
  ) as Record<SystemId, { cold: ReturnType<typeof summary>; warm: ReturnType<typeof summary> }>;
  const { jadfer, human } = systems;
  const ratios = {
    coldStart: jadfer.cold.ms / human.cold.ms,
    warmStart: jadfer.warm.ms / human.warm.ms,
    coldBrBytes: jadfer.cold.brBytes / human.cold.brBytes,
    coldGzipBytes: jadfer.cold.gzipBytes / human.cold.gzipBytes,
  };
  const bytesDetail = (ratio: number, key: 'brBytes' | 'gzipBytes') =>
    `${ratio.toFixed(2)}× (${(jadfer.cold[key] / 1e6).toFixed(2)} MB against ${(human.cold[key] / 1e6).toFixed(2)} MB)`;
  return {
    rounds,
    threads,
    systems,
    ratios,
    targets: [
      {
        name: "jadfer cold start ≤ 1× human's",
        pass: ratios.coldStart <= 1,
        detail: `${ratios.coldStart.toFixed(2)}× (${(jadfer.cold.ms / 1000).toFixed(2)} s against ${(human.cold.ms / 1000).toFixed(2)} s, medians of ${rounds})`,
      },
      {
        name: 'jadfer warm start ≤ 0.5 s',
        pass: jadfer.warm.ms <= 500,
        detail: `${(jadfer.warm.ms / 1000).toFixed(2)} s (human ${(human.warm.ms / 1000).toFixed(2)} s)`,
      },
      {
        name: "jadfer brotli bytes on the WASM path ≤ 3× human's",
        pass: ratios.coldBrBytes <= 3,
        detail: bytesDetail(ratios.coldBrBytes, 'brBytes'),
      },
      {
        name: "jadfer gzip bytes on the WASM path ≤ 3× human's",
        pass: ratios.coldGzipBytes <= 3,
        detail: bytesDetail(ratios.coldGzipBytes, 'gzipBytes'),
      },
    ],
  };
}
export type ColdStart = Awaited<ReturnType<typeof runColdStart>>;

export function printColdStart(start: ColdStart) {
  const print = (line = '') => console.log(line);
  const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  print(
    `\ncold and warm starts (import → create/load → first result, 1 face; medians of ${start.rounds} rounds, WASM, ${start.threads} threads):`,
  );
  print(
    '| system | cold start | import / load / first result | bytes brotli / gzip (raw) | warm start | import / load / first result | warm bytes gzip |',
  );
  print('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [id, { cold, warm }] of Object.entries(start.systems))
    print(
      `| ${id} | ${s(cold.ms)} | ${s(cold.importMs)} / ${s(cold.loadMs)} / ${s(cold.firstResultMs)} | ${mb(cold.brBytes)} / ${mb(cold.gzipBytes)} (${mb(cold.rawBytes)}) | ${s(warm.ms)} | ${s(warm.importMs)} / ${s(warm.loadMs)} / ${s(warm.firstResultMs)} | ${mb(warm.gzipBytes)} |`,
    );
  const jadfer = start.systems.jadfer;
  for (const [kind, run] of [
    ['cold', jadfer.cold],
    ['warm', jadfer.warm],
  ] as const) {
    const t = run.startup as unknown as Record<string, number>;
    print(
      `jadfer ${kind}, fer.startup: create() ${s(t.createMs)}; in the engine ${s(t.totalMs)}: downloads ${s(t.downloadsMs)} ` +
        `and ONNX Runtime's start ${s(t.runtimeMs)} (at once, from the engine's start), then sessions ${s(t.sessionsMs)} ` +
        `(classifier ${s(t.classifierSessionMs)}, detector ${s(t.detectorSessionMs)}; prepared models: ${run.startup!.preparedModels})`,
    );
  }
  print('jadfer cold bytes by file (brotli / gzip):');
  for (const [path, file] of Object.entries(jadfer.cold.files)) print(`  ${path}: ${mb(file.br)} / ${mb(file.gzip)}`);
  print(
    `ratios to human: cold start ${start.ratios.coldStart.toFixed(2)}×, warm start ${start.ratios.warmStart.toFixed(2)}×, cold bytes ${start.ratios.coldBrBytes.toFixed(2)}× brotli, ${start.ratios.coldGzipBytes.toFixed(2)}× gzip`,
  );
  for (const t of start.targets) print(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`);
}
