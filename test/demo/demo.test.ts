// The demo page and <jadfer-camera> in headless Chromium with a fake camera playing a fixture photo.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer, TEST_FOLDERS } from '../../scripts/serve.mjs';
import { launchChromium } from '../browser-launch.js';
import { ensureDist } from '../dist.js';
import { photoToY4m } from '../fixtures/y4m.js';

const photo = new URL('../../../shared/fixtures/photos/portrait-a-1.jpg', import.meta.url).pathname;
const groupPhoto = new URL('../../../shared/fixtures/photos/group-3.jpg', import.meta.url).pathname;
const out = 'test-output';
const missing = !existsSync(photo)
  ? '../shared/fixtures/photos is absent'
  : !existsSync('/usr/bin/chromium')
    ? 'no /usr/bin/chromium'
    : false;
if (missing) console.warn(`*** SKIPPING demo tests: ${missing} ***`);

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let origin = '';

before(async () => {
  if (missing) return;
  await ensureDist();
  mkdirSync(out, { recursive: true });
  const video = join(out, 'fake-camera.y4m');
  await photoToY4m(photo, video);
  server = await startServer({ port: 0, folders: [...TEST_FOLDERS, 'bench/pages'] });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('the demo shows the camera with a face box, the backend, FPS and expression bars', { skip: missing }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/demo/?autostart=camera&device=wasm`);
  await page.waitForFunction(
    () => document.querySelectorAll('#faces .face').length > 0 && document.getElementById('fps')!.textContent !== '—',
    undefined,
    { timeout: 90_000 },
  );
  await page.screenshot({ path: join(out, 'demo.png') });
  assert.equal(await page.textContent('#backend'), 'wasm');
  assert.match((await page.textContent('#model')) ?? '', /\S/);
  assert.ok(Number(await page.textContent('#fps')) > 0);
  assert.equal(await page.locator('#faces .face').count(), 1, 'the portrait has one face');
  assert.equal((await page.locator('#faces .face .bar').count()) > 0, true);
  assert.equal(await page.textContent('#a-active'), '1');
  // The running camera's button stops it: the stream ends and the camera is released.
  assert.equal(await page.textContent('#camera'), 'Stop camera');
  await page.click('#camera');
  await page.waitForFunction(() => document.getElementById('camera')!.textContent === 'Start camera');
  assert.equal(await page.evaluate(() => document.querySelector('video')!.srcObject), null);
  assert.equal(await page.textContent('#status'), 'ready');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the demo and <jadfer-camera> filming a group (faces ~55 px) find all 5 faces', { skip: missing }, async () => {
  const video = join(out, 'fake-camera-group.y4m');
  await photoToY4m(groupPhoto, video);
  const group = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  try {
    const page = await group.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${origin}/demo/?autostart=camera&device=wasm`);
    await page.waitForFunction(() => document.querySelectorAll('#faces .face').length >= 5, undefined, {
      timeout: 90_000,
    });
    await page.screenshot({ path: join(out, 'demo-group.png') });
    assert.equal(await page.locator('#faces .face').count(), 5);
    // The element with its defaults (the page's own element allows 3 faces; this one 5).
    await page.goto(`${origin}/test/pages/camera-element.html`);
    const faces = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const camera = document.createElement('jadfer-camera');
          camera.setAttribute('device', 'wasm');
          camera.setAttribute('max-faces', '5');
          // Faces appear once their tracks are confirmed, a few frames in.
          camera.addEventListener('result', (event) => {
            const found = (event as CustomEvent).detail.faces.length;
            if (found) resolve(found);
          });
          camera.addEventListener('error', (event) =>
            reject(new Error(String((event as unknown as CustomEvent).detail))),
          );
          document.body.append(camera);
        }),
    );
    assert.equal(faces, 5);
  } finally {
    await group.close();
  }
});

