// Runs inside Chromium: times the SDK end to end on 640×480 frames made from fixture photos.
import { create } from '/dist/jadfer.js';
import { create as createForTests, simulateDeviceLoss } from '/dist/jadfer.testing.js';
import { frameFrom, summary, timeRuns } from './measure.js';

const STAGES = [
  'transfer',
  'pixels',
  'detectPreprocess',
  'detectRun',
  'detectDecode',
  'align',
  'classify',
  'track',
  'reply',
  'total',
];

/** Mean of each stage over the frames' timings (fer.lastTimings or FrameResult.timings). */
function meanStages(all) {
  return Object.fromEntries(STAGES.map((k) => [k, all.reduce((sum, t) => sum + t[k], 0) / all.length]));
}

async function timeAnalyze(fer, image, runs) {
  const stages = [];
  const { last, ...stats } = await timeRuns(
    async () => {
      const faces = await fer.analyze(image);
      stages.push(fer.lastTimings);
      return faces;
    },
    { warmup: 5, runs },
  );
  return { ...stats, faces: last.length, stages: meanStages(stages.slice(-runs)) };
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
  const timings = [];
  const runsByTrack = new Map(); // trackId → the frame timestamps its classifier runs came from
  for await (const result of fer.stream(source())) {
    results++;
    last = result;
    timings.push(result.timings);
    for (const face of result.faces) {
      const runs = runsByTrack.get(face.trackId) ?? new Set();
      runs.add(face.classifiedAt);
      runsByTrack.set(face.trackId, runs);
    }
    if (performance.now() - started > seconds * 1000) break;
  }
  stop = true;
  const elapsedS = (performance.now() - started) / 1000;
  const perTrack = [...runsByTrack.values()].map((runs) => runs.size / elapsedS);
  return {
    fps: results / elapsedS,
    dropped: last?.droppedTotal ?? 0,
    faces: last?.faces.length ?? 0,
    tracks: runsByTrack.size,
    // Classifier runs per second for the least and the most served track.
    classificationsPerTrackPerSecond: { min: Math.min(...perTrack), max: Math.max(...perTrack) },
    classifiedPerFrame: timings.reduce((n, t) => n + t.classified, 0) / timings.length,
    stages: meanStages(timings),
  };
}

/**
 * A lost WebGPU device, timed: a fresh instance on WebGPU (the default pipeline) analyses a frame,
 * the device is destroyed as a driver reset would, and the next frame is sent at once. Times from
 * the loss to the `backend` event (the engine is on WASM) and to that frame's result. `memoryBytes`
 * (page, worker and wasm, before the loss) is what a standby WASM session would add to.
 */
async function deviceLossRecovery({ modelUrl, image, trials }) {
  const samples = [];
  for (let trial = 0; trial < trials; trial++) {
    const fer = await createForTests({ device: 'webgpu', ...(modelUrl ? { modelUrl } : {}) });
    try {
      if (fer.backend !== 'webgpu') return { skipped: fer.fallbackReason ?? `on ${fer.backend}` };
      await fer.analyze(image);
      const memoryBytes = performance.measureUserAgentSpecificMemory
        ? (await performance.measureUserAgentSpecificMemory()).bytes
        : undefined;
      const switched = new Promise((resolve) =>
        fer.on('backend', (event) => event.previous === 'webgpu' && resolve(performance.now())),
      );
      const lostAt = performance.now();
      const loss = simulateDeviceLoss(fer);
      const faces = await fer.analyze(image);
      const resultAt = performance.now();
      await loss;
      samples.push({
        switchMs: (await switched) - lostAt,
        firstResultMs: resultAt - lostAt,
        backend: fer.backend,
        faces: faces.length,
        memoryBytes,
      });
    } finally {
      await fer.dispose();
    }
  }
  return {
    trials,
    switchMs: summary(samples.map((s) => s.switchMs)),
    firstResultMs: summary(samples.map((s) => s.firstResultMs)),
    samples: samples.map(({ switchMs, firstResultMs }) => ({ switchMs, firstResultMs })),
    backendAfter: samples[0].backend,
    faces: samples[0].faces,
    memoryBytes: samples[0].memoryBytes,
  };
}

/**
 * Time to first label: a stream of empty frames, then the 5-face frame; from the source handing
 * over the first face frame to the first result in which every face has a label.
 */
