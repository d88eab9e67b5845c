// What a good create() leaves in Chromium's console: no failed or HEAD requests (the file checks run only
// when a start fails), and on a page without COOP/COEP one warning that names the cause and the headers.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { startServer, TEST_FOLDERS } from '../../../scripts/serve.mjs';
import { launchChromium } from '../../browser-launch.js';
import { ensureDist } from '../../dist.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PAGE = join(ROOT, 'test-output', 'console');
await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const skip = !existsSync('/usr/bin/chromium') && 'needs /usr/bin/chromium';

/** Opens a page that creates the SDK with its defaults, and returns what the console and network saw. */
async function consoleOfCreate(isolated: boolean) {
  mkdirSync(PAGE, { recursive: true });
  // An empty icon: the browser's own /favicon.ico request is not the SDK's.
  writeFileSync(
    join(PAGE, 'index.html'),
    '<!doctype html><link rel="icon" href="data:,"><script type="module" src="main.js"></script>',
  );
  writeFileSync(
    join(PAGE, 'main.js'),
    "import { create } from '/dist/jadfer.js';\n" +
      "create({ device: 'wasm' }).then((fer) => { console.log('READY', fer.threads); return fer.dispose(); }, (e) => console.log('FAILED', e.message));\n",
  );
  const server = await startServer({ port: 0, isolated, folders: TEST_FOLDERS });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const messages: string[] = [];
    const problems: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    context.on('requestfailed', (r) => problems.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    context.on('request', (r) => r.method() !== 'GET' && problems.push(`${r.method()} ${r.url()}`));
    context.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
    const ready = page.waitForEvent('console', {
      predicate: (m) => /^(READY|FAILED)/.test(m.text()),
      timeout: 120_000,
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/test-output/console/index.html`);
    await ready;
    return { messages, problems };
  } finally {
    await browser.close();
    server.close();
  }
}

test(
  'a good create() makes no HEAD and no failed request, and logs nothing on an isolated page',
  { skip },
  async () => {
    const { messages, problems } = await consoleOfCreate(true);
    assert.deepEqual(problems, []);
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0]!, /^log: READY [234]$/, 'threads on an isolated page');
  },
);

test(
  'a page without COOP/COEP: one warning naming the cause, the headers and where to read more',
  { skip },
  async () => {
    const { messages, problems } = await consoleOfCreate(false);
    assert.deepEqual(problems, []);
    assert.equal(messages.length, 2, messages.join('\n'));
    assert.match(
      messages[0]!,
      /^warning: \[jadfer\] this page is not cross-origin isolated, .*1 thread.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.*README \(node_modules\/jadfer\/README\.md\)$/,
    );
    assert.equal(messages[1], 'log: READY 1');
  },
);