test(
  'at 1280×800: controls above the fold, an empty canvas that says what to do, captions numbered as the panel',
  { skip: missing },
  async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // What the overlay writes on the canvas: its captions.
    await context.addInitScript(() => {
      const written: string[] = ((window as unknown as { __captions: string[] }).__captions = []);
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
        written.push(text);
        return fillText.call(this, text, ...rest);
      };
    });
    const page = await context.newPage();
    await page.goto(`${origin}/demo/?device=wasm`);
    assert.match((await page.textContent('#hint')) ?? '', /Loading the models/);
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'ready', undefined, {
      timeout: 90_000,
    });
    for (const control of ['#camera', '#file']) {
      const box = (await page.locator(control).boundingBox())!;
      assert.ok(box.y + box.height <= 800, `${control} ends at ${box.y + box.height} px, below the fold`);
    }
    assert.match((await page.textContent('#hint')) ?? '', /Start camera.*open an image or a video/);
    await page.setInputFiles('#file', groupPhoto);
    await page.waitForFunction(() => document.querySelectorAll('#faces .face').length === 5, undefined, {
      timeout: 60_000,
    });
    assert.equal(await page.isHidden('#hint'), true);
    const panel = await page.locator('#faces .face h3').allTextContents();
    assert.deepEqual(
      panel.map((title) => title.split(' ')[0]),
      ['#1', '#2', '#3', '#4', '#5'],
    );
    const captions = await page.evaluate(() => (window as unknown as { __captions: string[] }).__captions);
    assert.deepEqual([...captions].sort(), [...panel].sort(), 'each caption on the picture heads a card of the panel');
    await page.screenshot({ path: join(out, 'demo-1280x800.png') });
    await context.close();
  },
);

test(
  "Chromium's fake camera (a clock, no face) through stream() and the analytics: no face, no visitor",
  { skip: missing },
  async () => {
    // The fake camera's own pattern: a green test card with a rotating disc and a clock.
    const empty = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
    try {
      const page = await empty.newPage();
      await page.goto(`${origin}/bench/pages/face-free-stream.html`);
      await page.waitForFunction(() => (window as any).faceFreeReady);
      const run = await page.evaluate(() => (window as any).runFaceFreeStream({ frames: 150, device: 'wasm' }));
      assert.equal(run.frames, 150);
      assert.deepEqual(
        { framesWithFaces: run.framesWithFaces, falseTracks: run.falseTracks, falseVisitors: run.falseVisitors },
        { framesWithFaces: 0, falseTracks: 0, falseVisitors: 0 },
        JSON.stringify(run.tracks),
      );
    } finally {
      await empty.close();
    }
  },
);

test('without a camera the demo says so and offers a file instead', { skip: missing }, async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  const page = await context.newPage();
  await page.goto(`${origin}/demo/?autostart=camera&device=wasm`);
  await page.waitForFunction(() => !document.getElementById('camera-note')!.hidden, undefined, { timeout: 90_000 });
  assert.match(
    (await page.textContent('#camera-note')) ?? '',
    /No camera available.*NotAllowedError.*image or a video file/s,
  );
  assert.equal(await page.isEnabled('#file'), true);
  await context.close();
});

test('<jadfer-camera> dispatches result events (no JS written by the integrator)', { skip: missing }, async () => {
  const page = await browser.newPage();
  await page.goto(`${origin}/test/pages/camera-element.html`);
  await page.waitForFunction(() => (window as any).__events.results.length >= 5, undefined, { timeout: 90_000 });
  const events = await page.evaluate(() => (window as any).__events);
  assert.equal(events.ready, 1);
  assert.deepEqual(events.errors, []);
  // The face is reported once its track is confirmed (confirmHits, 3 frames), then on every frame.
  const first = events.results.indexOf(1);
  assert.ok(first >= 0 && first <= 2, `faces per frame: ${events.results}`);
  assert.ok(
    events.results.every((n: number, i: number) => n === (i < first ? 0 : 1)),
    `faces per frame: ${events.results}`,
  );
  await page.screenshot({ path: join(out, 'camera-element.png') });
  await page.close();
});
