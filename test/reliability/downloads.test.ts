// Hostile model cards in Node (where the engine runs in-process): every download is bounded by the size
// the card declares, a card cannot declare gigabytes, `file:///dev/zero` is refused, and a download that
// outlives create()'s timeout is aborted. The hostile servers run on 127.0.0.1 and send at most
// SEND_CAP bytes each, so that even an unbounded client cannot take the machine down.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureDist } from '../dist.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const SEND_CAP = 512 << 20;
const DECLARED = 3_000_000; // what the hostile cards declare: about our default model's size
const dir = mkdtempSync(join(tmpdir(), 'jadfer-hostile-'));
let server: Server;
let origin = '';
/** Resolves when the trickling download's connection closes. */
let trickleClosed: Promise<void>;
let trickleClose: () => void;

/** Writes zeros until the client goes away or SEND_CAP is reached, at the pace the socket takes them. */
function flood(response: ServerResponse, chunk = Buffer.alloc(1 << 16)): void {
  let sent = 0;
  let closed = false;
  response.on('close', () => (closed = true));
  const pump = () => {
    while (!closed && sent < SEND_CAP) {
      sent += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', pump);
    }
    response.end();
  };
  pump();
}

before(async () => {
  trickleClosed = new Promise((resolve) => (trickleClose = resolve));
  server = createServer((request, response) => {
    const body = request.method !== 'HEAD';
    const type = { 'content-type': 'application/octet-stream' };
    if (request.url === '/huge-length.onnx') {
      // Declares 20 GiB.
      response.writeHead(200, { ...type, 'content-length': String(20 * 2 ** 30) });
      return body ? flood(response) : response.end();
    }
    if (request.url === '/endless.onnx' || request.url === '/endless.json') {
      response.writeHead(200, request.url.endsWith('.json') ? { 'content-type': 'application/json' } : type);
      return body ? flood(response, Buffer.alloc(1 << 16, 0x20)) : response.end();
    }
    if (request.url === '/trickle.onnx') {
      response.writeHead(200, type);
      if (!body) return response.end();
      const timer = setInterval(() => response.write(Buffer.alloc(1024)), 50);
      response.on('close', () => {
        clearInterval(timer);
        trickleClose();
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeContractModel(join(dir, 'good'));
});
after(() => {
  server?.closeAllConnections();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A classifier card (the contract model's, valid) whose model is `file`, declaring `bytes`. */
function hostileCard(name: string, file: string, bytes = DECLARED): string {
  const good = JSON.parse(readFileSync(join(dir, 'good', 'contract-test.json'), 'utf8'));
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...good, name, file, bytes, sha256: 'f'.repeat(64) }));
  return pathToFileURL(path).href;
}

/** The largest file the SDK really downloads: ONNX Runtime's wasm or a model. */
function largestAsset(): number {
  const sizes = ['dist/ort', 'dist/models'].flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => /\.(wasm|onnx)$/.test(f))
      .map((f) => statSync(join(folder, f)).size),
  );
  return Math.max(...sizes);
}

test(
  'hostile cards are refused and peak memory stays within 2× the largest real asset',
  { timeout: 300_000 },
  async () => {
    const cards = [
      hostileCard('dev-zero', 'file:///dev/zero'),
      hostileCard('huge-length', `${origin}/huge-length.onnx`),
      hostileCard('endless', `${origin}/endless.onnx`),
      hostileCard('declares-20-gib', `${origin}/endless.onnx`, 20 * 2 ** 30),
      `${origin}/endless.json`,
    ];
    // Asynchronously: the hostile servers live in this process and must keep answering.
    const run = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/reliability/helpers/hostile-downloads.ts',
        JSON.stringify(cards),
        pathToFileURL(join(dir, 'good', 'contract-test.json')).href,
      ],
      { encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 24 },
    );
    const { before, after, outcomes } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      before: number;
      after: number;
      outcomes: { card: string; code?: string; message?: string }[];
    };
    record({ hostile: outcomes.length });
    for (const outcome of outcomes) assert.equal(outcome.code, 'E_MODEL_LOAD', JSON.stringify(outcome));
    const [devZero, hugeLength, endless, declares, endlessCard] = outcomes.map((o) => o.message!);
    assert.match(devZero!, /not a regular file/);
    assert.match(hugeLength!, /refused: 21474836480 bytes, more than the 3000000/);
    assert.match(endless!, /refused: at least \d+ bytes, more than the 3000000/);
    assert.match(declares!, /bytes: must be the model file's size/);
    assert.match(endlessCard!, /more than the 1048576/);
    const largest = largestAsset();
    const growth = after - before;
    console.log(
      `hostile downloads: peak RSS grew ${(growth / 1e6).toFixed(1)} MB over a normal start's ` +
        `(${(before / 1e6).toFixed(0)} MB); the largest real asset is ${(largest / 1e6).toFixed(1)} MB`,
    );
    assert.ok(growth <= 2 * largest, `peak memory grew ${growth} bytes, more than 2 × ${largest}`);
  },
);

test("a download that outlives create()'s timeout is aborted, not left running", { timeout: 120_000 }, async () => {
  const { create } = await import(new URL('../../dist/jadfer.js', import.meta.url).href);
  const card = hostileCard('trickle', `${origin}/trickle.onnx`);
  await assert.rejects(
    create({ detector: 'none', modelUrl: card, timeouts: { createMs: 3000 } }),
    (error: { code?: string }) => error.code === 'E_TIMEOUT',
  );
  record({ hostile: 1 });
  // Without the abort, the server keeps trickling into a download nobody waits for, and this never resolves.
  await trickleClosed;
});
