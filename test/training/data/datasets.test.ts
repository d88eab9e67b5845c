import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { FER_EMOTIONS, FerImageError } from '../../../common/ferplus.js';
import { loadClassFolders, loadFer2013Csv, readOrSkip } from '../../../training/data/datasets.js';

const pixels = (v: number) =>
  Array(48 * 48)
    .fill(v)
    .join(' ');

test('fer2013.csv: rows by Usage, labels mapped onto FERPlus, bad rows counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fer2013-'));
  const csv = join(dir, 'fer2013.csv');
  writeFileSync(
    csv,
    [
      'emotion,pixels,Usage',
      `3,${pixels(10)},Training`,
      `0,${pixels(20)},Training`,
      `6,${pixels(30)},PublicTest`,
      `9,${pixels(1)},Training`,
      `2,1 2 3,Training`,
      '',
    ].join('\n'),
  );
  const train = loadFer2013Csv(csv, 'train');
  assert.deepEqual(
    train.items.map((i) => FER_EMOTIONS[i.label]),
    ['happiness', 'anger'],
  );
  assert.deepEqual(train.skipped, { 'bad-label': 1, 'bad-pixels': 1 });
  assert.equal((await train.items[1]!.read())[0], 20);
  assert.equal(train.items[0]!.votes[FER_EMOTIONS.indexOf('happiness')], 10);
  assert.deepEqual(
    loadFer2013Csv(csv, 'valid').items.map((i) => FER_EMOTIONS[i.label]),
    ['neutral'],
  );
});

test('folder per class: aliases map onto FERPlus; unknown classes and corrupt images are counted', async () => {
  const root = mkdtempSync(join(tmpdir(), 'faces-'));
  for (const name of ['Happy', 'sad', 'yawning']) mkdirSync(join(root, 'train', name), { recursive: true });
  const png = await sharp({ create: { width: 100, height: 80, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  writeFileSync(join(root, 'train', 'Happy', 'a.png'), png);
  writeFileSync(join(root, 'train', 'sad', 'b.png'), png);
  writeFileSync(join(root, 'train', 'sad', 'broken.jpg'), 'not an image');
  writeFileSync(join(root, 'train', 'yawning', 'c.png'), png);
  const data = loadClassFolders(root, 'train');
  assert.deepEqual(
    data.items.map((i) => FER_EMOTIONS[i.label]),
    ['happiness', 'sadness', 'sadness'],
  );
  assert.deepEqual(data.skipped, { 'unknown-class:yawning': 1 });
  const face = await data.items[0]!.read();
  assert.equal(face.length, 48 * 48);
  assert.ok(Math.abs(face[0]! - 128) <= 1);
  await assert.rejects(data.items[2]!.read());
});

test('an unreadable image is skipped and counted; a missing decoder is an error, not a corrupt image', async () => {
  const skipped: Record<string, number> = {};
  const item = (read: () => Promise<Uint8Array>) => ({ file: 'x.png', label: 0, votes: [10], read });
  assert.equal(
    await readOrSkip(
      item(() => Promise.reject(new FerImageError('corrupt-image', 'x.png'))),
      skipped,
    ),
    undefined,
  );
  assert.deepEqual(
    await readOrSkip(
      item(async () => Uint8Array.of(7)),
      skipped,
    ),
    Uint8Array.of(7),
  );
  assert.deepEqual(skipped, { 'corrupt-image': 1 });
  await assert.rejects(
    readOrSkip(
      item(() => Promise.reject(new Error("Cannot find package 'sharp'"))),
      skipped,
    ),
    /sharp/,
  );
  assert.deepEqual(skipped, { 'corrupt-image': 1 });
});
