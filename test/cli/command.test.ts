// The flags' help derives from the SDK's lists of values and its defaults (src/contract/options.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCommand } from '../../cli/analyze.js';
import { choices, type Flag } from '../../cli/command.js';
import { evalCommand } from '../../cli/eval.js';
import { BUILT_IN_DETECTORS, DETECTOR_NAMES } from '../../src/contract/detectors.js';
import { DEFAULTS, PRIORS } from '../../src/contract/options.js';

const help = (flag: unknown) => (flag as Flag).help;

test('choices: the default first, notes where given, "or" before the last', () => {
  assert.equal(choices(['a', 'b', 'c'], 'b', { c: 'see' }), 'b (default), a or c (see)');
  assert.equal(choices(['a', 'b'], 'a', { a: 'why' }), 'a (default: why) or b');
  assert.equal(choices(['a'], 'a'), 'a (default)');
});

test("--detector's and --priors' help name every value of the SDK's lists and its default", () => {
  const detector = help(analyzeCommand.flags.detector);
  for (const name of DETECTOR_NAMES) assert.match(detector, new RegExp(`\\b${name}\\b`));
  for (const { use } of Object.values(BUILT_IN_DETECTORS)) assert.ok(detector.includes(use), use);
  assert.ok(detector.startsWith(`${String(DEFAULTS.detector)} (default`), detector);
  for (const flag of [analyzeCommand.flags.priors, evalCommand.flags.priors]) {
    for (const value of PRIORS) assert.ok(help(flag).includes(value), value);
    assert.ok(help(flag).startsWith(`${DEFAULTS.priors} (default`), help(flag));
  }
  assert.ok(
    help(analyzeCommand.flags['min-detection-confidence']).includes(`default ${DEFAULTS.minDetectionConfidence}`),
  );
});
