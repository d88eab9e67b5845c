// The CLI as a Unix tool (issue 28, the CLI list): results on stdout, diagnostics on stderr, exit 0/1/2, inputs
// checked before the models load, folders walked, --json always one document, no stack trace for a user's mistake.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeContractModel } from '../fixtures/contract-model.js';
import { haveScript, jadfer, jadferInTerminal } from './run-cli.js';
import { ensureDist } from '../dist.js';

before(ensureDist);

const photo = '../shared/fixtures/photos/portrait-a-1.jpg';
const needsPhotos = !existsSync(photo) && '../shared/fixtures/photos is absent';
const STACK = /\n\s+at .+[:(]/;

const scratch = () => mkdtempSync(join(tmpdir(), 'jadfer-unix-'));
const json = (run: { stdout: string }) => JSON.parse(run.stdout) as Record<string, unknown>;

test('usage errors exit 2 on stderr with "did you mean", for commands and flags', () => {
  const cases: [string[], RegExp][] = [
    [['analyse', 'x.jpg'], /unknown command 'analyse'; did you mean 'analyze'\?/],
    [['help', 'analyse'], /did you mean 'analyze'\?/],
    [['analyze', 'x.jpg', '--anotate', 'out'], /Unknown option '--anotate'; did you mean '--annotate'\?/],
    [['eval', '--dat', 'd'], /did you mean '--data'\?/],
    [['copy-assets', 'd', '--models', 'm.json'], /did you mean '--model'\?/],
  ];
  for (const [args, message] of cases) {
    const run = jadfer(...args);
    assert.equal(run.status, 2, args.join(' '));
    assert.match(run.stderr, message, args.join(' '));
    assert.equal(run.stdout, '', 'nothing on stdout');
  }
});

test("--detector foo and --max-faces 100 are usage errors, in the SDK's own words", () => {
  const detector = jadfer('analyze', 'x.jpg', '--detector', 'foo');
  assert.equal(detector.status, 2);
  assert.match(detector.stderr, /--detector: must be one of "none", "blazeface", "blazeface-back" \(got "foo"\)/);
  const faces = jadfer('analyze', 'x.jpg', '--max-faces', '100');
  assert.equal(faces.status, 2);
  assert.match(faces.stderr, /--max-faces: must be an integer in \[1, 64\] \(got 100\)/);
  const priors = jadfer('eval', '--data', 'd', '--priors', 'trained');
  assert.equal(priors.status, 2);
  assert.match(priors.stderr, /--priors: must be one of "balanced", "unadjusted" \(got "trained"\)/);
});

test('--max-faces photo.jpg says that the flag took the file name', () => {
  const run = jadfer('analyze', '--max-faces', 'photo.jpg');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--max-faces .*got 'photo\.jpg' \(the flag took the file name 'photo\.jpg' as its value/);
  const annotate = jadfer('analyze', '--annotate', 'photo.jpg');
  assert.equal(annotate.status, 2);
  assert.match(annotate.stderr, /missing argument .*--annotate took 'photo\.jpg' as its value/);
});

test('--json prints one JSON document with an error object, for usage and fatal errors', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'card.json'), '{ not json');
  const cases: [string[], string, number][] = [
    [['analyse', '--json', 'x.jpg'], 'E_USAGE', 2],
    [['analyze', '--json', 'x.jpg', '--max-faces', '100'], 'E_USAGE', 2],
    [['analyze', '--json', 'x.jpg', '--priors', 'none'], 'E_USAGE', 2],
    [['analyze', '--json', photo, '--model', join(dir, 'nope.json')], 'E_BAD_INPUT', 1],
    [['eval', '--json', '--data', '/nonexistent'], 'E_BAD_INPUT', 1],
    [['info', '--json', join(dir, 'card.json')], 'E_BAD_INPUT', 1],
    [['copy-assets', '--json', join(dir, 'out'), '--model', join(dir, 'nope.json')], 'E_BAD_INPUT', 1],
  ];
  for (const [args, code, status] of cases) {
    const run = jadfer(...args);
    assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
    const doc = json(run) as { error: { code: string; message: string } };
    assert.equal(doc.error.code, code, args.join(' '));
    assert.ok(doc.error.message.length > 0);
    assert.doesNotMatch(run.stderr, STACK, args.join(' '));
  }
});