async function timeToFirstLabel(fer, empty, faces) {
  let facesFrom;
  async function* source() {
    for (let i = 0; ; i++) {
      const face = i >= 20;
      if (face && facesFrom === undefined) facesFrom = performance.now();
      yield new ImageData(new Uint8ClampedArray((face ? faces : empty).data), faces.width, faces.height);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  for await (const result of fer.stream(source())) {
    if (result.faces.length === 5 && result.faces.every((f) => f.expression.label))
      return { ms: performance.now() - facesFrom, latencyMs: result.latencyMs, faces: result.faces.length };
    if (facesFrom !== undefined && performance.now() - facesFrom > 10_000) return { ms: NaN, faces: 0 };
  }
}

/**
 * A new face among tracked ones: the 5-face frame with one face painted over streams until its four
 * faces are tracked and labelled (the big passes then run at their lower rate), then the whole frame;
 * from the source handing over the first whole frame to the first result with the fifth face labelled.
 * Repeated `trials` times on fresh streams; the bound the stream promises is what this measures.
 */
async function timeToNewFace(fer, five, trials) {
  const [hidden] = await fer.analyze(five);
  const four = new ImageData(new Uint8ClampedArray(five.data), five.width, five.height);
  const canvas = new OffscreenCanvas(five.width, five.height);
  const context = canvas.getContext('2d');
  context.putImageData(four, 0, 0);
  const { x, y, width, height } = hidden.box;
  context.fillStyle = '#777';
  context.beginPath();
  context.ellipse(x + width / 2, y + height / 2, width, height * 1.2, 0, 0, 2 * Math.PI);
  context.fill();
  const fourFaces = context.getImageData(0, 0, five.width, five.height);
  const samples = [];
  for (let trial = 0; trial < trials; trial++) {
    let fullFrom;
    let tracked = false;
    async function* source() {
      for (;;) {
        const full = tracked;
        if (full && fullFrom === undefined) fullFrom = performance.now();
        const image = full ? five : fourFaces;
        yield new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    let frames = 0;
    for await (const result of fer.stream(source())) {
      frames++;
      // Settled: four labelled faces for a while (the big passes now at their lower rate).
      if (!tracked && result.faces.length === 4 && frames > 30) tracked = true;
      if (fullFrom !== undefined && result.faces.length === 5) {
        samples.push(performance.now() - fullFrom);
        break;
      }
      if (fullFrom !== undefined && performance.now() - fullFrom > 10_000) {
        samples.push(NaN);
        break;
      }
    }
  }
  return { ...summary(samples), samples };
}

window.runBench = async ({ modelUrl, device, runs, streamSeconds, deviceLossTrials }) => {
  const one = await frameFrom('/shared/fixtures/photos/portrait-a-1.jpg');
  const five = await frameFrom('/shared/fixtures/photos/group-3.jpg');
  const out = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated,
    scenarios: [],
  };
  // The default detector first (what users get), then the cheaper near-faces-only option.
  for (const detector of [undefined, 'blazeface']) {
    const t0 = performance.now();
    const fer = await create({ device, ...(detector ? { detector } : {}), ...(modelUrl ? { modelUrl } : {}) });
    const coldStartMs = performance.now() - t0;
    const meta = {
      detector: fer.detector,
      backend: fer.backend,
      threads: fer.threads,
      kernels: fer.kernels,
      model: fer.model.name,
      coldStartMs,
    };
    const option = detector ?? 'default';
    out.scenarios.push({ name: `1 face, ${option}`, ...meta, ...(await timeAnalyze(fer, one, runs)) });
    out.scenarios.push({ name: `5 faces, ${option}`, ...meta, ...(await timeAnalyze(fer, five, runs)) });
    if (!detector) {
      out.stream5 = { ...meta, ...(await streamFps(fer, five, streamSeconds)) };
      const empty = new ImageData(five.width, five.height);
      out.firstLabel = await timeToFirstLabel(fer, empty, five);
      out.newFace = await timeToNewFace(fer, five, 5);
    }
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
  if (deviceLossTrials > 0)
    out.deviceLoss = await deviceLossRecovery({ modelUrl, image: one, trials: deviceLossTrials });
  return out;
};
window.benchReady = true;
