// The README's ESM example, unchanged, in fresh apps built with real bundlers from the packed
// package: Vite (dev server, and build + preview) and webpack 5. Each must find a face in Chromium
// with no configuration beyond the bundler's defaults.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium } from '../browser-launch.js';
import { appWithPackage, ROOT } from './packed.js';

const PHOTO = join(ROOT, '..', 'shared', 'fixtures', 'photos', 'portrait-a-1.jpg');
const skip =
  (!existsSync(PHOTO) && `${PHOTO} is absent: SKIPPING the bundler tests, which need a face`) ||
  (!existsSync('/usr/bin/chromium') && 'needs /usr/bin/chromium');
if (typeof skip === 'string' && skip.includes('SKIPPING')) console.warn(`*** ${skip} ***`);

/** The README's "ESM (web apps, bundlers)" example, as it is written there. */
function readmeEsmExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### ESM'));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block?.includes("from 'jadfer'"), 'the README has an ESM example importing jadfer');
  return block!;
}

/** An app whose main.js is that example, with the photo as its image and the result handed to the test. */
function exampleApp(name: string, extra: Record<string, string> = {}): string {
  const main = [
    '// The image the README example calls imageBitmapOrImageDataOrCanvas: a portrait.',
    "const imageBitmapOrImageDataOrCanvas = await createImageBitmap(await (await fetch('/portrait.jpg')).blob());",
    readmeEsmExample(),
    'window.__result = { faces, backend: fer.backend };',
  ].join('\n');
  const app = appWithPackage(name, { 'main.js': main, ...extra });
  mkdirSync(join(app, 'public'), { recursive: true });
  copyFileSync(PHOTO, join(app, 'public', 'portrait.jpg'));
  return app;
}

const INDEX_HTML = (script: string) =>
  `<!doctype html><html><body><script>addEventListener('error', (e) => (window.__error = String(e.message)));` +
  `addEventListener('unhandledrejection', (e) => (window.__error = String(e.reason?.code ?? '') + ' ' + String(e.reason?.message ?? e.reason)));</script>` +
  `${script}</body></html>`;

let browser: Browser;
before(async () => {
  if (!skip) browser = await launchChromium();
});
after(async () => browser?.close());

/** Opens the app and waits for the example to finish: a face back, or the error it threw. */
async function faceFrom(url: string): Promise<void> {
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && log.push(`HTTP ${r.status()} ${r.url()}`));
  try {
    await page.goto(url);
    const handle = await page.waitForFunction(
      () => {
        const w = window as { __result?: unknown; __error?: string };
        return w.__error ? { error: w.__error } : w.__result;
      },
      undefined,
      { timeout: 180_000 },
    );
    const outcome = (await handle.jsonValue()) as {
      error?: string;
      faces?: { expression: { label: string } }[];
      backend?: string;
    };
    assert.equal(outcome.error, undefined, `${outcome.error}\n${log.join('\n')}`);
    assert.equal(outcome.faces?.length, 1, `one face in the portrait\n${log.join('\n')}`);
    assert.equal(typeof outcome.faces![0]!.expression.label, 'string');
    assert.ok(
      log.some((line) => line.includes('E_BAD_INPUT')),
      'the example logs the E_BAD_INPUT it provokes',
    );
  } finally {
    await page.close();
  }
}

test('Vite dev server: the README example finds the face', { skip }, async () => {
  const { createServer } = await import('vite');
  const app = exampleApp('vite-dev', {
    'index.html': INDEX_HTML('<script type="module" src="/main.js"></script>'),
    // A wrong baseUrl: Vite answers every missing path with index.html (200, text/html).
    'wrong-base.html': INDEX_HTML('<script type="module" src="/wrong-base.js"></script>'),
    'wrong-base.js': [
      "import { create } from 'jadfer';",
      "create({ baseUrl: '/not-deployed' }).then(",
      "  () => (window.__result = { unexpected: 'create() succeeded' }),",
      '  (e) => (window.__result = { code: e.code, message: e.message, url: e.details?.url }),',
      ');',
    ].join('\n'),
  });
  const server = await createServer({
    root: app,
    configFile: false,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  await server.listen();
  try {
    const origin = server.resolvedUrls!.local[0]!;
    await faceFrom(origin);
    const page = await browser.newPage();
    try {
      await page.goto(new URL('/wrong-base.html', origin).href);
      const outcome = await (
        await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 })
      ).jsonValue();
      assert.deepEqual(
        { ...(outcome as object), message: undefined },
        { code: 'E_WORKER_CRASHED', url: new URL('/not-deployed/jadfer.worker.js', origin).href, message: undefined },
      );
      assert.match((outcome as { message: string }).message, /HTML page.*Fix: .*copy-assets/);
    } finally {
      await page.close();
    }
  } finally {
    await server.close();
  }
});

test('Vite build + preview: no warning about unresolved URLs, and the example finds the face', { skip }, async () => {
  const { build, preview, createLogger } = await import('vite');
  const app = exampleApp('vite-build', { 'index.html': INDEX_HTML('<script type="module" src="/main.js"></script>') });
  const warnings: string[] = [];
  const logger = createLogger('warn');
  logger.warn = (message) => void warnings.push(message);
  logger.warnOnce = logger.warn;
  await build({ root: app, configFile: false, customLogger: logger, logLevel: 'warn' });
  assert.deepEqual(
    warnings.filter((w) => /import\.meta\.url|doesn't exist at build time/.test(w)),
    [],
    'Vite resolved every asset URL at build time',
  );
  const server = await preview({
    root: app,
    configFile: false,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0 },
  });
  try {
    await faceFrom(server.resolvedUrls!.local[0]!);
  } finally {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
});

test('webpack 5 production build: the example finds the face', { skip }, async () => {
  const { default: webpack } = await import('webpack');
  const app = exampleApp('webpack');
  const out = join(app, 'public');
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) =>
    webpack({ context: app, entry: './main.js', mode: 'production', output: { path: out } }, (error, result) =>
      error || !result ? reject(error) : resolve(result),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  writeFileSync(join(out, 'index.html'), INDEX_HTML('<script src="/main.js"></script>'));
  const server = await startServer({ root: out, folders: ['.'], port: 0, csp: '' });
  try {
    await faceFrom(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
  } finally {
    server.close();
  }
});
