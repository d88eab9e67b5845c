/**
 * Cold and warm starts of jadfer and the baselines, side by side in one Chromium (called by
 * bench/run.ts). Per system and round: a fresh browser context (empty HTTP cache and storage)
 * loads bench/pages/cold-start.html and times import → create/load → first result on the 1-face
 * frame (cold), then a second page in the same context does it again (warm: the HTTP cache
 * revalidates with ETags, and each system keeps what it keeps: jadfer its persistent cache, human
 * its models in IndexedDB; face-api has no cache of its own). Bytes are counted at the server, as
 * in bench/compare.ts. The targets are ratios to human's, within this run: cold start ≤ 1×, gzip
 * bytes of a cold start on the WASM path ≤ 3×.
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
  startup?: { downloadsMs: number; sessionsMs: number; totalMs: number };
  bytes: ReturnType<typeof bytesOf>;
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
            results[id][kind].push({ ...start, bytes: bytesOf(tally.stop()) });
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
    gzipBytes: median(starts.map((s) => s.bytes.gzip)),
    rawBytes: median(starts.map((s) => s.bytes.raw)),
    requests: median(starts.map((s) => s.bytes.requests)),
    ...(starts[0]!.startup
      ? {
          startup: {
            downloadsMs: median(starts.map((s) => s.startup!.downloadsMs)),
            sessionsMs: median(starts.map((s) => s.startup!.sessionsMs)),
          },
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
    coldGzipBytes: jadfer.cold.gzipBytes / human.cold.gzipBytes,
  };
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
        name: "jadfer gzip bytes on the WASM path ≤ 3× human's",
        pass: ratios.coldGzipBytes <= 3,
        detail: `${ratios.coldGzipBytes.toFixed(2)}× (${(jadfer.cold.gzipBytes / 1e6).toFixed(2)} MB against ${(human.cold.gzipBytes / 1e6).toFixed(2)} MB)`,
      },
    ],
  };
}
export type ColdStart = Awaited<ReturnType<typeof runColdStart>>;

export function printColdStart(start: ColdStart) {
  const print = (line = '') => console.log(line);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  print(
    `\ncold and warm starts (import → create/load → first result, 1 face; medians of ${start.rounds} rounds, WASM, ${start.threads} threads):`,
  );
  print('| system | cold start | import / load / first result | bytes gzip (raw) | warm start | warm bytes gzip |');
  print('| --- | --- | --- | --- | --- | --- |');
  for (const [id, { cold, warm }] of Object.entries(start.systems))
    print(
      `| ${id} | ${s(cold.ms)} | ${s(cold.importMs)} / ${s(cold.loadMs)} / ${s(cold.firstResultMs)} | ${mb(cold.gzipBytes)} (${mb(cold.rawBytes)}) | ${s(warm.ms)} | ${mb(warm.gzipBytes)} |`,
    );
  const jadfer = start.systems.jadfer;
  for (const [kind, run] of [
    ['cold', jadfer.cold],
    ['warm', jadfer.warm],
  ] as const) {
    const startup = run.startup!;
    print(
      `jadfer ${kind}, inside create(): downloads ${s(startup.downloadsMs)} (at once), runtime and sessions ${s(startup.sessionsMs)}`,
    );
  }
  print('jadfer cold bytes by file (gzip):');
  for (const [path, file] of Object.entries(jadfer.cold.files)) print(`  ${path}: ${mb(file.gzip)}`);
  print(
    `ratios to human: cold start ${start.ratios.coldStart.toFixed(2)}×, warm start ${start.ratios.warmStart.toFixed(2)}×, cold gzip bytes ${start.ratios.coldGzipBytes.toFixed(2)}×`,
  );
  for (const t of start.targets) print(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`);
}
