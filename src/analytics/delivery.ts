/**
 * Delivery of analytics events to one destination: every event is stored in an ordered, bounded
 * buffer first, then sent in order by a transport, and dropped from the buffer only once the
 * transport confirmed it. A failed send is retried with exponential backoff. Nothing here blocks
 * the caller of `accept()`, so a slow or absent network never slows inference.
 */
import type { EventBuffer } from './buffer.js';
import type { AnalyticsEvent } from './schema.js';

export interface SinkStats {
  /** Events the destination confirmed. */
  sent: number;
  /** Events stored and not confirmed yet. */
  buffered: number;
  failedSends: number;
  /** Events discarded because the buffer was full (oldest first). */
  overflowed: number;
  /** Events the buffer's storage refused to store. */
  lostToStorage: number;
}

/** Where analytics events go. `createAnalytics({ sink })` calls `accept` with every event it emits. */
export interface AnalyticsSink {
  /** Takes events to deliver and returns at once. */
  accept(events: AnalyticsEvent[]): void;
  /** Tries to deliver what is buffered now. */
  flush(): Promise<void>;
  stats(): Promise<SinkStats>;
  /** A last delivery attempt, then releases the buffer (a persistent one keeps what is unsent). */
  close(): Promise<void>;
}

/**
 * Sends `batch` (oldest first) and resolves with how many of its first events the destination
 * confirmed; fewer than all, or a rejection, counts as a failed send and is retried.
 */
export type Transport = (batch: AnalyticsEvent[]) => Promise<number>;

export interface DeliveryOptions {
  buffer: Promise<EventBuffer>;
  transport: Transport;
  batchSize: number;
  /** Send as soon as this many events are buffered. */
  sendAt: number;
  /** First retry delay after a failed send; doubles per failure, up to `maxRetryMs` (default 5 minutes). */
  retryBaseMs: number;
  maxRetryMs?: number;
  /** Also try every so often (0: only on accept, flush and retry). */
  flushEveryMs: number;
  /** Called after anything that changes the stats (stored, sent, failed). */
  onChange?: () => void;
}

const MAX_RETRY_MS = 5 * 60_000;

export class Delivery implements AnalyticsSink {
  private readonly counts = { sent: 0, failedSends: 0, lostToStorage: 0 };
  private stored: Promise<void> = Promise.resolve();
  private dropping: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | undefined;
  private retryDelay = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly interval: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly options: DeliveryOptions) {
    if (options.flushEveryMs > 0) {
      this.interval = setInterval(() => void this.flush(), options.flushEveryMs);
      (this.interval as { unref?: () => void }).unref?.();
    }
  }

  accept(events: AnalyticsEvent[]): void {
    if (events.length === 0 || this.closed) return;
    // Stores are chained, so a flush always sees every event accepted before it.
    this.stored = this.stored
      .then(async () => {
        const buffer = await this.options.buffer;
        await buffer.push(events);
        if ((await buffer.size()) >= this.options.sendAt) void this.flush();
      })
      .catch(() => {
        // Storage refused the write (quota, blocked): the events are lost and counted; analysis goes on.
        this.counts.lostToStorage += events.length;
      })
      .finally(() => this.options.onChange?.());
  }

  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async stats(): Promise<SinkStats> {
    await this.stored;
    await this.dropping.catch(() => {});
    const buffer = await this.options.buffer;
    return { ...this.counts, buffered: await buffer.size(), overflowed: buffer.overflowed };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.retryTimer);
    await this.flush();
    (await this.options.buffer).close();
  }

  private async sendAll(): Promise<void> {
    await this.stored;
    const buffer = await this.options.buffer;
    try {
      for (;;) {
        const batch = await buffer.peek(this.options.batchSize);
        if (batch.length === 0) break;
        const confirmed = Math.max(0, Math.min(batch.length, await this.options.transport(batch)));
        if (confirmed > 0) {
          // stats() waits for this, so it never sees an event neither buffered nor counted as sent.
          this.dropping = buffer.drop(confirmed).then(() => {
            this.counts.sent += confirmed;
          });
          await this.dropping;
          this.retryDelay = 0;
          this.options.onChange?.();
        }
        if (confirmed < batch.length) throw new Error('the destination confirmed part of a batch');
      }
    } catch {
      this.counts.failedSends++;
      this.retryDelay = Math.min(
        this.options.maxRetryMs ?? MAX_RETRY_MS,
        this.retryDelay ? this.retryDelay * 2 : this.options.retryBaseMs,
      );
      this.options.onChange?.();
      if (!this.closed) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.flush(), this.retryDelay);
      }
    }
  }
}
