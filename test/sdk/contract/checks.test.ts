// The option checks every entry point shares (create(), createAnalytics(), stream()'s fps).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkValue, enforceReport, positive, withDefaults } from '../../../src/contract/checks.js';
import { isJadferError } from '../../../src/contract/errors.js';

test("one value: E_BAD_CONFIG naming it, its problem and what it got, in create()'s words", () => {
  assert.doesNotThrow(() => checkValue('stream options.fps', 15, positive));
  for (const [fps, got] of [
    [0, '0'],
    [-1, '-1'],
    ['15', '"15"'],
    [Number.NaN, 'NaN'],
  ] as const)
    assert.throws(
      () => checkValue('stream options.fps', fps, positive),
      (error) =>
        isJadferError(error, 'E_BAD_CONFIG') &&
        error.message === `stream options.fps: must be a positive number (got ${got})`,
    );
});

test('a report: errors always throw, unknown keys only when strict (else one warning)', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  assert.throws(
    () => enforceReport({ errors: ['options.a: bad'], unknown: [] }, false, 'analytics options'),
    (error) => isJadferError(error, 'E_BAD_CONFIG') && error.message === 'invalid analytics options: options.a: bad',
  );
  enforceReport({ errors: [], unknown: ['options.b: unknown option'] }, false);
  assert.equal(warn.mock.callCount(), 1);
  assert.throws(
    () => enforceReport({ errors: [], unknown: ['options.b: unknown option'] }, true),
    (error) => isJadferError(error, 'E_BAD_CONFIG'),
  );
});

test('defaults fill what is unset (undefined too) and unknown keys are dropped', () => {
  assert.deepEqual(withDefaults({ a: 1, b: 2 }, { a: undefined, b: 3, c: 4 }), { a: 1, b: 3 });
});
