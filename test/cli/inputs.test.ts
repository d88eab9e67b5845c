// cli/inputs.ts: which files a folder gives, and where each annotation goes (never over another's, nor over an input).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { annotationPaths, collectImages } from '../../cli/inputs.js';
import { printable } from '../../cli/progress.js';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'jadfer-inputs-'));
  for (const dir of ['photos/sub', 'photos/.hidden', 'elsewhere']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['photos/b.JPG', 'photos/a.png', 'photos/label.csv', 'photos/sub/c.webp', 'photos/.hidden/d.jpg'])
    writeFileSync(join(root, file), '');
  writeFileSync(join(root, 'elsewhere', 'e.jpg'), '');
  symlinkSync(join(root, 'elsewhere'), join(root, 'photos', 'link-to-folder'));
  symlinkSync(join(root, 'photos'), join(root, 'photos', 'sub', 'loop'));
  symlinkSync(join(root, 'elsewhere', 'e.jpg'), join(root, 'photos', 'link-to-file.jpg'));
  symlinkSync(join(root, 'nowhere.jpg'), join(root, 'photos', 'dangling.jpg'));
  return root;
}

test('a folder gives its images, sorted; --recursive its subfolders, not hidden ones nor links to folders', async () => {
  const root = tree();
  const photos = join(root, 'photos');
  const flat = await collectImages([photos], false);
  assert.deepEqual(
    flat.inputs.map((i) => i.relative),
    ['a.png', 'b.JPG', 'link-to-file.jpg'],
  );
  assert.deepEqual(flat.notes, [
    `${photos}: 1 link to a folder not followed`,
    `${photos}: 2 subfolders not walked (--recursive does)`,
  ]);
  const deep = await collectImages([photos], true);
  assert.deepEqual(
    deep.inputs.map((i) => i.relative),
    ['a.png', 'b.JPG', 'link-to-file.jpg', join('sub', 'c.webp')],
    'the link loop and the link to another folder are not followed',
  );
  assert.deepEqual(deep.notes, [`${photos}: 2 links to a folder not followed`]);
  const named = await collectImages([join(root, 'missing.jpg'), join(photos, 'label.csv')], false);
  assert.deepEqual(
    named.inputs.map((i) => i.file),
    [join(root, 'missing.jpg'), join(photos, 'label.csv')],
    'files named on the command line are taken as they are (the probe judges them)',
  );
  const empty = await collectImages([join(root, 'photos', '.hidden', 'none')], false);
  assert.equal(empty.inputs.length, 1, 'a path that is not a folder is an input');
});

test('annotations: one file per input, -2 for a second of the same name, never over an input', () => {
  const inputs = [
    { file: 'a/x.jpg', relative: 'x.jpg' },
    { file: 'b/x.jpg', relative: 'x.jpg' },
    { file: 'b/X.png', relative: 'X.png' },
    { file: 'photos/y.jpg', relative: 'y.jpg' },
    { file: 'photos/y.png', relative: 'y.png' },
    { file: 'photos/sub/z.jpg', relative: join('sub', 'z.jpg') },
  ];
  assert.deepEqual(annotationPaths(inputs, 'out'), [
    join('out', 'x.png'),
    join('out', 'x-2.png'),
    join('out', 'X-3.png'),
    join('out', 'y.png'),
    join('out', 'y-2.png'),
    join('out', 'sub', 'z.png'),
  ]);
  // Annotating into the folder of the inputs: photos/y.png is an input, so y.jpg's annotation is not written over it.
  assert.deepEqual(annotationPaths(inputs.slice(3, 5), 'photos'), [
    join('photos', 'y-2.png'),
    join('photos', 'y-3.png'),
  ]);
});

test('control characters in a file name reach the terminal escaped', () => {
  assert.equal(printable('a\x1b]0;owned\x07.jpg: 1 face\n'), 'a\\x1b]0;owned\\x07.jpg: 1 face\n');
  assert.equal(printable('plain\ttext é ✓'), 'plain\ttext é ✓');
});
