// scripts/serve.mjs, the demo's and the tests' server: it survives malformed URLs, and a reload
// revalidates files by ETag (304, no body) instead of fetching them again.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium } from '../browser-launch.js';

const root = mkdtempSync(join(tmpdir(), 'jadfer-serve-'));
const model = new Uint8Array(1 << 20).map((_, i) => i % 251); // stands in for a model: 1 MiB
writeFileSync(join(root, 'model.onnx'), model);
writeFileSync(join(root, 'index.html'), '<!doctype html><title>reload</title><script src="page.js"></script>');
// The page fetches the "model" the way the SDK does: a plain fetch, the browser's HTTP cache deciding.
writeFileSync(
  join(root, 'page.js'),
  "fetch('model.onnx').then((r) => r.arrayBuffer()).then((b) => (document.title = `loaded ${b.byteLength}`));",
);

let server: Server;
let origin = '';
/** Every answer the server gave: path and status. */
const answers: { path: string; status: number }[] = [];

before(async () => {
  server = (await startServer({ root, folders: ['.'], port: 0 })) as Server;
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('request', (request, response) =>
    response.on('finish', () => answers.push({ path: request.url ?? '', status: response.statusCode })),
  );
});
after(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a malformed URL gets 400 and the server keeps serving', { timeout: 30_000 }, async () => {
  for (const path of ['/%E0%A4%A', '/%', '/model%ZZ.onnx']) {
    const response = await fetch(`${origin}${path}`);
    assert.equal(response.status, 400, path);
    assert.match(await response.text(), /malformed URL/);
  }
  const after = await fetch(`${origin}/model.onnx`);
  assert.equal(after.status, 200);
  assert.equal((await after.arrayBuffer()).byteLength, model.length);
});

test(
  'files carry an ETag; If-None-Match with it gets 304 and no body; a changed file gets a new ETag',
  { timeout: 30_000 },
  async () => {
    const first = await fetch(`${origin}/model.onnx`);
    const etag = first.headers.get('etag');
    await first.arrayBuffer();
    assert.ok(etag, 'an ETag is sent');
    assert.equal(first.headers.get('cache-control'), 'no-cache', 'the browser revalidates before each use');

    const again = await fetch(`${origin}/model.onnx`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(
      again.headers.get('cross-origin-embedder-policy'),
      'require-corp',
      'a 304 keeps the isolation headers',
    );
    const listed = await fetch(`${origin}/model.onnx`, { headers: { 'if-none-match': `W/"other", ${etag}` } });
    assert.equal(listed.status, 304, 'one of a list, weak or strong, matches');
    const stale = await fetch(`${origin}/model.onnx`, { headers: { 'if-none-match': '"stale"' } });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'model.onnx'), later, later); // a rebuilt file: same size, new time
    const changed = await fetch(`${origin}/model.onnx`, { headers: { 'if-none-match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.equal((await changed.arrayBuffer()).byteLength, model.length);
  },
);

const noChromium = existsSync('/usr/bin/chromium') ? false : 'no /usr/bin/chromium';
if (noChromium) console.warn(`*** SKIPPING the Chromium reload test: ${noChromium} ***`);

test(
  'Chromium: a reload revalidates the model (304) instead of fetching it again',
  { skip: noChromium, timeout: 60_000 },
  async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const loaded = () =>
        page.waitForFunction(() => document.title.startsWith('loaded'), undefined, { timeout: 30_000 });
      await page.goto(`${origin}/index.html`);
      await loaded();
      assert.equal(await page.title(), `loaded ${model.length}`);
      answers.length = 0;
      await page.reload();
      await loaded();
      assert.equal(await page.title(), `loaded ${model.length}`, 'the page still gets the whole file');
      const modelAnswers = answers.filter((a) => a.path === '/model.onnx').map((a) => a.status);
      assert.deepEqual(modelAnswers, [304], 'the reload asked once and got "not modified"');
    } finally {
      await browser.close();
    }
  },
);
