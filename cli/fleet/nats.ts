/**
 * The fleet side's NATS plumbing: the stream kiosks publish into, the durable roll-up consumer,
 * the key-value bucket of roll-ups, and the consumer loop. The NATS client packages are optional
 * peer dependencies, imported here only (so `jadfer` commands other than `fleet` never load them).
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { JadferError } from '../../src/contract/errors.js';
import {
  applyToKioskHour,
  applyToLast,
  applyToSiteHour,
  hourOf,
  keys,
  parseWindow,
  type KioskHour,
  type KioskLast,
  type KioskWindow,
  type SiteHour,
} from './rollup.js';

export const FLEET = {
  stream: 'JADFER_KIOSKS',
  subjects: ['kiosk.>'],
  /** The roll-up consumer reads windows only; opted-in track events stay in the stream. */
  filter: 'kiosk.*.*.agg',
  consumer: 'jadfer-rollup',
  bucket: 'jadfer-fleet',
} as const;

export interface FleetLimits {
  /** JetStream drops a resent window within this time of the first (kiosk outages longer than this are still counted once: see rollup.ts). */
  duplicateWindowMs: number;
  /** Raw windows are kept this long (the roll-ups are kept until deleted). */
  maxAgeMs: number;
  maxBytes: number;
  replicas: number;
  /** A message not acknowledged within this time is delivered again. */
  ackWaitMs: number;
}

export const DEFAULT_LIMITS: FleetLimits = {
  duplicateWindowMs: 24 * 3_600_000,
  maxAgeMs: 7 * 24 * 3_600_000,
  maxBytes: 8 * 1024 ** 3,
  replicas: 1,
  ackWaitMs: 30_000,
};

const NS_PER_MS = 1_000_000;

async function natsModules() {
  try {
    const [transport, jetstream, kv] = await Promise.all([
      import('@nats-io/transport-node'),
      import('@nats-io/jetstream'),
      import('@nats-io/kv'),
    ]);
    return { transport, jetstream, kv };
  } catch (cause) {
    throw new JadferError(
      'E_MISSING_DEPENDENCY',
      'jadfer fleet needs the NATS client: npm install @nats-io/transport-node @nats-io/jetstream @nats-io/kv',
      { cause },
    );
  }
}

/**
 * Connects the fleet side. Credentials: `nats://user:password@host:port` in a URL (the client
 * ignores them there, so they are taken out and passed as user and pass), or `options`.
 */
