/**
 * `npm run bench:fleet`: how much one nats-server (Debian's 2.9.x, started here on 127.0.0.1)
 * carries for fleet analytics, measured through the real code: N kiosks' NATS sinks publishing
 * windows (acknowledged, de-duplicated), the roll-up consumer applying them to the key-value
 * bucket, and the end-to-end lag from a kiosk's accept() to the window being in its roll-up, at
 * a steady load. Everything runs in this one process beside the server, so on a small machine the
 * figures are a floor of what a dedicated server does. Prints JSON (one line) then a table.
 *
 *   npm run bench:fleet [-- --kiosks 200 --windows 30 --rate 500 --seconds 10]
 */
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import type { KV } from '@nats-io/kv';
import { readFileSync } from 'node:fs';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { scriptArgs, numberOption } from '../common/args.js';
import { connectFleet, DEFAULT_LIMITS, FLEET, openBucket, runRollup, setupFleet } from '../cli/fleet/nats.js';
import { hourOf, keys, type KioskHour } from '../cli/fleet/rollup.js';
import { createNatsSink, type NatsSink } from '../src/analytics/nats.js';
import { ANALYTICS_SCHEMA, type WindowEvent } from '../src/analytics/schema.js';
import { startNatsServer } from '../test/cli/fleet/nats-server.js';
import { expected } from '../test/cli/fleet/kiosks.js';

const USAGE = `Usage: npm run bench:fleet [-- --kiosks N] [-- --windows N] [-- --rate N] [-- --seconds N]

  --kiosks N    simulated kiosks, one NATS connection each (default 200)
  --windows N   windows each kiosk publishes in the throughput phase (default 60: an hour)
  --rate N      windows per second, all kiosks together, in the lag phase (default 500)
  --seconds N   length of the lag phase (default 10)
  --ids N       windows published with distinct message ids to measure the server's memory per
                id kept for de-duplication (default 50000; 0 skips; only with the bench's own server)
  --server URL  use running server(s) instead of starting one (e.g. the 3-node cluster of docs/fleet/);
                kiosks and the consumer connect to the first URL, setup to all
  --replicas N  stream, consumer and bucket replicas for setup (3 for that cluster; default 1)
  --via URL     kiosks connect here instead (a site's leaf node, docs/fleet/site-leaf.conf)`;

