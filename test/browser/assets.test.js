import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { CONTRACT_MODEL, expectedLabel, grayImageData } from './helpers.js';

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('asset URLs', () => {
  it('baseUrl without its trailing slash still finds dist/', async () => {
    const fer = await create({ device: 'wasm', baseUrl: '/dist', modelUrl: CONTRACT_MODEL, detector: 'none' });
    try {
      const [face] = await fer.analyze(grayImageData(120));
      expect(face.expression.label).to.equal(expectedLabel(120));
    } finally {
      await fer.dispose();
    }
  });

  it('a baseUrl with nothing behind it fails create(), naming the missing file and the fix', async () => {
    const error = await rejection(create({ device: 'wasm', baseUrl: '/no-such-folder/' }));
    expect(error.code).to.equal('E_WORKER_CRASHED');
    expect(error.details.url).to.equal(new URL('/no-such-folder/jadfer.worker.js', location.origin).href);
    expect(error.message).to.match(/HTTP 404/);
    expect(error.message).to.match(/copy-assets/);
  });

  it('a missing model card under a good baseUrl: E_MODEL_LOAD with its URL', async () => {
    const error = await rejection(
      create({ device: 'wasm', baseUrl: '/dist/', modelUrl: '/no-such-model.json', detector: 'none' }),
    );
    expect(error.code).to.equal('E_MODEL_LOAD');
    expect(error.details.url).to.equal(new URL('/no-such-model.json', location.origin).href);
    expect(error.details.fix).to.match(/URL option/);
  });
});
