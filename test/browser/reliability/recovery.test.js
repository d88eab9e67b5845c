import { expect } from 'chai';
// The test build of the engine: the only one with fault injection.
import { create, simulateWorkerCrash } from '/dist/jadfer.testing.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, rejection, record } from '../helpers.js';

describe('worker crash recovery', () => {
  it('restarts a crashed engine worker, reloads the models, and the stream goes on', async () => {
    const fer = await create({
      device: 'wasm',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
      tracking: { smoothing: { kind: 'none' }, reclassifyEveryMs: 0 },
    });
    const errors = [];
    fer.on('error', (error) => errors.push(error.code));
    let crashed = false;
    const labels = [];
    // Frames until 15 results are in: the latest frame wins, so a slow restart (a loaded machine) drops
    // frames, and a fixed number of them made this a wall-clock test. The cap only ends a stuck stream.
    async function* frames() {
      for (let i = 0; i < 2000 && labels.length < 15; i++) {
        yield grayImageData(i < 10 ? 0 : 255);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    }
    try {
      for await (const result of fer.stream(frames())) {
        labels.push(result.faces[0].expression.label);
        if (labels.length === 5 && !crashed) {
          crashed = true;
          await simulateWorkerCrash(fer);
        }
      }
    } finally {
      await fer.dispose();
    }
    expect(errors).to.include('E_WORKER_CRASHED');
    record({ faults: 1 });
    expect(labels.length).to.be.at.least(15, 'results kept coming after the restart');
    expect(labels.at(-1)).to.equal(expectedLabel(255));
  });

  it('gives up with E_WORKER_CRASHED after repeated crashes', async () => {
    const fer = await create({ device: 'wasm', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
    const errors = [];
    fer.on('error', (error) => errors.push(error.message));
    try {
      let final;
      for (let i = 0; i < 6 && !final; i++) {
        try {
          await simulateWorkerCrash(fer);
          await new Promise((resolve) => setTimeout(resolve, 100));
          await fer.analyze(grayImageData(0));
        } catch (error) {
          if (/giving up/.test(error.message)) final = error;
        }
      }
      expect(final?.code).to.equal('E_WORKER_CRASHED');
      record({ faults: errors.length });
      const after = await rejection(fer.analyze(grayImageData(0)));
      expect(after.code).to.equal('E_WORKER_CRASHED');
      expect(errors.some((m) => /giving up/.test(m))).to.equal(true);
    } finally {
      await fer.dispose();
    }
  });
});
