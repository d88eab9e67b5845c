// Load progress: one overall fraction across the files create() downloads, with totals even where the
// server compresses and sends no Content-Length (as `vite preview` does): the cards' `bytes` and the
// shipped runtime's size stand in.
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { test } from 'node:test';
import { createGzip } from 'node:zlib';
import { OverallProgress } from '../../../src/client/progress.js';
import { ORT_WASM_BYTES } from '../../../src/engine/onnx-runtime.js';
import { launchChromium } from '../../browser-launch.js';
import { ensureDist } from '../../dist.js';

const ROOT = resolve(import.meta.dirname, '../../..');

test("ORT_WASM_BYTES are the sizes of ONNX Runtime's wasm builds that ship", () => {
  const ort = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
  assert.deepEqual(ORT_WASM_BYTES, {
    wasm: statSync(join(ort, 'ort-wasm-simd-threaded.wasm')).size,
    webgpu: statSync(join(ort, 'ort-wasm-simd-threaded.jspi.wasm')).size,
  });
});

test('overall: 0 until every file has started, then bytes over bytes, never decreasing, 1 at the end', () => {
  const progress = new OverallProgress(['wasm', 'model', 'detector']);
  const at = (stage: 'wasm' | 'model' | 'detector', loaded: number, total: number) =>
    progress.add({ stage, url: `https://x/${stage}`, loaded, total }).overall;
  assert.equal(at('wasm', 50, 100), 0, 'the model and detector have not started');
  assert.equal(at('model', 0, 60), 0);
  assert.equal(at('detector', 0, 40), 50 / 200);
  assert.equal(at('model', 60, 60), 110 / 200);
  // A file of unknown size counts as what has arrived.
  assert.equal(at('detector', 10, 0), 120 / 170);
  assert.equal(at('wasm', 100, 100), 170 / 170);
  assert.equal(at('wasm', 0, 100), 1, 'a fallback runtime starting over keeps the bar full');
  assert.equal(new OverallProgress(['wasm', 'model']).add({ stage: 'model', url: '', loaded: 5, total: 5 }).overall, 0);
});

/** A static server that gzips every file and so sends no Content-Length (chunked), like `vite preview`. */
function gzipServer(): Promise<Server> {
  const types: Record<string, string> = {
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.json': 'application/json',
    '.wasm': 'application/wasm',
    '.onnx': 'application/octet-stream',
  };
  const page = `<!doctype html><script type="module">
import { create } from '/dist/jadfer.js';
const events = [];
create({ device: 'wasm', cache: 'none', onProgress: ({ stage, loaded, total, overall }) => events.push({ stage, loaded, total, overall }) })
  .then(async (fer) => { await fer.dispose(); window.__done = { events }; }, (e) => (window.__done = { error: String(e) }));
</script>`;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/progress.html') return void response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(join(ROOT, 'dist')) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'content-encoding': 'gzip',
    });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(file).pipe(createGzip()).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const skip = !existsSync('/usr/bin/chromium') && 'needs /usr/bin/chromium';

test('a gzip server with no Content-Length: every file has a total, and overall climbs to 1', { skip }, async () => {
  await ensureDist();
  const server = await gzipServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/progress.html`);
    const handle = await page.waitForFunction(() => (window as { __done?: unknown }).__done, undefined, {
      timeout: 120_000,
    });
    const done = (await handle.jsonValue()) as {
      error?: string;
      events: { stage: string; loaded: number; total: number; overall: number }[];
    };
    assert.equal(done.error, undefined);
    const { events } = done;
    const card = (name: string) => JSON.parse(readFileSync(join(ROOT, 'dist', 'models', `${name}.json`), 'utf8'));
    const totals = Object.fromEntries(events.map((e) => [e.stage, e.total]));
    // On WASM the engine loads each model as prepared at build time (scripts/prepare-models.ts): its own size.
    assert.deepEqual(totals, {
      wasm: ORT_WASM_BYTES.wasm,
      model: card('jadfer-base').prepared.bytes,
      detector: card('blazeface-back-256').prepared.bytes,
    });
    assert.ok(
      events.every((e) => e.total > 0),
      'no event without a total',
    );
    const overall = events.map((e) => e.overall);
    assert.ok(
      overall.every((value, i) => i === 0 || value >= overall[i - 1]!),
      'overall never decreases',
    );
    assert.ok(
      overall.some((value) => value > 0 && value < 1),
      'overall shows the downloads in between',
    );
    assert.equal(overall.at(-1), 1);
  } finally {
    await browser.close();
    server.close();
  }
});
