// Fleet analytics end to end on a real nats-server (Debian's, started here on 127.0.0.1): 200
// simulated kiosks (the real analytics module and NATS sink) publish 60 windows each while the
// server is killed and restarted twice, one kiosk's link is cut, a consumer process is killed,
// and windows are resent on purpose; the roll-ups must equal the known totals exactly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  applyWindows,
  connectFleet,
  DEFAULT_LIMITS,
  FLEET,
  openBucket,
  runRollup,
  setupFleet,
} from '../../../cli/fleet/nats.js';
import {
  addTotals,
  emptyTotals,
  hourOf,
  keys,
  type KioskHour,
  type KioskWindow,
  type SiteHour,
  type Totals,
} from '../../../cli/fleet/rollup.js';
import { ANALYTICS_SCHEMA } from '../../../src/analytics/schema.js';
import analyticsSchema from '../../../src/analytics/analytics-schema.json' with { type: 'json' };
import { natsServerMissing, startNatsServer, type NatsServer } from './nats-server.js';
import { startLink } from './proxy.js';
import { expected, SimKiosk, WINDOW_MS } from './kiosks.js';

if (natsServerMissing) console.warn(`*** SKIPPING fleet tests: ${natsServerMissing} ***`);
const skip = natsServerMissing;

const KIOSKS = 200;
const WINDOWS = 60;
const SITES = 10;
const CUT_KIOSK = 7;
/** 13:30 UTC: the 60 windows fill the second half of one hour and the first half of the next. */
const START = Date.UTC(2026, 11, 7, 13, 30);

let server: NatsServer;
let nc: NatsConnection;
let work: string;

