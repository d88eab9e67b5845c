// A page built only from dist/, under a strict CSP and cross-origin isolation, runs the SDK
// and makes no request outside its origin.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium } from '../browser-launch.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

const ready = existsSync('dist/jadfer.iife.js') && existsSync('/usr/bin/chromium');
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;

before(async () => {
  if (!ready) return;
  writeContractModel('test-output/models');
  server = await startServer({ port: 0 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
});

test(
  'strict CSP page: analyze + stream work, zero foreign requests, no violations',
  { skip: !ready && 'needs dist/ and /usr/bin/chromium' },
  async () => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const context = await browser.newContext();
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    await page.goto(`${origin}/test/pages/csp-analyze.html`);
    await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as { __result?: Record<string, unknown> }).__result!);
    const violations = await page.evaluate(() => (window as { __violations?: string[] }).__violations);
    await context.close();

    assert.equal(result.error, undefined, String(result.error));
    assert.equal(result.label, 'contempt');
    assert.deepEqual(
      result.streamed?.constructor === Array ? new Set(result.streamed as string[]) : null,
      new Set(['neutral']),
    );
    assert.equal(result.isolated, true, 'COOP/COEP make the page cross-origin isolated');
    assert.ok((result.threads as number) >= 1);
    assert.deepEqual(violations, []);
    const foreign = requests.filter(
      (url) => !url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:'),
    );
    record({ requests: requests.length, foreignRequests: foreign.length });
    assert.deepEqual(foreign, [], 'requests outside the page origin');
    assert.ok(
      requests.some((url) => new URL(url).pathname.endsWith('.wasm')),
      'the wasm came from our own origin',
    );
    assert.deepEqual(consoleErrors, []);
  },
);

test(
  'strict CSP page: the WebGPU backend runs too (ORT’s unused embind invoker never needs eval)',
  { skip: !ready && 'needs dist/ and /usr/bin/chromium' },
  async () => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await browser.newPage();
    await page.goto(`${origin}/test/pages/csp-analyze.html`);
    await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 });
    const result = await page.evaluate(async () => {
      const J = (window as any).JADFER;
      const fer = await J.create({
        device: 'webgpu',
        detector: 'none',
        modelUrl: '/test-output/models/contract-test.json',
      });
      const faces = await fer.analyze({ data: new Uint8Array(48 * 48).fill(255), width: 48, height: 48 });
      await fer.dispose();
      return { backend: fer.backend, label: faces[0].expression.label, violations: (window as any).__violations };
    });
    await page.close();
    assert.deepEqual(result, { backend: 'webgpu', label: 'contempt', violations: [] });
  },
);
