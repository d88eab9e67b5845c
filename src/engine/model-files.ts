/** Fetches model cards and verified model bytes; shared by the classifier and the detector. */
import type { ModelFiles } from '../contract/engine-api.js';
import { JadferError } from '../contract/errors.js';
import type { FileProgress } from '../contract/types.js';
import type { AssetCache } from './asset-cache.js';
import { fetchBytes, SIZE_LIMITS, sha256Hex } from './fetch-bytes.js';
import type { PreparedEntry } from './model-card.js';
import type { ModelSource } from './onnx-runtime.js';

export const DOWNLOAD_TIMEOUT_MS = 120_000;

/**
 * A card's model file, resolved against the card's URL. A card given as a `data:` URL has no folder:
 * its `file` must then be absolute (an http(s):, file: or data: URL).
 */
export function modelUrlOf(file: string, cardUrl: string): string {
  try {
    return new URL(file, cardUrl).href;
  } catch (error) {
    const card = cardUrl.length > 80 ? `${cardUrl.slice(0, 80)}…` : cardUrl;
    throw new JadferError(
      'E_MODEL_LOAD',
      `the card's file '${file}' has no URL relative to the card ${card}: a card given as a data: URL must name its model by an absolute URL`,
      { cause: error, details: { url: card, file } },
    );
  }
}

/** Where a download may come from, and what cancels it (the engine's dispose()). */
export interface DownloadContext {
  cache?: AssetCache;
  signal?: AbortSignal;
}

/** A card: revalidated with the server (an update must be seen), from the persistent cache when offline. */
export async function fetchJson(url: string, { cache, signal }: DownloadContext = {}): Promise<unknown> {
  const download = () =>
    fetchBytes(url, {
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      maxBytes: SIZE_LIMITS.card,
      errorCode: 'E_MODEL_LOAD',
      httpCache: 'no-cache',
      ...(signal ? { signal } : {}),
    });
  const bytes = cache ? await cache.networkFirst(url, download) : await download();
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new JadferError('E_MODEL_LOAD', `not valid JSON: ${url}`, { cause: error, details: { url } });
  }
}

/**
 * A model, checked against its card's sha256 and no larger than its card's `bytes`: from the persistent
 * cache when it holds it, else downloaded with progress (the card's `bytes` are the total when the server
 * sends no length). A mismatch is downloaded once more past the HTTP
 * cache, which may still hold the file an older card named, before it fails E_MODEL_INTEGRITY.
 */
export async function fetchVerifiedModel(
  url: string,
  { sha256, bytes: size }: { sha256: string; bytes: number },
  stage: FileProgress['stage'],
  progress: (event: FileProgress) => void,
  { cache, signal }: DownloadContext = {},
): Promise<Uint8Array> {
  const get = (httpCache?: RequestCache) =>
    fetchBytes(url, {
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      maxBytes: size,
      errorCode: 'E_MODEL_LOAD',
      onProgress: (loaded, total) => progress({ stage, url, loaded, total }),
      expectedBytes: size,
      ...(httpCache ? { httpCache } : {}),
      ...(signal ? { signal } : {}),
    });
  const download = async () => {
    const bytes = await get();
    if ((await sha256Hex(bytes)) === sha256) return bytes;
    const again = await get('reload');
    const actual = await sha256Hex(again);
    if (actual !== sha256) {
      throw new JadferError('E_MODEL_INTEGRITY', `model ${url} has sha256 ${actual}, its card says ${sha256}`, {
        details: { url, expected: sha256, actual },
      });
    }
    return again;
  };
  if (!cache) return download();
  const bytes = await cache.bytes(url, sha256, download);
  progress({ stage, url, loaded: bytes.byteLength, total: bytes.byteLength });
  return bytes;
}

/**
 * The model a session will open: where WASM comes first, the card's prepared file (it opens without
 * graph optimisation: prepared-model.ts), unless the files name a model and no prepared one; else the
 * shipped model. Either is checked against the card's sha256 for it.
 */
export async function fetchModelSource(
  card: { file: string; sha256: string; bytes: number; prepared?: PreparedEntry | undefined },
  files: ModelFiles,
  wasmFirst: boolean,
  stage: FileProgress['stage'],
  progress: (event: FileProgress) => void,
  downloads: DownloadContext = {},
): Promise<ModelSource> {
  const { prepared } = card;
  if (wasmFirst && prepared && (files.prepared !== undefined || files.model === undefined)) {
    const url = files.prepared ?? modelUrlOf(prepared.file, files.card);
    return { bytes: await fetchVerifiedModel(url, prepared, stage, progress, downloads), prepared: true };
  }
  const url = files.model ?? modelUrlOf(card.file, files.card);
  return { bytes: await fetchVerifiedModel(url, card, stage, progress, downloads), prepared: false };
}
