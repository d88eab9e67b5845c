/**
 * Turns any supported image into a payload for the engine, as a transferable where the
 * platform allows, so pixels cross to the worker without copies.
 */
import type { FramePayload } from '../contract/engine-api.js';
import { JadferError, toJadferError } from '../contract/errors.js';
import type { ImageInput, RawImage } from '../contract/types.js';

/** Larger frames are refused: 16384 is the largest canvas side browsers allow. */
export const MAX_SIDE = 16384;

export interface PreparedFrame {
  payload: FramePayload;
  transfer: Transferable[];
}

const has = (name: string) => typeof (globalThis as Record<string, unknown>)[name] === 'function';
const isInstance = (value: unknown, name: string) =>
  has(name) && value instanceof ((globalThis as Record<string, unknown>)[name] as new () => unknown);

/**
 * @param owned the SDK may consume the input (close a VideoFrame/ImageBitmap, detach a buffer);
 *   otherwise it is cloned and the caller's object stays usable.
 */
export async function prepareFrame(input: ImageInput, owned = false, timeoutMs = 30_000): Promise<PreparedFrame> {
  try {
    return await toPayload(input, owned, timeoutMs);
  } catch (error) {
    // The platform's own refusals (createImageBitmap on a canvas with no context, a detached
    // frame, …) are bad input too, and must carry our code.
    throw toJadferError(
      error,
      'E_BAD_INPUT',
      `cannot read the image: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function toPayload(input: ImageInput, owned: boolean, timeoutMs: number): Promise<PreparedFrame> {
  if (typeof input === 'string' || isInstance(input, 'URL'))
    return fromBitmap(await decode(await fetchImage(input as string | URL, timeoutMs)), true);
  if (isInstance(input, 'Blob')) return fromBitmap(await decode(input as Blob), true);
  if (input === null || typeof input !== 'object')
    throw badInput(`expected an image, got ${input === null ? 'null' : typeof input}`);
  if (isInstance(input, 'VideoFrame')) return fromVideoFrame(input as VideoFrame, owned);
  if (isInstance(input, 'ImageBitmap')) return fromBitmap(input as ImageBitmap, owned);
  if (isInstance(input, 'HTMLImageElement')) {
    const image = input as HTMLImageElement;
    if (!image.complete || image.naturalWidth === 0) throw badInput('the <img> has not loaded (or failed to decode)');
    return fromBitmap(await createImageBitmap(image), true);
  }
  if (isInstance(input, 'HTMLVideoElement')) {
    const video = input as HTMLVideoElement;
    if (video.readyState < 2 || video.videoWidth === 0)
      throw badInput('the <video> has no current frame yet (readyState < HAVE_CURRENT_DATA)');
    return fromBitmap(await createImageBitmap(video), true);
  }
  if (isInstance(input, 'HTMLCanvasElement') || isInstance(input, 'OffscreenCanvas')) {
    const canvas = input as HTMLCanvasElement | OffscreenCanvas;
    checkSize(canvas.width, canvas.height);
    return fromBitmap(await createImageBitmap(canvas), true);
  }
  if ('data' in input && 'width' in input && 'height' in input) return fromPixels(input as RawImage, owned);
  throw badInput(`unsupported image type ${(input as object).constructor?.name ?? 'object'}`);
}

/** Releases an input the SDK owns (stream frames), whatever it is. */
export function releaseFrame(input: unknown): void {
  if (isInstance(input, 'VideoFrame') || isInstance(input, 'ImageBitmap')) (input as VideoFrame | ImageBitmap).close();
}

/** Closes the frame copy a payload holds (one that was never sent to the engine). */
export function releasePayload(payload: FramePayload): void {
  if (payload.kind === 'bitmap') payload.bitmap.close();
  else if (payload.kind === 'videoframe') payload.frame.close();
}

function fromVideoFrame(frame: VideoFrame, owned: boolean): PreparedFrame {
  // A closed frame has a null format and 0 display size.
  if (frame.format === null && frame.displayWidth === 0) throw badInput('the VideoFrame is closed');
  checkSize(frame.displayWidth, frame.displayHeight);
  const copy = owned ? frame : frame.clone();
  return { payload: { kind: 'videoframe', frame: copy }, transfer: [copy] };
}

async function fromBitmap(bitmap: ImageBitmap, owned: boolean): Promise<PreparedFrame> {
  if (!canDrawBitmaps())
    throw badInput(
      'this runtime cannot read the pixels of an ImageBitmap (no 2d OffscreenCanvas): pass { data, width, height }',
    );
  if (bitmap.width === 0 || bitmap.height === 0) throw badInput('the ImageBitmap is closed or empty');
  checkSize(bitmap.width, bitmap.height);
  const copy = owned ? bitmap : await createImageBitmap(bitmap);
  return { payload: { kind: 'bitmap', bitmap: copy }, transfer: [copy] };
}

function fromPixels(image: RawImage, owned: boolean): PreparedFrame {
  const { data, width, height } = image;
  checkSize(width, height);
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw badInput(`pixel data must be a Uint8Array or Uint8ClampedArray, got ${describeType(data)}`);
  }
  if (data.buffer.byteLength === 0 && width * height > 0)
    throw badInput('the pixel buffer is detached (it was transferred elsewhere)');
  const pixels = width * height;
  const channels = data.length === pixels * 4 ? 4 : data.length === pixels * 3 ? 3 : data.length === pixels ? 1 : 0;
  if (channels === 0)
    throw badInput(
      `pixel data has ${data.length} bytes; ${width}×${height} needs ${pixels * 4} (RGBA), ${pixels * 3} (RGB) or ${pixels} (gray)`,
    );
  const wholeBuffer =
    data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  const bytes = owned && wholeBuffer ? new Uint8Array(data.buffer) : new Uint8Array(data);
  return { payload: { kind: 'pixels', data: bytes, width, height, channels }, transfer: [bytes.buffer] };
}

let drawable: boolean | undefined;
/** The engine draws bitmaps to read their pixels; Deno makes bitmaps but has no 2d canvas to draw them on. */
function canDrawBitmaps(): boolean {
  drawable ??= has('OffscreenCanvas') && new OffscreenCanvas(1, 1).getContext('2d') !== null;
  return drawable;
}

const NO_DECODER =
  'this runtime cannot decode an image file (no createImageBitmap): pass { data, width, height } (in Node, decode with sharp)';

/** An image file's bytes (a File from `<input type=file>`, a fetched Blob) decoded by the platform. */
async function decode(blob: Blob): Promise<ImageBitmap> {
  if (!has('createImageBitmap')) throw badInput(NO_DECODER);
  return createImageBitmap(blob);
}

/**
 * An image URL, fetched by the page as `fetch` would (relative to the page; cookies only to its own
 * origin). Nothing is sent but the request: the server learns the image was fetched, never the result.
 * The page's CSP `connect-src` decides which origins may answer, and a cross-origin server must allow
 * CORS. Only http(s), blob: and data: URLs: never a file the page could not fetch itself.
 */
async function fetchImage(input: string | URL, timeoutMs: number): Promise<Blob> {
  let url: URL;
  try {
    url = new URL(input, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw badInput(
      `not an image URL: ${JSON.stringify(String(input))} (a relative URL needs a page to resolve against)`,
    );
  }
  if (!/^(https?|blob|data):$/.test(url.protocol))
    throw badInput(`${url.protocol} URLs are not fetched: pass an http(s), blob: or data: URL, or the image itself`);
  if (!has('createImageBitmap')) throw badInput(NO_DECODER); // before anything is fetched
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new JadferError(
      'E_BAD_INPUT',
      `cannot fetch the image ${url.href}: ${error instanceof Error ? error.message : String(error)} ` +
        "(the page's Content-Security-Policy connect-src must allow its origin, and a cross-origin server must send CORS headers)",
      { cause: error, details: { url: url.href } },
    );
  }
  if (!response.ok)
    throw new JadferError('E_BAD_INPUT', `the image ${url.href} answered HTTP ${response.status}`, {
      details: { url: url.href, status: response.status },
    });
  return response.blob();
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw badInput(`image size must be positive integers, got ${width}×${height}`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE)
    throw badInput(`image is ${width}×${height}; the largest side allowed is ${MAX_SIDE}`);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

function badInput(message: string): JadferError {
  return new JadferError('E_BAD_INPUT', message);
}
