/** Tracker: ids, lifecycle, crossing faces, lost/return, smoothing maths, re-classification schedule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmaSmoother, OneEuroSmoother, oneEuroAlpha } from '../../../../src/engine/pipeline/smoothing.js';
import { FaceTracker } from '../../../../src/engine/pipeline/tracker.js';
import type { Detection } from '../../../../src/engine/pipeline/types.js';

const face = (x: number, y: number, size = 50): Detection => ({
  box: { x, y, width: size, height: size },
  score: 0.9,
  landmarks: [],
});
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('FaceTracker', () => {
  it('confirms a track after k hits and keeps its id while it moves', () => {
    const tracker = new FaceTracker({ confirmHits: 3 });
    const states: string[] = [];
    let id = -1;
    for (let f = 0; f < 5; f++) {
      const u = tracker.update([face(100 + f * 8, 100)], f * 33);
      if (f === 0) id = u.trackIds[0]!;
      assert.equal(u.trackIds[0], id);
      states.push(tracker.get(id)!.state);
    }
    assert.deepEqual(states, ['tentative', 'tentative', 'confirmed', 'confirmed', 'confirmed']);
  });

  it('a tentative track missed once is dropped (detector noise never gets an id for long)', () => {
    const tracker = new FaceTracker({ confirmHits: 3 });
    const first = tracker.update([face(0, 0)], 0).trackIds[0]!;
    const u = tracker.update([], 33);
    assert.deepEqual(u.removed, [first]);
    assert.equal(u.tracks.length, 0);
  });

  it('keeps ids of two faces that cross paths (velocity prediction)', () => {
    const tracker = new FaceTracker({ confirmHits: 2 });
    // A moves right, B moves left, on the same row; they overlap around frame 10.
    let ids: number[] = [];
    for (let f = 0; f <= 20; f++) {
      const a = face(0 + f * 20, 100),
        b = face(400 - f * 20, 104);
      const u = tracker.update([a, b], f * 33);
      if (f === 0) ids = u.trackIds;
      assert.deepEqual(u.trackIds, ids, `frame ${f}`);
    }
    assert.notEqual(ids[0], ids[1]);
  });

  it('a face leaving and returning within the timeout keeps its id; after the timeout it gets a new one', () => {
    const tracker = new FaceTracker({ confirmHits: 2, lostTimeoutMs: 500 });
    let t = 0;
    const id = tracker.update([face(200, 200)], t).trackIds[0]!;
    tracker.update([face(201, 200)], (t += 33));
    tracker.update([], (t += 33));
    assert.equal(tracker.get(id)!.state, 'lost');
    tracker.update([], (t += 300));
    const back = tracker.update([face(205, 202)], (t += 33));
    assert.equal(back.trackIds[0], id);
    assert.equal(tracker.get(id)!.state, 'confirmed');

    tracker.update([], (t += 33));
    const gone = tracker.update([], (t += 600));
    assert.deepEqual(gone.removed, [id]);
    const fresh = tracker.update([face(205, 202)], (t += 33));
    assert.notEqual(fresh.trackIds[0], id);
  });

  it('falls back to centre distance when a fast face no longer overlaps its old box', () => {
    const tracker = new FaceTracker({ confirmHits: 1, maxCentreDistance: 0.8 });
    const id = tracker.update([face(100, 100)], 0).trackIds[0]!;
    // Moved 35 px with a 50 px box: IoU 0.13 < 0.3, centre distance 0.7 faces.
    assert.equal(tracker.update([face(135, 100)], 33).trackIds[0], id);
  });

  it('classifies a track once it is confirmed, at once, then only every reclassifyEveryMs', () => {
    const tracker = new FaceTracker({ confirmHits: 2, reclassifyEveryMs: 100 });
    const schedule: boolean[] = [];
    for (let f = 0; f < 8; f++) {
      const t = f * 40;
      const u = tracker.update([face(100, 100)], t);
      const due = u.needsClassification.includes(u.trackIds[0]!);
      schedule.push(due);
      if (due) tracker.setScores(u.trackIds[0]!, [1, 0], t);
    }
    // f0 (t=0) tentative → no (not a face yet); f1 confirmed → yes; f2 40 ms → no; f3 80 ms → no; f4 120 ms → yes; f7 → yes.
    assert.deepEqual(schedule, [false, true, false, false, true, false, false, true]);
    const everyFrame = new FaceTracker({ confirmHits: 1, reclassifyEveryMs: 0 });
    for (let f = 0; f < 3; f++) {
      const u = everyFrame.update([face(0, 0)], f * 40);
      assert.equal(u.needsClassification.length, 1);
      everyFrame.setScores(u.trackIds[0]!, [0.5], f * 40);
    }
  });

  it('staggers five faces: all on the frame they are confirmed, then at most classifyPerFrame a frame, each at a steady rate', () => {
    const tracker = new FaceTracker({ confirmHits: 3, reclassifyEveryMs: 150, classifyPerFrame: 2 });
    const faces = [0, 1, 2, 3, 4].map((i) => face(i * 120, 100));
    const classifiedAt = new Map<number, number[]>();
    const perFrame: number[] = [];
    for (let f = 0; f < 50; f++) {
      const t = f * 33; // 30 FPS for 1.65 s
      const u = tracker.update(faces, t);
      perFrame.push(u.needsClassification.length);
      for (const id of u.needsClassification) {
        tracker.setScores(id, [1, 0], t);
        classifiedAt.set(id, [...(classifiedAt.get(id) ?? []), t]);
      }
    }
    assert.deepEqual(perFrame.slice(0, 3), [0, 0, 5], 'every new face gets its label on the frame it is confirmed');
    assert.ok(Math.max(...perFrame.slice(3)) <= 2, `at most 2 a frame after that: ${perFrame}`);
    assert.equal(classifiedAt.size, 5);
    for (const [id, times] of classifiedAt) {
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // Due after 150 ms. All five fall due together once (they appeared together), so the first
      // round takes three frames; after that they are staggered and none waits past 200 ms.
      assert.ok(Math.min(...gaps) >= 150 && Math.max(...gaps.slice(1)) <= 200, `track ${id} gaps ${gaps}`);
      assert.ok(times.length / (1.65 - 0.066) >= 5, `track ${id}: ${times.length} runs in 1.58 s`);
    }
    // A face that walks in while others are due is classified on the frame it is confirmed, on top of the cap.
    let u = tracker.update([...faces, face(300, 300)], 50 * 33);
    const newcomer = u.trackIds[5]!;
    assert.ok(!u.needsClassification.includes(newcomer), 'not yet a face');
    u = tracker.update([...faces, face(300, 300)], 51 * 33);
    u = tracker.update([...faces, face(300, 300)], 52 * 33);
    assert.ok(u.needsClassification.includes(newcomer));
    assert.ok(u.needsClassification.length <= 3);
  });

  it('smooths scores per track with the configured filter', () => {
    const tracker = new FaceTracker({ confirmHits: 1, smoothing: { kind: 'ema', alpha: 0.5 } });
    const id = tracker.update([face(0, 0)], 0).trackIds[0]!;
    tracker.setScores(id, [1, 0], 0);
    tracker.update([face(0, 0)], 40);
    assert.deepEqual(tracker.setScores(id, [0, 1], 40), [0.5, 0.5]);
    assert.deepEqual(tracker.get(id)!.scores, [0.5, 0.5]);
  });
});

describe('smoothing', () => {
  it('EMA known answer: 0 → 1 step with alpha 0.25', () => {
    const s = new EmaSmoother(0.25);
    assert.deepEqual(s.next([0], 0), [0]);
    assert.deepEqual(s.next([1], 1), [0.25]);
    assert.deepEqual(s.next([1], 2), [0.4375]);
    assert.throws(() => new EmaSmoother(0));
  });

  it('One-Euro known answer (hand computed)', () => {
    // minCutoff 1 Hz, beta 0.5, dCutoff 1 Hz, samples 0 then 1 after 100 ms.
    const s = new OneEuroSmoother(1, 0.5, 1);
    assert.deepEqual(s.next([0], 0), [0]);
    const dt = 0.1;
    const aD = 1 / (1 + 1 / (2 * Math.PI) / dt); // 0.38586
    const dx = aD * 10; // speed 10/s, low-passed from 0
    const a = oneEuroAlpha(1 + 0.5 * dx, dt);
    close(s.next([1], 100)[0]!, a);
    close(aD, 0.3858695, 1e-6);
  });

  it('One-Euro: steady input stays put, a fast change is followed faster than with beta = 0', () => {
    const fast = new OneEuroSmoother(1, 5, 1),
      slow = new OneEuroSmoother(1, 0, 1);
    for (const s of [fast, slow]) for (let i = 0; i < 10; i++) close(s.next([0.3], i * 33)[0]!, 0.3);
    let f = 0,
      g = 0;
    for (let i = 10; i < 14; i++) {
      f = fast.next([1], i * 33)[0]!;
      g = slow.next([1], i * 33)[0]!;
    }
    assert.ok(f > g + 0.05, `fast ${f} vs slow ${g}`);
  });
});
