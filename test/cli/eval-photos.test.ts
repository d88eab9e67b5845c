// `jadfer eval` on whole photos in folders per class (cli/eval-photos.ts), and the wild set's identity split.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readPhotoFolders } from '../../cli/eval-photos.js';
import { largestFace, overScoredClasses } from '../../common/photo-scoring.js';
import type { FaceResult } from '../../src/contract/types.js';
import { FER_EMOTIONS } from '../../common/ferplus.js';
import { WILD_DIR, wildAvailable } from '../../training/data/paths.js';
import { identityOf, photoPaths, splitByIdentity, WILD_SPLIT_DIR } from '../../training/data/wild-split.js';
import { jadfer } from './run-cli.js';

const photos = '../shared/fixtures/photos';

/** A folder-per-class set: two fixture portraits and a face-free photo. */
async function photoSet(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'jadfer-photos-'));
  for (const label of ['happiness', 'sadness', 'neutral']) mkdirSync(join(dir, label));
  copyFileSync(join(photos, 'portrait-a-1.jpg'), join(dir, 'happiness', 'a-1.jpg'));
  copyFileSync(join(photos, 'portrait-a-2.jpg'), join(dir, 'sadness', 'a-2.jpg'));
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 90 } } })
    .png()
    .toFile(join(dir, 'neutral', 'wall.png'));
  return dir;
}

test(
  'eval on photo folders: every photo through the full pipeline; a photo without a face counts as wrong and is named',
  {
    skip: !existsSync(photos) && `${photos} is absent: the fixture portraits are needed`,
  },
  async () => {
    const dir = await photoSet();
    const run = jadfer('eval', '--json', '--data', dir, '--model', 'models/jadfer-base.json');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.n, 3, 'the face-free photo is scored, not skipped');
    assert.deepEqual(report.noFace, ['neutral/wall.png']);
    assert.deepEqual(report.labels, [...FER_EMOTIONS, 'no face']);
    const noFace = report.labels.indexOf('no face');
    assert.equal(report.confusion[FER_EMOTIONS.indexOf('neutral')][noFace], 1);
    assert.equal(report.perClass.neutral.correct, 0);
    assert.equal(
      report.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      3,
    );
    assert.ok(report.correct <= 2);
    assert.deepEqual(report.scoredClasses, [], 'no class has the 20 photos a mean needs');

    const list = join(dir, 'only.txt');
    writeFileSync(list, '# one photo\nhappiness/a-1.jpg\n');
    const one = JSON.parse(jadfer('eval', '--json', '--data', dir, '--only', list).stdout);
    assert.equal(one.n, 1);
    assert.deepEqual(one.noFace, []);

    writeFileSync(list, 'happiness/missing.jpg\n');
    const missing = jadfer('eval', '--json', '--data', dir, '--only', list);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stdout + missing.stderr, /1 listed photos are not in/);
  },
);

test('a folder that is not one of the labels is an error, not a silent skip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jadfer-photos-'));
  mkdirSync(join(dir, 'happy'));
  writeFileSync(join(dir, 'happy', 'x.jpg'), '');
  assert.throws(() => readPhotoFolders(dir, FER_EMOTIONS), /folder 'happy'.*not one of the model's labels/);
});

test('the means are over the classes with enough photos; the largest face is the photo’s answer', () => {
  const perClass = [
    { n: 100, accuracy: 0.9, f1: 0.8 },
    { n: 19, accuracy: 0, f1: 0 },
    { n: 20, accuracy: 0.5, f1: 0.6 },
  ];
  const scored = overScoredClasses(perClass, ['a', 'b', 'c']);
  assert.deepEqual(scored.classes, ['a', 'c']);
  assert.ok(Math.abs(scored.meanClassAccuracy - 0.7) < 1e-12);
  assert.ok(Math.abs(scored.macroF1 - 0.7) < 1e-12);
  const face = (width: number, label: string) =>
    ({ box: { x: 0, y: 0, width, height: width }, expression: { label } }) as unknown as FaceResult;
  assert.equal(largestFace([face(40, 'small'), face(90, 'big'), face(60, 'mid')])!.expression.label, 'big');
  assert.equal(largestFace([]), undefined);
});

test('the identity split: no person in both parts, each class capped in validation, the same on every run', () => {
  const paths = [
    ...Array.from({ length: 40 }, (_, i) => `disgust/One_Person_${String(i + 1).padStart(4, '0')}.jpg`),
    ...Array.from({ length: 30 }, (_, i) => `disgust/P${i}_Name_0001.jpg`),
    ...Array.from({ length: 60 }, (_, i) => `happiness/P${i % 30}_Name_${String(i + 2).padStart(4, '0')}.jpg`),
  ];
  const split = splitByIdentity(paths, 0.3);
  const ids = (part: string[]) => new Set(part.map((p) => identityOf(p.split('/')[1]!)));
  const [train, valid] = [ids(split.train), ids(split.valid)];
  assert.deepEqual(
    [...train].filter((id) => valid.has(id)),
    [],
  );
  assert.equal(split.train.length + split.valid.length, paths.length);
  assert.ok(train.has('One_Person'), 'a person with more than the cap of a class stays in training');
  assert.ok(split.valid.filter((p) => p.startsWith('disgust/')).length <= 0.3 * 70);
  assert.ok(split.valid.length > 0);
  assert.deepEqual(splitByIdentity([...paths].reverse(), 0.3), split, 'independent of listing order');
  assert.equal(identityOf('Al_Gore_0002.jpg'), 'Al_Gore');
  assert.equal(identityOf('Avinash_2.jpg'), 'Avinash');
});

test(
  'the committed wild split lists are the rule applied to the set',
  { skip: !wildAvailable() && `${WILD_DIR} is absent: the wild photo set is needed` },
  () => {
    const split = splitByIdentity(photoPaths(WILD_DIR));
    for (const part of ['train', 'valid'] as const) {
      const listed = readFileSync(join(WILD_SPLIT_DIR, `${part}.txt`), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
      assert.deepEqual(listed, split[part], part);
    }
  },
);
