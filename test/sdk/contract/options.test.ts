import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ONLY, DEFAULTS, checkOptions, engineOptions, resolveOptions } from '../../../src/contract/options.js';
import { JadferError } from '../../../src/contract/errors.js';

const BASE = 'https://example.test/dist/';

test('every wrong option is listed with its path', () => {
  const report = checkOptions({
    device: 'cuda',
    maxFaces: 0,
    timeouts: { analyzeMs: -5, typo: 1 },
    onProgress: 3,
    colour: 'x',
  });
  assert.deepEqual(
    report.errors.map((e) => e.split(':')[0]),
    ['options.device', 'options.maxFaces', 'options.onProgress', 'options.timeouts.analyzeMs'],
  );
  assert.deepEqual(report.unknown, ['options.colour: unknown option', 'options.timeouts.typo: unknown option']);
});

test('wrong types always throw E_BAD_CONFIG; unknown keys only in strict mode', () => {
  assert.throws(
    () => resolveOptions({ device: 'gpu' as never }, BASE),
    (e: unknown) => e instanceof JadferError && e.code === 'E_BAD_CONFIG',
  );
  const warn = console.warn;
  const warnings: unknown[] = [];
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    assert.equal(resolveOptions({ devcie: 'wasm' } as never, BASE).device, 'auto');
    assert.equal(warnings.length, 1);
  } finally {
    console.warn = warn;
  }
  assert.throws(
    () => resolveOptions({ devcie: 'wasm', strict: true } as never, BASE),
    (e: unknown) =>
      e instanceof JadferError && (e.details?.problems as string[])[0] === 'options.devcie: unknown option',
  );
});

test("priors: 'training', the old name of 'unadjusted', resolves to it with one warning per process", (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  assert.equal(resolveOptions({ priors: 'unadjusted' }, BASE).priors, 'unadjusted');
  assert.equal(warn.mock.callCount(), 0);
  assert.equal(resolveOptions({ priors: 'training' }, BASE).priors, 'unadjusted');
  assert.equal(resolveOptions({ priors: 'training' }, BASE).priors, 'unadjusted');
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0]!.arguments[0]), /'training' is deprecated: use 'unadjusted'/);
  assert.deepEqual(checkOptions({ priors: 'training' }).errors, []);
  // The error for a wrong value names the current values only.
  assert.deepEqual(checkOptions({ priors: 'trained' }).errors, [
    'options.priors: must be one of "balanced", "unadjusted" (got "trained")',
  ]);
});

test('defaults are filled in, nested ones too, and URLs are made absolute', () => {
  const options = resolveOptions({ tracking: { confirmHits: 5, lostTimeoutMs: undefined } }, BASE);
  assert.equal(options.device, 'auto');
  assert.equal(options.worker, 'auto');
  assert.ok(options.timeouts.createMs > 0 && options.timeouts.analyzeMs > 0);
  assert.deepEqual(options.tracking, { ...DEFAULTS.tracking, confirmHits: 5 });
  // Unset URLs stay unset: the client then uses the files beside its script (src/client/assets.ts).
  assert.equal(options.baseUrl, undefined);
  assert.equal(options.modelUrl, undefined);
  assert.equal(resolveOptions({ modelUrl: '/m/x.onnx' }, BASE).modelUrl, 'https://example.test/m/x.json');
  assert.equal(resolveOptions({ baseUrl: 'sdk' }, BASE).baseUrl, `${BASE}sdk/`);
  assert.equal(resolveOptions({ baseUrl: 'sdk', modelUrl: 'm.json' }, BASE).modelUrl, `${BASE}sdk/m.json`);
});

test("the engine's init is the resolved options less the client's own: plain data, no unknown keys", () => {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    const resolved = resolveOptions({ onProgress: () => undefined, maxFaces: 3, typo: 1 } as never, BASE);
    const init = engineOptions(resolved);
    assert.deepEqual(structuredClone(init), init, 'crosses postMessage unchanged');
    assert.equal(init.maxFaces, 3);
    for (const key of [...CLIENT_ONLY, 'typo']) assert.ok(!(key in init), key);
  } finally {
    console.warn = warn;
  }
});
