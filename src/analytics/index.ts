/**
 * Signage analytics. By default it produces `window` events (`jadfer.analytics/v2`): per-window
 * counts and sums (visits, dwell and its histogram, dominant expressions, attention), with no
 * per-visitor record and no identifier. Per-visit `track` events are an explicit opt-in
 * (`trackEvents: true`): pseudonymous personal data. Events go only where the integrator says:
 * a callback, an endpoint that receives batched POSTs, and/or a sink such as the NATS one
 * (`jadfer/analytics/nats`); sinks buffer offline and retry with backoff.
 *
 *   const analytics = createAnalytics({ onEvent: console.log, endpoint: '/collect' });
 *   fer.on('result', analytics.observe);
 */
import type { FrameResult } from '../contract/types.js';
import { JadferError } from '../contract/errors.js';
import { Aggregator } from './aggregator.js';
import { openBuffer } from './buffer.js';
import { Delivery, type AnalyticsSink } from './delivery.js';
import type { AnalyticsEvent } from './schema.js';

export * from './schema.js';
export type { AnalyticsSink, SinkStats, Transport } from './delivery.js';
export { isAttentive, yawProxy, ATTENTION_YAW_LIMIT } from './attention.js';

export interface AnalyticsOptions {
  /** Called with every event, synchronously, whether or not anything is sent. */
  onEvent?: (event: AnalyticsEvent) => void;
  /** Where batches are POSTed as `{ schema, events }`. Nothing is POSTed without it. */
  endpoint?: string;
  /** Another destination (for example `createNatsSink()` from `jadfer/analytics/nats`). */
  sink?: AnalyticsSink;
  /**
   * Window length in ms (default 60 000). It must divide an hour, so that windows fall on the
   * same boundaries on every kiosk and roll up into hours exactly.
   */
  windowMs?: number;
  /**
   * Opt-in: also emit one `track` event per visit (dwell, timestamps, scores, attention, with a
   * per-session id). Those are personal data under the GDPR; off by default.
   */
  trackEvents?: boolean;
  batchSize?: number;
  flushEveryMs?: number;
  /** Unsent events kept at most (oldest dropped first). */
  maxBuffered?: number;
  trackTimeoutMs?: number;
  /** First retry delay after a failed send; doubles per failure, up to 5 minutes. */
  retryBaseMs?: number;
  /** 'auto': IndexedDB where available (survives reloads and outages), else memory. */
  storage?: 'auto' | 'memory';
  /** For tests and custom transports. */
  fetch?: typeof fetch;
  /** Epoch ms (window boundaries are wall-clock minutes); injectable for tests. */
  now?: () => number;
}

export interface AnalyticsStats {
  events: number;
  sent: number;
  buffered: number;
  failedSends: number;
  overflowed: number;
  /** Events the offline buffer could not store. */
  lostToStorage: number;
  activeTracks: number;
}

