// Soak: SOAK_FRAMES (default 10,000) frames from a source faster than inference through one
// instance; memory of the page, the engine worker and their wasm (measureUserAgentSpecificMemory,
// which needs cross-origin isolation) must grow < 5 % after warm-up, and at most a few frames may
// be alive at once. Then CYCLES (default 50) create/dispose cycles must not grow memory either.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium } from '../browser-launch.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

const FRAMES = Number(process.env.SOAK_FRAMES ?? 10_000);
const CYCLES = Number(process.env.SOAK_CYCLES ?? 50);
const shared = new URL('../../../shared/', import.meta.url).pathname;
const ready = existsSync('dist/jadfer.iife.js') && existsSync('/usr/bin/chromium');
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let origin = '';

before(async () => {
  if (!ready) return;
  writeContractModel('test-output/models');
  server = await startServer({ port: 0, mounts: existsSync(shared) ? { '/shared/': shared } : {} });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Measure memory as soon as asked, not at the next natural GC.
  browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory']);
});
after(async () => {
  await browser?.close();
  server?.close();
});

test(
  `soak: ${FRAMES} frames through one instance, memory flat, frames never pile up`,
  { skip: !ready && 'needs dist/ and Chromium', timeout: 15 * 60_000 },
  async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/test/pages/soak.html?frames=${FRAMES}`);
    await page.waitForFunction(() => (window as any).__soak, undefined, { timeout: 14 * 60_000, polling: 1000 });
    const soak = await page.evaluate(() => (window as any).__soak);
    await page.close();
    console.log(`soak: ${JSON.stringify(soak)}`);
    assert.equal(soak.error, undefined, soak.error);
    record({ soaked: soak.produced });
    assert.equal(soak.produced, FRAMES);
    assert.ok(soak.results > 0 && soak.results + soak.dropped <= FRAMES);
    assert.ok(soak.maxLive <= 3, `at most 3 frames alive at once, saw ${soak.maxLive}`);
    assert.ok(soak.growth < 0.05, `memory grew ${(100 * soak.growth).toFixed(1)} % after warm-up`);
  },
);

test(
  `${CYCLES} create/dispose cycles do not grow memory`,
  { skip: !ready && 'needs dist/ and Chromium', timeout: 15 * 60_000 },
  async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/test/pages/csp-analyze.html`);
    await page.waitForFunction(() => (window as any).__result, undefined, { timeout: 60_000 });
    // No named helper functions inside evaluate: the TS loader would wrap them in a helper the page lacks.
    const result = await page.evaluate(async (cycles) => {
      const J = (window as any).JADFER;
      let baseline = 0;
      for (let i = 0; i < cycles; i++) {
        if (i === 10) baseline = (await (performance as any).measureUserAgentSpecificMemory()).bytes;
        const fer = await J.create({
          device: 'wasm',
          detector: 'none',
          modelUrl: '/test-output/models/contract-test.json',
        });
        await fer.analyze({ data: new Uint8Array(48 * 48).fill(90), width: 48, height: 48 });
        await fer.dispose();
      }
      const end = (await (performance as any).measureUserAgentSpecificMemory()).bytes;
      return { baseline, end, growth: (end - baseline) / baseline };
    }, CYCLES);
    await page.close();
    console.log(`create/dispose: ${JSON.stringify(result)}`);
    assert.ok(result.growth < 0.05, `memory grew ${(100 * result.growth).toFixed(1)} % over ${CYCLES} cycles`);
  },
);
