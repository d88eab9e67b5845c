import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  FER_EMOTIONS,
  classCounts,
  loadFerPlusSplit,
  majorityLabel,
  parseLabelRow,
  readFerImage,
  softLabel,
  splitCsvLine,
} from '../../common/ferplus.js';
import { FERPLUS_DIR, ferplusAvailable } from '../../training/data/paths.js';

const gray = (seed: number, size = 48) => Uint8Array.from({ length: size * size }, (_, i) => (i * 7 + seed * 31) & 255);
const png = (px: Uint8Array, size = 48) =>
  sharp(Buffer.from(px), { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toBuffer();

test('CSV parsing keeps the quoted box column together and rejects malformed rows', () => {
  assert.deepEqual(splitCsvLine('a.png,"(0, 0, 48, 48)",1,2'), ['a.png', '(0, 0, 48, 48)', '1', '2']);
  const ok = parseLabelRow('fer0000001.png,"(0, 0, 48, 48)",4,0,0,0,1,0,0,4,1,0');
  assert.ok(ok.ok && ok.votes.length === 10 && ok.votes[7] === 4);
  assert.equal(parseLabelRow('fer1.png,"(0, 0, 48, 48)",4,0,0').ok, false);
  assert.equal(parseLabelRow('fer1.png,"(0, 0, 48, 48)",4,0,0,0,x,0,0,4,1,0').ok, false);
  assert.equal(parseLabelRow('fer1.png,"(0, 0, 48, 48)",4,0,0,0,-1,0,0,4,1,0').ok, false);
});

test('majority-vote protocol: argmax of 8 emotions, ties and unknown/NF tops dropped', () => {
  assert.deepEqual(majorityLabel([0, 10, 0, 0, 0, 0, 0, 0, 0, 0]), { label: 1 });
  assert.deepEqual(majorityLabel([1, 0, 0, 0, 0, 0, 0, 6, 3, 0]), { label: 7 });
  assert.deepEqual(majorityLabel([4, 0, 0, 0, 1, 0, 0, 4, 1, 0]), { reason: 'tied-majority' });
  assert.deepEqual(majorityLabel([3, 0, 0, 0, 0, 0, 0, 0, 5, 2]), { reason: 'unknown-or-nf' });
  assert.deepEqual(majorityLabel([3, 0, 0, 0, 0, 0, 0, 0, 0, 3]), { reason: 'unknown-or-nf' });
  assert.deepEqual(majorityLabel([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), { reason: 'no-votes' });
  const s = softLabel([2, 6, 0, 0, 0, 0, 0, 2, 5, 5]);
  assert.equal(s.length, 8);
  assert.ok(Math.abs(s.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.ok(Math.abs(s[1]! - 0.6) < 1e-6);
});

test('synthetic split: labels, pixels, limit and counted skips', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferplus-'));
  try {
    const good = [gray(1), gray(2), gray(3)];
    for (let i = 0; i < good.length; i++) writeFileSync(join(dir, `ok${i}.png`), await png(good[i]!));
    writeFileSync(join(dir, 'tie.png'), await png(gray(4)));
    writeFileSync(join(dir, 'unk.png'), await png(gray(5)));
    writeFileSync(join(dir, 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not a png at all'));
    writeFileSync(join(dir, 'small.png'), await png(gray(6, 32), 32));
    const box = '"(0, 0, 48, 48)"';
    const rows = [
      `ok0.png,${box},0,10,0,0,0,0,0,0,0,0`,
      `ok1.png,${box},1,0,7,0,0,0,0,0,2,0`,
      `tie.png,${box},4,0,0,0,1,0,0,4,1,0`,
      `unk.png,${box},1,0,0,0,0,0,0,0,8,1`,
      `corrupt.png,${box},0,0,0,9,0,0,0,0,1,0`,
      `small.png,${box},0,0,0,0,9,0,0,0,1,0`,
      `missing.png,${box},0,0,0,0,0,9,0,0,1,0`,
      `ok2.png,${box},0,0,0,0,0,0,8,0,2,0`,
      `ok2.png,${box},0,0,0,0,0,0,8,0,2,0`,
      `bad.png,${box},1,2,3`,
      `garbage line without commas`,
    ];
    writeFileSync(join(dir, 'label.csv'), rows.join('\r\n') + '\n');

    const all = await loadFerPlusSplit(dir, { pixels: true });
    assert.equal(all.rows, rows.length);
    assert.deepEqual(
      all.items.map((i) => [i.file, FER_EMOTIONS[i.label]]),
      [
        ['ok0.png', 'happiness'],
        ['ok1.png', 'surprise'],
        ['ok2.png', 'fear'],
      ],
    );
    assert.deepEqual(all.skipped, {
      'tied-majority': 1,
      'unknown-or-nf': 1,
      'corrupt-image': 1,
      'wrong-size': 1,
      'missing-image': 1,
      'duplicate-file': 1,
      'malformed-row': 2,
    });
    assert.deepEqual(Array.from(all.items[2]!.pixels!), Array.from(good[2]!));
    assert.deepEqual(all.items[1]!.votes, [1, 0, 7, 0, 0, 0, 0, 0, 2, 0]);
    assert.deepEqual(classCounts(all.items), [0, 1, 1, 0, 0, 0, 1, 0]);

    const limited = await loadFerPlusSplit(dir, { limit: 2, soft: true });
    assert.equal(limited.items.length, 2);
    assert.equal(limited.items[0]!.pixels, undefined);
    assert.deepEqual(Array.from(limited.items[1]!.soft!), [0.125, 0, 0.875, 0, 0, 0, 0, 0]);
    assert.equal(all.items[0]!.soft, undefined);

    const unverified = await loadFerPlusSplit(dir, { verifyImages: false });
    // without decoding, corrupt / wrong-size files pass; only the missing one is caught
    assert.equal(unverified.items.length, 5);
    assert.equal(unverified.skipped['missing-image'], 1);

    await assert.rejects(readFerImage(join(dir, 'corrupt.png')), /corrupt-image/);
    assert.deepEqual(Array.from(await readFerImage(join(dir, 'ok0.png'))), Array.from(good[0]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real FERPlus valid split (label.csv + a few images)', async (t) => {
  if (!ferplusAvailable()) {
    const msg = `FERPlus not found at ${FERPLUS_DIR} (set FERPLUS_DIR): SKIPPING the real-data loader test`;
    console.warn(`\n*** ${msg} ***\n`);
    t.skip(msg);
    return;
  }
  const split = await loadFerPlusSplit(join(FERPLUS_DIR, 'FER2013Valid'), { verifyImages: false });
  const skipped = Object.values(split.skipped).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(split.rows, 3579);
  assert.equal(split.items.length + skipped, split.rows);
  assert.ok(split.items.length > 3300 && split.items.length < 3579, `accepted ${split.items.length}`);
  assert.equal(split.skipped['malformed-row'] ?? 0, 0);
  const counts = classCounts(split.items);
  assert.ok(
    counts.every((c) => c > 0),
    `every class present: ${counts}`,
  );
  assert.ok(counts[0]! > counts[7]!, 'neutral outnumbers contempt');
  const px = await loadFerPlusSplit(join(FERPLUS_DIR, 'FER2013Valid'), { limit: 16, pixels: true });
  assert.equal(px.items.length, 16);
  for (const it of px.items) assert.equal(it.pixels!.length, 48 * 48);
});
