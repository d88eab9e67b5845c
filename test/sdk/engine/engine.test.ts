// The engine's frame logic (src/engine/engine.ts) on a fake runtime (fake-runtime.ts): which faces a frame
// reports, which of them the classifier runs on, how a stream takes turns between detection passes and
// carries the faces a pass cannot see. No model, no ONNX Runtime: milliseconds per test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochNow, type AnalyzeReply } from '../../../src/contract/engine-api.js';
import { BIG_PASS_EVERY_MS } from '../../../src/engine/pipeline/passes.js';
import { expectedLabel } from '../../fixtures/contract-model.js';
import { CONTRACT_CARD, engineWith, frameWith, type FakeEngine, type PaintedFace } from './fake-runtime.js';

const analyze = (fake: FakeEngine, faces: PaintedFace[], timestamp = 0, stream?: number): Promise<AnalyzeReply> =>
  fake.engine.analyze(frameWith(640, 480, faces), {
    timestamp,
    sentAt: epochNow(),
    ...(stream === undefined ? {} : { stream }),
  });
/** A detector input that sees the whole 640×480 frame well: one pass, no tiles. */
const WHOLE = { width: 640, height: 480 };
const face = (x: number, gray: number, size = 60): PaintedFace => ({ x, y: 200, size, gray });

test('analyze: every face found is classified in one batched run, with its label, box and named keypoints', async () => {
  const fake = await engineWith({ detectorInput: WHOLE });
  const faces = [face(40, 40), face(240, 150), face(440, 250)];
  const reply = await analyze(fake, faces);
  assert.deepEqual(
    reply.faces.map((f) => f.expression.label),
    faces.map((f) => expectedLabel(f.gray)),
  );
  assert.deepEqual(reply.faces[1]!.box, { x: 240, y: 200, width: 60, height: 60 });
  assert.deepEqual(reply.faces[1]!.keypoints, { centre: { x: 270, y: 230 } });
  assert.equal(reply.faces[0]!.trackId, undefined, 'a single frame has no tracks');
  assert.deepEqual(fake.runtime.runsOf(CONTRACT_CARD.name), [{ model: CONTRACT_CARD.name, batch: 3 }]);
  assert.equal(reply.timings.classified, 3);
  assert.equal(reply.backend, 'wasm');
});

test('analyze: at most maxFaces faces are classified and reported', async () => {
  const fake = await engineWith({ detectorInput: WHOLE, maxFaces: 2 });
  const reply = await analyze(fake, [face(40, 40), face(240, 150), face(440, 250)]);
  assert.equal(reply.faces.length, 2);
  assert.deepEqual(fake.runtime.runsOf(CONTRACT_CARD.name), [{ model: CONTRACT_CARD.name, batch: 2 }]);
});

test("detector 'none': the frame is one face", async () => {
  const fake = await engineWith({});
  const reply = await analyze(fake, [{ x: 0, y: 0, size: 480, gray: 220 }]);
  assert.equal(reply.faces.length, 1);
  assert.deepEqual(reply.faces[0]!.box, { x: 0, y: 0, width: 640, height: 480 });
});

test('a stream keeps track ids and reuses a track’s scores until it is due again (reclassifyEveryMs)', async () => {
  const fake = await engineWith({
    detectorInput: WHOLE,
    tracking: { reclassifyEveryMs: 1000, confirmHits: 1, smoothing: { kind: 'none' } },
  });
  const replies: AnalyzeReply[] = [];
  for (const t of [0, 100, 200, 1000, 1100]) replies.push(await analyze(fake, [face(240, 150)], t, 1));
  assert.deepEqual(
    replies.map((r) => r.faces[0]!.trackId),
    [1, 1, 1, 1, 1],
  );
  assert.deepEqual(
    replies.map((r) => r.timings.classified),
    [1, 0, 0, 1, 0],
  );
  assert.deepEqual(
    replies.map((r) => r.faces[0]!.classifiedAt),
    [0, 0, 0, 1000, 1000],
  );
  assert.ok(replies.every((r) => r.faces[0]!.expression.label === expectedLabel(150)));
  assert.equal(fake.detector!.seen.length, 5, 'one detector run per frame');
});

