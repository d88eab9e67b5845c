// `npx jadfer`: the built CLI as a user runs it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { FER_EMOTIONS } from '../../common/ferplus.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { jadfer } from './run-cli.js';
import { ensureDist } from '../dist.js';

before(ensureDist);

const photos = '../shared/fixtures/photos';

// Counted by eye (faces turned to the camera; people seen from behind are not faces to the detector).
const GROUP_FACES: Record<string, number> = {
  'group-1.jpg': 4,
  'group-2.jpg': 3,
  'group-3.jpg': 5,
  'group-4.jpg': 6,
  'group-5.jpg': 5,
};

test('--help lists the commands; an unknown command exits 2', () => {
  const help = jadfer('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: jadfer <command>/);
  assert.match(help.stdout, /analyze/);
  assert.match(jadfer('analyze', '--help').stdout, /--annotate <dir>/);
  assert.equal(jadfer('no-such-command').status, 2);
});

test('a bad flag exits 2 with the problem and the usage, before any image is read', () => {
  const cases: [string[], RegExp][] = [
    [['analyze', 'x.jpg', '--bogus'], /Unknown option '--bogus'/],
    // A typo of --annotate must not make `out/` an image to analyse.
    [['analyze', 'x.jpg', '--anotate', 'out/'], /Unknown option '--anotate'/],
    [['analyze', 'x.jpg', '--annotate'], /--annotate <value>' argument missing/],
    [['analyze', 'x.jpg', '--max-faces', 'many'], /--max-faces must be a number, got 'many'/],
    [['analyze', 'x.jpg', '--min-detection-confidence', 'high'], /--min-detection-confidence must be a number/],
    [['analyze'], /missing argument/],
    [['eval', '--data'], /--data <value>' argument missing/],
    [['eval', '--model', 'm.json'], /--data is required/],
    [['eval', '--data', 'd', '--limit', '0'], /--limit must be an integer ≥ 1/],
    [['eval', '--data', 'd', 'stray'], /unexpected argument 'stray'/],
    [['info', 'a.json', 'b.json'], /too many arguments/],
    [['copy-assets'], /missing argument/],
    [['copy-assets', 'public/jadfer', '--modle', 'm.json'], /Unknown option '--modle'/],
  ];
  for (const [args, problem] of cases) {
    const run = jadfer(...args);
    assert.equal(run.status, 2, `jadfer ${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, problem, args.join(' '));
    assert.match(run.stderr, new RegExp(`jadfer ${args[0]}: `), 'names the command');
    assert.match(run.stderr, /Usage: jadfer /, 'prints the usage');
    assert.equal(run.stdout, '', 'nothing ran');
  }
});

test(
  'analyze: one face per portrait, the right count per group photo, a clear error for a corrupt file',
  { skip: !existsSync(photos) && '../shared/fixtures/photos is absent' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jadfer-cli-'));
    writeContractModel(join(dir, 'models'));
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, 'not a jpeg');
    const files = readdirSync(photos)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    const run = jadfer(
      'analyze',
      '--json',
      '--annotate',
      join(dir, 'out'),
      '--model',
      join(dir, 'models', 'contract-test.json'),
      ...files.map((f) => join(photos, f)),
      corrupt,
    );
    assert.equal(run.status, 1, 'exit 1 because one file failed');
    const report = JSON.parse(run.stdout);
    const byName = new Map(report.files.map((f: { file: string }) => [f.file.split('/').pop(), f]));
    for (const file of files) {
      const result = byName.get(file) as { faces: unknown[]; error?: unknown };
      assert.equal(result.error, undefined, file);
      if (file.startsWith('portrait-a-')) assert.equal(result.faces.length, 1, file);
      else
        assert.ok(
          Math.abs(result.faces.length - GROUP_FACES[file]!) <= 1,
          `${file}: ${result.faces.length} faces, expected ${GROUP_FACES[file]} ± 1`,
        );
    }
    assert.equal((byName.get('corrupt.jpg') as { error: { code: string } }).error.code, 'E_BAD_INPUT');
    const annotated = await sharp(join(dir, 'out', 'group-4.png')).metadata();
    assert.equal(annotated.format, 'png');
    assert.ok(annotated.width! > 100);
  },
);

test(
  'analyze --min-detection-confidence: the bar a face must reach, checked by the SDK',
  { skip: !existsSync(photos) && '../shared/fixtures/photos is absent' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'jadfer-cli-'));
    writeContractModel(join(dir, 'models'));
    const run = (bar: string) =>
      jadfer(
        'analyze',
        '--json',
        '--model',
        join(dir, 'models', 'contract-test.json'),
        '--min-detection-confidence',
        bar,
        join(photos, 'portrait-a-1.jpg'),
      );
    const found = (bar: string) => JSON.parse(run(bar).stdout).files[0].faces.length;
    assert.equal(found('0.5'), 1);
    assert.equal(found('0.99'), 0, 'no face is that sure');
    const wrong = run('1.5');
    assert.equal(wrong.status, 2, 'a usage error');
    assert.match(wrong.stderr, /--min-detection-confidence: must be a number in \[0, 1\] \(got 1\.5\)/);
  },
);

test(
  'eval --json scores a model on a FERPlus split with the majority-vote protocol',
  {
    skip: !existsSync('../shared/data/ferplus/FER2013Valid') && '../shared/data/ferplus is absent',
  },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'jadfer-eval-'));
    writeContractModel(dir);
    const run = jadfer(
      'eval',
      '--json',
      '--limit',
      '40',
      '--data',
      '../shared/data/ferplus/FER2013Valid',
      '--model',
      join(dir, 'contract-test.json'),
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.n, 40);
    assert.equal(report.model, 'contract-test');
    assert.deepEqual(Object.keys(report.perClass), FER_EMOTIONS);
    assert.equal(
      report.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      40,
    );
    assert.equal(
      report.correct,
      report.confusion.reduce((sum: number, row: number[], k: number) => sum + row[k]!, 0),
    );
    assert.ok(report.accuracy >= 0 && report.accuracy <= 1);
    const present = Object.values(report.perClass as Record<string, { n: number; accuracy: number }>).filter(
      (c) => c.n > 0,
    );
    assert.equal(
      report.meanClassAccuracy,
      present.reduce((a, c) => a + c.accuracy, 0) / present.length,
      'mean per-class accuracy: the mean over the classes in the split',
    );
    assert.ok(report.skipped['tied-majority'] > 0 && report.skipped['unknown-or-nf'] > 0, 'protocol skips are counted');
  },
);
