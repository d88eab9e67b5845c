import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { BASE_URL } from './helpers.js';

// The shipped JADFER model (the default) on both execution providers: every op it uses must run
// on WASM and on WebGPU (here SwiftShader), with the same answers.
function pattern(seed, size = 96) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = 128 + 90 * Math.sin((x * (seed + 1)) / 9) * Math.cos((y * (seed + 2)) / 11);
      data.set([v, v, v, 255], (y * size + x) * 4);
    }
  }
  return new ImageData(data, size, size);
}

describe('the shipped JADFER model on WASM and WebGPU', () => {
  it('gives the same scores on both backends', async () => {
    const images = [0, 1, 2].map((seed) => pattern(seed));
    const scores = {};
    for (const device of ['wasm', 'webgpu']) {
      const fer = await create({ device, detector: 'none', baseUrl: BASE_URL });
      try {
        expect(fer.backend).to.equal(device);
        expect(fer.model.name).to.match(/^jadfer-/);
        scores[device] = [];
        for (const image of images) scores[device].push((await fer.analyze(image))[0].expression.scores);
      } finally {
        await fer.dispose();
      }
    }
    scores.wasm.forEach((wasm, i) => {
      for (const [label, value] of Object.entries(wasm))
        expect(scores.webgpu[i][label], `${label} #${i}`).to.be.closeTo(value, 1e-3);
    });
  });
});
