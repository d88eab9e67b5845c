// Every install route of the README's "First result", run as written from `npm pack` in a fresh app:
// the <script> kiosk page after copy-assets (Chromium with a fake camera playing a portrait), Node,
// Deno with exactly the permissions the README lists, and the CLI. The ESM route under Vite and
// webpack is bundlers.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../scripts/serve.mjs';
import { appWithPackage, appWithSharp, chromiumWithCamera, DENO, denoEnv, output, ROOT, sh } from './packed.js';
import { commandOf, readmeBlock } from './readme.js';

const PHOTO = join(ROOT, '..', 'shared', 'fixtures', 'photos', 'portrait-a-1.jpg');
const skip = !existsSync(PHOTO) && `${PHOTO} is absent: SKIPPING the README route tests, which need a face`;
if (typeof skip === 'string' && skip.includes('SKIPPING')) console.warn(`*** ${skip} ***`);

const LABEL = /\b(neutral|happiness|surprise|sadness|anger|disgust|fear|contempt)\b/;

test(
  '<script> page: copy-assets, then the README kiosk page opens the camera and logs the face',
  { skip },
  async () => {
    const html = readmeBlock('<!-- public/index.html -->');
    const kiosk = readmeBlock('// public/kiosk.js');
    const copy = readmeBlock('npx jadfer copy-assets public/jadfer');
    const app = appWithPackage('script', { 'public/index.html': html.code, 'public/kiosk.js': kiosk.code });
    const copied = sh(copy.code.split('#')[0]!.trim(), app);
    assert.equal(copied.status, 0, output(copied));
    const server = await startServer({ root: join(app, 'public'), port: 0, folders: ['.'] });
    const browser = await chromiumWithCamera(PHOTO);
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      const problems: string[] = [];
      // A failed request is checked by its URL below (the browser's own /favicon.ico is not the README's).
      page.on('console', (m) => {
        if (m.type() !== 'error') logs.push(m.text());
        else if (!m.text().startsWith('Failed to load resource')) problems.push(m.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
      });
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
      const deadline = Date.now() + 120_000;
      while (!logs.some((line) => LABEL.test(line)) && !problems.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 250));
      assert.deepEqual(problems, [], 'no 404, no error');
      const line = logs.find((l) => LABEL.test(l));
      assert.ok(line, `the page logs a face's label (console: ${logs.join(' | ')})`);
      assert.match(line, /^\d+ \w+ /, 'trackId, label, scores');
    } finally {
      await browser.close();
      server.close();
    }
  },
);

test('Node: the README script prints the face', { skip }, () => {
  const main = readmeBlock('// main.mjs');
  const app = appWithSharp('node', { 'main.mjs': main.code }, PHOTO);
  const run = sh(commandOf(main), app);
  assert.equal(run.status, 0, output(run));
  assert.match(run.stdout, LABEL, output(run));
});

test('Deno: the README script runs with the permissions it lists, and each of them is needed', { skip }, () => {
  const main = readmeBlock('// main.ts');
  const command = commandOf(main);
  assert.match(command, /^deno run (--allow-\w+ )+main\.ts$/, 'a plain deno run with its permissions');
  const app = appWithSharp('deno', { 'main.ts': main.code }, PHOTO);
  const env = denoEnv();
  const deno = (line: string) => sh(line.replace(/^deno /, `${DENO} `), app, env);
  const run = deno(command);
  assert.equal(run.status, 0, output(run));
  assert.match(run.stdout, LABEL, output(run));
  // Deno denies what was not granted (no prompt without a terminal): none of the listed flags is spare.
  for (const flag of command.match(/--allow-\w+/g)!) {
    const without = deno(command.replace(`${flag} `, ''));
    assert.notEqual(without.status, 0, `${flag} is needed\n${output(without)}`);
    assert.match(without.stderr, /NotCapable|Requires \w+ access/, `${flag}: fails for want of it\n${output(without)}`);
  }
});

test('CLI: npx jadfer analyze prints the face', { skip }, () => {
  const cli = readmeBlock('npm install sharp\nnpx jadfer analyze photo.jpg');
  const app = appWithSharp('cli', {}, PHOTO);
  const line = cli.code.split('\n')[1]!.split('#')[0]!.trim();
  const run = sh(line, app);
  assert.equal(run.status, 0, output(run));
  assert.match(run.stdout, LABEL, output(run));
});
