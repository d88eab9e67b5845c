// Runs inside Chromium: this build (/dist/) against a baseline build (/baseline/), interleaved in one
// page so that both see the same machine load: analyze() of the 1-face and 5-face frames, then
// 5-face streams in turn. Detection time is FrameResult.timings' detectPreprocess + detectRun + detectDecode.
import { create as createThis } from '/dist/jadfer.js';
import { create as createBaseline } from '/baseline/jadfer.js';
import { frameFrom } from './measure.js';

const detection = (t) => t.detectPreprocess + t.detectRun + t.detectDecode;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

window.runAb = async ({ rounds, streamSeconds }) => {
  const one = await frameFrom('/shared/fixtures/photos/portrait-a-1.jpg');
  const five = await frameFrom('/shared/fixtures/photos/group-3.jpg');
  const systems = { this: await createThis({ device: 'wasm' }), baseline: await createBaseline({ device: 'wasm' }) };
  const samples = {};
  for (const name of Object.keys(systems)) samples[name] = { one: [], five: [], oneDetection: [], fiveDetection: [] };
  const warmup = 5;
  for (let round = 0; round < rounds + warmup; round++)
    for (const name of round % 2 ? ['this', 'baseline'] : ['baseline', 'this'])
      for (const [key, image] of [
        ['one', one],
        ['five', five],
      ]) {
        const t0 = performance.now();
        await systems[name].analyze(image);
        if (round < warmup) continue;
        samples[name][key].push(performance.now() - t0);
        samples[name][`${key}Detection`].push(detection(systems[name].lastTimings));
      }
  const out = {};
  for (const name of Object.keys(systems)) {
    out[name] = Object.fromEntries(Object.entries(samples[name]).map(([key, values]) => [key, median(values)]));
    out[name].streams = [];
  }
  for (let turn = 0; turn < 4; turn++) {
    const name = turn % 2 ? 'this' : 'baseline';
    let stop = false;
    async function* source() {
      while (!stop) {
        yield new ImageData(new Uint8ClampedArray(five.data), five.width, five.height);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const started = performance.now();
    let frames = 0;
    let detectionMs = 0;
    for await (const result of systems[name].stream(source())) {
      frames++;
      detectionMs += detection(result.timings);
      if (performance.now() - started > streamSeconds * 1000) break;
    }
    stop = true;
    const seconds = (performance.now() - started) / 1000;
    out[name].streams.push({ fps: frames / seconds, detectionPerFrame: detectionMs / frames });
  }
  for (const system of Object.values(systems)) await system.dispose();
  return out;
};
window.abReady = true;
