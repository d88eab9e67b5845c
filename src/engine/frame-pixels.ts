/** Turns whatever crossed the worker boundary into RGBA pixels the pipeline can read. */
import { JadferError } from '../contract/errors.js';
import type { FramePayload } from '../contract/engine-api.js';

import type { RgbaImage } from './pipeline/types.js';

export type { RgbaImage };

/** Bitmaps and video frames larger than this (longest side) are downscaled when drawn. */
export const MAX_DRAW_SIDE = 2048;

export async function payloadToRgba(payload: FramePayload): Promise<RgbaImage> {
  switch (payload.kind) {
    case 'pixels':
      return expandToRgba(payload.data, payload.width, payload.height, payload.channels);
    case 'bitmap':
      try {
        return drawToRgba(payload.bitmap, payload.bitmap.width, payload.bitmap.height);
      } finally {
        payload.bitmap.close();
      }
    case 'videoframe':
      try {
        return drawToRgba(payload.frame, payload.frame.displayWidth, payload.frame.displayHeight);
      } finally {
        payload.frame.close();
      }
    default:
      throw new JadferError('E_BAD_INPUT', `unknown frame kind ${(payload as { kind?: unknown }).kind}`);
  }
}

function drawToRgba(source: CanvasImageSource, width: number, height: number): RgbaImage {
  if (!(width > 0 && height > 0))
    throw new JadferError(
      'E_BAD_INPUT',
      `frame has no pixels (${width}×${height}); a closed VideoFrame or ImageBitmap reads as 0×0`,
    );
  if (typeof OffscreenCanvas === 'undefined') {
    throw new JadferError(
      'E_BAD_INPUT',
      'this runtime cannot read ImageBitmap/VideoFrame pixels (no OffscreenCanvas); pass { data, width, height } instead',
    );
  }
  const scale = Math.min(1, MAX_DRAW_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = new OffscreenCanvas(w, h);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new JadferError('E_INTERNAL', 'OffscreenCanvas 2d context is unavailable');
  context.drawImage(source, 0, 0, w, h);
  const { data } = context.getImageData(0, 0, w, h);
  return { data, width: w, height: h };
}

function expandToRgba(data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): RgbaImage {
  if (channels === 4) return { data, width, height };
  const pixels = width * height;
  const out = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    const r = data[i * channels]!;
    out[i * 4] = r;
    out[i * 4 + 1] = channels === 3 ? data[i * 3 + 1]! : r;
    out[i * 4 + 2] = channels === 3 ? data[i * 3 + 2]! : r;
    out[i * 4 + 3] = 255;
  }
  return { data: out, width, height };
}
