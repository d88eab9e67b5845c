// Offline boot and upgrades: a kiosk page boots online, the server goes away, the page is reloaded
// and create() starts from the persistent cache and analyses a face. Then a model is replaced on the
// server: the next boot fetches the new file, and the cache drops the old one.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, TEST_FOLDERS } from '../../scripts/serve.mjs';
import { launchChromium } from '../browser-launch.js';
import { ensureDist } from '../dist.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

const PHOTOS = '../shared/fixtures/photos';
const skip =
  (!existsSync('/usr/bin/chromium') && 'needs /usr/bin/chromium') ||
  (!existsSync(PHOTOS) && `${PHOTOS} is absent: SKIPPING the offline boot test, which needs a face`);
if (typeof skip === 'string' && skip.includes('SKIPPING')) console.warn(`*** ${skip} ***`);

const MODEL_DIR = 'test-output/offline-model';
let browser: Browser;
let context: BrowserContext;
let server: Server | undefined;
let port = 0;

const serve = async () => {
  const started = await startServer({ port, folders: TEST_FOLDERS, mounts: { '/shared/': '../shared' } });
  port = (started.address() as AddressInfo).port;
  server = started;
};
const stop = async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
};

before(async () => {
  if (skip) return;
  await ensureDist();
  browser = await launchChromium();
  context = await browser.newContext();
  await serve();
});
after(async () => {
  await stop();
  await browser?.close();
});

interface Boot {
  error?: string;
  faces: number;
  cache: string;
  model: string;
  controlled: boolean;
  entries: { key: string; source: string | null; sha256: string | null }[];
}

async function boot(page: Page, query = ''): Promise<Boot> {
  await page.goto(`http://127.0.0.1:${port}/test/pages/offline.html${query}`);
  const handle = await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, {
    timeout: 180_000,
  });
  const result = (await handle.jsonValue()) as Boot;
  assert.equal(result.error, undefined, result.error);
  return result;
}

test(
  'offline: after an online boot, a reload with the server gone starts from the cache and finds the face',
  { skip },
  async () => {
    const page = await context.newPage();
    const first = await boot(page); // registers the page's service worker
    assert.equal(first.cache, 'persistent');
    assert.equal(first.faces, 1);
    const second = await boot(page); // now controlled: the page's own scripts are kept too
    assert.ok(second.controlled, 'the kiosk service worker controls the page');
    const sources = second.entries.map((e) => e.source);
    // On WASM the engine loads the models prepared at build time (scripts/prepare-models.ts).
    for (const file of [
      'jadfer-base.prepared.bin',
      'blazeface-back-256.prepared.bin',
      'ort-wasm-simd-threaded.wasm',
      'jadfer-kernels.wasm',
    ])
      assert.ok(
        sources.some((s) => s?.endsWith(file)),
        `${file} is in the persistent cache`,
      );

    await stop();
    record({ faults: 1 });
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    await page.reload();
    const offline = (await (
      await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 180_000 })
    ).jsonValue()) as Boot;
    assert.equal(offline.error, undefined, `${offline.error}; failed requests: ${failed.join(', ')}`);
    assert.equal(offline.faces, 1, 'the face is found with the network down');
    assert.ok(
      failed.some((url) => url.includes('/dist/')),
      'the network really was down for the SDK',
    );
    await page.close();
    await serve();
  },
);

test('upgrade: a replaced model is fetched, and the cache drops the old one', { skip }, async () => {
  const page = await context.newPage();
  const query = `?model=/${MODEL_DIR}/contract-test.json`;
  writeContractModel(MODEL_DIR, 'a');
  const before = await boot(page, query);
  const modelA = before.entries.find((e) => e.source?.endsWith(`${MODEL_DIR}/contract-test.onnx`));
  assert.ok(modelA, 'model A is cached');

  writeContractModel(MODEL_DIR, 'b'); // an upgrade: same URLs, new bytes, new card
  const after = await boot(page, query);
  const models = after.entries.filter((e) => e.source?.endsWith(`${MODEL_DIR}/contract-test.onnx`));
  assert.equal(models.length, 1, 'one version of the model in the cache');
  assert.notEqual(models[0]!.sha256, modelA.sha256, 'the new model replaced the old one');
  await page.close();
});