export async function connectFleet(
  server: string | string[],
  options: Record<string, unknown> = {},
): Promise<NatsConnection> {
  const { transport } = await natsModules();
  const credentials: Record<string, string> = {};
  const servers = [server].flat().map((entry) => {
    const url = new URL(entry.includes('://') ? entry : `nats://${entry}`);
    if (url.username) {
      credentials.user = decodeURIComponent(url.username);
      credentials.pass = decodeURIComponent(url.password);
    }
    return `${url.protocol}//${url.host}`;
  });
  try {
    return await transport.connect({
      servers,
      name: 'jadfer-fleet',
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      ...credentials,
      ...options,
    });
  } catch (cause) {
    throw new JadferError(
      'E_BACKEND_UNAVAILABLE',
      `cannot reach NATS at ${servers.join(', ')}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** Creates (or updates to these limits) the stream, the roll-up consumer and the bucket. Idempotent. */
export async function setupFleet(nc: NatsConnection, limits: FleetLimits = DEFAULT_LIMITS) {
  const { jetstream, kv } = await natsModules();
  const jsm = await jetstream.jetstreamManager(nc);
  const stream = {
    name: FLEET.stream,
    subjects: [...FLEET.subjects],
    storage: jetstream.StorageType.File,
    retention: jetstream.RetentionPolicy.Limits,
    discard: jetstream.DiscardPolicy.Old,
    max_age: limits.maxAgeMs * NS_PER_MS,
    max_bytes: limits.maxBytes,
    max_msg_size: 16 * 1024,
    duplicate_window: limits.duplicateWindowMs * NS_PER_MS,
    num_replicas: limits.replicas,
  };
  const exists = await jsm.streams.info(FLEET.stream).then(
    () => true,
    () => false,
  );
  const info = exists ? await jsm.streams.update(FLEET.stream, stream) : await jsm.streams.add(stream);
  const consumer = {
    durable_name: FLEET.consumer,
    ack_policy: jetstream.AckPolicy.Explicit,
    deliver_policy: jetstream.DeliverPolicy.All,
    filter_subject: FLEET.filter,
    ack_wait: limits.ackWaitMs * NS_PER_MS,
    max_ack_pending: 20_000,
    num_replicas: limits.replicas,
  };
  const hasConsumer = await jsm.consumers.info(FLEET.stream, FLEET.consumer).then(
    () => true,
    () => false,
  );
  if (hasConsumer) await jsm.consumers.update(FLEET.stream, FLEET.consumer, consumer);
  else await jsm.consumers.add(FLEET.stream, consumer);
  await new kv.Kvm(nc).create(FLEET.bucket, { history: 1, replicas: limits.replicas });
  return { stream: info.config, consumer };
}

export async function openBucket(nc: NatsConnection): Promise<KV> {
  const { kv } = await natsModules();
  return new kv.Kvm(nc).open(FLEET.bucket);
}

const WRONG_LAST_SEQUENCE = 10071;

/** Reads `key`, applies `update`, writes the result only if the entry did not change meanwhile (else retries). */
async function compareAndSet<T>(bucket: KV, key: string, update: (current: T | null) => T | null): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    const entry = await bucket.get(key);
    const current = entry && entry.operation === 'PUT' ? entry.json<T>() : null;
    const next = update(current);
    if (next === null) return current;
    try {
      if (entry) await bucket.update(key, JSON.stringify(next), entry.revision);
      else await bucket.create(key, JSON.stringify(next));
      return next;
    } catch (error) {
      const code = (error as { code?: number }).code;
      const conflict = code === WRONG_LAST_SEQUENCE || /wrong last sequence|key exists/i.test((error as Error).message);
      if (!conflict || attempt >= 100) throw error;
    }
  }
}

export interface RollupStats {
  /** Messages taken from the consumer. */
  messages: number;
  /** Windows added to a kiosk-hour roll-up for the first time. */
  applied: number;
  /** Windows that were already in their roll-up (redelivered, or resent after the duplicate window). */
  alreadyApplied: number;
  /** Messages refused (not a valid window); terminated, never redelivered. */
  rejected: number;
  /** Rounds that failed (the server away, a write refused) and were left for redelivery. */
  failedRounds: number;
}

/** Applies one round of windows to the bucket (idempotently); returns how many were new. */
export async function applyWindows(bucket: KV, windows: KioskWindow[]): Promise<{ applied: number }> {
  const byKioskHour = new Map<string, KioskWindow[]>();
  for (const w of windows) {
    const key = keys.kioskHour(w.site, w.kiosk, hourOf(w.window.windowStart));
    byKioskHour.set(key, [...(byKioskHour.get(key) ?? []), w]);
  }
  // Independent entries are written concurrently (pipelined on the connection); each is a CAS loop of its own.
  const updates = await Promise.all(
    [...byKioskHour].map(async ([key, group]) => {
      let added = 0;
      const result = await compareAndSet<KioskHour>(bucket, key, (current) => {
        const next = applyToKioskHour(current, group);
        added = next ? next.applied.length - (current?.applied.length ?? 0) : 0;
        return next;
      });
      return { added, result };
    }),
  );
  const applied = updates.reduce((sum, u) => sum + u.added, 0);
  const bySiteHour = new Map<string, KioskHour[]>();
  for (const { result: kh } of updates) {
    if (!kh) continue;
    const key = keys.siteHour(kh.site, kh.hour);
    bySiteHour.set(key, [...(bySiteHour.get(key) ?? []), kh]);
  }
  const lastEnd = new Map<string, KioskWindow>();
  for (const w of windows) {
    const key = keys.last(w.site, w.kiosk);
    if ((lastEnd.get(key)?.window.windowEnd ?? -1) < w.window.windowEnd) lastEnd.set(key, w);
  }
  await Promise.all([
    ...[...bySiteHour].map(([key, group]) =>
      compareAndSet<SiteHour>(bucket, key, (current) =>
        applyToSiteHour(current, group[0]!.site, group[0]!.hour, group),
      ),
    ),
    ...[...lastEnd].map(([key, w]) =>
      compareAndSet<KioskLast>(bucket, key, (current) => applyToLast(current, w.site, w.kiosk, w.window.windowEnd)),
    ),
  ]);
  return { applied };
}

export interface RollupOptions {
  /** Messages per round (default 500). */
  batch?: number;
  signal?: AbortSignal;
  /** After every round, with the running totals. */
  onRound?: (stats: RollupStats) => void;
  /** Refused messages, one line each (default: stderr). */
  onReject?: (reason: string, subject: string) => void;
}

/**
 * The roll-up consumer: fetches windows from the durable consumer, applies them to the bucket
 * and acknowledges them, until `signal` aborts. Stateless: any number may run, and one may be
 * killed at any moment (what it did not acknowledge comes again and is applied once).
 */
export async function runRollup(nc: NatsConnection, options: RollupOptions = {}): Promise<RollupStats> {
  const { jetstream } = await natsModules();
  const js = jetstream.jetstream(nc);
  const bucket = await openBucket(nc);
  const stats: RollupStats = { messages: 0, applied: 0, alreadyApplied: 0, rejected: 0, failedRounds: 0 };
  const onReject =
    options.onReject ?? ((reason, subject) => console.error(`jadfer fleet: refused ${subject}: ${reason}`));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const batch = options.batch ?? 500;

  const applyRound = async (messages: JsMsg[]) => {
    const windows: KioskWindow[] = [];
    const valid: JsMsg[] = [];
    for (const m of messages) {
      const parsed = parseWindow(m.subject, m.data);
      if ('error' in parsed) {
        onReject(parsed.error, m.subject);
        m.term();
        stats.rejected++;
      } else {
        windows.push(parsed);
        valid.push(m);
      }
    }
    try {
      const { applied } = await applyWindows(bucket, windows);
      // Acknowledged only once applied: a crash before this line means redelivery, and re-applying is a no-op.
      for (const m of valid) m.ack();
      stats.messages += messages.length;
      stats.applied += applied;
      stats.alreadyApplied += windows.length - applied;
    } catch {
      // The server is away (or a write was refused): the round comes again, and is applied once.
      stats.failedRounds++;
      for (const m of valid) m.nak(200);
      await pause(250);
    }
    options.onRound?.({ ...stats });
  };

  while (!options.signal?.aborted) {
    try {
      const consumer = await js.consumers.get(FLEET.stream, FLEET.consumer);
      // A continuous pull into a queue; a round is whatever has queued while the previous round
      // was being applied (up to `batch`): a quiet fleet is applied at once, a busy one in large rounds.
      // Pull requests expire every 5 s (heartbeats every 2.5 s), so after a server restart the
      // pull resumes within seconds rather than the client's default 30.
      const messages = await consumer.consume({ max_messages: batch, expires: 5000 });
      const abort = () => void messages.stop();
      options.signal?.addEventListener('abort', abort, { once: true });
      const queue: JsMsg[] = [];
      let wake: (() => void) | undefined;
      let drained: (() => void) | undefined;
      let done = false;
      const worker = (async () => {
        for (;;) {
          if (queue.length > 0) {
            const round = queue.splice(0, batch);
            drained?.();
            await applyRound(round);
          } else if (done) return;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      })();
      try {
        for await (const m of messages) {
          queue.push(m);
          wake?.();
          // Back-pressure: the client pulls more only as this loop takes messages, so a full
          // queue waits for the worker (queued messages would otherwise outlive their ack wait).
          if (queue.length >= batch) await new Promise<void>((resolve) => (drained = resolve));
        }
      } finally {
        done = true;
        wake?.();
        await worker;
      }
      options.signal?.removeEventListener('abort', abort);
    } catch {
      // No server (or it is restarting): unacknowledged windows come again.
      stats.failedRounds++;
      await pause(250);
    }
  }
  return stats;
}
