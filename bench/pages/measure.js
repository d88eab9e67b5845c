// Measuring helpers shared by the bench pages (sdk-bench.js, compare.js): frames, percentiles,
// timed loops, main-thread long tasks, and a video-like canvas source.

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;

export const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

export async function loadBitmap(url) {
  return createImageBitmap(await (await fetch(url)).blob());
}

/**
 * Draws a photo letterboxed (aspect kept, centred, opaque black bars: a frame, like video) into a
 * canvas of its own size. Opaque, because a library that copies frames onto its own canvas would
 * otherwise keep the previous frame's pixels in transparent bars.
 */
export function drawLetterboxed(canvas, bitmap) {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  context.drawImage(bitmap, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  return context;
}

/** A fixture photo as a width×height frame (ImageData). */
export async function frameFrom(url, width = FRAME_WIDTH, height = FRAME_HEIGHT) {
  return drawLetterboxed(new OffscreenCanvas(width, height), await loadBitmap(url)).getImageData(0, 0, width, height);
}

/** A fixture photo in a 640×480 <canvas>: the one input type all compared libraries accept. */
export async function canvasFrom(url) {
  const canvas = document.createElement('canvas');
  canvas.width = FRAME_WIDTH;
  canvas.height = FRAME_HEIGHT;
  drawLetterboxed(canvas, await loadBitmap(url));
  return canvas;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

export function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

/**
 * Times `run()` after `warmup` untimed calls. `maxMs` (optional) stops early, for slow backends;
 * `n` then says how many runs were timed. Returns the summary and the last run's value.
 */
export async function timeRuns(run, { warmup, runs, maxMs = Infinity }) {
  for (let i = 0; i < warmup; i++) await run();
  const samples = [];
  let last;
  const started = performance.now();
  for (let i = 0; i < runs && (i === 0 || performance.now() - started < maxMs); i++) {
    const t0 = performance.now();
    last = await run();
    samples.push(performance.now() - t0);
  }
  return { ...summary(samples), last };
}

/** Counts main-thread long tasks (> 50 ms, PerformanceObserver 'longtask') from now until stop(). */
export function observeLongTasks() {
  const entries = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  return {
    stop() {
      entries.push(...observer.takeRecords());
      observer.disconnect();
      const durations = entries.map((entry) => entry.duration);
      return {
        count: durations.length,
        totalMs: durations.reduce((a, b) => a + b, 0),
        maxMs: Math.max(0, ...durations),
      };
    },
  };
}

/**
 * A video-like source: the photo is drawn again into `canvas` on every animation frame.
 * `frames()` yields the canvas after each draw, until stop().
 */
export function paintEveryFrame(canvas, bitmap) {
  let stopped = false;
  let painted = 0;
  let waiting = [];
  const paint = () => {
    if (stopped) return;
    drawLetterboxed(canvas, bitmap);
    painted++;
    for (const resolve of waiting.splice(0)) resolve();
    requestAnimationFrame(paint);
  };
  requestAnimationFrame(paint);
  return {
    canvas,
    get painted() {
      return painted;
    },
    async *frames() {
      while (!stopped) {
        await new Promise((resolve) => waiting.push(resolve));
        if (!stopped) yield canvas;
      }
    },
    stop() {
      stopped = true;
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
