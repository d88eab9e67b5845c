// Fleet analytics in Chromium: a kiosk page publishes its windows to nats-server over WebSocket
// (under the strict CSP plus a connect-src for the server) and they appear in the roll-up; then the
// `jadfer fleet serve` dashboard shows the fleet under its strict CSP, and a screenshot is kept.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import type { NatsConnection } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import type { Browser } from 'playwright-core';
import { serveDashboard, DASHBOARD_CSP } from '../../../cli/fleet/dashboard.js';
import { connectFleet, openBucket, runRollup, setupFleet } from '../../../cli/fleet/nats.js';
import { hourOf, keys, type KioskHour } from '../../../cli/fleet/rollup.js';
import { readFleet } from '../../../cli/fleet/view.js';
import { launchChromium } from '../../browser-launch.js';
import { CHROMIUM_PATH } from '../../engines.mjs';
import { SimKiosk, WINDOW_MS } from './kiosks.js';
import { ensureDist } from '../../dist.js';
import { freePort, natsServerMissing, startNatsServer, type NatsServer } from './nats-server.js';

const out = 'test-output';
await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const skip = natsServerMissing || (!existsSync(CHROMIUM_PATH) && `no ${CHROMIUM_PATH}`);
if (skip) console.warn(`*** SKIPPING fleet browser tests: ${skip} ***`);

let server: NatsServer;
let nc: NatsConnection;
let bucket: KV;
let browser: Browser;
const stop = new AbortController();
let rollup: Promise<unknown>;

before(async () => {
  if (skip) return;
  mkdirSync(out, { recursive: true });
  server = await startNatsServer();
  nc = await connectFleet(server.url);
  await setupFleet(nc);
  bucket = await openBucket(nc);
  rollup = runRollup(nc, { signal: stop.signal });
  browser = await launchChromium();
});
after(async () => {
  stop.abort();
  await rollup;
  await browser?.close();
  await nc?.close();
  await server?.stop();
});

async function until<T>(what: string, limitMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  for (const end = Date.now() + limitMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const value = await check();
    if (value) return value;
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The kiosk page and its bundle, served with the strict CSP plus a connect-src for the NATS WebSocket. */
async function serveKioskPage(...wsUrls: string[]): Promise<{ server: Server; origin: string }> {
  await build({
    entryPoints: ['test/pages/fleet-kiosk.js'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(out, 'fleet-kiosk.bundle.js'),
    logLevel: 'error',
  });
  const csp = `${DASHBOARD_CSP}; connect-src 'self' ${wsUrls.join(' ')}`;
  const files: Record<string, [string, string]> = {
    '/fleet-kiosk.html': ['test/pages/fleet-kiosk.html', 'text/html'],
    '/fleet-kiosk.bundle.js': [join(out, 'fleet-kiosk.bundle.js'), 'text/javascript'],
  };
  const page = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1], 'content-security-policy': csp });
    res.end(readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  return { server: page, origin: `http://127.0.0.1:${(page.address() as AddressInfo).port}` };
}

test(
  'a kiosk page publishes over WebSocket under the strict CSP, and its windows appear in the roll-up',
  { skip },
  async () => {
    const { server: pageServer, origin } = await serveKioskPage(server.wsUrl);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.goto(`${origin}/fleet-kiosk.html?ws=${encodeURIComponent(server.wsUrl)}&site=web&kiosk=browser`);
      await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 });
      const result = (await page.evaluate(() => (window as { __result?: unknown }).__result)) as {
        error?: string;
        stats: { sent: number; buffered: number; events: number };
        connected: boolean;
      };
      assert.equal(result.error, undefined, result.error);
      assert.deepEqual(await page.evaluate(() => (window as { __violations?: string[] }).__violations), []);
      assert.deepEqual(pageErrors, []);
      assert.ok(result.connected);
      assert.equal(result.stats.buffered, 0, JSON.stringify(result.stats));
      // How many one-second windows the visits span depends on the timers (a loaded machine stretches them): at least one.
      assert.ok(result.stats.sent >= 1, `windows acknowledged: ${JSON.stringify(result.stats)}`);

      // The roll-up holds the page's two visits, both happy, across however many windows it sent.
      const rolled = await until('the browser kiosk in the roll-up', 30_000, async () => {
        const now = Date.now();
        const entries: KioskHour[] = [];
        for (const hour of [hourOf(now) - 3_600_000, hourOf(now)]) {
          const entry = await bucket.get(keys.kioskHour('web', 'browser', hour));
          if (entry) entries.push(entry.json<KioskHour>());
        }
        const visitors = entries.reduce((sum, e) => sum + e.totals.visitors, 0);
        const windows = entries.reduce((sum, e) => sum + e.totals.windows, 0);
        return (
          windows >= result.stats.sent && { visitors, windows, expressions: entries.map((e) => e.totals.expressions) }
        );
      });
      assert.equal(rolled.visitors, 2);
      assert.ok(rolled.windows >= result.stats.sent, 'every window acknowledged is rolled up (dispose sent one more)');
      assert.deepEqual(
        rolled.expressions.reduce((sum, e) => sum + (e.happiness ?? 0), 0),
        2,
      );
    } finally {
      await page.close();
      pageServer.close();
    }
  },
);

