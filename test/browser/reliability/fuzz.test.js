import { expect } from 'chai';
import { create, JadferError, ERROR_CODES } from '/dist/jadfer.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, record } from '../helpers.js';

// Seeded, so a failure reproduces. FUZZ_RUNS in the URL overrides the count (?runs=N).
const RUNS = Number(new URLSearchParams(location.search).get('runs') ?? 2000);

function rng(seed) {
  return () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

async function randomInput(random) {
  const pick = (items) => items[Math.floor(random() * items.length)];
  const size = () => pick([0, 1, 2, 3, 7, 48, 97, -1, 1.5, NaN, 2 ** 31, 20_000]);
  switch (Math.floor(random() * 12)) {
    case 0:
      return pick([null, undefined, 0, 'image', true, Symbol('x'), [], () => 1]);
    case 1: {
      const w = size();
      const h = size();
      const length = pick([0, 1, 3, Math.max(0, (w | 0) * (h | 0) * 4), Math.max(0, (w | 0) * (h | 0))]);
      return { data: new Uint8Array(Math.min(length, 1 << 24)), width: w, height: h };
    }
    case 2:
      return { data: new Float32Array(16).fill(NaN), width: 2, height: 2 };
    case 3: {
      const data = new Uint8Array(48 * 48 * 4);
      structuredClone(data.buffer, { transfer: [data.buffer] }); // detach it
      return { data, width: 48, height: 48 };
    }
    case 4:
      return { data: Array.from({ length: 16 }, () => NaN), width: 2, height: 2 };
    case 5: {
      const bitmap = await createImageBitmap(
        grayImageData(Math.floor(random() * 255), 1 + Math.floor(random() * 40), 1 + Math.floor(random() * 40)),
      );
      if (random() < 0.5) bitmap.close();
      return bitmap;
    }
    case 6: {
      const canvas = new OffscreenCanvas(8, 8);
      canvas.getContext('2d').fillRect(0, 0, 4, 4);
      const frame = new VideoFrame(canvas, { timestamp: 0 });
      if (random() < 0.7) frame.close();
      return frame;
    }
    case 7:
      return new OffscreenCanvas(pick([1, 5, 33]), pick([1, 5, 33]));
    case 8:
      return { width: 4, height: 4 };
    case 9:
      return { data: new Uint8ClampedArray(3 * 5 * 3).fill(200), width: 3, height: 5 };
    case 10:
      return grayImageData(Math.floor(random() * 256), 1 + Math.floor(random() * 64), 1 + Math.floor(random() * 64));
    default:
      return document.createElement('img'); // never loaded
  }
}

describe(`fuzz: ${RUNS} seeded random inputs to analyze()`, () => {
  it('every call resolves or rejects with a JadferError code; the worker stays alive', async () => {
    const fer = await create({
      device: 'wasm',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
      timeouts: { analyzeMs: 10_000 },
    });
    const random = rng(20261127);
    const outcomes = { resolved: 0, rejected: {} };
    try {
      for (let i = 0; i < RUNS; i++) {
        const input = await randomInput(random);
        try {
          const faces = await fer.analyze(input);
          expect(Array.isArray(faces), `run ${i}`).to.equal(true);
          outcomes.resolved++;
        } catch (error) {
          expect(error, `run ${i}: ${error}`).to.be.instanceOf(JadferError);
          expect(ERROR_CODES, `run ${i}`).to.include(error.code);
          outcomes.rejected[error.code] = (outcomes.rejected[error.code] ?? 0) + 1;
        }
      }
      const [face] = await fer.analyze(grayImageData(200));
      expect(face.expression.label).to.equal(expectedLabel(200));
    } finally {
      await fer.dispose();
    }
    console.log(`fuzz: ${RUNS} inputs, ${outcomes.resolved} resolved, rejected ${JSON.stringify(outcomes.rejected)}`);
    record({ fuzzed: RUNS });
    expect(outcomes.resolved).to.be.greaterThan(0);
    expect(Object.keys(outcomes.rejected)).to.deep.equal(['E_BAD_INPUT']);
  });
});
