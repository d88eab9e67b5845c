import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { create as createForTests, simulateDeviceLoss } from '/dist/jadfer.testing.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, itOnWebGpu } from './helpers.js';

// Chromium here has only SwiftShader: a real WebGPU adapter, but a software fallback one. Firefox ESR and
// WebKitGTK have no adapter here: the WebGPU-only tests then check the WASM fallback instead (itOnWebGpu).
describe('backend selection (WebGPU → WASM)', () => {
  it("'auto' skips a software fallback adapter and says why", async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    const fallback = adapter?.info?.isFallbackAdapter ?? adapter?.isFallbackAdapter;
    const fer = await create({ device: 'auto', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
    try {
      expect(fer.backend).to.equal('wasm');
      expect(fer.fallbackReason).to.match(
        adapter ? (fallback ? /software fallback/ : /./) : /no WebGPU adapter|not available/,
      );
    } finally {
      await fer.dispose();
    }
  });

  itOnWebGpu("'webgpu' runs the model on the WebGPU execution provider", async () => {
    const fer = await create({ device: 'webgpu', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
    try {
      expect(fer.backend).to.equal('webgpu');
      for (const byte of [30, 200]) {
        const [face] = await fer.analyze(grayImageData(byte));
        expect(face.expression.label).to.equal(expectedLabel(byte));
      }
    } finally {
      await fer.dispose();
    }
  });

  itOnWebGpu('a lost GPU device moves the engine to WASM, says why, and keeps answering', async () => {
    const fer = await createForTests({
      device: 'webgpu',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
    });
    try {
      const events = [];
      fer.on('backend', (event) => events.push(event));
      expect(await simulateDeviceLoss(fer)).to.equal(true);
      const [face] = await fer.analyze(grayImageData(220));
      expect(face.expression.label).to.equal(expectedLabel(220));
      expect(fer.backend).to.equal('wasm');
      const lost = events.find((e) => e.previous === 'webgpu');
      expect(lost.backend).to.equal('wasm');
      expect(lost.reason).to.match(/^E_DEVICE_LOST/);
    } finally {
      await fer.dispose();
    }
  });
});
