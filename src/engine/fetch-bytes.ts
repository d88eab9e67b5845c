import { JadferError, type ErrorCode } from '../contract/errors.js';
import { isNode } from '../contract/platform.js';

export interface FetchBytesOptions {
  timeoutMs: number;
  onProgress?: (loaded: number, total: number) => void;
  /** The code to fail with: E_MODEL_LOAD for models, E_BACKEND_UNAVAILABLE for the runtime. */
  errorCode: ErrorCode;
  /** The file's size when known beforehand (a card's `bytes`): the progress total when the server sends none. */
  expectedBytes?: number;
  /** The HTTP cache mode: 'no-cache' revalidates (cards), 'reload' bypasses it (a model that failed its check). */
  httpCache?: RequestCache;
}

/**
 * Downloads a file with progress and a time limit. Node's fetch cannot read file: URLs,
 * so there (CLI, tests) the file system is read instead.
 */
export async function fetchBytes(url: string, options: FetchBytesOptions): Promise<Uint8Array> {
  const fail = (message: string, cause?: unknown, status?: number) =>
    new JadferError(options.errorCode, `${message}: ${url}`, {
      cause,
      details: { url, ...(status ? { status } : {}) },
    });

  if (isNode() && url.startsWith('file:')) {
    // Node only: bundlers building for browsers must leave it alone (webpack cannot read node: URLs).
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    try {
      const bytes = new Uint8Array(await readFile(new URL(url)));
      options.onProgress?.(bytes.byteLength, bytes.byteLength);
      return bytes;
    } catch (error) {
      throw fail('cannot read file', error);
    }
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        signal: controller.signal,
        ...(options.httpCache ? { cache: options.httpCache } : {}),
      });
    } catch (error) {
      throw fail(controller.signal.aborted ? `timed out after ${options.timeoutMs} ms` : 'network error', error);
    }
    if (!response.ok) throw fail(`HTTP ${response.status}`, undefined, response.status);
    // None of our files is a page: this is a dev server's answer for a path it does not have.
    if (/^text\/html/i.test(response.headers.get('content-type') ?? ''))
      throw fail(
        'the server answered with an HTML page where this file was expected (it is not served here)',
        undefined,
        response.status,
      );
    // A compressed response's length is not the file's (gzip, as `vite preview` serves): it cannot be a total.
    const declared = response.headers.get('content-encoding') ? 0 : Number(response.headers.get('content-length') ?? 0);
    const total = declared || options.expectedBytes || 0;
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
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
        chunks.push(value);
        loaded += value.byteLength;
        options.onProgress?.(loaded, total);
      }
    } catch (error) {
      throw fail(controller.signal.aborted ? `timed out after ${options.timeoutMs} ms` : 'download interrupted', error);
    }
    if (declared > 0 && loaded !== declared) {
      throw fail(`truncated download (${loaded} of ${declared} bytes)`);
    }
    return concat(chunks, loaded);
  } finally {
    clearTimeout(timer);
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
