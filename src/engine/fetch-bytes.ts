import { JadferError, isJadferError, type ErrorCode } from '../contract/errors.js';
import { isNode } from '../contract/platform.js';

export interface FetchBytesOptions {
  timeoutMs: number;
  /**
   * The most bytes the file may have: a model's card declares its size, the runtime files have fixed
   * ceilings (SIZE_LIMITS). A larger answer is refused before it is read, or cut off as soon as it
   * passes the limit: a hostile card or server cannot make the engine hold more than this.
   */
  maxBytes: number;
  /** Cancels the download: the engine's, aborted by dispose(). */
  signal?: AbortSignal;
  onProgress?: (loaded: number, total: number) => void;
  /** The code to fail with: E_MODEL_LOAD for models, E_BACKEND_UNAVAILABLE for the runtime. */
  errorCode: ErrorCode;
  /** The file's size when known beforehand (a card's `bytes`): the progress total when the server sends none. */
  expectedBytes?: number;
  /** The HTTP cache mode: 'no-cache' revalidates (cards), 'reload' bypasses it (a model that failed its check). */
  httpCache?: RequestCache;
}

/** The ceilings for files that have no card: a card, our kernels, ONNX Runtime's wasm (16.8 MB, the largest). */
export const SIZE_LIMITS = { card: 1 << 20, kernels: 1 << 20, ortWasm: 32 << 20 } as const;

/**
 * Downloads a file with progress, a time limit and a size limit. Node's fetch cannot read file: URLs,
 * so there (CLI, tests) the file system is read instead: regular files only (not `/dev/zero`).
 */
export async function fetchBytes(url: string, options: FetchBytesOptions): Promise<Uint8Array> {
  const fail = (message: string, cause?: unknown, status?: number) =>
    new JadferError(options.errorCode, `${message}: ${url}`, {
      cause,
      details: { url, ...(status ? { status } : {}) },
    });
  const tooLarge = (size: number | string) =>
    fail(`refused: ${size} bytes, more than the ${options.maxBytes} this file may have`);
  // One controller per download, aborted by the time limit or by the engine's signal.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const cancel = () => controller.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) controller.abort();
  const stopped = (error?: unknown) => {
    const reason = options.signal?.aborted ? options.signal.reason : undefined;
    if (isJadferError(reason)) return reason;
    return fail(controller.signal.aborted ? `timed out after ${options.timeoutMs} ms` : 'download interrupted', error);
  };
  try {
    if (isNode() && url.startsWith('file:'))
      return await readLocalFile(url, options, controller.signal, fail, tooLarge, stopped);

    let response: Response;
    try {
      response = await fetch(url, {
        signal: controller.signal,
        ...(options.httpCache ? { cache: options.httpCache } : {}),
      });
    } catch (error) {
      throw controller.signal.aborted ? stopped(error) : fail('network error', error);
    }
    const refuse = (error: JadferError) => {
      void response.body?.cancel().catch(() => undefined);
      controller.abort();
      return error;
    };
    if (!response.ok) throw refuse(fail(`HTTP ${response.status}`, undefined, response.status));
    // None of our files is a page: this is a dev server's answer for a path it does not have.
    if (/^text\/html/i.test(response.headers.get('content-type') ?? ''))
      throw refuse(
        fail(
          'the server answered with an HTML page where this file was expected (it is not served here)',
          undefined,
          response.status,
        ),
      );
    // A compressed response's length is not the file's (gzip, as `vite preview` serves): it cannot be a total.
    const declared = response.headers.get('content-encoding') ? 0 : Number(response.headers.get('content-length') ?? 0);
    if (declared > options.maxBytes) throw refuse(tooLarge(declared));
    const total = declared || options.expectedBytes || 0;
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.byteLength > options.maxBytes) throw tooLarge(bytes.byteLength);
      options.onProgress?.(bytes.byteLength, total);
      return bytes;
    }
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        loaded += value.byteLength;
        if (loaded > options.maxBytes) {
          void reader.cancel().catch(() => undefined);
          controller.abort();
          throw tooLarge(`at least ${loaded}`);
        }
        chunks.push(value);
        options.onProgress?.(loaded, total);
      }
    } catch (error) {
      throw isJadferError(error) ? error : stopped(error);
    }
    if (declared > 0 && loaded !== declared) {
      throw fail(`truncated download (${loaded} of ${declared} bytes)`);
    }
    return concat(chunks, loaded);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
  }
}

/** A file: URL in Node, read in slices from one open handle; the signal stops it between slices. */
async function readLocalFile(
  url: string,
  options: FetchBytesOptions,
  signal: AbortSignal,
  fail: (message: string, cause?: unknown) => JadferError,
  tooLarge: (size: number) => JadferError,
  stopped: () => JadferError,
): Promise<Uint8Array> {
  // Node only: bundlers building for browsers must leave it alone (webpack cannot read node: URLs).
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs');
  let handle: import('node:fs/promises').FileHandle;
  try {
    // Non-blocking: a FIFO would otherwise hold the open until something writes to it.
    handle = await fs.promises.open(new URL(url), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw fail('cannot read file', error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw fail('not a regular file');
    if (info.size > options.maxBytes) throw tooLarge(info.size);
    const bytes = new Uint8Array(info.size);
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (signal.aborted) throw stopped();
      const { bytesRead } = await handle
        .read(bytes, offset, Math.min(1 << 22, bytes.byteLength - offset), offset)
        .catch((error: unknown) => {
          throw fail('cannot read file', error);
        });
      if (bytesRead === 0) throw fail(`truncated file (${offset} of ${bytes.byteLength} bytes)`);
      offset += bytesRead;
      options.onProgress?.(offset, bytes.byteLength);
    }
    if (bytes.byteLength === 0) options.onProgress?.(0, 0);
    return bytes;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
