// The scale set that judges detectors by face size (bench/scale-set.ts): matching, and frames built from a source face.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRAME_HEIGHT, FRAME_WIDTH, matchFaces, scaleFrames, type SourceFace } from '../../bench/scale-set.js';

const box = (x: number, y: number, width: number) => ({ x, y, width, height: width });

test('a detection matches a face near its centre at a similar size, each at most once', () => {
  const truth = [box(100, 100, 40), box(300, 100, 40)];
  // One hit, one box at the right place but 3× too large, one box far away.
  const found = [box(105, 98, 44), box(260, 60, 120), box(500, 400, 40)];
  assert.deepEqual(matchFaces(truth, found), { found: 1, truths: 2, falsePositives: 2 });
  // Two detections on one face: one matches, the other is a false positive.
  assert.deepEqual(matchFaces([box(100, 100, 40)], [box(101, 100, 40), box(99, 101, 40)]), {
    found: 1,
    truths: 1,
    falsePositives: 1,
  });
});

test('frames paste each source face at the asked size, inside a 640×480 frame, where the truth says', async () => {
  // A synthetic source: a bright square "face" on a dark photo, its box known.
  const width = 200,
    height = 200;
  const data = Buffer.alloc(width * height * 3, 20);
  for (let y = 80; y < 120; y++)
    for (let x = 80; x < 120; x++) data.fill(250, (y * width + x) * 3, (y * width + x) * 3 + 3);
  const face: SourceFace = { file: 'synthetic', rgb: { data, width, height }, box: box(80, 80, 40) };
  const frames = await scaleFrames([face, face, face], 32, 2);
  assert.equal(
    frames.reduce((n, f) => n + f.truth.length, 0),
    6,
  );
  for (const frame of frames) {
    assert.equal(frame.image.width, FRAME_WIDTH);
    assert.equal(frame.image.height, FRAME_HEIGHT);
    for (const t of frame.truth) {
      assert.ok(Math.abs(t.width - 32) < 1, `face width ${t.width}`);
      assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= FRAME_WIDTH && t.y + t.height <= FRAME_HEIGHT);
      // The bright square is where the truth box says (its centre pixel is bright).
      const cx = Math.round(t.x + t.width / 2),
        cy = Math.round(t.y + t.height / 2);
      assert.ok(frame.image.data[(cy * FRAME_WIDTH + cx) * 4]! > 200, 'face pixel at the truth box centre');
    }
  }
});
