/** Fetches model cards and verified model bytes; shared by the classifier and the detector. */
import type { ModelFiles } from '../contract/engine-api.js';
import { JadferError } from '../contract/errors.js';
import type { ProgressEvent } from '../contract/types.js';
import type { AssetCache } from './asset-cache.js';
import { fetchBytes, sha256Hex } from './fetch-bytes.js';
import type { PreparedEntry } from './model-card.js';
import type { ModelSource } from './onnx-runtime.js';

export const DOWNLOAD_TIMEOUT_MS = 120_000;

/** A card: revalidated with the server (an update must be seen), from the persistent cache when offline. */
export async function fetchJson(url: string, cache?: AssetCache): Promise<unknown> {
  const download = () =>
    fetchBytes(url, { timeoutMs: DOWNLOAD_TIMEOUT_MS, errorCode: 'E_MODEL_LOAD', httpCache: 'no-cache' });
  const bytes = cache ? await cache.networkFirst(url, download) : await download();
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new JadferError('E_MODEL_LOAD', `not valid JSON: ${url}`, { cause: error, details: { url } });
  }
}

/**
 * A model, checked against its card's sha256: from the persistent cache when it holds it, else
 * downloaded with progress. A mismatch is downloaded once more past the HTTP cache, which may still
 * hold the file an older card named, before it fails E_MODEL_INTEGRITY.
 */
export async function fetchVerifiedModel(
  url: string,
  sha256: string | undefined,
  stage: ProgressEvent['stage'],
  progress: (event: ProgressEvent) => void,
  cache?: AssetCache,
): Promise<Uint8Array> {
  const get = (httpCache?: RequestCache) =>
    fetchBytes(url, {
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      errorCode: 'E_MODEL_LOAD',
      onProgress: (loaded, total) => progress({ stage, url, loaded, total }),
      ...(httpCache ? { httpCache } : {}),
    });
  const download = async () => {
    const bytes = await get();
    if (!sha256 || (await sha256Hex(bytes)) === sha256) return bytes;
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
  card: { file: string; sha256?: string; prepared?: PreparedEntry },
  files: ModelFiles,
  wasmFirst: boolean,
  stage: ProgressEvent['stage'],
  progress: (event: ProgressEvent) => void,
  cache?: AssetCache,
): Promise<ModelSource> {
  const { prepared } = card;
  if (wasmFirst && prepared && (files.prepared !== undefined || files.model === undefined)) {
    const url = files.prepared ?? new URL(prepared.file, files.card).href;
    return { bytes: await fetchVerifiedModel(url, prepared.sha256, stage, progress, cache), prepared: true };
  }
  const url = files.model ?? new URL(card.file, files.card).href;
  return { bytes: await fetchVerifiedModel(url, card.sha256, stage, progress, cache), prepared: false };
}
