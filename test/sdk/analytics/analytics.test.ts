import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  createAnalytics,
  DWELL_BUCKETS_MS,
  WINDOW_FIELDS,
  type AnalyticsEvent,
  type TrackEvent,
  type WindowEvent,
} from '../../../src/analytics/index.js';
import { isJadferError } from '../../../src/contract/errors.js';
import type { FaceResult, FrameResult } from '../../../src/contract/types.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../src/analytics/analytics-schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ allErrors: true }).compile(schema);

const LABELS = ['neutral', 'happiness', 'surprise'];
function face(trackId: number, label: string, frontal: boolean): FaceResult {
  const scores = Object.fromEntries(LABELS.map((l) => [l, l === label ? 0.8 : 0.1]));
  // Eyes 40 px apart; a turned head moves the nose tip sideways.
  const nose = { x: frontal ? 120 : 140, y: 130 };
  return {
    box: { x: 80, y: 80, width: 80, height: 80 },
    score: 0.9,
    landmarks: [{ x: 100, y: 110 }, { x: 140, y: 110 }, nose, { x: 120, y: 150 }],
    expression: { label, scores },
    trackId,
  };
}
const frame = (faces: FaceResult[], index: number): FrameResult => ({
  faces,
  timestamp: index,
  latencyMs: 5,
  backend: 'wasm',
  dropped: 0,
  droppedTotal: 0,
  index,
  timings: {
    transfer: 0,
    pixels: 0,
    detectPreprocess: 0,
    detectRun: 0,
    detectDecode: 0,
    align: 0,
    classify: 0,
    track: 0,
    reply: 0,
    total: 5,
    classified: faces.length,
  },
});

/** An epoch time on a minute boundary, as a kiosk's clock would give. */
const T0 = Date.UTC(2026, 11, 7, 14, 0, 0);
const windows = (events: AnalyticsEvent[]) => events.filter((e): e is WindowEvent => e.type === 'window');

test('by default a visit lands in a window as counts and sums, with no per-visitor record', () => {
  let clock = T0;
  const events: AnalyticsEvent[] = [];
  const analytics = createAnalytics({ onEvent: (e) => events.push(e), now: () => clock, trackTimeoutMs: 1000 });
  // 30 frames at 10 fps: happy and frontal for 2 s, then neutral and turned away for 1 s.
  for (let i = 0; i < 30; i++) {
    clock = T0 + i * 100;
    analytics.observe(frame([face(7, i < 20 ? 'happiness' : 'neutral', i < 15)], i));
  }
  clock = T0 + 4000;
  analytics.observe(frame([], 31));
  assert.equal(events.length, 0, 'the visit ended, but nothing is emitted per visitor');
  clock = T0 + 60_000;
  analytics.observe(frame([], 32));
  assert.equal(events.length, 1);
  const w = events[0] as WindowEvent;
  assert.ok(validate(w), JSON.stringify(validate.errors));
  assert.deepEqual(w, {
    schema: 'jadfer.analytics/v2',
    type: 'window',
    windowStart: T0,
    windowEnd: T0 + 60_000,
    visitors: 1,
    dwellMs: 2900,
    dwellHistogram: [0, 1, 0, 0, 0, 0],
    expressions: { happiness: 1 },
    attentionMs: 1500,
    attentionObservedMs: 2900,
    watching: 0,
  });
});

