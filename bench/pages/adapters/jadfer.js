// jadfer as users get it: the ESM bundle, engine in its Web Worker, models from dist/.
import { create } from '/dist/jadfer.js';

export async function load({ device, threads, detector, cache = false }) {
  // Caches off unless asked (cold-start.js): each comparison page loads over the network, like the others.
  const fer = await create({
    device,
    threads,
    cache: cache ? 'persistent' : 'none',
    ...(detector ? { detector } : {}),
  });
  const faces = (results) => results.map((face) => ({ expression: face.expression.label, score: face.score }));
  return {
    backend: fer.backend,
    threads: fer.threads,
    settings: { detector: fer.detector, model: fer.model.name, maxFaces: 'default (10)', worker: true },
    detect: async (image) => faces(await fer.analyze(image)),
    // Latest frame wins: fer.stream drops stale frames while the worker is busy.
    async *stream(frames) {
      for await (const result of fer.stream(frames)) yield faces(result.faces);
    },
    startup: fer.startup,
    dispose: () => fer.dispose(),
  };
}