test(
  '--json with a model that fails to load: one document, its error typed, the stack kept off',
  {
    skip: needsPhotos,
  },
  () => {
    const dir = scratch();
    writeContractModel(dir);
    const run = jadfer('analyze', '--json', photo, '--model', join(dir, 'garbage.json'));
    assert.equal(run.status, 1);
    const doc = json(run) as { error: { code: string } };
    assert.equal(doc.error.code, 'E_MODEL_LOAD');
    assert.doesNotMatch(run.stderr, STACK);
  },
);

test(
  'no stack trace for a user mistake: a missing --data, an --annotate folder that cannot be, a missing --model',
  {
    skip: needsPhotos,
  },
  () => {
    const dir = scratch();
    const cases: [string[], RegExp][] = [
      [['eval', '--data', '/nonexistent'], /--data \/nonexistent: no such folder/],
      [['analyze', photo, '--annotate', '/dev/null/x'], /--annotate: cannot create the folder \/dev\/null\/x/],
      [['copy-assets', join(dir, 'out'), '--model', 'nope.json'], /nope\.json: no such file/],
      [['info', join(dir, 'none.json')], /none\.json: no such file/],
      [['analyze', join(dir, 'missing.jpg')], /E_BAD_INPUT: .*missing\.jpg: no such file/],
    ];
    for (const [args, message] of cases) {
      const run = jadfer(...args);
      assert.equal(run.status, 1, args.join(' '));
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, STACK, args.join(' '));
      assert.equal(run.stdout, '', 'errors go to stderr');
    }
    assert.ok(!existsSync(join(dir, 'out')), 'copy-assets copied nothing');
  },
);

test('every input is checked before the models load: a missing file, a folder of no images, a non-image', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  mkdirSync(join(dir, 'empty'));
  // A model card that fails as soon as it loads: no E_MODEL_LOAD shows that nothing loaded.
  writeContractModel(join(dir, 'models'));
  const run = jadfer(
    'analyze',
    join(dir, 'missing.jpg'),
    join(dir, 'notes.txt'),
    join(dir, 'empty'),
    '--model',
    join(dir, 'models', 'garbage.json'),
    '--json',
  );
  assert.equal(run.status, 1);
  assert.match(run.stderr, /missing\.jpg: no such file/);
  assert.match(run.stderr, /notes\.txt: not an image/);
  assert.match(run.stderr, /empty: no images in this folder/);
  assert.doesNotMatch(run.stderr, /E_MODEL_LOAD|garbage/, 'the models never loaded');
  const files = (json(run) as { files: { file: string; error: { code: string; details: { reason: string } } }[] })
    .files;
  assert.deepEqual(
    files.map((f) => [f.error.code, f.error.details.reason]),
    [
      ['E_BAD_INPUT', 'not-found'],
      ['E_BAD_INPUT', 'not-an-image'],
    ],
  );
});

test(
  'folders are walked (--recursive for subfolders); --annotate says what it wrote and overwrites nothing',
  {
    skip: needsPhotos,
  },
  () => {
    const dir = scratch();
    for (const folder of ['a', 'b', 'b/c']) mkdirSync(join(dir, folder), { recursive: true });
    cpSync(photo, join(dir, 'a', 'x.jpg'));
    cpSync(photo, join(dir, 'b', 'x.jpg'));
    cpSync(photo, join(dir, 'b', 'c', 'y.jpg'));
    writeFileSync(join(dir, 'b', 'label.csv'), 'not an image, skipped in a folder');
    const out = join(dir, 'out');

    const flat = jadfer('analyze', '--json', join(dir, 'a', 'x.jpg'), join(dir, 'b'), '--annotate', out);
    assert.equal(flat.status, 0, flat.stderr);
    const files = (json(flat) as { files: { file: string; annotated: string; faces: unknown[] }[] }).files;
    assert.deepEqual(
      files.map((f) => [f.file, f.annotated]),
      [
        [join(dir, 'a', 'x.jpg'), join(out, 'x.png')],
        [join(dir, 'b', 'x.jpg'), join(out, 'x-2.png')],
      ],
      'a/x.jpg and b/x.jpg: two annotations, the folder walked without its subfolder',
    );
    assert.match(flat.stderr, /1 subfolder not walked \(--recursive does\)/);
    assert.deepEqual(readdirSync(out).sort(), ['x-2.png', 'x.png']);

    const deep = jadfer('analyze', '-r', join(dir, 'b'), '--annotate', out);
    assert.equal(deep.status, 0, deep.stderr);
    assert.match(deep.stdout, new RegExp(`wrote ${join(out, 'c', 'y.png')}\\n`), 'a subfolder keeps its place');
    assert.match(deep.stdout, new RegExp(`wrote ${join(out, 'x.png')}\\n`));
    assert.match(deep.stdout, /b\/c\/y\.jpg \(\d+×\d+\): 1 face/);
  },
);

