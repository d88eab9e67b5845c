// Issue 29, finding 5: a 31 KB PNG declaring 16000×16000 pixels knocked the CLI over (3.3 GB peak, 6.3 GB for three).
// Now it is refused from its header, as a typed error for that file, and the other images go on.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeHostilePng } from './hostile-image.js';
import { jadferPeakMemory } from './run-cli.js';
import { ensureDist } from '../dist.js';

before(ensureDist);

const photo = '../shared/fixtures/photos/portrait-a-1.jpg';

test(
  'PNGs that declare 16000×16000 are refused from their header, the photo beside them is analysed, memory stays flat',
  {
    skip: !existsSync(photo) && '../shared/fixtures/photos is absent',
  },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'jadfer-hostile-'));
    const hostile = ['a.png', 'b.png', 'c.png'].map((name) => join(dir, name));
    for (const file of hostile) writeHostilePng(file);
    assert.ok(statSync(hostile[0]!).size < 64 * 1024, 'a small file');

    const normal = jadferPeakMemory('analyze', '--json', photo);
    assert.equal(normal.run.status, 0, normal.run.stderr);
    const attacked = jadferPeakMemory('analyze', '--json', ...hostile, photo);
    assert.equal(attacked.run.status, 1, 'exit 1: some inputs failed');

    const files = JSON.parse(attacked.run.stdout).files as {
      file: string;
      faces?: unknown[];
      error?: { code: string; message: string; details: Record<string, unknown> };
    }[];
    for (const file of files.slice(0, 3)) {
      assert.equal(file.error?.code, 'E_BAD_INPUT', file.file);
      assert.deepEqual(file.error.details, {
        path: file.file,
        reason: 'too-many-pixels',
        width: 16000,
        height: 16000,
        limit: 50_000_000,
      });
      assert.match(file.error.message, /declares 16000×16000 pixels \(256 MP\), over the limit of 50 MP/);
    }
    assert.equal(files[3]!.faces?.length, 1, 'the photo after them is analysed');
    assert.match(attacked.run.stderr, /a\.png: declares 16000×16000/);

    // Peak memory of the whole run against the run of the photo alone (both load the models): decoding one such
    // file took 3.3 GB, eight times the normal run's; refused from the header it adds nothing worth measuring.
    assert.ok(
      attacked.peakBytes < 1.5 * normal.peakBytes,
      `peak ${(attacked.peakBytes / 1e6).toFixed(0)} MB against ${(normal.peakBytes / 1e6).toFixed(0)} MB for the photo alone`,
    );
  },
);

test('--max-megapixels raises the limit on purpose: sharp then decodes what it is allowed to', {}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'jadfer-hostile-'));
  const small = join(dir, 'small.png');
  writeHostilePng(small, 3000); // 9 MP
  const refused = jadferPeakMemory('analyze', '--json', '--max-megapixels', '4', small);
  assert.equal(refused.run.status, 1);
  assert.match(
    JSON.parse(refused.run.stdout).files[0].error.message,
    /3000×3000 pixels \(9 MP\), over the limit of 4 MP/,
  );
  const allowed = jadferPeakMemory('analyze', '--json', '--max-megapixels', '10', small);
  assert.equal(allowed.run.status, 0, allowed.run.stderr);
  assert.deepEqual(JSON.parse(allowed.run.stdout).files[0].faces, [], 'a black square has no face');
});