test('opt-in track events: dwell, dominant expression, histogram and attention per visit', () => {
  let clock = T0;
  const events: AnalyticsEvent[] = [];
  const analytics = createAnalytics({
    onEvent: (e) => events.push(e),
    now: () => clock,
    trackTimeoutMs: 1000,
    trackEvents: true,
  });
  for (let i = 0; i < 30; i++) {
    clock = T0 + i * 100;
    analytics.observe(frame([face(7, i < 20 ? 'happiness' : 'neutral', i < 15)], i));
  }
  assert.equal(events.length, 0, 'still visible: no event yet');
  clock = T0 + 4000;
  analytics.observe(frame([], 31));
  assert.equal(events.length, 1);
  const track = events[0] as TrackEvent;
  assert.ok(validate(track), JSON.stringify(validate.errors));
  assert.equal(track.trackId, 7);
  assert.equal(track.dwellMs, 2900);
  assert.equal(track.frames, 30);
  assert.equal(track.dominantExpression, 'happiness');
  assert.equal(track.expressionMs.happiness, 2000);
  assert.equal(track.expressionMs.neutral, 900);
  assert.ok(Math.abs(track.meanScores.happiness! - (20 * 0.8 + 10 * 0.1) / 30) < 1e-9);
  assert.equal(track.attentionMs, 1500);
  assert.ok(Math.abs(track.attentionRatio! - 1500 / 2900) < 1e-9);
  // No pixels, boxes, landmarks or embeddings in what leaves the SDK.
  assert.doesNotMatch(JSON.stringify(track), /landmarks|box|data|embedding/);
  // The session id is drawn per createAnalytics() (per page load): a second instance gets another.
  const other: AnalyticsEvent[] = [];
  const second = createAnalytics({
    onEvent: (e) => other.push(e),
    now: () => clock,
    trackEvents: true,
    trackTimeoutMs: 0,
  });
  second.observe(frame([face(7, 'neutral', true)], 0));
  clock += 10;
  second.observe(frame([], 1));
  assert.notEqual((other[0] as TrackEvent).sessionId, track.sessionId);
});

test('windows fall on wall-clock boundaries, the first starts with the session, visits go to the window their end is noticed in', async () => {
  let clock = T0 + 25_000; // a session starting mid-minute (a reload)
  const events: AnalyticsEvent[] = [];
  const analytics = createAnalytics({
    onEvent: (e) => events.push(e),
    now: () => clock,
    trackTimeoutMs: 500,
    windowMs: 10_000,
  });
  const at = (ms: number, faces: FaceResult[]) => {
    clock = T0 + ms;
    analytics.observe(frame(faces, ms));
  };
  at(26_000, [face(1, 'surprise', true), face(2, 'neutral', false)]);
  at(27_000, [face(1, 'surprise', true), face(2, 'neutral', false)]);
  at(29_000, [face(3, 'happiness', true)]); // 1 and 2 ended at 27.5 s: in the first window
  at(29_700, [face(3, 'happiness', true)]); // last seen 29.7 s: it times out after the boundary at 30 s
  at(45_000, []); // a gap with no frames: [30 s, 40 s) was not observed, and 3's end is noticed now
  at(52_000, [face(4, 'neutral', true)]);
  await analytics.dispose();
  const w = windows(events);
  assert.deepEqual(
    w.map((e) => [e.windowStart - T0, e.windowEnd - T0, e.visitors]),
    [
      [25_000, 30_000, 2],
      [40_000, 50_000, 1],
      [50_000, 52_000, 1],
    ],
  );
  assert.deepEqual(w[0]!.expressions, { surprise: 1, neutral: 1 });
  assert.equal(w[0]!.watching, 1, 'face 3 is on screen at the boundary');
  assert.deepEqual(w[1]!.expressions, { happiness: 1 });
  assert.equal(w[2]!.dwellHistogram[0], 1, 'a one-frame visit lasts 0 ms');
  for (const event of events) assert.ok(validate(event), `${event.type}: ${JSON.stringify(validate.errors)}`);
  assert.ok(!events.some((e) => e.type === 'track'));
});

