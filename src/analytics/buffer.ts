/**
 * A bounded, ordered buffer of unsent events. In browsers it lives in IndexedDB, so a kiosk
 * that is offline (or reloads) keeps what it has not sent; elsewhere it lives in memory (or in a
 * file: file-buffer.ts, used by the Node NATS sink). When full, the oldest events are dropped and counted.
 */
import type { AnalyticsEvent } from './schema.js';

export interface EventBuffer {
  push(events: AnalyticsEvent[]): Promise<void>;
  /** The oldest `count` events, without removing them. */
  peek(count: number): Promise<AnalyticsEvent[]>;
  /** Removes the oldest `count` events (after they were sent). */
  drop(count: number): Promise<void>;
  size(): Promise<number>;
  /** Events discarded because the buffer was full. */
  readonly overflowed: number;
  close(): void;
}

export class MemoryBuffer implements EventBuffer {
  private events: AnalyticsEvent[] = [];
  overflowed = 0;
  constructor(private readonly capacity: number) {}

  async push(events: AnalyticsEvent[]): Promise<void> {
    this.events.push(...events);
    const excess = this.events.length - this.capacity;
    if (excess > 0) {
      this.events.splice(0, excess);
      this.overflowed += excess;
    }
  }
  async peek(count: number): Promise<AnalyticsEvent[]> {
    return this.events.slice(0, count);
  }
  async drop(count: number): Promise<void> {
    this.events.splice(0, count);
  }
  async size(): Promise<number> {
    return this.events.length;
  }
  close(): void {}
}

/** IndexedDB database `name` where available ('auto'), else memory. */
export async function openBuffer(name: string, capacity: number, storage: 'auto' | 'memory'): Promise<EventBuffer> {
  if (storage === 'auto' && typeof indexedDB !== 'undefined') {
    try {
      return await IndexedDbBuffer.open(name, capacity);
    } catch {
      // Private mode or blocked storage: keep events in memory instead.
    }
  }
  return new MemoryBuffer(capacity);
}

const STORE = 'events';

export class IndexedDbBuffer implements EventBuffer {
  overflowed = 0;
  private constructor(
    private readonly db: IDBDatabase,
    private readonly capacity: number,
  ) {}

  static async open(name: string, capacity: number): Promise<IndexedDbBuffer> {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { autoIncrement: true });
    return new IndexedDbBuffer(await settle(request), capacity);
  }

  async push(events: AnalyticsEvent[]): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const event of events) store.add(event);
    const count = await settle(store.count());
    const excess = count - this.capacity;
    if (excess > 0) {
      const keys = await settle(store.getAllKeys(null, excess));
      for (const key of keys) store.delete(key);
      this.overflowed += keys.length;
    }
    await done(tx);
  }

  async peek(count: number): Promise<AnalyticsEvent[]> {
    return settle(this.db.transaction(STORE).objectStore(STORE).getAll(null, count)) as Promise<AnalyticsEvent[]>;
  }

  async drop(count: number): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const key of await settle(store.getAllKeys(null, count))) store.delete(key);
    await done(tx);
  }

  async size(): Promise<number> {
    return settle(this.db.transaction(STORE).objectStore(STORE).count());
  }

  close(): void {
    this.db.close();
  }
}

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
