/**
 * The Node counterpart of IndexedDbBuffer: unsent events in a file, so a kiosk process that
 * restarts keeps what the destination has not confirmed. The file is a journal: one line per
 * event stored and a `{"drop":n}` line when the oldest n were confirmed (or overflowed); it is
 * emptied when the buffer is, and rewritten whole (through a rename) when it grows long. Writes
 * append, so a crash can only tear the last line, which is then ignored. Not fsync'ed: it
 * survives a process crash or restart, not a power cut.
 */
import type { FileHandle } from 'node:fs/promises';
import type { EventBuffer } from './buffer.js';
import type { AnalyticsEvent } from './schema.js';

type Fs = typeof import('node:fs/promises');

// Variable specifiers: a browser bundler must not try to resolve Node's modules (this file only runs in Node).
const nodeModule = <T>(name: string): Promise<T> => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

export class FileBuffer implements EventBuffer {
  overflowed = 0;
  /** Journal text not written yet, and whether the file is to be emptied before it. */
  private pending = '';
  private emptyFirst = false;
  private lines = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  private constructor(
    private readonly fs: Fs,
    private readonly path: string,
    private readonly capacity: number,
    private events: AnalyticsEvent[],
    private handle: FileHandle,
  ) {}

  static async open(path: string, capacity: number): Promise<FileBuffer> {
    const fs = await nodeModule<Fs>('node:fs/promises');
    const { dirname } = await nodeModule<typeof import('node:path')>('node:path');
    await fs.mkdir(dirname(path), { recursive: true });
    let events: AnalyticsEvent[] = [];
    try {
      events = replay(await fs.readFile(path, 'utf8'));
    } catch (error) {
      // Unreadable (not a torn last line): keep it aside for inspection rather than overwrite it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        await fs.rename(path, `${path}.unreadable-${Date.now()}`).catch(() => {});
    }
    events = events.slice(-capacity);
    const buffer = new FileBuffer(fs, path, capacity, events, await compact(fs, path, events));
    buffer.lines = events.length;
    return buffer;
  }

  async push(events: AnalyticsEvent[]): Promise<void> {
    this.events.push(...events);
    this.append(events.map((e) => JSON.stringify(e)));
    const excess = this.events.length - this.capacity;
    if (excess > 0) {
      this.events.splice(0, excess);
      this.overflowed += excess;
      this.append([JSON.stringify({ drop: excess })]);
    }
    await this.save();
  }

  async peek(count: number): Promise<AnalyticsEvent[]> {
    return this.events.slice(0, count);
  }

  async drop(count: number): Promise<void> {
    this.events.splice(0, count);
    if (this.events.length === 0) {
      this.pending = '';
      this.emptyFirst = true;
      this.lines = 0;
    } else this.append([JSON.stringify({ drop: count })]);
    await this.save();
  }

  async size(): Promise<number> {
    return this.events.length;
  }

  close(): void {
    void this.save().finally(() => this.handle.close());
  }

  private append(lines: string[]): void {
    this.pending += lines.map((line) => `${line}\n`).join('');
    this.lines += lines.length;
  }

  /**
   * Resolves once a write that started after this call is on disk. Calls made while a write is
   * in flight share the next one, which takes all the journal text pending when it starts.
   */
  private save(): Promise<void> {
    this.queued ??= this.inFlight
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        const [text, emptyFirst] = [this.pending, this.emptyFirst];
        [this.pending, this.emptyFirst] = ['', false];
        this.inFlight = (async () => {
          if (this.lines > 2 * this.capacity + 100) {
            // Long journal (a long outage with overflow): rewrite it as the current list.
            await this.handle.close();
            this.handle = await compact(this.fs, this.path, this.events);
            this.lines = this.events.length;
            return;
          }
          if (emptyFirst) await this.handle.truncate(0);
          if (text) await this.handle.write(text);
        })();
        return this.inFlight;
      });
    return this.queued;
  }
}

/** The events a journal leaves; a torn last line (a crash mid-write) is ignored, any other bad line throws. */
function replay(text: string): AnalyticsEvent[] {
  const events: AnalyticsEvent[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line) return;
    let entry: AnalyticsEvent | { drop: number };
    try {
      entry = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) return;
      throw error;
    }
    if ('drop' in entry) events.splice(0, entry.drop);
    else events.push(entry);
  });
  return events;
}

/** Writes `events` as a fresh journal (through a rename) and opens it for appending. */
async function compact(fs: Fs, path: string, events: AnalyticsEvent[]): Promise<FileHandle> {
  const temporary = `${path}.tmp`;
  await fs.writeFile(temporary, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  await fs.rename(temporary, path);
  return fs.open(path, 'a');
}

/** `$XDG_CACHE_HOME/jadfer/<name>` (default ~/.cache/jadfer/<name>). */
export async function cacheFile(name: string): Promise<string> {
  const { homedir } = await nodeModule<typeof import('node:os')>('node:os');
  const { join } = await nodeModule<typeof import('node:path')>('node:path');
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'jadfer', name);
}
