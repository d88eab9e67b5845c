/** Fetches model cards and verified model bytes; shared by the classifier and the detector. */
import { JadferError } from '../contract/errors.js';
import type { ProgressEvent } from '../contract/types.js';
import { fetchBytes, sha256Hex } from './fetch-bytes.js';

export const DOWNLOAD_TIMEOUT_MS = 120_000;

export async function fetchJson(url: string): Promise<unknown> {
  const bytes = await fetchBytes(url, { timeoutMs: DOWNLOAD_TIMEOUT_MS, errorCode: 'E_MODEL_LOAD' });
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new JadferError('E_MODEL_LOAD', `not valid JSON: ${url}`, { cause: error, details: { url } });
  }
}

/** Downloads a model with progress and refuses it when its sha256 differs from the card's. */
export async function fetchVerifiedModel(
  url: string,
  sha256: string | undefined,
  stage: ProgressEvent['stage'],
  progress: (event: ProgressEvent) => void,
): Promise<Uint8Array> {
  const bytes = await fetchBytes(url, {
    timeoutMs: DOWNLOAD_TIMEOUT_MS,
    errorCode: 'E_MODEL_LOAD',
    onProgress: (loaded, total) => progress({ stage, url, loaded, total }),
  });
  if (sha256) {
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      throw new JadferError('E_MODEL_INTEGRITY', `model ${url} has sha256 ${actual}, its card says ${sha256}`, {
        details: { url, expected: sha256, actual },
      });
    }
  }
  return bytes;
}
