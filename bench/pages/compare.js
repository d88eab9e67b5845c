// Runs one system (adapters/<system>.js) in a fresh page: cold start, per-frame latency on a 1-face
// and a 5-face frame, and a stream on a canvas repainted every animation frame, with the main
// thread's long tasks. bench/compare.ts opens one page per system and run, one after the other.
//
// An adapter exports load({ device, threads, detector }) resolving to
//   { backend, threads, settings, detect(canvas) → [{ expression, score }], stream?(frames), dispose() }
// where stream (jadfer only) maps an async iterable of frames to one [{ expression, score }] per result.
import {
  canvasFrom,
  FRAME_HEIGHT,
  FRAME_WIDTH,
  loadBitmap,
  macrotask,
  observeLongTasks,
  paintEveryFrame,
  timeRuns,
} from './measure.js';

const cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) =>
  cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`),
);

async function describeAdapter() {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter)
    return { available: false, reason: navigator.gpu ? 'navigator.gpu gives no adapter' : 'no navigator.gpu' };
  const info = adapter.info ?? {};
  return {
    available: true,
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
  };
}

/** Each system's per-frame API as fast as it goes, on a source repainted every animation frame. */
async function streamLoop(system, bitmap, seconds) {
  const canvas = Object.assign(document.createElement('canvas'), { width: FRAME_WIDTH, height: FRAME_HEIGHT });
  document.body.append(canvas);
  const source = paintEveryFrame(canvas, bitmap);
  const longTasks = observeLongTasks();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let frames = 0;
  let faces = 0;
  if (system.stream) {
    for await (const found of system.stream(source.frames())) {
      frames++;
      faces = found.length;
      if (performance.now() >= deadline) break;
    }
  } else {
    while (performance.now() < deadline) {
      faces = (await system.detect(canvas)).length;
      frames++;
      await macrotask(); // let the repaint (and anything else queued) run between frames
    }
  }
  const elapsedMs = performance.now() - started;
  const painted = source.painted;
  source.stop();
  canvas.remove();
  return {
    seconds: elapsedMs / 1000,
    frames,
    fps: (frames * 1000) / elapsedMs,
    faces,
    animationFramesPainted: painted,
    longTasks: longTasks.stop(),
  };
}

window.runCompare = async ({ system: name, device, threads, detector, photos, warmup, runs, maxMs, streamSeconds }) => {
  const out = {
    system: name,
    device,
    userAgent: navigator.userAgent,
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  if (device === 'webgpu') {
    out.adapter = await describeAdapter();
    if (!out.adapter.available) return out;
  }
  const one = await canvasFrom(photos.one);
  const five = photos.five ? await canvasFrom(photos.five) : undefined;

  // Cold start: import the library, create/load, first result on the 1-face frame.
  const t0 = performance.now();
  const { load } = await import(`./adapters/${name}.js`);
  const imported = performance.now();
  const system = await load({ device, threads, detector });
  const loaded = performance.now();
  const first = await system.detect(one);
  const done = performance.now();
  Object.assign(out, { backend: system.backend, threads: system.threads, settings: system.settings });
  out.coldStart = {
    ms: done - t0,
    importMs: imported - t0,
    loadMs: loaded - imported,
    firstResultMs: done - loaded,
    faces: first.length,
  };

  const time = async (canvas) => {
    const { last, ...stats } = await timeRuns(() => system.detect(canvas), { warmup, runs, maxMs });
    return {
      ...stats,
      faces: last.length,
      found: last.map(({ expression, score }) => `${expression} ${score.toFixed(2)}`),
    };
  };
  out.oneFace = await time(one);
  if (five) out.fiveFaces = await time(five);
  if (streamSeconds) out.stream = await streamLoop(system, await loadBitmap(photos.one), streamSeconds);
  await system.dispose();
  out.cspViolations = cspViolations;
  return out;
};
window.compareReady = true;
