// Detection passes for streams (the whole frame, then zoomed tiles in turn) and the tracker carrying what a pass cannot see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BIG_PASS_EVERY_MS,
  covers,
  detectionPasses,
  inView,
  PassCycle,
  PassSchedule,
  regionAround,
} from '../../../../src/engine/pipeline/passes.js';
import { FaceTracker } from '../../../../src/engine/pipeline/tracker.js';
import type { Detection } from '../../../../src/engine/pipeline/types.js';

const face = (x: number, y: number, size: number): Detection => ({
  box: { x, y, width: size, height: size },
  score: 0.9,
  landmarks: [{ x: x + size / 3, y: y + size / 3 }],
});

describe('detection passes', () => {
  it('640×480 at 256×192: the whole frame finds faces from 40 px, 2×2 overlapping tiles from 25 px', () => {
    const { whole, tiles } = detectionPasses(640, 480, 256, 192);
    assert.equal(whole.minSize, 40);
    assert.equal(tiles.length, 4);
    // Tiles overlap by a quarter and together cover the frame.
    assert.deepEqual(tiles[0]!.region, { x: 0, y: 0, width: 400, height: 300 });
    assert.deepEqual(tiles[3]!.region, { x: 240, y: 180, width: 400, height: 300 });
    assert.equal(tiles[0]!.minSize, 25);
    assert.equal(tiles[0]!.maxSize, 40);
  });

  it('a stream runs a big pass on every frame while it tracks nothing, else once every BIG_PASS_EVERY_MS', () => {
    const schedule = new PassSchedule();
    const at = (t: number, tracking: boolean) => schedule.next(640, 480, 256, 192, t, tracking);
    assert.ok(at(0, false) && at(10, false) && at(20, false), 'nothing tracked: look everywhere, every frame');
    const frames = Array.from({ length: 30 }, (_, i) => 30 + i * 20); // 50 FPS, faces tracked
    const big = frames.filter((t) => at(t, true));
    const gaps = big.slice(1).map((t, i) => t - big[i]!);
    // Every third 20 ms frame: never sooner than BIG_PASS_EVERY_MS, never a frame later than needed.
    assert.ok(
      gaps.every((g) => g >= BIG_PASS_EVERY_MS && g < BIG_PASS_EVERY_MS + 20),
      `gaps ${gaps}`,
    );
    // The cycle goes on where it was: whole, tile, whole, tile …
    const passes = Array.from({ length: 4 }, (_, i) => at(10_000 + i * 100, true)!);
    assert.equal(passes.filter((p) => p.region.width === 640).length, 2);
  });

  it('a region pass sees a square twice the face around it, past the frame edge if need be', () => {
    assert.deepEqual(regionAround({ x: 100, y: 50, width: 40, height: 50 }), { x: 70, y: 25, width: 100, height: 100 });
    assert.deepEqual(regionAround({ x: -10, y: 0, width: 30, height: 30 }), { x: -25, y: -15, width: 60, height: 60 });
  });

  it('a small frame needs no tiles: its whole-frame pass already finds 24 px faces', () => {
    assert.deepEqual(detectionPasses(320, 240, 256, 192).tiles, []);
  });

  it('a pass covers faces of its sizes, whole in its view; a tile does not cover faces cut by its inner edges', () => {
    const { whole, tiles } = detectionPasses(640, 480, 256, 192);
    assert.ok(covers(whole, face(100, 100, 80).box));
    assert.ok(!covers(whole, face(100, 100, 30).box), 'too small for the whole frame');
    assert.ok(covers(whole, face(-10, 100, 80).box), "a face crossing the frame's edge is still the whole pass's");
    const [topLeft] = tiles;
    assert.ok(covers(topLeft!, face(100, 100, 30).box));
    assert.ok(!covers(topLeft!, face(100, 100, 50).box), 'large faces are the whole pass’s');
    assert.ok(!covers(topLeft!, face(390, 100, 30).box), 'cut by the inner edge at x = 400');
    assert.ok(!covers(topLeft!, face(500, 100, 30).box), 'outside');
    assert.ok(inView(topLeft!, face(-5, -5, 30).box), "the frame's own edges do not cut");
  });

  it('a stream alternates the whole frame with each tile in turn', () => {
    const cycle = new PassCycle();
    const regions = Array.from({ length: 9 }, () => cycle.next(640, 480, 256, 192).region);
    const whole = { x: 0, y: 0, width: 640, height: 480 };
    assert.deepEqual([regions[0], regions[2], regions[4], regions[6], regions[8]], Array(5).fill(whole));
    assert.deepEqual(new Set([1, 3, 5, 7].map((i) => regions[i]!.x + regions[i]!.y * 1000)).size, 4);
    // A new frame size starts the cycle again.
    assert.deepEqual(cycle.next(320, 240, 256, 192).region, { x: 0, y: 0, width: 320, height: 240 });
  });
});

