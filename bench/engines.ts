/**
 * The SDK as a kiosk gets it in each browser engine (Chromium, Firefox, WebKitGTK), one after the
 * other, each in a fresh browser: 1-face p50/p95 on a 640×480 frame, cold start (import → first
 * result), the threads ONNX Runtime really uses, and the backend 'auto' chose with its reason
 * (bench/pages/engine-bench.js). Called by bench/run.ts; JADFER_ENGINES picks engines.
 */
import type { AddressInfo } from 'node:net';
import { BENCH_FOLDERS, startServer } from '../scripts/serve.mjs';
import { enginesToTest, launchEngine, type Engine } from '../test/browser-launch.js';

export interface EngineResult {
  engine: Engine;
  version?: string;
  error?: string;
  backend?: string;
  fallbackReason?: string | null;
  threads?: number;
  hardwareConcurrency?: number;
  crossOriginIsolated?: boolean;
  sharedArrayBuffer?: boolean;
  navigatorGpu?: boolean;
  kernels?: string;
  model?: string;
  createMs?: number;
  coldStartMs?: number;
  /** `fer.startup` of that cold start, and the first frame's stages. */
  startup?: Record<string, number | boolean>;
  firstResult?: { detectRun: number; classify: number; total: number };
  /** WebAssembly.compile() of ONNX Runtime's wasm alone, in the page, after the runs. */
  ortCompileMs?: number;
  oneFace?: { n: number; p50: number; p95: number; mean: number; faces: number; firstFaces: number };
}

export async function runEngines(options: {
  shared: string;
  runs: number;
  modelUrl?: string;
  log: (...parts: unknown[]) => void;
}): Promise<EngineResult[]> {
  const server = await startServer({ port: 0, folders: BENCH_FOLDERS, mounts: { '/shared/': options.shared } });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: EngineResult[] = [];
  try {
    for (const { engine, missing } of enginesToTest()) {
      if (missing) {
        results.push({ engine, error: missing });
        continue;
      }
      options.log(`  ${engine}…`);
      const browser = await launchEngine(engine);
      try {
        const page = await browser.newPage();
        await page.goto(`${origin}/bench/pages/engine-bench.html`);
        await page.waitFor(() => (window as any).benchReady, 60_000);
        const measured = await page.evaluate((arg) => (window as any).runEngineBench(arg), {
          runs: options.runs,
          modelUrl: options.modelUrl,
        });
        await page.close();
        results.push({ engine, version: browser.version, ...measured });
      } catch (error) {
        results.push({ engine, version: browser.version, error: String(error) });
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
  }
  return results;
}

export function printEngines(results: EngineResult[], runs: number): void {
  const ms = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));
  console.log(`\nPer engine (device 'auto', default threads, ${runs} runs after 5 warm-up, 640×480, 1 face):`);
  console.log(
    '| engine | 1 face p50 / p95 ms | cold start s | create(): ORT start / classifier / detector session s | first result s | ORT wasm compile alone s | threads used (cores shown) | backend: why |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const s = (v: unknown) => (typeof v === 'number' ? (v / 1000).toFixed(2) : '—');
  for (const r of results) {
    if (r.error) {
      console.log(`| ${r.version ?? r.engine} | not run: ${r.error} | | | | | | |`);
      continue;
    }
    const threads = `${r.threads} (${r.hardwareConcurrency}${r.sharedArrayBuffer ? '' : ', no SharedArrayBuffer'})`;
    const why = r.fallbackReason ? `${r.backend}: ${r.fallbackReason}` : `${r.backend}`;
    console.log(
      `| ${r.version} | ${ms(r.oneFace?.p50)} / ${ms(r.oneFace?.p95)} | ${s(r.coldStartMs)} | ${s(r.startup?.createMs)}: ` +
        `${s(r.startup?.runtimeMs)} / ${s(r.startup?.classifierSessionMs)} / ${s(r.startup?.detectorSessionMs)} | ` +
        `${s(r.firstResult?.total)} | ${s(r.ortCompileMs)} | ${threads} | ${why} |`,
    );
  }
}
