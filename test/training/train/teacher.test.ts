// A distillation teacher with the mirror view teaches the mean of the face's two views: one
// face's targets no longer depend on which way the augmentation happened to flip it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../training/model/rng.js';
import { Teacher } from '../../../training/train/teacher.js';
import { FER_SIZE } from '../../../common/ferplus.js';

const model = new URL('../../../models/jadfer-base.json', import.meta.url).pathname;

test('a mirror teacher averages the view the student sees with its mirror', async () => {
  const rng = new Rng(7);
  // Left and right halves differ, so a face and its mirror score differently.
  const faces = [0, 1, 2].map(() =>
    Uint8Array.from({ length: FER_SIZE * FER_SIZE }, (_, p) => (p % FER_SIZE < FER_SIZE / 2 ? 40 : 150) + rng.int(60)),
  );
  const flips = [false, true, false];
  const [plain, mirror] = await Promise.all([Teacher.open(model), Teacher.open(model, { mirror: true })]);
  try {
    const seen = await plain.probabilities(faces, flips, 2);
    const other = await plain.probabilities(
      faces,
      flips.map((f) => !f),
      2,
    );
    const averaged = await mirror.probabilities(faces, flips, 2);
    const K = plain.card.labels.length;
    assert.equal(averaged.length, faces.length * K);
    for (let i = 0; i < averaged.length; i++)
      assert.ok(Math.abs(averaged[i]! - (seen[i]! + other[i]!) / 2) < 1e-6, `entry ${i}`);
    for (let f = 0; f < faces.length; f++) {
      const row = averaged.subarray(f * K, (f + 1) * K);
      assert.ok(Math.abs(row.reduce((s, p) => s + p, 0) - 1) < 1e-5, `face ${f} sums to 1`);
    }
    const gap = Math.max(...averaged.map((p, i) => Math.abs(p - seen[i]!)));
    assert.ok(gap > 1e-3, `the mirror view changes the targets (largest change ${gap})`);
  } finally {
    await Promise.all([plain.release(), mirror.release()]);
  }
});
