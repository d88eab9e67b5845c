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
  return { path, card: card as Record<string, unknown>, model: join(dirname(path), file) };
}

/** Checks the model file against the card's sha256 (E_MODEL_INTEGRITY when it differs; E_BAD_INPUT when missing). */
export async function verifyModel({ path, card, model }: CardFile): Promise<string> {
  const expected = card.sha256;
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
