// create({ mirror: true }): each face is classified with its mirror image and the two views' logits
// are averaged, on any model. Scores are softmax(mean logits) = softmax(mean log-probabilities).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ensureDist } from '../dist.js';
import { Rng } from '../../training/model/rng.js';

const dist = new URL('../../dist/jadfer.js', import.meta.url);
const model = new URL('../../models/jadfer-base.json', import.meta.url);
const size = 48;

before(ensureDist);

test('mirror averages a face with its mirror image, so a face and its mirror score the same', async () => {
  const { create } = await import(dist.href);
  // A left/right asymmetric "face": mirroring changes what the model sees.
  const rng = new Rng(3);
  const face = Uint8Array.from({ length: size * size }, (_, i) => ((i % size) * 5 + rng.int(40)) & 255);
  const flipped = face.map((_, i) => face[i - (i % size) + (size - 1 - (i % size))]!);
  const plain = await create({ detector: 'none', modelUrl: model.href, cache: 'none' });
  const mirror = await create({ detector: 'none', modelUrl: model.href, cache: 'none', mirror: true });
  try {
    const scores = async (fer: any, data: Uint8Array) =>
      Object.values((await fer.analyze({ data, width: size, height: size }))[0].expression.scores) as number[];
    const [a, b] = [await scores(plain, face), await scores(plain, flipped)];
    const meanLog = a.map((p, k) => (Math.log(p) + Math.log(b[k]!)) / 2);
    const expected = meanLog.map((v) => Math.exp(v)).map((v, _, all) => v / all.reduce((s, x) => s + x, 0));
    const both = await scores(mirror, face);
    const bothFlipped = await scores(mirror, flipped);
    const maxDiff = (x: number[], y: number[]) => Math.max(...x.map((v, k) => Math.abs(v - y[k]!)));
    assert.ok(maxDiff(a, b) > 1e-3, 'the two views differ, so the test can see the average');
    assert.ok(maxDiff(both, expected) < 1e-4, `mirror ${both} vs expected ${expected}`);
    assert.ok(maxDiff(both, bothFlipped) < 1e-4, 'a face and its mirror image score the same');
  } finally {
    await Promise.all([plain.dispose(), mirror.dispose()]);
  }
});
