/**
 * Signage analytics: per-visitor aggregates (dwell, dominant expression, mean scores,
 * time in each expression, attention) as `jadfer.analytics/v1` events. Only aggregates
 * leave the SDK, and only to sinks the integrator configures: a callback, and/or an
 * endpoint that receives batched POSTs (buffered offline, retried with backoff).
 *
 *   const analytics = createAnalytics({ onEvent: console.log, endpoint: '/collect' });
 *   fer.on('result', analytics.observe);
 */
import type { FrameResult } from '../contract/types.js';
import { Aggregator } from './aggregator.js';
import { IndexedDbBuffer, MemoryBuffer, type EventBuffer } from './buffer.js';
import type { AnalyticsEvent } from './schema.js';

export * from './schema.js';
export { isAttentive, yawProxy, ATTENTION_YAW_LIMIT } from './attention.js';

export interface AnalyticsOptions {
  /** Called with every event, synchronously, whether or not an endpoint is set. */
  onEvent?: (event: AnalyticsEvent) => void;
  /** Where batches are POSTed as `{ schema, events }`. Nothing is sent without it. */
  endpoint?: string;
  batchSize?: number;
  flushEveryMs?: number;
  /** Unsent events kept at most (oldest dropped first). */
  maxBuffered?: number;
  trackTimeoutMs?: number;
  summaryEveryMs?: number;
  /** First retry delay after a failed send; doubles per failure, up to 5 minutes. */
  retryBaseMs?: number;
  /** 'auto': IndexedDB where available (survives reloads and outages), else memory. */
  storage?: 'auto' | 'memory';
  /** For tests and custom transports. */
  fetch?: typeof fetch;
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
  /** Sends what is buffered now (no-op without an endpoint). */
  flush(): Promise<void>;
  stats(): Promise<AnalyticsStats>;
  /** Ends open tracks, emits a last summary, tries a last send. */
  dispose(): Promise<void>;
}

const MAX_RETRY_MS = 5 * 60_000;

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
  const send = options.fetch ?? globalThis.fetch?.bind(globalThis);
  const batchSize = options.batchSize ?? 20;
  const summaryEveryMs = options.summaryEveryMs ?? 60_000;
  const newId = () =>
    globalThis.crypto?.randomUUID?.() ?? `${now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const aggregator = new Aggregator({
    trackTimeoutMs: options.trackTimeoutMs ?? 1500,
    maxFrameGapMs: 1000,
    sessionId: newId(),
    newId,
  });
  const endpoint = options.endpoint;
  const buffer: Promise<EventBuffer | undefined> = endpoint ? openBuffer(options) : Promise.resolve(undefined);
  const counts = { events: 0, sent: 0, failedSends: 0, lostToStorage: 0 };
  let windowStart = now();
  let retryDelay = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;
  let disposed = false;
  let stored: Promise<void> = Promise.resolve();

  const emit = (events: AnalyticsEvent[]) => {
    if (events.length === 0) return;
    counts.events += events.length;
    for (const event of events) options.onEvent?.(event);
    if (!endpoint) return;
    // Pushes are chained so a flush always sees every event emitted before it.
    stored = stored
      .then(async () => {
        const b = (await buffer)!;
        await b.push(events);
        if ((await b.size()) >= batchSize) void flush();
      })
      .catch(() => {
        // Storage refused the write (quota, blocked): the events are lost and counted; analysis goes on.
        counts.lostToStorage += events.length;
      });
  };

  const flush = (): Promise<void> => {
    if (!endpoint || !send) return Promise.resolve();
    flushing ??= (async () => {
      await stored;
      const b = (await buffer)!;
      try {
        for (;;) {
          const batch = await b.peek(batchSize);
          if (batch.length === 0) break;
          const response = await send(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ schema: batch[0]!.schema, events: batch }),
            keepalive: true,
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          await b.drop(batch.length);
          counts.sent += batch.length;
          retryDelay = 0;
        }
      } catch {
        counts.failedSends++;
        retryDelay = Math.min(MAX_RETRY_MS, retryDelay ? retryDelay * 2 : (options.retryBaseMs ?? 2000));
        if (!disposed) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => void flush(), retryDelay);
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  };

  const interval = endpoint ? setInterval(() => void flush(), options.flushEveryMs ?? 10_000) : undefined;
  (interval as { unref?: () => void } | undefined)?.unref?.();

  const observe = (result: FrameResult) => {
    if (disposed) return;
    const t = now();
    emit(aggregator.observe(result, t));
    if (t - windowStart >= summaryEveryMs) {
      emit([aggregator.summarize(windowStart, t)]);
      windowStart = t;
    }
  };

  return {
    observe,
    flush,
    async stats() {
      await stored;
      const b = await buffer;
      return {
        ...counts,
        buffered: (await b?.size()) ?? 0,
        overflowed: b?.overflowed ?? 0,
        activeTracks: aggregator.activeTracks,
      };
    },
    async dispose() {
      if (disposed) return;
      const t = now();
      emit(aggregator.closeAll());
      emit([aggregator.summarize(windowStart, t)]);
      disposed = true;
      clearInterval(interval);
      clearTimeout(retryTimer);
      await buffer.then(() => flush());
      (await buffer)?.close();
    },
  };
}

async function openBuffer(options: AnalyticsOptions): Promise<EventBuffer> {
  const capacity = options.maxBuffered ?? 1000;
  if ((options.storage ?? 'auto') === 'auto' && typeof indexedDB !== 'undefined') {
    try {
      return await IndexedDbBuffer.open('jadfer-analytics', capacity);
    } catch {
      // Private mode or blocked storage: keep events in memory instead.
    }
  }
  return new MemoryBuffer(capacity);
}