const settings = scriptArgs(
  {
    usage: USAGE,
    options: {
      kiosks: { type: 'string' },
      windows: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      ids: { type: 'string' },
      server: { type: 'string' },
      replicas: { type: 'string' },
      via: { type: 'string' },
    },
  },
  ({ values }) => ({
    kiosks: numberOption(values.kiosks, 'kiosks', { integer: true, min: 1 }) ?? 200,
    windows: numberOption(values.windows, 'windows', { integer: true, min: 1 }) ?? 60,
    rate: numberOption(values.rate, 'rate', { min: 1 }) ?? 500,
    seconds: numberOption(values.seconds, 'seconds', { min: 1 }) ?? 10,
    ids: numberOption(values.ids, 'ids', { integer: true, min: 0 }) ?? 50_000,
    server: values.server,
    replicas: numberOption(values.replicas, 'replicas', { integer: true, min: 1 }) ?? 1,
    via: values.via,
  }),
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BASE = Date.UTC(2026, 0, 1);
/** Window n of kiosk k (content from the fleet test's plan), n minutes after BASE. */
function windowOf(k: number, n: number): WindowEvent {
  const t = expected(k, n);
  return {
    schema: ANALYTICS_SCHEMA,
    type: 'window',
    windowStart: BASE + n * 60_000,
    windowEnd: BASE + (n + 1) * 60_000,
    visitors: t.visitors,
    dwellMs: t.dwellMs,
    dwellHistogram: t.dwellHistogram,
    expressions: t.expressions,
    attentionMs: t.attentionMs,
    attentionObservedMs: t.attentionObservedMs,
    watching: 0,
  };
}

/** The server process's resident memory, in bytes. */
const rss = (pid: number) => 1024 * Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

async function pending(nc: Parameters<typeof jetstreamManager>[0]) {
  const info = await (await jetstreamManager(nc)).consumers.info(FLEET.stream, FLEET.consumer);
  return info.num_pending + info.num_ack_pending;
}

const server = settings.server ? undefined : await startNatsServer();
const url = settings.server?.split(',')[0] ?? server!.url;
const kioskUrl = settings.via ?? url;
const nc = await connectFleet(settings.server?.split(',') ?? url);
await setupFleet(nc, { ...DEFAULT_LIMITS, replicas: settings.replicas });
const bucket: KV = await openBucket(nc);
const sinks: NatsSink[] = Array.from({ length: settings.kiosks }, (_, k) =>
  createNatsSink({ servers: kioskUrl, site: `site-${k % 10}`, kiosk: `k${k}`, storage: 'memory' }),
);
const load = { before: loadavg()[0]!, after: 0 };
try {
  while (!sinks.every((s) => s.state.connected)) await sleep(20);

  // 1. Publish: every kiosk hands over its windows at once; time until all are acknowledged.
  const total = settings.kiosks * settings.windows;
  let t = performance.now();
  sinks.forEach((sink, k) => sink.accept(Array.from({ length: settings.windows }, (_, n) => windowOf(k, n))));
  for (;;) {
    const stats = await Promise.all(sinks.map((s) => s.stats()));
    if (stats.every((s) => s.buffered === 0)) break;
    await sleep(10);
  }
  const publishSeconds = (performance.now() - t) / 1000;

  // 2. Roll-up: one consumer takes the backlog; time until nothing is pending.
  const stop = new AbortController();
  t = performance.now();
  const consumer = runRollup(nc, { signal: stop.signal });
  while ((await pending(nc)) > 0) await sleep(20);
  const rollupSeconds = (performance.now() - t) / 1000;

  // 3. Lag at a steady load: kiosks publish `rate` windows a second; a probe kiosk's windows are
  // timed from accept() to their appearance in the roll-up (a watch on its kiosk-hour entry).
  const probe = createNatsSink({ servers: kioskUrl, site: 'probe', kiosk: 'probe', storage: 'memory' });
  const sent = new Map<number, number>();
  const lags: number[] = [];
  const watched = new Set<number>();
  const watch = async () => {
    const iterator = await bucket.watch({ key: keys.kioskHour('probe', 'probe', hourOf(BASE)) });
    for await (const entry of iterator) {
      if (entry.operation !== 'PUT') continue;
      for (const start of entry.json<KioskHour>().applied)
        if (!watched.has(start) && sent.has(start)) {
          watched.add(start);
          lags.push(performance.now() - sent.get(start)!);
        }
      if (stop.signal.aborted) break;
    }
  };
  void watch();
  let next = settings.windows;
  const perTick = settings.rate / 20; // every 50 ms
  let owed = 0;
  let probes = 0;
  const end = performance.now() + settings.seconds * 1000;
  for (let tick = 0; performance.now() < end; tick++) {
    owed += perTick;
    while (owed >= 1) {
      const k = Math.floor(Math.random() * settings.kiosks);
      sinks[k]!.accept([windowOf(k, (next++ % 3000) + settings.windows)]);
      owed--;
    }
    if (tick % 10 === 0 && probes < 59) {
      const w = windowOf(0, probes++);
      sent.set(w.windowStart, performance.now());
      probe.accept([w]);
    }
    await sleep(50);
  }
  for (let i = 0; i < 200 && lags.length < probes; i++) await sleep(50);
  load.after = loadavg()[0]!;
  stop.abort();
  await consumer;
  await probe.close();

  // 4. Storage: bytes per stored window (stream) and per kiosk-hour roll-up (bucket).
  const jsm = await jetstreamManager(nc);
  const stream = (await jsm.streams.info(FLEET.stream)).state;
  const kv = (await jsm.streams.info(`KV_${FLEET.bucket}`)).state;
  const kioskHours = new Set<string>();
  for await (const key of await bucket.keys('kh.>')) kioskHours.add(key);
  // The fullest kiosk-hour entry (its size grows with the windows it holds: the applied list).
  const fullest = { windows: 0, bytes: 0 };
  for (const key of kioskHours) {
    const entry = (await bucket.get(key))!;
    const windows = entry.json<KioskHour>().applied.length;
    if (windows > fullest.windows) Object.assign(fullest, { windows, bytes: entry.length });
  }

  // 5. De-duplication memory: the server keeps every message id for the duplicate window.
  let bytesPerId: number | null = null;
  if (settings.ids > 0 && server) {
    const js = jetstream(nc);
    const before = rss(server.pid!);
    const body = JSON.stringify(windowOf(1, 1));
    for (let i = 0; i < settings.ids; i += 1000)
      await Promise.all(
        Array.from({ length: Math.min(1000, settings.ids - i) }, (_, j) =>
          js.publish(`kiosk.dedupe.k${(i + j) % 1000}.track`, body, { msgID: `k${i + j}-${BASE + (i + j) * 60_000}` }),
        ),
      );
    bytesPerId = Math.round((rss(server.pid!) - before) / settings.ids);
  }

  lags.sort((a, b) => a - b);
  const q = (p: number) => +(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN).toFixed(1);
  const result = {
    bench: 'fleet',
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    natsServer: execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim(),
    servers: `${settings.server ?? 'one, started here'}${settings.via ? `, kiosks via ${settings.via}` : ''}`,
    replicas: settings.replicas,
    loadavg: load,
    kiosks: settings.kiosks,
    publish: {
      windows: total,
      seconds: +publishSeconds.toFixed(2),
      windowsPerSecond: Math.round(total / publishSeconds),
    },
    rollup: { windows: total, seconds: +rollupSeconds.toFixed(2), windowsPerSecond: Math.round(total / rollupSeconds) },
    lag: {
      rate: settings.rate,
      seconds: settings.seconds,
      probes,
      measured: lags.length,
      medianMs: q(0.5),
      p95Ms: q(0.95),
      maxMs: q(1),
    },
    storage: {
      bytesPerStoredWindow: Math.round(stream.bytes / stream.messages),
      fullestKioskHourEntry: fullest,
      kvBytes: kv.bytes,
      serverMemoryBytesPerMessageId: bytesPerId,
    },
  };
  console.log(JSON.stringify(result));
  console.log(
    [
      '',
      `fleet bench on ${result.machine}, ${result.natsServer} (${result.servers}, R${settings.replicas}), load ${load.before.toFixed(1)} → ${load.after.toFixed(1)}`,
      `${'phase'.padEnd(34)} ${'windows/s'.padStart(10)}  detail`,
      `${`publish, ${settings.kiosks} kiosks`.padEnd(34)} ${String(result.publish.windowsPerSecond).padStart(10)}  ${total} windows in ${result.publish.seconds} s, acknowledged`,
      `${'roll-up, 1 consumer'.padEnd(34)} ${String(result.rollup.windowsPerSecond).padStart(10)}  ${total} windows in ${result.rollup.seconds} s, into the bucket`,
      `${`end-to-end lag at ${settings.rate} windows/s`.padEnd(34)} ${''.padStart(10)}  median ${result.lag.medianMs} ms, p95 ${result.lag.p95Ms} ms, max ${result.lag.maxMs} ms (${lags.length} probes)`,
      `storage: ${result.storage.bytesPerStoredWindow} B per stored window, ${fullest.bytes} B for a kiosk-hour roll-up of ${fullest.windows} windows, ` +
        `server memory ${bytesPerId === null ? 'not measured' : `${bytesPerId} B`} per message id kept for de-duplication${bytesPerId === null ? '' : ` (${settings.ids} ids)`}`,
    ].join('\n'),
  );
} finally {
  await Promise.all(sinks.map((s) => s.close()));
  if (!server) {
    // Leave external servers as they were found.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(FLEET.stream).catch(() => {});
    await jsm.streams.delete(`KV_${FLEET.bucket}`).catch(() => {});
  }
  await nc.close();
  await server?.stop();
}
