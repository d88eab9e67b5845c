import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { BASE_URL, itOnWebGpu } from './helpers.js';

// The shipped JADFER model (the default) on both execution providers: every op it uses must run
// on WASM and on WebGPU (here SwiftShader), with the same answers. WASM runs the model as prepared at
// build time, WebGPU the shipped file: the same answers also say the preparation changed nothing.
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

async function scoresOn(device, images) {
  const fer = await create({ device, detector: 'none', baseUrl: BASE_URL });
  try {
    expect(fer.backend).to.equal(device);
    expect(fer.model.name).to.match(/^jadfer-/);
    // WASM opens the model prepared at build time (scripts/prepare-models.ts); WebGPU the shipped one.
    expect(fer.startup.preparedModels).to.equal(device === 'wasm');
    for (const phase of ['runtimeMs', 'classifierSessionMs', 'createMs'])
      expect(fer.startup[phase], phase).to.be.a('number').and.to.be.greaterThan(0);
    expect(fer.startup.totalMs).to.be.at.most(fer.startup.createMs);
    const scores = [];
    for (const image of images) scores.push((await fer.analyze(image))[0].expression.scores);
    return scores;
  } finally {
    await fer.dispose();
  }
}

describe('the shipped JADFER model on WASM and WebGPU', () => {
  const images = [0, 1, 2].map((seed) => pattern(seed));
  let wasm;

  it('runs on WASM: every op it uses, scores that sum to 1', async () => {
    wasm = await scoresOn('wasm', images);
    for (const scores of wasm) {
      const total = Object.values(scores).reduce((a, b) => a + b, 0);
      expect(total).to.be.closeTo(1, 1e-4);
    }
  });

  itOnWebGpu('gives the same scores on WebGPU as on WASM', async () => {
    wasm ??= await scoresOn('wasm', images);
    const webgpu = await scoresOn('webgpu', images);
    wasm.forEach((scores, i) => {
      for (const [label, value] of Object.entries(scores))
        expect(webgpu[i][label], `${label} #${i}`).to.be.closeTo(value, 1e-3);
    });
  });
});
