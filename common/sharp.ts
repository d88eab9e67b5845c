import { stat } from 'node:fs/promises';
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

/**
 * Bounds for decoding an image from anywhere. A small file can declare a huge image: a 31 KB PNG of 16000×16000
 * decodes to 1 GB of RGBA (3.3 GB peak in sharp), and sharp's own default limit (16383 × 16383) lets it through.
 */
export interface ImageLimits {
  /** Width × height, checked from the header before decoding and again by sharp while decoding. */
  maxPixels: number;
  /** The file's size in bytes, checked before it is opened. */
  maxFileBytes: number;
}

/** 50 megapixels: every camera's full resolution but the 108–200 MP modes of some phones. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Limits from a pixel bound: a file may hold up to 8 bytes a pixel (16-bit RGBA stored raw). */
export const imageLimits = (maxPixels = DEFAULT_MAX_PIXELS): ImageLimits => ({
  maxPixels,
  maxFileBytes: maxPixels * 8,
});

/** File extensions taken as images when a folder is walked (a file named on the command line is judged by its content). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.heic', '.heif', '.tif', '.tiff'];

/** The raster formats sharp reports that we decode: not SVG (a document that can name other files) nor vips' own. */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);

export interface ImageHeader {
  width: number;
  height: number;
  format: string;
}

const badImage = (
  path: string,
  reason: string,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
) => new JadferError('E_BAD_INPUT', `${path}: ${message}`, { cause, details: { path, reason, ...details } });

/**
 * Checks a file without decoding it: that it is a file, within the size limit, of a raster format sharp reads, and
 * declares no more pixels than the limit. Throws E_BAD_INPUT whose `details.reason` says which check failed
 * (not-found, not-a-file, file-too-large, not-an-image, too-many-pixels).
 */
export async function probeImage(path: string, limits: ImageLimits = imageLimits()): Promise<ImageHeader> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw badImage(path, 'not-found', error.code === 'ENOENT' ? 'no such file' : error.message, {}, error);
  });
  if (!info.isFile()) throw badImage(path, 'not-a-file', info.isDirectory() ? 'is a folder' : 'is not a file');
  if (info.size > limits.maxFileBytes)
    throw badImage(
      path,
      'file-too-large',
      `${(info.size / 1e6).toFixed(0)} MB, over the limit of ${(limits.maxFileBytes / 1e6).toFixed(0)} MB`,
      { bytes: info.size, limit: limits.maxFileBytes },
    );
  const sharp = await loadSharp();
  const header = await sharp(path, { limitInputPixels: false })
    .metadata()
    .catch((error: Error) => {
      throw badImage(path, 'not-an-image', `not an image (${error.message})`, {}, error);
    });
  const { width = 0, height = 0, format = '' } = header;
  if (!RASTER_FORMATS.has(format) || width === 0 || height === 0)
    throw badImage(path, 'not-an-image', `not an image this tool decodes (${format || 'unknown format'})`, { format });
  if (width * height > limits.maxPixels)
    throw badImage(
      path,
      'too-many-pixels',
      `declares ${width}×${height} pixels (${((width * height) / 1e6).toFixed(0)} MP), over the limit of ${(limits.maxPixels / 1e6).toFixed(0)} MP`,
      { width, height, limit: limits.maxPixels },
    );
  return { width, height, format };
}

/** An image as RGBA bytes, turned as its EXIF orientation says (as a viewer shows it); sharp enforces the pixel limit too. */
export async function decodeRgba(
  path: string,
  limits: ImageLimits = imageLimits(),
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(path, { limitInputPixels: limits.maxPixels })
    .rotate()
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw badImage(path, 'not-an-image', `cannot decode: ${error.message}`, {}, error);
    });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
