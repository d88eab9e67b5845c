// A page built only from dist/, under a strict CSP and cross-origin isolation, runs the SDK
// and makes no request outside its origin: in Chromium, Firefox and WebKit.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { STRICT_CSP, startServer, TEST_FOLDERS } from '../../scripts/serve.mjs';
import { enginesToTest, launchEngine, type EngineBrowser } from '../browser-launch.js';
import { ensureDist } from '../dist.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
let server: Awaited<ReturnType<typeof startServer>>;
let origin = '';
/** The Host of every request the server got: the worker's foreign attempts go to `localhost`. */
const hosts: string[] = [];

before(async () => {
  writeContractModel('test-output/models');
  server = await startServer({ port: 0, folders: TEST_FOLDERS });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('request', (request: IncomingMessage) => hosts.push(request.headers.host ?? ''));
});
after(() => server?.close());

for (const { engine, missing } of enginesToTest()) {
  describe(`strict CSP page in ${engine}`, { skip: missing }, () => {
    let browser: EngineBrowser;
    before(async () => {
      browser = await launchEngine(engine);
    });
    after(() => browser?.close());

    test('analyze + stream work, zero foreign requests, no violations', async () => {
      const page = await browser.newPage();
      await page.goto(`${origin}/test/pages/csp-analyze.html`);
      await page.waitFor(() => (window as { __result?: unknown }).__result, 60_000);
      const { result, violations } = await page.evaluate(() => ({
        result: (window as { __result?: Record<string, unknown> }).__result!,
        violations: (window as { __violations?: string[] }).__violations,
      }));
      const requests = [...page.requests];
      const consoleErrors = page.consoleErrors && [...page.consoleErrors];
      await page.close();

      assert.equal(result.error, undefined, String(result.error));
      assert.equal(result.label, 'contempt');
      assert.deepEqual(new Set(result.streamed as string[]), new Set(['neutral']));
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
        `the wasm came from our own origin (saw ${requests.length} requests)`,
      );
      if (consoleErrors) assert.deepEqual(consoleErrors, []);
    });

    test('the worker runs under the same policy: ORT runs there; eval, new Function and other origins are refused', async () => {
      // The engine's own worker script is served with the policy (a worker takes it from its script's answer).
      for (const script of ['/dist/jadfer.worker.js', '/dist/jadfer.engine.js'])
        assert.equal((await fetch(`${origin}${script}`)).headers.get('content-security-policy'), STRICT_CSP, script);
      const page = await browser.newPage();
      await page.goto(`${origin}/test/pages/csp-analyze.html`);
      await page.waitFor(() => (window as { __result?: unknown }).__result, 60_000);
      // Another origin on the same server: reachable, so only the policy can stop a request to it.
      const foreign = origin.replace('127.0.0.1', 'localhost');
      const before = hosts.length;
      const probe = await page.evaluate(
        (foreign) =>
          new Promise<Record<string, unknown>>((resolve) => {
            const worker = new Worker('/test/pages/csp-worker-probe.js', { type: 'module' });
            worker.onmessage = ({ data }) => {
              worker.terminate();
              resolve(data);
            };
            worker.onerror = (event) => resolve({ error: `worker error: ${event.message}` });
            worker.postMessage({ foreign });
          }),
        foreign,
      );
      await page.close();
      const { violations, ...outcome } = probe;
      record({ hostile: 4 });
      assert.deepEqual(outcome, {
        label: 'contempt',
        eval: 'refused (EvalError)',
        newFunction: 'refused (EvalError)',
        foreignFetch: 'refused (TypeError)',
        foreignImport: outcome.foreignImport,
      });
      assert.match(String(outcome.foreignImport), /^refused/);
      const leaked = hosts.slice(before).filter((host) => host.startsWith('localhost'));
      assert.deepEqual(leaked, [], 'no request from the worker reached the other origin');
      console.log(`${engine}: worker CSP violations reported: ${JSON.stringify(violations)}`);
    });

    test("device 'webgpu' under the strict CSP: runs where there is an adapter (ORT's embind invoker never needs eval), else E_BACKEND_UNAVAILABLE", async () => {
      const page = await browser.newPage();
      await page.goto(`${origin}/test/pages/csp-analyze.html`);
      await page.waitFor(() => (window as { __result?: unknown }).__result, 60_000);
      // No named helper functions inside evaluate: the TS loader would wrap them in a helper the page lacks.
      const result = await page.evaluate(async () => {
        const J = (window as any).JADFER;
        const gpu = (navigator as any).gpu;
        const adapter = gpu ? await gpu.requestAdapter() : null;
        try {
          const fer = await J.create({
            device: 'webgpu',
            detector: 'none',
            modelUrl: '/test-output/models/contract-test.json',
          });
          const faces = await fer.analyze({ data: new Uint8Array(48 * 48).fill(255), width: 48, height: 48 });
          await fer.dispose();
          const outcome = { backend: fer.backend, label: faces[0].expression.label };
          return { adapter: !!adapter, outcome, violations: (window as any).__violations };
        } catch (error: any) {
          return { adapter: !!adapter, outcome: { code: error.code }, violations: (window as any).__violations };
        }
      });
      await page.close();
      assert.deepEqual(result, {
        adapter: result.adapter,
        outcome: result.adapter ? { backend: 'webgpu', label: 'contempt' } : { code: 'E_BACKEND_UNAVAILABLE' },
        violations: [],
      });
      console.log(
        `${engine}: ${result.adapter ? 'WebGPU adapter: ran on WebGPU' : 'no WebGPU adapter: documented error'}`,
      );
    });
  });
}
