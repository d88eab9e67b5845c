/**
 * `jadfer/analytics/nats`: a sink that publishes analytics windows to NATS JetStream, for a
 * fleet of kiosks (`jadfer fleet` is the other side).
 *
 *   import { createAnalytics } from 'jadfer';
 *   import { createNatsSink } from 'jadfer/analytics/nats';
 *   const sink = createNatsSink({ servers: 'wss://nats.example.com', site: 'paris-3', kiosk: 'door-left' });
 *   sink.on('state', (s) => console.log(s.connected, s.buffered, s.lastAck));
 *   fer.on('result', createAnalytics({ sink }).observe);
 *
 * Each window goes to `kiosk.<site>.<kiosk>.agg` with the message id `<kiosk>-<windowStart>`, and
 * leaves the buffer only once JetStream acknowledged it; the stream drops a resent window as a
 * duplicate. Opted-in track events go to `kiosk.<site>.<kiosk>.track`. Unacknowledged events wait
 * in IndexedDB (browser) or a file (Node), survive a reload or restart, and are resent in order.
 *
 * The NATS client (`@nats-io/nats-core`, `@nats-io/jetstream`, and `@nats-io/transport-node` for
 * `nats://` servers in Node) is an optional peer dependency, loaded when the sink first connects.
 */
import { JadferError } from '../contract/errors.js';
import { openBuffer, type EventBuffer } from './buffer.js';
import { Delivery, type AnalyticsSink, type SinkStats } from './delivery.js';
import { cacheFile, FileBuffer } from './file-buffer.js';
import type { AnalyticsEvent } from './schema.js';

export interface NatsSinkOptions {
  /** `ws://` / `wss://` URLs (browsers: WebSocket), or `nats://host:port` (Node: TCP). */
  servers: string | string[];
  /** Site and kiosk names: letters, digits, `-` and `_`, at most 64 (they become subject tokens). */
  site: string;
  kiosk: string;
  /** 'auto' (default): IndexedDB in a browser, a file in Node; 'memory': lost on reload. */
  storage?: 'auto' | 'memory';
  /** Node: the buffer file (default `$XDG_CACHE_HOME/jadfer/analytics-<site>-<kiosk>.json`). */
  bufferFile?: string;
  /** Unacknowledged events kept at most, oldest dropped first (default 10 080: a week of minute windows). */
  maxBuffered?: number;
  /** How long to wait for JetStream's acknowledgement of a publish (default 5 s). */
  ackTimeoutMs?: number;
  /** First retry delay after a failed send (default 1 s); doubles up to `maxRetryMs` (default 30 s). */
  retryBaseMs?: number;
  maxRetryMs?: number;
  /** Events published per round (default 50). */
  batchSize?: number;
  /** Passed to the NATS client's connect(): credentials, TLS, reconnect timing. */
  connection?: Record<string, unknown>;
}

export interface NatsSinkState {
  connected: boolean;
  /** Events waiting for an acknowledgement. */
  buffered: number;
  /** Epoch ms of the last acknowledgement, or null. */
  lastAck: number | null;
  /** Send rounds that failed (each is retried). */
  failedSends: number;
  /** The last connection or publish problem, cleared on success. */
  error: string | null;
}

