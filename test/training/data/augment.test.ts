import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JITTER, jitterFace, jitterMatrix, KIOSK_AUGMENT, kioskAugment } from '../../../training/data/augment.js';
import { Rng } from '../../../training/model/rng.js';

test('jitter views are seeded, small similarities, and keep a uniform face uniform', () => {
  assert.deepEqual(jitterMatrix(7, 1), jitterMatrix(7, 1), 'the same sample and view give the same warp');
  assert.notDeepEqual(jitterMatrix(7, 1), jitterMatrix(7, 2));
  for (let index = 0; index < 200; index++) {
    const [a, b, , d, e] = jitterMatrix(index, 1);
    assert.ok(Math.abs(a - e) < 1e-12 && Math.abs(b + d) < 1e-12, 'a similarity: no shear');
    const scale = 1 / Math.hypot(a, d);
    assert.ok(scale >= JITTER.minScale - 1e-9 && scale <= JITTER.maxScale + 1e-9);
    assert.ok(Math.abs(Math.atan2(d, a)) <= (JITTER.maxDegrees * Math.PI) / 180 + 1e-9);
  }
  const uniform = new Uint8Array(48 * 48).fill(77);
  assert.ok(jitterFace(uniform, 3, 1).every((v) => v === 77));
  // A left/right gradient stays a gradient (not mirrored, not destroyed).
  const ramp = Uint8Array.from({ length: 48 * 48 }, (_, i) => (i % 48) * 5);
  const out = jitterFace(ramp, 5, 2);
  assert.ok(out[24 * 48 + 40]! > out[24 * 48 + 8]! + 100);
});

test('kiosk augmentation: seeded, in range, changes the face, and draws a fixed count of numbers', () => {
  const face = Uint8Array.from({ length: 48 * 48 }, (_, i) => (i * 13) % 256);
  const a = new Rng(5);
  const b = new Rng(5);
  const views = Array.from({ length: 20 }, () => kioskAugment(face, a));
  assert.deepEqual(
    views,
    Array.from({ length: 20 }, () => kioskAugment(face, b)),
  );
  for (const view of views) assert.equal(view.length, 48 * 48);
  assert.ok(views.every((v) => v.some((p, i) => p !== face[i])));
  // Every call consumes the same count of draws, so a resumed run's stream stays aligned.
  const counts = [1, 2, 3].map((seed) => {
    const rng = new Rng(seed);
    kioskAugment(face, rng);
    const after = rng.state;
    const probe = new Rng(seed);
    let n = 0;
    while (JSON.stringify(probe.state) !== JSON.stringify(after) && n < 1000) (probe.nextU32(), n++);
    return n;
  });
  assert.ok(counts[0]! > 10 && counts.every((c) => c === counts[0]), `draws per call: ${counts}`);
  assert.ok(KIOSK_AUGMENT.share > 0 && KIOSK_AUGMENT.share < 1);
});
