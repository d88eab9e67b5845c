// Runs inside Chromium: times the SDK end to end on 640×480 frames made from fixture photos.
import { create } from '/dist/jadfer.js';
import { frameFrom, timeRuns } from './measure.js';

async function timeAnalyze(fer, image, runs) {
  const { last, ...stats } = await timeRuns(() => fer.analyze(image), { warmup: 5, runs });
  return { ...stats, faces: last.length };
}

/** Sustained throughput: a source faster than inference, latest frame wins. */
async function streamFps(fer, image, seconds) {
  let stop = false;
  async function* source() {
    while (!stop) {
      yield new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const started = performance.now();
  let results = 0;
  let last;
  for await (const result of fer.stream(source())) {
    results++;
    last = result;
    if (performance.now() - started > seconds * 1000) break;
  }
  stop = true;
  return {
    fps: (results * 1000) / (performance.now() - started),
    dropped: last?.droppedTotal ?? 0,
    faces: last?.faces.length ?? 0,
  };
}

window.runBench = async ({ modelUrl, device, runs, streamSeconds }) => {
  const one = await frameFrom('/shared/fixtures/photos/portrait-a-1.jpg');
  const five = await frameFrom('/shared/fixtures/photos/group-3.jpg');
  const out = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated,
    scenarios: [],
  };
  for (const detector of ['blazeface', 'blazeface-back']) {
    const t0 = performance.now();
    const fer = await create({ device, detector, ...(modelUrl ? { modelUrl } : {}) });
    const coldStartMs = performance.now() - t0;
    const meta = {
      detector: fer.detector,
      backend: fer.backend,
      threads: fer.threads,
      kernels: fer.kernels,
      model: fer.model.name,
      coldStartMs,
    };
    out.scenarios.push({ name: `1 face, ${detector}`, ...meta, ...(await timeAnalyze(fer, one, runs)) });
    out.scenarios.push({ name: `5 faces, ${detector}`, ...meta, ...(await timeAnalyze(fer, five, runs)) });
    if (detector === 'blazeface-back') out.stream5 = { ...meta, ...(await streamFps(fer, five, streamSeconds)) };
    await fer.dispose();
  }
  // The classifier alone: a crop the size of the model input, no detector.
  const fer = await create({ device, detector: 'none', ...(modelUrl ? { modelUrl } : {}) });
  const [, , h, w] = fer.model.inputShape;
  const crop = await frameFrom('/shared/fixtures/photos/portrait-a-1.jpg', w, h);
  out.classifier = {
    model: fer.model.name,
    backend: fer.backend,
    threads: fer.threads,
    ...(await timeAnalyze(fer, crop, runs)),
  };
  await fer.dispose();
  return out;
};
window.benchReady = true;