describe('tracking across passes', () => {
  it('carries a face the pass cannot see, at its predicted position, and does not count it as missed', () => {
    const tracker = new FaceTracker({ confirmHits: 1, lostTimeoutMs: 1000 });
    const { whole, tiles } = detectionPasses(640, 480, 256, 192);
    // A small face found by the top-left tile, and a large one by the whole frame.
    const small = tracker.update([face(100, 100, 30)], 0, (box) => covers(tiles[0]!, box)).trackIds[0]!;
    const large = tracker.update([face(300, 200, 100)], 40, (box) => covers(whole, box)).trackIds[0]!;
    // The whole-frame pass misses the small face (too small for it): carried, not lost.
    const update = tracker.update([face(301, 200, 100)], 80, (box) => covers(whole, box));
    assert.deepEqual(update.trackIds, [large]);
    assert.deepEqual(
      update.carried.map((c) => c.id),
      [small],
    );
    assert.deepEqual(update.carried[0]!.detection.box, face(100, 100, 30).box, 'its last detection');
    assert.equal(tracker.get(small)!.state, 'confirmed');
    // The tile that covers it misses it: now it is lost.
    tracker.update([], 120, (box) => covers(tiles[0]!, box));
    assert.equal(tracker.get(small)!.state, 'lost');
    // Carried faces are classified on schedule too: a carried face with no label yet is due.
    const fresh = new FaceTracker({ confirmHits: 1 });
    const id = fresh.update([face(100, 100, 30)], 0).trackIds[0]!;
    assert.deepEqual(fresh.update([], 40, () => false).needsClassification, [id]);
  });

  it('on frames slower than lostTimeoutMs a face is carried through the passes that cannot see it', () => {
    // A large face, the whole frame's to find; the tiles do not answer for it. One frame every 1.5 s.
    const { whole, tiles } = detectionPasses(640, 480, 256, 192);
    // The engine passes the stream's own cycle length.
    const passes = new PassCycle();
    passes.next(640, 480, 256, 192);
    const cycle = passes.length;
    const tracker = new FaceTracker({ lostTimeoutMs: 1000 });
    const id = tracker.update([face(300, 200, 100)], 0, (box) => covers(whole, box), cycle).trackIds[0]!;
    const tile = tracker.update([], 1500, (box) => covers(tiles[0]!, box), cycle);
    assert.deepEqual(
      tile.carried.map((c) => c.id),
      [id],
      'not dropped by a pass that could not see it',
    );
    assert.equal(tracker.update([face(302, 200, 100)], 3000, (box) => covers(whole, box), cycle).trackIds[0], id);
    // A face no pass can see goes once the clock has run out and every pass has had its turn.
    const never = () => false;
    const lone = tracker.update([face(100, 100, 30)], 3000, never, cycle).trackIds[0]!;
    for (let frame = 1; frame < cycle; frame++)
      assert.ok(
        tracker.update([], 3000 + frame * 1500, never, cycle).carried.some((c) => c.id === lone),
        `frame ${frame}`,
      );
    assert.ok(tracker.update([], 3000 + cycle * 1500, never, cycle).removed.includes(lone));
  });

  it('a carried face unseen for lostTimeoutMs is dropped all the same', () => {
    const tracker = new FaceTracker({ confirmHits: 1, lostTimeoutMs: 500 });
    const id = tracker.update([face(100, 100, 30)], 0).trackIds[0]!;
    assert.equal(tracker.update([], 400, () => false).carried.length, 1);
    const late = tracker.update([], 600, () => false);
    assert.deepEqual(late.carried, []);
    assert.deepEqual(late.removed, [id]);
  });
});
