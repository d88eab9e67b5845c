/**
 * `node --import tsx bench/ab.ts --baseline <dir> [--rounds N] [--stream-seconds S]`: this build's
 * dist/ against another build of jadfer (a dist/ folder, e.g. main's), interleaved in one Chromium
 * page (bench/pages/ab.js), so that a loaded machine slows both alike: the ratios are the result.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { scriptArgs } from '../common/args.js';
import { startServer } from '../scripts/serve.mjs';
import { launchChromium } from '../test/browser-launch.js';

const { values } = scriptArgs({
  usage: 'usage: node --import tsx bench/ab.ts --baseline <dist dir> [--rounds N (20)] [--stream-seconds S (6)]',
  numbers: ['rounds', 'stream-seconds'],
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '20' },
    'stream-seconds': { type: 'string', default: '6' },
  },
});
const baseline = resolve(values.baseline ?? '');
if (!values.baseline || !existsSync(`${baseline}/jadfer.js`)) {
  console.error(`--baseline must be a built dist/ folder (with jadfer.js), got '${values.baseline ?? ''}'`);
  process.exit(2);
}
const shared = new URL('../../shared/', import.meta.url).pathname;
const server = await startServer({ port: 0, mounts: { '/shared/': shared, '/baseline/': `${baseline}/` } });
const browser = await launchChromium();
const before = loadavg()[0]!;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bench/pages/ab.html`);
  await page.waitForFunction(() => (window as any).abReady, undefined, { timeout: 60_000 });
  const result = await page.evaluate((o) => (window as any).runAb(o), {
    rounds: Number(values.rounds),
    streamSeconds: Number(values['stream-seconds']),
  });
  const ratio = (key: string) => (result.this[key] / result.baseline[key]).toFixed(2);
  const fps = (name: string) => result[name].streams.map((s: { fps: number }) => s.fps.toFixed(1)).join(', ');
  console.log(JSON.stringify({ date: new Date().toISOString(), load1m: [before, loadavg()[0]], result }));
  console.log(
    `this / baseline (medians, interleaved): 1 face ${ratio('one')}× (detection ${ratio('oneDetection')}×), ` +
      `5 faces ${ratio('five')}× (detection ${ratio('fiveDetection')}×); 5-face stream FPS ${fps('this')} against ${fps('baseline')}`,
  );
} finally {
  await browser.close();
  server.close();
}
