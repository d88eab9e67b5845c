// A module worker that uses the SDK itself (worker environments): in-process and with a nested worker.
import { create } from '/dist/jadfer.js';

self.onmessage = async ({ data: { worker } }) => {
  try {
    const fer = await create({
      device: 'wasm',
      detector: 'none',
      worker,
      baseUrl: '/dist/',
      modelUrl: '/test-output/models/contract-test.json',
      // Under the test's own 120 s, so a hang reports where it hung (E_TIMEOUT) instead of a bare timeout.
      timeouts: { createMs: 60_000 },
    });
    const image = { data: new Uint8Array(48 * 48).fill(255), width: 48, height: 48 };
    const [face] = await fer.analyze(image);
    await fer.dispose();
    self.postMessage({ label: face.expression.label, backend: fer.backend });
  } catch (error) {
    self.postMessage({ error: `${error.code}: ${error.message}` });
  }
};
