// Each folder of examples/ runs as its README says, in a fresh app with the package from `npm pack`:
// the kiosk page (its server, Chromium's fake camera filming a portrait), the Vite app (typechecked,
// built, a photo picked in Chromium), the Node batch script and the Deno script (on fixture photos).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser-launch.js';
import { appWithPackage, appWithSharp, chromiumWithCamera, DENO, denoEnv, output, ROOT, sh } from './packed.js';

const PHOTOS = join(ROOT, '..', 'shared', 'fixtures', 'photos');
const PORTRAIT = join(PHOTOS, 'portrait-a-1.jpg');
const GROUP = join(PHOTOS, 'group-3.jpg');
const skip = !existsSync(PORTRAIT) && `${PHOTOS} is absent: SKIPPING the examples, which need faces`;
if (typeof skip === 'string' && skip.includes('SKIPPING')) console.warn(`*** ${skip} ***`);

/** An example's files (not what running it leaves behind), by path inside the example. */
function exampleFiles(name: string): Record<string, string> {
  const dir = join(ROOT, 'examples', name);
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .filter((path) => !/\/(node_modules|dist|public\/jadfer)\//.test(path))
      .map((path) => [relative(dir, path), readFileSync(path, 'utf8')]),
  );
}

/** Photos copied into the app's photos/ folder. */
function withPhotos(app: string, ...photos: string[]): void {
  mkdirSync(join(app, 'photos'), { recursive: true });
  for (const photo of photos) copyFileSync(photo, join(app, 'photos', photo.split('/').pop()!));
}

test('examples/kiosk: its server and page show the camera and name the face', { skip }, async () => {
  const app = appWithPackage('example-kiosk', exampleFiles('kiosk'));
  // `npm start` is `jadfer copy-assets public/jadfer && node server.mjs`: the copy, then the server in-process.
  const copied = sh('npx jadfer copy-assets public/jadfer', app);
  assert.equal(copied.status, 0, output(copied));
  const { serve } = (await import(pathToFileURL(join(app, 'server.mjs')).href)) as {
    serve: (port: number) => Promise<Server>;
  };
  const server = await serve(0);
  const browser = await chromiumWithCamera(PORTRAIT);
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => /^Faces: #\d+ \w+$/.test(document.getElementById('status')!.textContent!), null, {
      timeout: 120_000,
    });
    await page.screenshot({ path: join(ROOT, 'test-output', 'example-kiosk.png') });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.close();
  }
});

describe('examples/vite-app', () => {
  let browser: Browser;
  before(async () => {
    if (!skip) browser = await launchChromium();
  });
  after(async () => browser?.close());

  test('typechecks strictly, builds, and names the face in a picked photo', { skip }, async () => {
    // Its devDependencies, vite and typescript, are this repository's: the tests install offline.
    const files = exampleFiles('vite-app');
    const { devDependencies, ...manifest } = JSON.parse(files['package.json']!);
    assert.deepEqual(Object.keys(devDependencies), ['typescript', 'vite']);
    const app = appWithPackage('example-vite', { ...files, 'package.json': JSON.stringify(manifest) });
    // Its `npm run build`: tsc --noEmit, then vite build (both from this repository's node_modules).
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], {
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
    const { build, preview } = await import('vite');
    await build({ root: app, logLevel: 'warn' });
    const server = await preview({ root: app, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(server.resolvedUrls!.local[0]!);
      await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Ready'), null, {
        timeout: 120_000,
      });
      await page.setInputFiles('input[type=file]', PORTRAIT);
      await page.waitForFunction(() => document.getElementById('status')!.textContent === '1 face(s)', null, {
        timeout: 60_000,
      });
      assert.match((await page.textContent('#faces li')) ?? '', /^\w+ \d+ %$/);
      assert.deepEqual(problems, []);
    } finally {
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
  });
});

test('examples/node-batch: one JSON line per face for a folder of photos', { skip }, () => {
  const app = appWithSharp('example-node', exampleFiles('node-batch'));
  withPhotos(app, PORTRAIT, GROUP);
  const run = sh('node batch.mjs photos', app);
  assert.equal(run.status, 0, output(run));
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const count = (image: string) => lines.filter((line) => line.image === image && line.label).length;
  assert.equal(count('portrait-a-1.jpg'), 1, run.stdout);
  assert.equal(count('group-3.jpg'), 5, run.stdout);
  const usage = sh('node batch.mjs', app);
  assert.equal(usage.status, 2, 'no folder: usage, exit 2');
});

test('examples/deno: checks strictly and names the face, with the permissions it lists', { skip }, () => {
  const app = appWithSharp('example-deno', exampleFiles('deno'));
  withPhotos(app, PORTRAIT);
  const env = denoEnv();
  const check = sh(`${DENO} check main.ts`, app, env);
  assert.equal(check.status, 0, output(check));
  const run = sh(`${DENO} run --allow-read --allow-ffi --allow-env main.ts photos/portrait-a-1.jpg`, app, env);
  assert.equal(run.status, 0, output(run));
  assert.match(run.stdout, /^photos\/portrait-a-1\.jpg: \w+$/m);
});
