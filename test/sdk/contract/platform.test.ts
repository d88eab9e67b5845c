// The platform probes (src/contract/platform.ts) on simulated engines, and what the SDK does without
// WebAssembly SIMD. The real engines are covered in test/browser/platform.test.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moduleWorkersSupported, wasmSimdSupported, wasmThreadLimit } from '../../../src/contract/platform.js';
import { ensureDist } from '../../dist.js';
import { writeContractModel } from '../../fixtures/contract-model.js';

/** Sets globals for one call, then puts back exactly what was there. */
function withGlobals<T>(values: Record<string, unknown>, run: () => T): T {
  const saved = Object.keys(values).map((key) => [key, Object.getOwnPropertyDescriptor(globalThis, key)] as const);
  for (const [key, value] of Object.entries(values))
    Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  try {
    return run();
  } finally {
    for (const [key, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, key, descriptor);
      else delete (globalThis as Record<string, unknown>)[key];
    }
  }
}

class ModuleWorker {
  constructor(url: string, options: { type?: string }) {
    void options.type;
    new URL(url);
  }
  terminate() {}
}
class ClassicOnlyWorker {
  constructor(url: string) {
    new URL(url);
  }
  terminate() {}
}

test('module workers: detected by whether the constructor reads options.type', () => {
  assert.equal(typeof (globalThis as { Worker?: unknown }).Worker, 'undefined');
  assert.equal(moduleWorkersSupported(), false, 'no Worker at all (Node)');
  assert.equal(withGlobals({ Worker: ModuleWorker }, moduleWorkersSupported), true);
  assert.equal(withGlobals({ Worker: ClassicOnlyWorker }, moduleWorkersSupported), false);
});

test('threads: up to 4 only with SharedArrayBuffer, cross-origin isolation and module workers', () => {
  const browser = { crossOriginIsolated: true, navigator: { hardwareConcurrency: 8 }, Worker: ModuleWorker };
  assert.deepEqual(withGlobals(browser, wasmThreadLimit), { threads: 4 });
  assert.deepEqual(withGlobals({ ...browser, navigator: { hardwareConcurrency: 2 } }, wasmThreadLimit), {
    threads: 2,
  });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...browser, SharedArrayBuffer: undefined }, /no SharedArrayBuffer/], // WebKitGTK, even when isolated
    [{ ...browser, crossOriginIsolated: false }, /not cross-origin isolated/],
    // Chromium and Firefox without COOP/COEP: no SharedArrayBuffer either, and the headers are the cause.
    [
      { ...browser, crossOriginIsolated: false, SharedArrayBuffer: undefined },
      /not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp.*README \(node_modules\/jadfer\/README\.md\)$/,
    ],
    [{ ...browser, Worker: ClassicOnlyWorker }, /no module workers/],
  ];
  for (const [globals, reason] of cases) {
    const limit = withGlobals(globals, wasmThreadLimit);
    assert.equal(limit.threads, 1);
    assert.match(limit.reason ?? '', reason);
  }
});

test('WebAssembly SIMD is detected here', () => {
  assert.equal(wasmSimdSupported(), true);
});

const dist = new URL('../../../dist/jadfer.js', import.meta.url);
const models = new URL('../../../test-output/models/', import.meta.url);
test('an engine without WebAssembly SIMD: create() fails with E_BACKEND_UNAVAILABLE saying so, not "corrupted"', async (t) => {
  await ensureDist();
  writeContractModel(models.pathname);
  const { create } = await import(dist.href);
  // Such an engine validates no module that uses SIMD: neither the probe nor ORT's binary.
  t.mock.method(WebAssembly, 'validate', () => false);
  assert.equal(wasmSimdSupported(), false);
  await assert.rejects(
    create({ device: 'wasm', detector: 'none', modelUrl: new URL('contract-test.json', models).href }),
    (error: any) => {
      assert.equal(error.code, 'E_BACKEND_UNAVAILABLE');
      assert.match(error.message, /no WebAssembly SIMD/);
      assert.doesNotMatch(error.message, /corrupted/);
      return true;
    },
  );
});