export interface NatsSink extends AnalyticsSink {
  readonly state: NatsSinkState;
  /** `state` after every change (connection, stored, acknowledged, failed); returns an unsubscribe. */
  on(type: 'state', listener: (state: NatsSinkState) => void): () => void;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The subject of a window (`agg`) or an opted-in track event (`track`) from one kiosk. */
export function kioskSubject(site: string, kiosk: string, kind: 'agg' | 'track'): string {
  return `kiosk.${site}.${kiosk}.${kind}`;
}

/** JetStream's de-duplication id: one per window of a kiosk. */
export function messageId(kiosk: string, event: AnalyticsEvent): string {
  return event.type === 'window' ? `${kiosk}-${event.windowStart}` : `${kiosk}-t-${event.eventId}`;
}

interface Connection {
  publish(subject: string, data: string, options: { msgID: string; timeout: number }): Promise<unknown>;
  close(): Promise<void>;
}

export function createNatsSink(options: NatsSinkOptions): NatsSink {
  const { site, kiosk } = options;
  for (const [key, value] of Object.entries({ site, kiosk }))
    if (typeof value !== 'string' || !NAME.test(value))
      throw new JadferError('E_BAD_CONFIG', `${key} must be 1–64 letters, digits, '-' or '_'`, {
        details: { [key]: value },
      });
  const servers = [options.servers].flat();
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s === ''))
    throw new JadferError('E_BAD_CONFIG', 'servers must name at least one NATS server', { details: { servers } });
  const ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  const listeners = new Set<(state: NatsSinkState) => void>();
  const state: NatsSinkState = { connected: false, buffered: 0, lastAck: null, failedSends: 0, error: null };
  let connection: Promise<Connection> | undefined;
  let closed = false;

  const changed = (patch: Partial<NatsSinkState>) => {
    Object.assign(state, patch);
    const snapshot = { ...state };
    for (const listener of listeners) listener(snapshot);
  };

  const connect = (): Promise<Connection> => {
    connection ??= openConnection(servers, { name: `jadfer-${site}-${kiosk}`, ...options.connection }, (up) => {
      changed({ connected: up });
      if (up) void delivery.flush();
    }).catch((error) => {
      // Not reachable now (or no client installed): the next send tries again.
      connection = undefined;
      throw error;
    });
    return connection;
  };

  const delivery = new Delivery({
    buffer: openSinkBuffer(options),
    batchSize: options.batchSize ?? 50,
    sendAt: 1,
    retryBaseMs: options.retryBaseMs ?? 1000,
    maxRetryMs: options.maxRetryMs ?? 30_000,
    flushEveryMs: 0,
    async transport(batch) {
      let conn: Connection;
      try {
        conn = await connect();
      } catch (error) {
        changed({ error: (error as Error).message });
        throw error;
      }
      // Published back to back on one connection (so in order), acknowledged one by one.
      const acks = batch.map((event) =>
        conn.publish(kioskSubject(site, kiosk, event.type === 'window' ? 'agg' : 'track'), JSON.stringify(event), {
          msgID: messageId(kiosk, event),
          timeout: ackTimeoutMs,
        }),
      );
      let confirmed = 0;
      for (const ack of acks) {
        try {
          await ack;
        } catch (error) {
          changed({ error: (error as Error).message });
          break;
        }
        confirmed++;
      }
      for (const ack of acks.slice(confirmed)) ack.catch(() => {});
      if (confirmed > 0) changed({ lastAck: Date.now(), error: confirmed === batch.length ? null : state.error });
      return confirmed;
    },
    onChange: () => void delivery.stats().then((s) => changed({ buffered: s.buffered, failedSends: s.failedSends })),
  });

  // Connect now (in the background), so the state says early whether the server is reachable.
  void connect().catch((error) => changed({ error: (error as Error).message }));

  return {
    get state() {
      return { ...state };
    },
    on(_type, listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    accept(events) {
      if (!closed) delivery.accept(events);
    },
    flush: () => delivery.flush(),
    stats: (): Promise<SinkStats> => delivery.stats(),
    async close() {
      if (closed) return;
      closed = true;
      // A last try, bounded: an unreachable server must not hold up dispose(); what is unsent stays stored.
      await Promise.race([delivery.close(), new Promise((resolve) => setTimeout(resolve, ackTimeoutMs))]);
      const conn = await connection?.catch(() => undefined);
      await conn?.close();
      changed({ connected: false });
      listeners.clear();
    },
  };
}

async function openSinkBuffer(options: NatsSinkOptions): Promise<EventBuffer> {
  const capacity = options.maxBuffered ?? 10_080;
  const storage = options.storage ?? 'auto';
  const inNode = typeof process !== 'undefined' && !!process.versions?.node && typeof indexedDB === 'undefined';
  if (storage === 'auto' && inNode)
    return FileBuffer.open(
      options.bufferFile ?? (await cacheFile(`analytics-${options.site}-${options.kiosk}.json`)),
      capacity,
    );
  return openBuffer(`jadfer-analytics-nats-${options.site}-${options.kiosk}`, capacity, storage);
}

/** Connects with the NATS client (loaded now), reports connection changes, and returns a JetStream publisher. */
async function openConnection(
  servers: string[],
  extra: Record<string, unknown>,
  onConnected: (up: boolean) => void,
): Promise<Connection> {
  const missing = (cause: unknown) =>
    new JadferError(
      'E_MISSING_DEPENDENCY',
      'the NATS sink needs @nats-io/nats-core and @nats-io/jetstream (and @nats-io/transport-node for nats:// in Node)',
      { cause },
    );
  const web = servers.every((s) => /^wss?:\/\//.test(s));
  const [core, jsModule] = await Promise.all([import('@nats-io/nats-core'), import('@nats-io/jetstream')]).catch(
    (error) => {
      throw missing(error);
    },
  );
  const connectTcp = async () => {
    // Node only: a variable specifier keeps browser bundlers from pulling in Node's net module.
    const name = '@nats-io/transport-node';
    const tcp = (await import(/* webpackIgnore: true */ /* @vite-ignore */ name).catch((error) => {
      throw missing(error);
    })) as typeof import('@nats-io/transport-node');
    return tcp.connect;
  };
  const connect = web ? core.wsconnect : await connectTcp();
  const nc = await connect({
    servers,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    // A link that dies silently (no reset) is noticed within a minute, not the client's default 4–6.
    pingInterval: 20_000,
    maxPingOut: 3,
    ...extra,
  });
  onConnected(true);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') onConnected(false);
      else if (status.type === 'reconnect') onConnected(true);
    }
  })();
  const js = jsModule.jetstream(nc);
  return {
    publish: (subject, data, publishOptions) => js.publish(subject, data, publishOptions),
    close: () => nc.close(),
  };
}
