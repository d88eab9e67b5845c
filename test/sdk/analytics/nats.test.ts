// The kiosk side of fleet analytics: the file buffer (Node's offline store) and the NATS sink
// against a real nats-server on 127.0.0.1 that is not there at first.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { FileBuffer } from '../../../src/analytics/file-buffer.js';
import { createNatsSink, type NatsSinkState } from '../../../src/analytics/nats.js';
import { ANALYTICS_SCHEMA, type WindowEvent } from '../../../src/analytics/schema.js';
import { isJadferError } from '../../../src/contract/errors.js';
import { connectFleet, FLEET, setupFleet } from '../../../cli/fleet/nats.js';
import { freePort, natsServerMissing, startNatsServer } from '../../cli/fleet/nats-server.js';

const work = mkdtempSync(join(tmpdir(), 'jadfer-sink-'));
after(() => rmSync(work, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 11, 7, 14, 0);
const win = (n: number): WindowEvent => ({
  schema: ANALYTICS_SCHEMA,
  type: 'window',
  windowStart: T0 + n * 60_000,
  windowEnd: T0 + (n + 1) * 60_000,
  visitors: n,
  dwellMs: 1000 * n,
  dwellHistogram: [0, n, 0, 0, 0, 0],
  expressions: n ? { neutral: n } : {},
  attentionMs: 0,
  attentionObservedMs: 1000 * n,
  watching: 0,
});
const starts = (events: unknown[]) => events.map((e) => ((e as WindowEvent).windowStart - T0) / 60_000);

test('the file buffer keeps unsent windows across a restart, in order, bounded, and survives a torn last line', async () => {
  const path = join(work, 'buffer.json');
  const first = await FileBuffer.open(path, 5);
  await first.push([win(0), win(1), win(2)]);
  await first.drop(1);
  await first.push([win(3), win(4), win(5), win(6)]); // 7 pushed, 1 confirmed, capacity 5: the oldest goes
  assert.equal(first.overflowed, 1);
  first.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  appendFileSync(path, '{"schema":"jadfer.analytics/v2","type":"win'); // a crash in the middle of a write

  const second = await FileBuffer.open(path, 5);
  assert.deepEqual(starts(await second.peek(10)), [2, 3, 4, 5, 6]);
  await second.drop(5);
  assert.equal(await second.size(), 0);
  second.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(readFileSync(path, 'utf8'), '', 'emptied when everything was confirmed');
});

test('bad sink options are typed errors', () => {
  for (const options of [
    { servers: 'nats://127.0.0.1:4222', site: 'a.b', kiosk: 'k' },
    { servers: 'nats://127.0.0.1:4222', site: 's', kiosk: '' },
    { servers: 'nats://127.0.0.1:4222', site: 's', kiosk: 'k>' },
    { servers: [], site: 's', kiosk: 'k' },
  ])
    assert.throws(
      () => createNatsSink(options),
      (error) => isJadferError(error, 'E_BAD_CONFIG'),
      JSON.stringify(options),
    );
});

test(
  'a kiosk that starts while the server is down keeps its windows in the file, across its own restart, and delivers them in order',
  { skip: natsServerMissing },
  async () => {
    const bufferFile = join(work, 'kiosk.json');
    const options = {
      site: 'lyon',
      kiosk: 'door',
      bufferFile,
      retryBaseMs: 50,
      maxRetryMs: 200,
      ackTimeoutMs: 500,
      connection: { timeout: 500, reconnectTimeWait: 100 },
    };
    // Nothing listens on this port yet.
    const port = await freePort();
    const states: NatsSinkState[] = [];
    const offline = createNatsSink({ ...options, servers: `nats://127.0.0.1:${port}` });
    offline.on('state', (s) => states.push(s));
    offline.accept([win(0), win(1)]);
    offline.accept([win(2)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await offline.stats()).buffered, 3);
    await offline.close(); // the kiosk process stops
    assert.ok(states.some((s) => s.buffered === 3 && !s.connected && s.error));

    const server = await startNatsServer();
    try {
      const nc = await connectFleet(server.url);
      await setupFleet(nc);
      const online = createNatsSink({ ...options, servers: server.url });
      const acked: number[] = [];
      online.on('state', (s) => s.lastAck && acked.push(s.buffered));
      online.accept([win(3)]);
      for (let i = 0; i < 100 && (await online.stats()).buffered > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await online.stats()).buffered, 0);
      assert.equal(online.state.connected, true);
      assert.ok(online.state.lastAck! > 0);
      await online.close();

      const js = jetstream(nc);
      const stream = await js.consumers.get(FLEET.stream);
      const got: WindowEvent[] = [];
      const ids: string[] = [];
      for await (const m of await stream.fetch({ max_messages: 4, expires: 2000 })) {
        assert.equal(m.subject, 'kiosk.lyon.door.agg');
        ids.push(m.headers!.get('Nats-Msg-Id'));
        got.push(JSON.parse(new TextDecoder().decode(m.data)));
      }
      assert.deepEqual(starts(got), [0, 1, 2, 3], 'the windows of the earlier run first, in order');
      assert.deepEqual(
        ids,
        [0, 1, 2, 3].map((n) => `door-${T0 + n * 60_000}`),
      );
      await nc.close();
    } finally {
      await server.stop();
    }
  },
);

test('an unreachable server is reported through the state event, never thrown at the caller', async () => {
  const sink = createNatsSink({
    servers: 'nats://127.0.0.1:1',
    site: 's',
    kiosk: 'k',
    storage: 'memory',
    connection: { timeout: 200 },
  });
  const seen: NatsSinkState[] = [];
  sink.on('state', (s) => seen.push(s));
  sink.accept([win(0)]);
  for (let i = 0; i < 40 && !seen.some((s) => s.error); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(
    seen.some((s) => !s.connected && s.error),
    JSON.stringify(seen),
  );
  await sink.close();
});
