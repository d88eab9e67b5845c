/**
 * Streaming with latest-frame-wins backpressure: the source is drained as fast as it
 * produces, but only the newest frame is kept. When inference is busy, older frames are
 * released and counted as dropped, so memory stays flat however fast the source is.
 */
import { JadferError, toJadferError } from '../contract/errors.js';
import { releaseFrame } from './frames.js';
import type { FrameResult, ImageInput, StreamOptions, StreamSource } from '../contract/types.js';

/** A frame waiting in the slot. `acquire` runs only for frames that are analysed. */
export interface PendingFrame {
  acquire(): Promise<ImageInput> | ImageInput;
  release(): void;
  timestamp: number;
}

export class LatestFrameSlot {
  private pending?: PendingFrame;
  private ended = false;
  private wake?: () => void;
  dropped = 0;

  put(frame: PendingFrame): void {
    if (this.ended) {
      frame.release();
      return;
    }
    if (this.pending) {
      this.pending.release();
      this.dropped++;
    }
    this.pending = frame;
    this.wake?.();
  }

  /** The newest frame, waiting for one if needed; undefined once the source has ended. */
  async take(): Promise<PendingFrame | undefined> {
    while (!this.pending && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    const frame = this.pending;
    this.pending = undefined;
    return frame;
  }

  end(): void {
    this.ended = true;
    this.pending?.release();
    this.pending = undefined;
    this.wake?.();
  }
}

export type AnalyzeOwned = (
  image: ImageInput,
  timestamp: number,
) => Promise<Pick<FrameResult, 'faces' | 'backend' | 'timings'>>;

export interface StreamHooks {
  analyze: AnalyzeOwned;
  onResult(result: FrameResult): void;
  /** Frame-level errors (a bad frame): reported, and the stream goes on. */
  onFrameError(error: Error): void;
  /** Which errors cost one frame rather than the stream. */
  isFrameError(error: unknown): boolean;
}

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const now = () => performance.now();

export function streamResults(
  source: StreamSource,
  options: StreamOptions,
  hooks: StreamHooks,
): AsyncIterableIterator<FrameResult> {
  const pump = pumpFor(source);
  const slot = new LatestFrameSlot();
  // A source that fails ends the stream: the frames already taken are answered, then next() throws this.
  let sourceError: JadferError | undefined;
  const stopPump = startPump(pump, slot, (error) => (sourceError = error));
  const minIntervalMs = options.fps ? 1000 / options.fps : 0;
  let lastStart = -Infinity;
  let index = 0;
  let droppedTotal = 0;
  let finished = false;

  const finish = () => {
    if (finished) return;
    finished = true;
    slot.end();
    stopPump();
  };
  options.signal?.addEventListener('abort', finish, { once: true });

  const iterator: AsyncIterableIterator<FrameResult> = {
    async next() {
      for (;;) {
        if (finished || options.signal?.aborted) {
          finish();
          return { done: true, value: undefined };
        }
        const wait = lastStart + minIntervalMs - now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const frame = await slot.take();
        if (!frame) {
          finish();
          const error = sourceError;
          sourceError = undefined;
          if (error) throw error;
          return { done: true, value: undefined };
        }
        const dropped = slot.dropped;
        slot.dropped = 0;
        droppedTotal += dropped;
        lastStart = now();
        try {
          const reply = await hooks.analyze(await frame.acquire(), frame.timestamp);
          const result: FrameResult = {
            ...reply,
            timestamp: frame.timestamp,
            latencyMs: now() - lastStart,
            dropped,
            droppedTotal,
            index: index++,
          };
          hooks.onResult(result);
          return { done: false, value: result };
        } catch (error) {
          if (hooks.isFrameError(error)) {
            hooks.onFrameError(error as Error);
            continue;
          }
          finish();
          throw error;
        }
      }
    },
    async return() {
      finish();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

type Pump = (slot: LatestFrameSlot, stopped: () => boolean, cleanups: (() => void)[]) => Promise<void>;

/** How frames move from this kind of source into the slot; a source of no supported kind is refused at once. */
function pumpFor(source: StreamSource): Pump {
  if (isInstance(source, 'HTMLVideoElement'))
    return (slot, stopped, cleanups) => pumpVideo(source as HTMLVideoElement, slot, stopped, cleanups);
  if (isInstance(source, 'MediaStream'))
    return (slot, stopped, cleanups) => pumpMediaStream(source as MediaStream, slot, stopped, cleanups);
  if (isInstance(source, 'ReadableStream'))
    return (slot, stopped, cleanups) => pumpReadable(source as ReadableStream<VideoFrame>, slot, stopped, cleanups);
  if (typeof source === 'object' && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source))
    return (slot, stopped) => pumpIterable(source as AsyncIterable<ImageInput>, slot, stopped);
  throw new JadferError(
    'E_BAD_INPUT',
    `stream source must be a video element, MediaStream, ReadableStream<VideoFrame> or an (async) iterable of images (got ${
      source === null ? 'null' : typeof source
    })`,
  );
}

/** Starts moving frames from the source into the slot; returns a function that stops it. */
function startPump(pump: Pump, slot: LatestFrameSlot, onSourceError: (error: JadferError) => void): () => void {
  let stopped = false;
  const cleanups: (() => void)[] = [];
  const stop = () => {
    stopped = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
  pump(slot, () => stopped, cleanups)
    .catch((error: unknown) => {
      // A source that breaks while the stream is open ends it, with its error; after return() it is moot.
      if (stopped) return;
      const why = error instanceof Error ? error.message : String(error);
      onSourceError(toJadferError(error, 'E_BAD_INPUT', `the stream source failed: ${why}`));
    })
    .finally(() => slot.end());
  return stop;
}

function isInstance(value: unknown, name: string): boolean {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' && value instanceof (ctor as new () => unknown);
}

async function pumpIterable(
  source: AsyncIterable<ImageInput> | Iterable<ImageInput>,
  slot: LatestFrameSlot,
  stopped: () => boolean,
): Promise<void> {
  for await (const image of source) {
    if (stopped()) {
      releaseFrame(image);
      break;
    }
    slot.put({ acquire: () => image, release: () => releaseFrame(image), timestamp: now() });
    // A source faster than inference must not starve the event loop (and the worker's replies).
    await macrotask();
  }
}

async function pumpReadable(
  stream: ReadableStream<VideoFrame>,
  slot: LatestFrameSlot,
  stopped: () => boolean,
  cleanups: (() => void)[],
): Promise<void> {
  const reader = stream.getReader();
  cleanups.push(() => void reader.cancel().catch(() => undefined));
  while (!stopped()) {
    const { done, value } = await reader.read();
    if (done) break;
    const timestamp = isInstance(value, 'VideoFrame') ? value.timestamp / 1000 : now();
    slot.put({ acquire: () => value, release: () => releaseFrame(value), timestamp });
  }
  reader.releaseLock();
}

async function pumpMediaStream(
  stream: MediaStream,
  slot: LatestFrameSlot,
  stopped: () => boolean,
  cleanups: (() => void)[],
): Promise<void> {
  const [track] = stream.getVideoTracks();
  if (!track) throw new TypeError('the MediaStream has no video track');
  const Processor = (
    globalThis as {
      MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };
    }
  ).MediaStreamTrackProcessor;
  if (Processor) return pumpReadable(new Processor({ track }).readable, slot, stopped, cleanups);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  cleanups.push(() => {
    video.pause();
    video.srcObject = null;
  });
  await video.play();
  return pumpVideo(video, slot, stopped, cleanups);
}

/**
 * A `<video>` that shows no frame this long gets one console warning saying why: a page that streams
 * from an element nothing connected to a camera would otherwise wait in silence.
 */
export const SILENT_VIDEO_WARNING_MS = 5000;

/** Why a `<video>` has produced no frame, in words an integrator can act on. */
export function silentVideoReason(video: HTMLVideoElement): string {
  const waited = `stream(): no frame from the <video> in ${SILENT_VIDEO_WARNING_MS / 1000} s`;
  if (video.error) return `${waited}: it failed to load (MediaError code ${video.error.code}: ${video.error.message})`;
  if (!video.srcObject && !video.currentSrc && !video.getAttribute('src'))
    return (
      `${waited}: it has no source (no srcObject, no src). Connect a camera: ` +
      '`video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true })`, ' +
      'or pass that MediaStream to stream() itself'
    );
  if (video.paused) return `${waited}: it is paused. Call video.play(), or give it the autoplay and muted attributes`;
  return `${waited}: it has a source but no picture yet (readyState ${video.readyState})`;
}

/** Frames are grabbed from the element only when they are analysed, so dropping costs nothing. */
async function pumpVideo(
  video: HTMLVideoElement,
  slot: LatestFrameSlot,
  stopped: () => boolean,
  cleanups: (() => void)[],
): Promise<void> {
  const grab = () => createImageBitmap(video);
  const silent = setTimeout(() => console.warn(`[jadfer] ${silentVideoReason(video)}`), SILENT_VIDEO_WARNING_MS);
  const put = (timestamp: number) => {
    clearTimeout(silent);
    slot.put({ acquire: grab, release: () => undefined, timestamp });
  };
  const shown = new Promise<void>((resolve) => {
    const ended = () => resolve();
    video.addEventListener('ended', ended);
    cleanups.push(() => {
      video.removeEventListener('ended', ended);
      resolve();
    });
    if ('requestVideoFrameCallback' in video) {
      const onFrame = (_: number, meta: VideoFrameCallbackMetadata) => {
        if (stopped()) return;
        put(meta.mediaTime * 1000);
        handle = video.requestVideoFrameCallback(onFrame);
      };
      let handle = video.requestVideoFrameCallback(onFrame);
      cleanups.push(() => video.cancelVideoFrameCallback(handle));
    } else {
      const element: HTMLVideoElement = video;
      const timer = setInterval(() => element.readyState >= 2 && !element.paused && put(now()), 1000 / 30);
      cleanups.push(() => clearInterval(timer));
    }
  });
  await shown.finally(() => clearTimeout(silent));
}
