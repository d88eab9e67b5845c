import { expect } from 'chai';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData } from './helpers.js';

describe('the <script> (IIFE) build', () => {
  it('defines a global JADFER that finds its files relative to the script', async () => {
    await new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = `${BASE_URL}jadfer.iife.js`;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
    const { JADFER } = window;
    expect(JADFER.create).to.be.a('function');
    expect(JADFER.ERROR_CODES).to.include('E_DEVICE_LOST');
    // No baseUrl: the worker, ORT and wasm must be found next to jadfer.iife.js.
    const fer = await JADFER.create({ device: 'wasm', modelUrl: CONTRACT_MODEL, detector: 'none' });
    try {
      const [face] = await fer.analyze(grayImageData(60));
      expect(face.expression.label).to.equal(expectedLabel(60));
    } finally {
      await fer.dispose();
    }
  });
});
