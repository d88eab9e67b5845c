import { expect } from 'chai';
// The test build of the engine: the only one with fault injection.
import { create, simulateDeviceLoss } from '/dist/jadfer.testing.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, itOnWebGpu, record } from '../helpers.js';

describe('GPU device lost mid-stream', () => {
  // How fast the switch is, is a bench figure (npm run bench), not a test: a slow machine must not fail it.
  itOnWebGpu('the stream moves to WASM, says why, and loses or repeats no result', async () => {
    const fer = await create({
      device: 'webgpu',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
      tracking: { smoothing: { kind: 'none' } },
    });
    const events = [];
    fer.on('backend', (event) => events.push(event));
    async function* frames() {
      for (let i = 0; i < 30; i++) {
        yield grayImageData(200);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const results = [];
    let lost = false;
    try {
      for await (const result of fer.stream(frames())) {
        results.push(result);
        if (results.length === 5) {
          lost = true;
          void simulateDeviceLoss(fer);
        }
      }
    } finally {
      await fer.dispose();
    }
    record({ faults: 1 });
    const switched = events.find((e) => e.previous === 'webgpu');
    expect(switched.backend).to.equal('wasm');
    expect(switched.reason).to.match(/^E_DEVICE_LOST/);
    expect(lost).to.equal(true);
    expect(results.map((r) => r.index)).to.deep.equal(
      [...results.keys()],
      'indices contiguous: nothing lost or repeated',
    );
    expect(results[0].backend).to.equal('webgpu');
    expect(results.at(-1).backend).to.equal('wasm');
    expect(results.every((r) => r.faces[0].expression.label === expectedLabel(200))).to.equal(true);
  });

  itOnWebGpu('a frame in flight in the detector when the device is lost is answered on WASM, not failed', async () => {
    // The detector's WebGPU run can still be pending when the engine has already moved to WASM.
    const fer = await create({ device: 'webgpu', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'blazeface' });
    try {
      await fer.analyze(grayImageData(90, 320, 240));
      const loss = simulateDeviceLoss(fer);
      const faces = await fer.analyze(grayImageData(90, 320, 240));
      expect(await loss).to.equal(true);
      expect(faces).to.be.an('array');
      expect(fer.backend).to.equal('wasm');
    } finally {
      await fer.dispose();
    }
  });
});
