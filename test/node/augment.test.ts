import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JITTER, jitterFace, jitterMatrix } from '../../training/data/augment.js';

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
