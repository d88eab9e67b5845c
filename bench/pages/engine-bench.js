// Runs in each browser engine (bench/engines.ts): what a kiosk on that engine gets with the defaults
// (device 'auto', default threads, shipped model), in a fresh browser, so the first create is cold.
import { frameFrom, timeRuns } from './measure.js';

window.runEngineBench = async ({ runs, modelUrl }) => {
  const one = await frameFrom('/shared/fixtures/photos/portrait-a-1.jpg');
  // Cold start as in the comparison (bench/compare.ts): from importing the module to the first result.
  const started = performance.now();
  const { create } = await import('/dist/jadfer.js');
  const fer = await create(modelUrl ? { modelUrl } : {});
  const createMs = performance.now() - started;
  const first = await fer.analyze(one);
  const coldStartMs = performance.now() - started;
  const firstTimings = fer.lastTimings;
  try {
    const { last, ...oneFace } = await timeRuns(() => fer.analyze(one), { warmup: 5, runs });
    // What this engine's compiler alone takes for ONNX Runtime's wasm (where a slow start goes).
    const wasm = await (await fetch('/dist/ort/ort-wasm-simd-threaded.wasm')).arrayBuffer();
    const compileStarted = performance.now();
    await WebAssembly.compile(wasm);
    const ortCompileMs = performance.now() - compileStarted;
    return {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated,
      sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
      navigatorGpu: 'gpu' in navigator,
      backend: fer.backend,
      fallbackReason: fer.fallbackReason ?? null,
      threads: fer.threads,
      kernels: fer.kernels,
      model: fer.model.name,
      createMs,
      coldStartMs,
      startup: fer.startup,
      firstResult: { detectRun: firstTimings.detectRun, classify: firstTimings.classify, total: firstTimings.total },
      ortCompileMs,
      oneFace: { ...oneFace, faces: last.length, firstFaces: first.length },
    };
  } finally {
    await fer.dispose();
  }
};
window.benchReady = true;