before(async () => {
  if (skip) return;
  server = await startNatsServer();
  nc = await connectFleet(server.url);
  // A short ack wait: after a crash, unacknowledged windows come again within seconds.
  await setupFleet(nc, { ...DEFAULT_LIMITS, ackWaitMs: 2000 });
  work = mkdtempSync(join(tmpdir(), 'jadfer-fleet-'));
});
after(async () => {
  await nc?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true, failing after `limitMs` with `what`. */
async function until(what: string, limitMs: number, check: () => Promise<boolean>): Promise<void> {
  for (const end = Date.now() + limitMs; Date.now() < end; await sleep(100)) if (await check()) return;
  assert.fail(`timed out waiting for ${what}`);
}

test(
  '200 kiosks × 60 windows through two server crashes, a cut link, a killed consumer and resends: roll-ups exact',
  { skip },
  async () => {
    const begun = performance.now();
    const link = await startLink(Number(new URL(server.url).port));
    const kiosks = Array.from(
      { length: KIOSKS },
      (_, index) =>
        new SimKiosk({
          index,
          site: `site-${index % SITES}`,
          start: START,
          servers: index === CUT_KIOSK ? link.url : server.url,
          bufferFile: join(work, `kiosk-${index}.json`),
          ackTimeoutMs: 1000,
          retryBaseMs: 100,
          maxRetryMs: 500,
          connection: { reconnectTimeWait: 200 },
        }),
    );
    // Two roll-up consumers in this process (they share the durable consumer and race on the
    // same entries), and one in a child process that is killed with SIGKILL mid-run.
    const stop = new AbortController();
    const consumers = [
      runRollup(nc, { signal: stop.signal, batch: 200 }),
      runRollup(nc, { signal: stop.signal, batch: 50 }),
    ];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/index.ts', 'fleet', 'consume', '--server', server.url],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let childLog = '';
    child.stderr.on('data', (chunk) => (childLog += chunk));

    try {
      const cutStates: boolean[] = [];
      kiosks[CUT_KIOSK]!.sink.on('state', (s) => cutStates.push(s.connected));

      // Window 0, then every kiosk has connected (on its first send), before the faults begin.
      for (const kiosk of kiosks) kiosk.playWindow(0);
      await until('every kiosk to connect', 60_000, async () => kiosks.every((k) => k.sink.state.connected));
      for (let w = 1; w < WINDOWS; w++) {
        if (w === 10) link.cut();
        if (w === 20 || w === 40) await server.kill();
        if (w === 25 || w === 45) await server.start();
        if (w === 30) {
          child.kill('SIGKILL');
          assert.ok(childLog === '' || !/Error/.test(childLog), childLog);
        }
        if (w === 35) link.restore();
        for (const kiosk of kiosks) kiosk.playWindow(w);
        await sleep(20); // let the sinks publish between windows, as minutes would
      }
      for (const kiosk of kiosks) kiosk.finish(WINDOWS);
      const phases: Record<string, number> = { played: performance.now() };

      await until('every kiosk to have its windows acknowledged', 90_000, async () => {
        const stats = await Promise.all(kiosks.map((k) => k.sink.stats()));
        return stats.every((s) => s.buffered === 0);
      });
      // The cut kiosk noticed the cut and came back.
      assert.ok(cutStates.includes(false) && cutStates.at(-1) === true, `link states ${cutStates.join(',')}`);
      phases.acknowledged = performance.now();
      const stats = await Promise.all(kiosks.map((k) => k.sink.stats()));
      assert.equal(
        stats.reduce((sum, s) => sum + s.sent, 0),
        KIOSKS * WINDOWS,
        'each window acknowledged once per kiosk',
      );
      assert.equal(
        stats.reduce((sum, s) => sum + s.overflowed + s.lostToStorage, 0),
        0,
      );
      assert.ok(stats[CUT_KIOSK]!.failedSends > 0, 'the cut kiosk failed to send, buffered and resent');

      // Sent twice on purpose: 100 windows republished with their message ids (JetStream drops
      // them), and 50 with fresh ids, as after an outage longer than the duplicate window
      // (stored twice; the roll-up must skip them).
      const js = jetstream(nc);
      const stored = await jsm().then((m) => m.streams.info(FLEET.stream));
      const replay = await js.consumers.get(FLEET.stream); // an ordered consumer over the whole stream
      const resent = { duplicate: 0, storedAgain: 0 };
      const seen = await replay.fetch({ max_messages: 150 });
      let i = 0;
      for await (const m of seen) {
        const id = m.headers?.get('Nats-Msg-Id') ?? '';
        const ack = await js.publish(m.subject, m.data, { msgID: i < 100 ? id : `${id}-again` });
        if (ack.duplicate) resent.duplicate++;
        else resent.storedAgain++;
        i++;
      }
      assert.deepEqual(resent, { duplicate: 100, storedAgain: 50 });
      assert.equal(stored.state.messages, KIOSKS * WINDOWS, 'JetStream stored each window once');

      await until('the roll-up consumers to drain', 60_000, async () => {
        const info = await (await jsm()).consumers.info(FLEET.stream, FLEET.consumer);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      });
      phases.drained = performance.now();
      stop.abort();
      const rounds = await Promise.all(consumers);
      assert.ok(
        rounds.some((r) => r.failedRounds > 0),
        'the consumers saw the server go away',
      );
      assert.equal(
        rounds.reduce((sum, r) => sum + r.rejected, 0),
        0,
      );

      // The roll-ups: every kiosk-hour, site-hour and the fleet total equal the known content.
      const bucket = await openBucket(nc);
      const fleet = emptyTotals();
      const sites = new Map<string, Map<number, Totals>>();
      for (let k = 0; k < KIOSKS; k++) {
        const site = `site-${k % SITES}`;
        for (const hour of [hourOf(START), hourOf(START) + 3_600_000]) {
          const want = emptyTotals();
          for (let w = 0; w < WINDOWS; w++) if (hourOf(START + w * WINDOW_MS) === hour) addTotals(want, expected(k, w));
          const entry = (await bucket.get(keys.kioskHour(site, `k${k}`, hour)))?.json<KioskHour>();
          assert.deepEqual(entry?.totals, want, `kiosk k${k}, hour ${new Date(hour).toISOString()}`);
          assert.equal(entry!.applied.length, 30);
          const bySite = sites.get(site) ?? new Map<number, Totals>();
          bySite.set(hour, addTotals(bySite.get(hour) ?? emptyTotals(), want));
          sites.set(site, bySite);
          addTotals(fleet, want);
        }
      }
      const fromSites = emptyTotals();
      for (const [site, hours] of sites)
        for (const [hour, want] of hours) {
          const entry = (await bucket.get(keys.siteHour(site, hour)))?.json<SiteHour>();
          assert.deepEqual(entry?.totals, want, `site ${site}, hour ${new Date(hour).toISOString()}`);
          addTotals(fromSites, entry!.totals);
        }
      assert.deepEqual(fromSites, fleet);
      assert.equal(fleet.windows, KIOSKS * WINDOWS);
      console.log(
        `fleet: ${fleet.windows} windows, ${fleet.visitors} visits rolled up exactly; resends: ${JSON.stringify(resent)}; ` +
          `consumer rounds: ${JSON.stringify(rounds)}; s after start: ${JSON.stringify(
            Object.fromEntries(Object.entries(phases).map(([k, t]) => [k, +((t - begun) / 1000).toFixed(1)])),
          )}`,
      );
    } finally {
      stop.abort();
      child.kill('SIGKILL');
      await Promise.all(kiosks.map((k) => k.analytics.dispose()));
      await link.close();
    }
  },
);

test(
  'no message in the stream carries pixels, boxes, landmarks, embeddings or a lasting identifier',
  { skip },
  async () => {
    const js = jetstream(nc);
    const all = await js.consumers.get(FLEET.stream);
    const info = await (await jsm()).streams.info(FLEET.stream);
    assert.ok(info.state.messages >= KIOSKS * WINDOWS, 'runs after the fleet test, on its stream');
    // The fields the JSON schema requires of a window (it allows no other).
    const windowFields: string[] = [...analyticsSchema.$defs.window.required].sort();
    let checked = 0;
    for await (const m of await all.fetch({ max_messages: info.state.messages })) {
      const body = JSON.parse(new TextDecoder().decode(m.data));
      assert.match(m.subject, /^kiosk\.site-\d+\.k\d+\.agg$/);
      assert.deepEqual(Object.keys(body).sort(), windowFields, 'exactly the window fields');
      assert.equal(body.schema, ANALYTICS_SCHEMA);
      // Only numbers, the schema and type names, and expression labels: no string could hold an id or an image.
      const strings = JSON.stringify(body)
        .match(/"[^"]*"/g)!
        .map((s) => s.slice(1, -1));
      for (const s of strings)
        assert.ok(windowFields.includes(s) || /^(jadfer\.analytics\/v2|window|neutral|happiness|surprise)$/.test(s), s);
      assert.ok(m.data.length < 400, `${m.data.length} bytes`);
      // The only header is the de-duplication id: kiosk and window start, both already in the subject and body.
      assert.deepEqual([...m.headers!.keys()], ['Nats-Msg-Id']);
      assert.match(m.headers!.get('Nats-Msg-Id'), /^k\d+-\d+(-again)?$/);
      checked++;
    }
    assert.equal(checked, info.state.messages);
  },
);

test('a consumer that dies between its write and its ack counts nothing twice', { skip }, async () => {
  // The same windows applied twice in a row (the crash case), and in two racing rounds.
  const bucket = await openBucket(nc);
  const window = (n: number): KioskWindow => ({
    site: 'crash',
    kiosk: 'k1',
    window: {
      schema: ANALYTICS_SCHEMA,
      type: 'window',
      windowStart: START + n * WINDOW_MS,
      windowEnd: START + (n + 1) * WINDOW_MS,
      visitors: 2,
      dwellMs: 3000,
      dwellHistogram: [0, 1, 1, 0, 0, 0],
      expressions: { neutral: 2 },
      attentionMs: 1000,
      attentionObservedMs: 3000,
      watching: 0,
    },
  });
  const batch = [window(0), window(1), window(2)];
  assert.equal((await applyWindows(bucket, batch)).applied, 3);
  assert.equal((await applyWindows(bucket, batch)).applied, 0, 'redelivered: nothing new');
  const racing = await Promise.all([
    applyWindows(bucket, [window(3), window(4)]),
    applyWindows(bucket, [window(4), window(5)]),
  ]);
  assert.equal(racing[0].applied + racing[1].applied, 3);
  const entry = (await bucket.get(keys.kioskHour('crash', 'k1', hourOf(START))))!.json<KioskHour>();
  assert.equal(entry.totals.windows, 6);
  assert.equal(entry.totals.visitors, 12);
  const site = (await bucket.get(keys.siteHour('crash', hourOf(START))))!.json<SiteHour>();
  assert.deepEqual(site.totals, entry.totals);
});

async function jsm() {
  return jetstreamManager(nc);
}
