import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOptions, resolveOptions } from '../../src/client/config.js';
import { JadferError } from '../../src/contract/errors.js';

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
    () => resolveOptions({ device: 'gpu' as never }),
    (e: unknown) => e instanceof JadferError && e.code === 'E_BAD_CONFIG',
  );
  const warn = console.warn;
  const warnings: unknown[] = [];
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    assert.equal(resolveOptions({ devcie: 'wasm' } as never).device, 'auto');
    assert.equal(warnings.length, 1);
  } finally {
    console.warn = warn;
  }
  assert.throws(
    () => resolveOptions({ devcie: 'wasm', strict: true } as never),
    (e: unknown) =>
      e instanceof JadferError && (e.details?.problems as string[])[0] === 'options.devcie: unknown option',
  );
});

test('defaults are filled in', () => {
  const options = resolveOptions();
  assert.equal(options.device, 'auto');
  assert.equal(options.worker, 'auto');
  assert.ok(options.timeouts.createMs > 0 && options.timeouts.analyzeMs > 0);
});
