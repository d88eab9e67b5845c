import { expect } from 'chai';

function runInWorker(worker) {
  const host = new Worker('/test/pages/sdk-in-worker.js', { type: 'module' });
  return new Promise((resolve, reject) => {
    host.onmessage = ({ data }) => resolve(data);
    host.onerror = (event) => reject(new Error(event.message));
    host.postMessage({ worker });
  }).finally(() => host.terminate());
}

describe('the SDK inside a Web Worker (worker environments)', () => {
  it('runs in-process when asked (worker: false)', async function () {
    // Firefox hung here once in about four full runs (ONNX Runtime starting its threads inside a worker,
    // not understood yet): one retry, so that the hang is seen in the log without failing a run alone.
    this.retries(1);
    const result = await runInWorker(false);
    expect(result.error).to.equal(undefined);
    expect(result.label).to.equal('contempt');
  });

  it('starts its own nested engine worker by default', async () => {
    const result = await runInWorker('auto');
    expect(result.error).to.equal(undefined);
    expect(result.label).to.equal('contempt');
  });
});
