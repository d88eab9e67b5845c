import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createAnalytics, type AnalyticsEvent, type TrackEvent } from '../../src/analytics/index.js';
import type { FaceResult, FrameResult } from '../../src/contract/types.js';

const schema = JSON.parse(readFileSync(new URL('../../src/analytics/analytics-schema.json', import.meta.url), 'utf8'));
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

test('a visit becomes one track event with dwell, dominant expression, histogram and attention', () => {
  let clock = 0;
  const events: AnalyticsEvent[] = [];
  const analytics = createAnalytics({
    onEvent: (e) => events.push(e),
    now: () => clock,
    trackTimeoutMs: 1000,
    summaryEveryMs: 60_000,
  });
  // 30 frames at 10 fps: happy and frontal for 2 s, then neutral and turned away for 1 s.
  for (let i = 0; i < 30; i++) {
    clock = i * 100;
    analytics.observe(frame([face(7, i < 20 ? 'happiness' : 'neutral', i < 15)], i));
  }
  assert.equal(events.length, 0, 'still visible: no event yet');
  clock = 4000;
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
});

test('summaries and disposal emit schema-valid events', async () => {
  let clock = 0;
  const events: AnalyticsEvent[] = [];
  const analytics = createAnalytics({
    onEvent: (e) => events.push(e),
    now: () => clock,
    trackTimeoutMs: 500,
    summaryEveryMs: 2000,
  });
  for (let i = 0; i < 10; i++) {
    clock = i * 100;
    analytics.observe(frame([face(1, 'surprise', true), face(2, 'neutral', false)], i));
  }
  clock = 2500;
  analytics.observe(frame([face(3, 'happiness', true)], 11));
  const summary = events.find((e) => e.type === 'summary');
  assert.ok(summary && summary.type === 'summary');
  assert.equal(summary.visitors, 2);
  assert.deepEqual(summary.expressionShare, { surprise: 0.5, neutral: 0.5 });
  await analytics.dispose();
  assert.ok(
    events.filter((e) => e.type === 'track').some((e) => (e as TrackEvent).trackId === 3),
    'open tracks close on dispose',
  );
  for (const event of events) assert.ok(validate(event), `${event.type}: ${JSON.stringify(validate.errors)}`);
});

test('nothing is sent without an endpoint', async () => {
  let calls = 0;
  const analytics = createAnalytics({
    fetch: (async () => (calls++, new Response())) as typeof fetch,
    storage: 'memory',
    trackTimeoutMs: 0,
  });
  analytics.observe(frame([face(1, 'neutral', true)], 0));
  await analytics.dispose();
  assert.equal(calls, 0);
});

test('the endpoint gets batches; failures are buffered (bounded) and retried with backoff', async () => {
  let clock = 0;
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
    summaryEveryMs: 1e9,
  });
  for (let id = 1; id <= 5; id++) {
    clock += 10;
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
    received.flat().map((e) => (e as TrackEvent).trackId),
    [3, 4, 5],
  );
  assert.ok(received.every((batch) => batch.length <= 2));
  await analytics.dispose();
});
