/** Model cards read from files by the CLI: parsed, with the model file they name checked against their sha256. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JadferError } from '../src/index.js';

export interface CardFile {
  path: string;
  card: Record<string, unknown>;
  /** The model file the card names, beside it. */
  model: string;
  /** A dist/ card's model prepared for WASM (scripts/prepare-models.ts), beside it, which the engine loads there. */
  prepared?: { file: string; sha256: string };
}

const bad = (path: string, message: string, cause?: unknown) =>
  new JadferError('E_BAD_INPUT', `${path}: ${message}`, { cause, details: { path } });

/** A model card from a file: JSON, an object naming its model `file`. E_BAD_INPUT says what is wrong. */
export async function readCard(path: string): Promise<CardFile> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw bad(
      path,
      error.code === 'ENOENT' ? 'no such file' : `cannot read it (${error.code ?? error.message})`,
      error,
    );
  });
  let card: unknown;
  try {
    card = JSON.parse(text);
  } catch (error) {
    throw bad(path, `not a model card (not JSON: ${(error as Error).message})`, error);
  }
  if (typeof card !== 'object' || card === null || Array.isArray(card))
    throw bad(path, 'not a model card (not an object)');
  const file = (card as { file?: unknown }).file;
  if (typeof file !== 'string' || file === '' || file.includes('/') || file.includes('\\'))
    throw bad(path, 'not a model card (no "file" naming the model beside it)');
  const prepared = (card as { prepared?: { file?: unknown; sha256?: unknown } }).prepared;
  if (
    prepared !== undefined &&
    (typeof prepared?.file !== 'string' || /[/\\]/.test(prepared.file) || typeof prepared.sha256 !== 'string')
  )
    throw bad(path, 'its "prepared" entry does not name a file beside it with its sha256');
  return {
    path,
    card: card as Record<string, unknown>,
    model: join(dirname(path), file),
    ...(prepared
      ? { prepared: { file: join(dirname(path), prepared.file as string), sha256: prepared.sha256 as string } }
      : {}),
  };
}

/**
 * Checks the model file against the card's sha256, and the prepared model against its own when the card names one
 * (E_MODEL_INTEGRITY when one differs; E_BAD_INPUT when one is missing). Returns the model's sha256.
 */
export async function verifyModel({ path, card, model, prepared }: CardFile): Promise<string> {
  if (prepared) await verifyFile(path, prepared.file, prepared.sha256);
  return verifyFile(path, model, card.sha256);
}

async function verifyFile(path: string, model: string, expected: unknown): Promise<string> {
  if (typeof expected !== 'string' || !/^[0-9a-f]{64}$/i.test(expected))
    throw bad(path, 'the card declares no sha256 for its model, so the model cannot be verified');
  const bytes = await readFile(model).catch((error: NodeJS.ErrnoException) => {
    throw bad(
      path,
      `its model ${model} ${error.code === 'ENOENT' ? 'is missing' : `cannot be read (${error.code})`}`,
      error,
    );
  });
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected.toLowerCase())
    throw new JadferError('E_MODEL_INTEGRITY', `${model}: sha256 ${actual}, but ${path} declares ${expected}`, {
      details: { path: model, card: path, expected, actual },
    });
  return actual;
}
