// Shared by the browser suites: where the build and the test models are served.
import { expect } from 'chai';
import { create, JadferError } from '/dist/jadfer.js';

export const BASE_URL = new URL('/dist/', location.origin).href;
export const MODELS = new URL('/test-output/models/', location.origin).href;
export const CONTRACT_MODEL = `${MODELS}contract-test.json`;
/** Which engine runs this page, in the launchers' words (test/engines.mjs). */
export const ENGINE = /Firefox\//.test(navigator.userAgent)
  ? 'firefox'
  : /Chrome\//.test(navigator.userAgent)
    ? 'chromium'
    : 'webkit';

/**
 * Reliability suites report what they tried; scripts/reliability.mjs sums the lines. The engine's name
 * keeps the test runner from merging identical lines of different engines into one.
 */
export function record(counts) {
  console.log(`RELIABILITY ${JSON.stringify(counts)} (${ENGINE})`);
}

export const LABELS = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt'];

/** The contract model predicts round(7 · brightness). */
export const expectedLabel = (byte) => LABELS[Math.round((byte / 255) * 7)];

export function grayImageData(byte, width = 64, height = 48) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([byte, byte, byte, 255], i);
  return new ImageData(data, width, height);
}

export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * This engine's WebGPU, probed once: `adapter` is null where there is none (Firefox ESR and WebKitGTK
 * here), and `reason` says why in the SDK's words.
 */
export const webGpu = await (async () => {
  if (!navigator.gpu) return { adapter: null, reason: 'no navigator.gpu' };
  const adapter = await navigator.gpu.requestAdapter().catch(() => null);
  return { adapter, reason: adapter ? undefined : 'no WebGPU adapter' };
})();

/**
 * A test that needs a WebGPU adapter. Where the engine has none, it is replaced by one that says so in
 * its name and checks the documented fallback instead: `device: 'webgpu'` fails with E_BACKEND_UNAVAILABLE
 * giving the reason, and `device: 'auto'` runs on WASM with that reason in `fallbackReason`.
 */
export function itOnWebGpu(title, test) {
  if (webGpu.adapter) return it(title, test);
  it(`${title}: not in this engine (${webGpu.reason}), so the documented WASM fallback instead`, async () => {
    const options = { modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' };
    const error = await rejection(create({ ...options, device: 'webgpu' }));
    expect(error).to.be.instanceOf(JadferError);
    expect(error.code).to.equal('E_BACKEND_UNAVAILABLE');
    expect(error.message).to.match(/WebGPU/);
    const fer = await create({ ...options, device: 'auto' });
    try {
      expect(fer.backend).to.equal('wasm');
      expect(fer.fallbackReason).to.match(/no WebGPU adapter|no navigator\.gpu/);
      const [face] = await fer.analyze(grayImageData(200));
      expect(face.expression.label).to.equal(expectedLabel(200));
    } finally {
      await fer.dispose();
    }
  });
}
