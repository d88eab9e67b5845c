/**
 * Classifiers side by side, in one run: the classifier stage's time per face (`fer.lastTimings.classify`)
 * through the SDK in Node (onnxruntime-web WASM, as `jadfer eval` runs it), for each model card given,
 * with and without `mirror`. The models take turns face by face, so a machine that gets busier mid-run
 * slows them alike: compare the ratios to the first model, not the milliseconds across runs.
 *
 *   npm run bench:classifiers -- models/jadfer-base.json models/jadfer-accurate.json [--faces 200] [--json]
 *
 * An older model to compare with: `git show <commit>:models/jadfer-base.onnx > /tmp/old/jadfer-base.onnx`, the
 * same for its card, and pass /tmp/old/jadfer-base.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Jadfer } from '../src/index.js';
import { scriptArgs } from '../common/args.js';
import { Rng } from '../training/model/rng.js';

const USAGE = 'usage: npm run bench:classifiers -- <card.json>... [--faces 200] [--json]';
const { values, positionals } = scriptArgs({
  usage: USAGE,
  numbers: ['faces'],
  options: {
    faces: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
  },
  positionals: { min: 1, max: 8 },
});
// The built SDK, as users run it (its engine file sits beside it in dist/).
if (!existsSync('dist/jadfer.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
const { create } = (await import(pathToFileURL('dist/jadfer.js').href)) as typeof import('../src/index.js');
const faces = Number(values.faces);
// onnxruntime-web runs on one thread in Node: its thread pool is Web Workers (onnx-runtime.ts).
const threads = 1;
const size = 48;
const rng = new Rng(17);
const inputs = Array.from({ length: 16 }, () => Uint8Array.from({ length: size * size }, () => 40 + rng.int(160)));

interface Entry {
  model: string;
  mirror: boolean;
  bytes: number;
  fer: Jadfer;
  ms: number[];
}
const entries: Entry[] = [];
for (const card of positionals)
  for (const mirror of [false, true]) {
    const file = (JSON.parse(readFileSync(card, 'utf8')) as { file: string }).file;
    const fer = await create({
      detector: 'none',
      device: 'wasm',
      mirror,
      cache: 'none',
      modelUrl: pathToFileURL(card).href,
    });
    entries.push({ model: card, mirror, bytes: statSync(join(dirname(card), file)).size, fer, ms: [] });
  }
const load = loadavg()[0]!;
// Warm-up: the first runs of a session plan and allocate.
for (const entry of entries)
  for (let i = 0; i < 10; i++) await entry.fer.analyze({ data: inputs[i % inputs.length]!, width: size, height: size });
for (let i = 0; i < faces; i++)
  for (const entry of entries) {
    await entry.fer.analyze({ data: inputs[i % inputs.length]!, width: size, height: size });
    entry.ms.push(entry.fer.lastTimings!.classify);
  }
await Promise.all(entries.map((e) => e.fer.dispose()));

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
const base = quantile(entries[0]!.ms, 0.5);
const rows = entries.map((e) => ({
  model: e.model,
  mirror: e.mirror,
  bytes: e.bytes,
  p50: quantile(e.ms, 0.5),
  p95: quantile(e.ms, 0.95),
  ratio: quantile(e.ms, 0.5) / base,
}));
const machine = `${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}, load ${load.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`;
if (values.json) console.log(JSON.stringify({ faces, threads, machine, rows }));
else {
  console.log(`classifier per face, ${faces} faces each, taking turns; WASM, one thread; ${machine}`);
  console.log('| model | mirror | file | p50 ms | p95 ms | p50 ÷ first |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.model} | ${r.mirror ? 'yes' : 'no'} | ${(r.bytes / 1e6).toFixed(2)} MB | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.ratio.toFixed(2)} |`,
    );
}
