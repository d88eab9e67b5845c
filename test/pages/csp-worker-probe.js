// A module worker served with the strict CSP, as the engine's worker is: it runs the SDK in-process (so ONNX
// Runtime runs here, under the worker's own policy), then tries what that policy must refuse: eval, new
// Function, a fetch to another origin and an import from it. Posts what happened.
import { create } from '/dist/jadfer.js';

const violations = [];
self.addEventListener('securitypolicyviolation', (event) =>
  violations.push(`${event.violatedDirective} ${event.blockedURI}`),
);

async function attempt(action) {
  try {
    await action();
    return 'ran';
  } catch (error) {
    return `refused (${error.name})`;
  }
}

self.onmessage = async ({ data: { foreign } }) => {
  const out = {};
  try {
    const fer = await create({
      device: 'wasm',
      detector: 'none',
      worker: false,
      baseUrl: '/dist/',
      modelUrl: '/test-output/models/contract-test.json',
      timeouts: { createMs: 60_000 },
    });
    const [face] = await fer.analyze({ data: new Uint8Array(48 * 48).fill(255), width: 48, height: 48 });
    await fer.dispose();
    out.label = face.expression.label;
  } catch (error) {
    out.error = `${error.code}: ${error.message}`;
  }
  out.eval = await attempt(() => (0, eval)('1 + 1'));
  out.newFunction = await attempt(() => new Function('return 1')());
  out.foreignFetch = await attempt(() => fetch(`${foreign}/dist/jadfer.js`));
  out.foreignImport = await attempt(() => import(`${foreign}/dist/jadfer.js`));
  out.violations = violations;
  self.postMessage(out);
};
