import { JadferError } from '../src/contract/errors.js';

/**
 * sharp, imported on first use: it is a native module, and a bundled training run carried to a
 * machine without it (a lent GPU) still loads everything that does not decode images. In the
 * published package it is an optional peer dependency: only the CLI's image commands need it.
 */
export async function loadSharp(): Promise<typeof import('sharp').default> {
  try {
    return (await import('sharp')).default;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new JadferError(
      'E_MISSING_DEPENDENCY',
      'decoding images needs sharp, an optional peer dependency of jadfer: run `npm install sharp` beside jadfer',
      { cause: error, details: { package: 'sharp', install: 'npm install sharp' } },
    );
  }
}
