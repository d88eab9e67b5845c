// One start of one system (adapters/<system>.js), as a page load does it: import the library,
// create/load, first result on the 1-face frame. bench/cold-start.ts opens it twice per browser
// context: first with empty caches (cold), then again (warm: HTTP cache, and each system's own).
import { canvasFrom } from './measure.js';

window.runStart = async ({ system: name, threads, photo }) => {
  const frame = await canvasFrom(photo);
  const t0 = performance.now();
  const { load } = await import(`./adapters/${name}.js`);
  const imported = performance.now();
  const system = await load({ device: 'wasm', threads, cache: true });
  const loaded = performance.now();
  const faces = await system.detect(frame);
  const done = performance.now();
  const result = {
    ms: done - t0,
    importMs: imported - t0,
    loadMs: loaded - imported,
    firstResultMs: done - loaded,
    faces: faces.length,
    ...(system.startup ? { startup: system.startup } : {}),
  };
  await system.dispose();
  return result;
};
window.startReady = true;
