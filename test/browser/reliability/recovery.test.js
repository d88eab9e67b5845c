import { expect } from 'chai';
import { create } from '/dist/jadfer.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, rejection, record } from '../helpers.js';

describe('worker crash recovery', () => {
  it('restarts a crashed engine worker, reloads the models, and the stream goes on', async () => {
    const fer = await create({
      device: 'wasm',
      modelUrl: CONTRACT_MODEL,
      baseUrl: BASE_URL,
      detector: 'none',
      tracking: { smoothing: { kind: 'none' } },
    });
    const errors = [];
    fer.on('error', (error) => errors.push(error.code));
    // The source outlasts the restart however long it takes (WebKit reloads slower than Chromium):
    // the test ends on results, not on a clock. Frames turn bright once the crash is injected.
    let resultsBeforeCrash;
    async function* frames() {
      for (let i = 0; i < 3000; i++) {
        yield grayImageData(resultsBeforeCrash === undefined ? 0 : 255);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    }
    const labels = [];
    try {
      for await (const result of fer.stream(frames())) {
        labels.push(result.faces[0].expression.label);
        if (labels.length === 5 && resultsBeforeCrash === undefined) {
          resultsBeforeCrash = labels.length;
          await fer.simulateWorkerCrash();
        }
        if (resultsBeforeCrash !== undefined && labels.length === resultsBeforeCrash + 10) break;
      }
    } finally {
      await fer.dispose();
    }
    expect(errors).to.include('E_WORKER_CRASHED');
    record({ faults: 1 });
    expect(labels.length).to.equal(15, 'results kept coming after the restart');
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
          await fer.simulateWorkerCrash();
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