test('a dwell histogram bucket per DWELL_BUCKETS_MS edge, and the shares add up', () => {
  let clock = T0;
  const events: AnalyticsEvent[] = [];
  const analytics = createAnalytics({ onEvent: (e) => events.push(e), now: () => clock, trackTimeoutMs: 1000 });
  // One visit per bucket: exactly on each edge (edges are exclusive upper bounds), and one below the first.
  const dwells = [999, ...DWELL_BUCKETS_MS];
  dwells.forEach((dwell, id) => {
    const start = T0 + id * 70_000 + 1000;
    for (let t = 0; t < dwell; t += 500) {
      clock = start + t;
      analytics.observe(frame([face(id, 'neutral', true)], 0));
    }
    clock = start + dwell;
    analytics.observe(frame([face(id, 'neutral', true)], 1));
    clock += 1001;
    analytics.observe(frame([], 2));
  });
  clock += 60_000;
  analytics.observe(frame([], 3));
  const total = windows(events).reduce((sum, w) => sum.map((n, i) => n + w.dwellHistogram[i]!), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(total, [1, 1, 1, 1, 1, 1]);
  assert.equal(
    windows(events).reduce((sum, w) => sum + w.dwellMs, 0),
    dwells.reduce((a, b) => a + b, 0),
  );
});

test('windowMs that does not divide an hour is a typed error', () => {
  for (const windowMs of [7000, 999, 1.5, Number.NaN])
    assert.throws(
      () => createAnalytics({ windowMs }),
      (error) => isJadferError(error, 'E_BAD_CONFIG'),
    );
});

test('the JSON schema lets no pixels, boxes, landmarks, embeddings or lasting identifier through', () => {
  // Every object in the schema is closed (additionalProperties false or typed numbers only).
  const text = JSON.stringify(schema);
  assert.doesNotMatch(text, /"(box|landmarks|pixels|data|image|embedding|descriptor|deviceId|userId|personId)"/);
  const windowProps = Object.keys(schema.$defs.window.properties);
  assert.ok(!windowProps.some((p) => /id$/i.test(p)), `a window carries no identifier: ${windowProps}`);
  assert.equal(schema.$defs.window.additionalProperties, false);
  assert.deepEqual([...WINDOW_FIELDS].sort(), [...schema.$defs.window.required].sort(), 'one list of window fields');
  assert.equal(schema.$defs.track.additionalProperties, false);
  const smuggled = {
    schema: 'jadfer.analytics/v2',
    type: 'window',
    windowStart: T0,
    windowEnd: T0 + 60_000,
    visitors: 0,
    dwellMs: 0,
    dwellHistogram: [0, 0, 0, 0, 0, 0],
    expressions: {},
    attentionMs: 0,
    attentionObservedMs: 0,
    watching: 0,
  };
  assert.ok(validate(smuggled));
  assert.ok(!validate({ ...smuggled, kioskVisitorId: 'abc' }), 'an extra field is refused');
  assert.ok(!validate({ ...smuggled, expressions: { neutral: [0.1, 0.2] } }), 'a vector in a count is refused');
  assert.ok(!validate({ ...smuggled, visitors: 0.5 }), 'counts are integers');
});

test('nothing is sent without an endpoint', async () => {
  let calls = 0;
  const analytics = createAnalytics({
    fetch: (async () => (calls++, new Response())) as typeof fetch,
    storage: 'memory',
    trackTimeoutMs: 0,
    trackEvents: true,
  });
  analytics.observe(frame([face(1, 'neutral', true)], 0));
  await analytics.dispose();
  assert.equal(calls, 0);
});

test('the endpoint gets batches; failures are buffered (bounded) and retried with backoff', async () => {
  let clock = T0;
  let online = false;
  const received: AnalyticsEvent[][] = [];
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    if (!online) throw new TypeError('network down');
    received.push(JSON.parse(String(init.body)).events);
    return new Response(null, { status: 204 });
  }) as typeof fetch;
  const analytics = createAnalytics({
    endpoint: 'https://collector.invalid/e',
    fetch: fakeFetch,
    storage: 'memory',
    batchSize: 2,
    maxBuffered: 3,
    retryBaseMs: 20,
    trackTimeoutMs: 0,
    now: () => clock,
    windowMs: 1000,
  });
  // Five one-second windows close: [0, 1 s) empty, then one visit in each.
  for (let id = 1; id <= 5; id++) {
    clock = T0 + id * 1000 + 10;
    analytics.observe(frame([face(id, 'neutral', true)], id));
    clock += 10;
    analytics.observe(frame([], id));
  }
  await analytics.flush();
  await new Promise((resolve) => setTimeout(resolve, 10));
  let stats = await analytics.stats();
  assert.ok(stats.failedSends >= 1);
  assert.equal(stats.buffered, 3, 'bounded buffer keeps the newest 3');
  assert.equal(stats.overflowed, 2);
  online = true;
  await new Promise((resolve) => setTimeout(resolve, 200));
  stats = await analytics.stats();
  assert.equal(stats.buffered, 0, 'the retry delivered everything');
  assert.deepEqual(
    received.flat().map((e) => (e as WindowEvent).windowStart - T0),
    [2000, 3000, 4000],
  );
  assert.ok(received.every((batch) => batch.length <= 2));
  await analytics.dispose();
});