test('a progress line on stderr when it is a terminal, none when it is not', { skip: needsPhotos }, () => {
  const piped = jadfer('analyze', photo);
  assert.equal(piped.status, 0);
  assert.doesNotMatch(piped.stderr, /loading|analysing/, 'a pipe gets no progress');
  if (!haveScript) {
    console.warn('SKIP (in part): no `script` to give the CLI a terminal');
    return;
  }
  const tty = jadferInTerminal('analyze', photo);
  assert.equal(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /\r\x1b\[2Kloading the models/);
  assert.match(tty.stdout, /\r\x1b\[2Kanalysing 1\/1/);
  assert.match(tty.stdout, /portrait-a-1\.jpg \(\d+×\d+\): 1 face/);
});

test('info prints a short summary, and the card with --json', () => {
  const run = jadfer('info');
  assert.equal(run.status, 0);
  const lines = run.stdout.trim().split('\n');
  assert.ok(lines.length <= 15, `${lines.length} lines`);
  assert.match(run.stdout, /^model +jadfer-base/m);
  assert.match(run.stdout, /^accuracy +\d+\.\d+ % overall/m);
  assert.match(run.stdout, /^labels +neutral, happiness/m);
  const card = jadfer('info', '--json');
  assert.deepEqual(JSON.parse(card.stdout), JSON.parse(readFileSync('dist/models/jadfer-base.json', 'utf8')));
});

test("copy-assets checks every model's sha256 before copying, and copies nothing when one differs", () => {
  const dir = scratch();
  writeContractModel(join(dir, 'models'));
  const bad = jadfer('copy-assets', join(dir, 'bad'), '--model', join(dir, 'models', 'tampered.json'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /E_MODEL_INTEGRITY: .*tampered\.onnx: sha256 [0-9a-f]{64}, but .* declares/);
  assert.ok(!existsSync(join(dir, 'bad')), 'nothing copied');

  const good = jadfer('copy-assets', '--json', join(dir, 'good'), '--model', join(dir, 'models', 'contract-test.json'));
  assert.equal(good.status, 0, good.stderr);
  const report = json(good) as { files: number; models: { card: string; sha256: string }[] };
  assert.deepEqual(report.models.map((m) => m.card).sort(), [
    'models/blazeface-back-256.json',
    'models/blazeface-front-128.json',
    'models/contract-test.json',
    'models/jadfer-accurate.json',
    'models/jadfer-base.json',
  ]);
  assert.ok(
    existsSync(join(dir, 'good', 'jadfer.iife.js')) && existsSync(join(dir, 'good', 'models', 'contract-test.onnx')),
  );
});

test("the installed package's help does not offer train, which needs a checkout; running it says why", () => {
  // The package's files (package.json "files": dist, bin), without the repository's training/.
  const root = scratch();
  cpSync('bin', join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  cpSync('dist/cli.js', join(root, 'dist', 'cli.js'));
  const installed = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'jadfer.mjs'), ...args], { encoding: 'utf8' });
  const help = installed('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /analyze/);
  assert.doesNotMatch(help.stdout, /\btrain\b/);
  const train = installed('train', '--features', 'x');
  assert.equal(train.status, 2);
  assert.match(train.stderr, /'train' is not available here: training runs from a checkout of the repository/);
  // In the checkout it is offered.
  assert.match(jadfer('--help').stdout, /\n  train /);
});