test('a stream classifies new faces at once, then at most classifyPerFrame due ones per frame, longest waiting first', async () => {
  const fake = await engineWith({
    detectorInput: WHOLE,
    tracking: { reclassifyEveryMs: 100, classifyPerFrame: 1, confirmHits: 1, smoothing: { kind: 'none' } },
  });
  const faces = [face(40, 40), face(240, 150), face(440, 250)];
  const replies: AnalyzeReply[] = [];
  for (const t of [0, 100, 200, 300, 400]) replies.push(await analyze(fake, faces, t, 1));
  assert.deepEqual(
    replies.map((r) => r.timings.classified),
    [3, 1, 1, 1, 1],
  );
  // Each frame reclassifies the track that waited longest (ties: the lowest id), so they take turns.
  const fresh = replies.slice(1).map((r, i) => r.faces.find((f) => f.classifiedAt === (i + 1) * 100)!.trackId);
  assert.deepEqual(fresh, [1, 2, 3, 1]);
});

test('while a stream tracks a face, a big pass runs at most every BIG_PASS_EVERY_MS; frames between carry the face', async () => {
  const fake = await engineWith({ detectorInput: WHOLE, tracking: { confirmHits: 1 } });
  const step = BIG_PASS_EVERY_MS / 2.5;
  const replies: AnalyzeReply[] = [];
  for (const t of [0, step, 2 * step, 3 * step]) replies.push(await analyze(fake, [face(240, 150)], t, 1));
  assert.equal(fake.detector!.seen.length, 2, 'big passes at 0 and at 3 steps (≥ BIG_PASS_EVERY_MS)');
  assert.deepEqual(
    replies.map((r) => r.faces.map((f) => f.trackId)),
    [[1], [1], [1], [1]],
  );
});

test('a face the pass could see and did not find is no longer reported', async () => {
  const fake = await engineWith({ detectorInput: WHOLE, tracking: { confirmHits: 1 } });
  assert.equal((await analyze(fake, [face(240, 150)], 0, 1)).faces.length, 1);
  assert.equal((await analyze(fake, [], 100, 1)).faces.length, 0);
});

test('a stream alternates the whole frame and zoomed tiles, and carries each face on the passes that cannot see it', async () => {
  // Input 128×96: the whole frame finds faces from 80 px, a 400×300 tile from 50 px. A 120 px face is the
  // whole frame's (too large for tiles), a 60 px one only the top-left tile's.
  const fake = await engineWith({ detectorInput: { width: 128, height: 96 }, tracking: { confirmHits: 1 } });
  const large: PaintedFace = { x: 400, y: 250, size: 120, gray: 220 };
  const small: PaintedFace = { x: 40, y: 40, size: 60, gray: 40 };
  const replies: AnalyzeReply[] = [];
  for (let frame = 0; frame < 9; frame++) replies.push(await analyze(fake, [large, small], frame * 50, 1));
  assert.deepEqual(fake.detector!.seen, [
    '640x480',
    '400x300',
    '640x480',
    '400x300',
    '640x480',
    '400x300',
    '640x480',
    '400x300',
    '640x480',
  ]);
  const ids = (reply: AnalyzeReply) => reply.faces.map((f) => `${f.trackId}:${f.expression.label}`).sort();
  assert.deepEqual(ids(replies[0]!), [`1:${expectedLabel(220)}`], 'the whole frame misses the small face');
  for (const reply of replies.slice(1))
    assert.deepEqual(ids(reply), [`1:${expectedLabel(220)}`, `2:${expectedLabel(40)}`], 'both faces, same ids');
});

test('streams are independent: each takes its own turns among the passes, and an ended stream starts over', async () => {
  const fake = await engineWith({ detectorInput: { width: 128, height: 96 }, tracking: { confirmHits: 1 } });
  const large: PaintedFace = { x: 400, y: 250, size: 120, gray: 220 };
  await analyze(fake, [large], 0, 1);
  await analyze(fake, [large], 0, 2);
  await fake.engine.endStream(1);
  await analyze(fake, [large], 50, 1);
  await analyze(fake, [large], 50, 2);
  // Stream 1 starts over with the whole frame; stream 2 goes on to its first tile.
  assert.deepEqual(fake.detector!.seen, ['640x480', '640x480', '640x480', '400x300'], 'an ended stream starts over');
});

test('dispose releases both sessions; a disposed engine refuses frames with E_DISPOSED', async () => {
  const fake = await engineWith({ detectorInput: WHOLE });
  await fake.engine.dispose();
  assert.deepEqual(fake.runtime.released.sort(), [CONTRACT_CARD.name, 'square-detector'].sort());
  await assert.rejects(analyze(fake, []), (error: { code?: string }) => error.code === 'E_DISPOSED');
});