export interface Analytics {
  /** Feed every FrameResult of a stream (bound: pass it straight to fer.on('result', …)). */
  readonly observe: (result: FrameResult) => void;
  /** Sends what is buffered now (no-op without an endpoint or sink). */
  flush(): Promise<void>;
  stats(): Promise<AnalyticsStats>;
  /** Ends open visits, emits the last (partial) window, tries a last send and closes the sinks. */
  dispose(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/**
 * Signage analytics from a stream's results: only aggregates (`jadfer.analytics/v1` events: visits,
 * dwell, expression shares, attention), never pixels, boxes or landmarks. Nothing is sent unless
 * `endpoint` is set.
 *
 * @example
 * ```ts
 * const analytics = createAnalytics({ onEvent: (e) => console.log(e.type), endpoint: '/collect' });
 * fer.on('result', analytics.observe);
 * ```
 */
export function createAnalytics(options: AnalyticsOptions = {}): Analytics {
  const now = options.now ?? (() => Date.now());
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(windowMs) || windowMs < 1000 || HOUR_MS % windowMs !== 0)
    throw new JadferError('E_BAD_CONFIG', `windowMs must be a whole number of ms ≥ 1000 that divides an hour`, {
      details: { windowMs },
    });
  const newId = () =>
    globalThis.crypto?.randomUUID?.() ?? `${now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const aggregator = new Aggregator({
    trackTimeoutMs: options.trackTimeoutMs ?? 1500,
    maxFrameGapMs: 1000,
    trackEvents: options.trackEvents ?? false,
    sessionId: newId(),
    newId,
  });
  const sinks: AnalyticsSink[] = [];
  if (options.endpoint) sinks.push(httpSink(options.endpoint, options));
  if (options.sink) sinks.push(options.sink);
  let events = 0;
  let disposed = false;

  // The first window starts with the session (not at the boundary before it), so a reload
  // inside a minute never produces a second window with the same start.
  const started = Math.round(now());
  let windowStart = started;
  let windowEnd = (Math.floor(started / windowMs) + 1) * windowMs;

  const emit = (batch: AnalyticsEvent[]) => {
    if (batch.length === 0) return;
    events += batch.length;
    for (const event of batch) options.onEvent?.(event);
    for (const sink of sinks) sink.accept(batch);
  };

  /** Closes the open window if its end has passed; a gap with no frames starts a fresh one at `t`. */
  const closeDue = (t: number) => {
    if (t < windowEnd) return;
    // Visits that had ended by the boundary belong to the window that closes.
    emit(aggregator.expire(windowEnd));
    emit([aggregator.closeWindow(windowStart, windowEnd)]);
    windowStart = Math.floor(t / windowMs) * windowMs;
    windowEnd = windowStart + windowMs;
  };

  const observe = (result: FrameResult) => {
    if (disposed) return;
    const t = now();
    closeDue(t);
    emit(aggregator.observe(result, t));
  };

  // Windows close on time even when no frame arrives (a paused camera still reports empty windows).
  const ticker = setInterval(() => !disposed && closeDue(now()), Math.min(windowMs, 10_000));
  (ticker as { unref?: () => void }).unref?.();

  return {
    observe,
    async flush() {
      await Promise.all(sinks.map((sink) => sink.flush()));
    },
    async stats() {
      const all = await Promise.all(sinks.map((sink) => sink.stats()));
      const sum = (key: 'sent' | 'buffered' | 'failedSends' | 'overflowed' | 'lostToStorage') =>
        all.reduce((total, s) => total + s[key], 0);
      return {
        events,
        sent: sum('sent'),
        buffered: sum('buffered'),
        failedSends: sum('failedSends'),
        overflowed: sum('overflowed'),
        lostToStorage: sum('lostToStorage'),
        activeTracks: aggregator.activeTracks,
      };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearInterval(ticker);
      const t = Math.round(now());
      closeDue(t);
      emit(aggregator.closeAll());
      const last = aggregator.closeWindow(windowStart, Math.max(t, windowStart));
      // A window that had no time and no visit (disposed on a boundary) is not a window.
      if (last.windowEnd > last.windowStart || last.visitors > 0) emit([last]);
      await Promise.all(sinks.map((sink) => sink.close()));
    },
  };
}

/** Batched JSON POSTs to `endpoint`, buffered in IndexedDB (or memory) while they fail. */
function httpSink(endpoint: string, options: AnalyticsOptions): AnalyticsSink {
  const send = options.fetch ?? globalThis.fetch?.bind(globalThis);
  const batchSize = options.batchSize ?? 20;
  return new Delivery({
    buffer: openBuffer('jadfer-analytics', options.maxBuffered ?? 1000, options.storage ?? 'auto'),
    batchSize,
    sendAt: batchSize,
    retryBaseMs: options.retryBaseMs ?? 2000,
    flushEveryMs: options.flushEveryMs ?? 10_000,
    async transport(batch) {
      if (!send) throw new Error('no fetch');
      const response = await send(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ schema: batch[0]!.schema, events: batch }),
        keepalive: true,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return batch.length;
    },
  });
}