test(
  'windows a kiosk page could not send survive a reload in IndexedDB and are sent by the next page',
  { skip },
  async () => {
    const unreachable = `ws://127.0.0.1:${await freePort()}`;
    const { server: pageServer, origin } = await serveKioskPage(server.wsUrl, unreachable);
    const page = await browser.newPage();
    const result = async () => {
      await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 });
      return (await page.evaluate(() => (window as { __result?: unknown }).__result)) as {
        error?: string;
        found?: number;
        stats: { sent: number; buffered: number };
      };
    };
    try {
      // The server is unreachable: the page's windows stay in IndexedDB when it goes away.
      await page.goto(`${origin}/fleet-kiosk.html?ws=${encodeURIComponent(unreachable)}&site=web&kiosk=reload`);
      const offline = await result();
      assert.equal(offline.error, undefined, offline.error);
      assert.equal(offline.stats.sent, 0);
      // How many one-second windows the two visits span depends on the timers (a loaded machine gave 2, a quiet one 3–4).
      assert.ok(offline.stats.buffered >= 1, JSON.stringify(offline.stats));
      // The next page load (same origin, same kiosk) finds them and sends them.
      await page.goto(
        `${origin}/fleet-kiosk.html?ws=${encodeURIComponent(server.wsUrl)}&site=web&kiosk=reload&mode=drain`,
      );
      const online = await result();
      assert.equal(online.error, undefined, online.error);
      assert.ok(online.found! >= offline.stats.buffered, `found ${online.found} after the reload`);
      assert.equal(online.stats.buffered, 0);
      assert.equal(online.stats.sent, online.found);
      const visitors = await until('the reloaded kiosk in the roll-up', 30_000, async () => {
        let sum = 0;
        for (const hour of [hourOf(Date.now()) - 3_600_000, hourOf(Date.now())]) {
          const entry = await bucket.get(keys.kioskHour('web', 'reload', hour));
          if (entry) sum += entry.json<KioskHour>().totals.visitors;
        }
        return sum === 2 && sum;
      });
      assert.equal(visitors, 2, "the first page's two visits");
    } finally {
      await page.close();
      pageServer.close();
    }
  },
);

test(
  'the fleet dashboard shows totals, series per site, shares and silent kiosks under the strict CSP',
  { skip },
  async () => {
    // A small fleet: 3 sites × 3 kiosks reporting for the last 5 hours, one of them silent for 2.
    const start = hourOf(Date.now()) - 4 * 3_600_000;
    const upTo = Math.floor((Date.now() - start) / WINDOW_MS);
    const kiosks = Array.from({ length: 9 }, (_, index) => ({
      sim: new SimKiosk({
        index,
        site: ['paris', 'lyon', 'lille'][index % 3]!,
        start,
        servers: server.url,
        storage: 'memory',
      }),
      windows: index === 4 ? upTo - 120 : upTo,
    }));
    for (const { sim, windows } of kiosks) {
      for (let w = 0; w < windows; w++) sim.playWindow(w);
      sim.finish(windows);
    }
    await until('the fleet to be acknowledged', 60_000, async () =>
      (await Promise.all(kiosks.map((k) => k.sim.sink.stats()))).every((s) => s.buffered === 0),
    );
    const expectedWindows = kiosks.reduce((sum, k) => sum + k.windows, 0);
    const fleet = await until('the fleet to be rolled up', 60_000, async () => {
      const view = await readFleet(bucket, { hours: 6 });
      const simulated = view.sites.filter((s) => s.site !== 'web').reduce((sum, s) => sum + s.totals.windows, 0);
      return simulated === expectedWindows && view;
    });
    await Promise.all(kiosks.map((k) => k.sim.analytics.dispose()));

    const dashboard = await serveDashboard(bucket, { port: 0, view: { hours: 6 } });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const violations: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => /Content Security Policy/.test(m.text()) && violations.push(m.text()));
    page.on('request', (r) => requests.push(r.url()));
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
      await page.screenshot({ path: join(out, 'fleet-dashboard.png'), fullPage: true });
      assert.deepEqual(violations, []);
      assert.ok(
        requests.every((url) => url.startsWith(dashboard.url)),
        `only its own origin: ${requests.join(' ')}`,
      );
      assert.equal(await page.textContent('#visitors'), fleet.totals.visitors.toLocaleString('en-US'));
      assert.equal(await page.textContent('#kiosks'), String(fleet.kiosks.length));
      assert.deepEqual(
        await page.locator('#silent tr td:nth-child(2)').allTextContents(),
        fleet.kiosks.filter((k) => k.silent).map((k) => k.kiosk),
      );
      assert.ok(
        fleet.kiosks.some((k) => k.kiosk === 'k4' && k.silent),
        'the kiosk that stopped is silent',
      );
      // Chart.js drew into its three canvases (something other than the background).
      const painted = await page.evaluate(() =>
        [...document.querySelectorAll('canvas')].map((canvas) => {
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          return data.some((v, i) => i % 4 === 3 && v > 0);
        }),
      );
      assert.deepEqual(painted, [true, true, true]);
      // Hardening: other methods are refused, a foreign Host header too.
      assert.equal((await fetch(dashboard.url, { method: 'POST' })).status, 405);
      const response = await fetch(`${dashboard.url}api/fleet`);
      assert.equal(response.headers.get('content-security-policy'), DASHBOARD_CSP);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    } finally {
      await page.close();
      await dashboard.close();
    }
  },
);
