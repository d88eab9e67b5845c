// common/args.ts: the one strict command-line parser of the CLI and every training and bench script.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { didYouMean, numberOption, parseCommandLine, UsageError } from '../../common/args.js';

const spec = {
  options: { out: { type: 'string' }, json: { type: 'boolean', default: false }, runs: { type: 'string' } },
  numbers: ['runs'],
  positionals: { max: 2 },
} as const;

test('flags, values and positionals parse; every mistake is a UsageError that says what is wrong', () => {
  const ok = parseCommandLine(['a.jpg', '--out', 'dir/', '--json', '--runs=3'], spec);
  assert.deepEqual(ok.positionals, ['a.jpg']);
  assert.equal(ok.values.out, 'dir/');
  assert.equal(ok.values.json, true);
  assert.equal(ok.values.runs, '3');
  const problems: [string[], RegExp][] = [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--ot', 'dir/'], /Unknown option '--ot'/],
    [['--out'], /argument missing/],
    [['--runs', 'ten'], /--runs must be a number, got 'ten'/],
    [['--json=yes'], /does not take an argument/],
    [['a', 'b', 'c'], /too many arguments \(3; at most 2\): 'c'/],
  ];
  for (const [args, message] of problems)
    assert.throws(
      () => parseCommandLine(args, spec),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
    );
  assert.throws(
    () => parseCommandLine(['x'], { options: {} }),
    (e: unknown) => e instanceof UsageError && /unexpected argument 'x'/.test(e.message),
  );
  assert.equal(numberOption(undefined, 'n'), undefined);
  assert.equal(numberOption('1e-4', 'lr'), 1e-4);
  assert.throws(() => numberOption('2.5', 'batch', { integer: true }), /--batch must be an integer, got '2.5'/);
  assert.throws(() => numberOption('', 'n'), UsageError);
});

test('"did you mean": the nearest flag or command within a few edits, nothing for a stranger', () => {
  const flags = ['--annotate', '--json', '--max-faces', '--model', '--mirror'];
  assert.equal(didYouMean('--anotate', flags), "; did you mean '--annotate'?");
  assert.equal(didYouMean('--modle', flags), "; did you mean '--model'?", 'a swap is one edit');
  assert.equal(didYouMean('--max', flags), "; did you mean '--max-faces'?", 'the start of a flag');
  assert.equal(didYouMean('--verbose', flags), '');
  assert.equal(didYouMean('analyse', ['analyze', 'eval', 'info']), "; did you mean 'analyze'?");
  assert.equal(didYouMean('x', ['analyze', 'eval', 'info']), '');
  assert.throws(
    () => parseCommandLine(['--ot', 'dir/'], spec),
    (e: unknown) => e instanceof UsageError && /Unknown option '--ot'; did you mean '--out'\?/.test(e.message),
  );
  assert.throws(
    () => parseCommandLine(['--runs', 'a.jpg'], spec),
    (e: unknown) => e instanceof UsageError && /the flag took the file name 'a\.jpg' as its value/.test(e.message),
  );
});

// Each script is started as its header says; a bad flag must end it with exit 2 and its usage,
// before it loads a model or reads data.
const SCRIPTS: [string, string[]][] = [
  ['training/train/train.ts', ['--features', 'f', '--out', 'o', '--epochs', 'many']],
  ['training/train/average.ts', ['--runs', 'a,b', '--out', 'o', '--bogus']],
  ['training/export/ship.ts', ['--run', 'r', '--varient', 'base']],
  ['training/export/export.ts', ['--run', 'r', '--bogus']],
  ['training/export/parity.ts', ['--run', 'r', '--model', 'm', '--faces', 'x']],
  ['training/data/pack-faces.ts', ['--out', 'o', '--bogus']],
  ['training/backbone/to-onnx.ts', ['--backbone', 'faceres-112', '--bogus']],
  ['training/backbone/cache-features.ts', ['--backbone', 'faceres-112', '--batch', 'x']],
  ['training/backbone/bench.ts', ['--sec', '3']],
  ['training/backbone/parity.ts', ['--n', 'four']],
  ['training/backbone/probe.ts', ['--backbone', 'faceres']],
  ['training/backbone/fetch.ts', ['--al']],
  ['training/export/record-eval.ts', ['models/jadfer-base.json', '--date', 'x']],
  ['training/export/flops.ts', []],
  ['bench/baselines/accuracy.ts', ['--limt', '50']],
  ['bench/train-step.ts', ['--batch', '128,big']],
  ['bench/run.ts', ['--modle', 'jadfer-base']],
];

for (const [script, args] of SCRIPTS)
  test(`${script} ${args.join(' ')}: exit 2 with the problem and the usage`, { timeout: 120_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /usage: /i);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
