/**
 * The persistent cache (`create({ cache: 'persistent' })`, the default where the Cache API exists):
 * the engine's large files, kept so that a kiosk that restarts offline still starts and a warm start
 * downloads nothing. Models are keyed by their card's sha256 and checked against it on the way out;
 * runtime files (ONNX Runtime's wasm, our kernels) by their URL, which carries the SDK version (or a
 * bundler's content hash), with a sha256 taken when stored and checked when read. Cards are asked of
 * the network first and read from the cache only when the network fails. After a boot succeeds, the
 * entries it did not use for the same files are dropped: an upgrade never meets an old file.
 */
import { sha256Hex } from './fetch-bytes.js';

const CACHE_NAME = 'jadfer-assets-v1';
/** Keys for content-addressed entries; never fetched. */
const HASH_KEY = 'https://jadfer.invalid/sha256/';
const SOURCE_HEADER = 'x-jadfer-source';
const HASH_HEADER = 'x-jadfer-sha256';

/** The Cache API keeps http(s) requests only (file: URLs are local anyway). */
const cacheable = (url: string) => /^https?:/.test(url);

/** A file's URL without its query (?v=…): what tells two versions of one file apart from two files. */
const sourceOf = (url: string) => url.split(/[?#]/)[0]!;

export class AssetCache {
  private readonly used = new Set<string>();
  private readonly sources = new Set<string>();

  private constructor(private readonly cache: Cache) {}

  /** Undefined where there is no Cache API (Node, an insecure page) or it cannot be opened (storage blocked). */
  static async open(): Promise<AssetCache | undefined> {
    const caches = (globalThis as { caches?: CacheStorage }).caches;
    if (!caches || (globalThis as { isSecureContext?: boolean }).isSecureContext === false) return undefined;
    try {
      return new AssetCache(await caches.open(CACHE_NAME));
    } catch {
      return undefined;
    }
  }

  /**
   * The file's bytes from the cache when they are there and intact, else from `download`, then stored.
   * `sha256`: the expected hash (a model's, from its card), which keys the entry.
   */
  async bytes(url: string, sha256: string | undefined, download: () => Promise<Uint8Array>): Promise<Uint8Array> {
    if (!cacheable(url)) return download();
    const key = sha256 ? `${HASH_KEY}${sha256}` : url;
    this.note(key, url);
    const hit = await this.cache.match(key).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if ((await sha256Hex(bytes)) === (sha256 ?? hit.headers.get(HASH_HEADER))) return bytes;
      await this.cache.delete(key).catch(() => false); // corrupted in storage: fetch it again
    }
    const bytes = await download();
    await this.store(key, url, bytes, sha256 ?? (await sha256Hex(bytes)));
    return bytes;
  }

  /** A card: the network's when it answers (so an update is seen), else the cached one. */
  async networkFirst(url: string, download: () => Promise<Uint8Array>): Promise<Uint8Array> {
    if (!cacheable(url)) return download();
    this.note(url, url);
    try {
      const bytes = await download();
      await this.store(url, url, bytes, await sha256Hex(bytes));
      return bytes;
    } catch (error) {
      // A server that answered (404, an HTML page) is heard; only an unreachable one is replaced by the copy.
      if ((error as { details?: { status?: number } }).details?.status !== undefined) throw error;
      const hit = await this.cache.match(url).catch(() => undefined);
      if (!hit) throw error;
      return new Uint8Array(await hit.arrayBuffer());
    }
  }

  /** Drops what this boot replaced: entries for the same files under keys it did not use. */
  async dropReplaced(): Promise<number> {
    let dropped = 0;
    for (const request of await this.cache.keys()) {
      if (this.used.has(request.url)) continue;
      const source = (await this.cache.match(request))?.headers.get(SOURCE_HEADER);
      if (source && this.sources.has(source) && (await this.cache.delete(request))) dropped++;
    }
    return dropped;
  }

  private note(key: string, url: string): void {
    this.used.add(new Request(key).url);
    this.sources.add(sourceOf(url));
  }

  /** A full quota or blocked storage costs the cache, never the boot. */
  private async store(key: string, url: string, bytes: Uint8Array, sha256: string): Promise<void> {
    const headers = { [SOURCE_HEADER]: sourceOf(url), [HASH_HEADER]: sha256 };
    await this.cache.put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers })).catch(() => undefined);
  }
}
