// Runs under the server's strict CSP: create → analyze → stream, reporting to window.__result.
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) =>
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
);

async function run() {
  const gray = (byte) => {
    const data = new Uint8ClampedArray(64 * 48 * 4).fill(byte);
    return new ImageData(data, 64, 48);
  };
  const fer = await JADFER.create({
    modelUrl: '/test-output/models/contract-test.json',
    device: 'wasm',
    detector: 'none',
  });
  // A full session: analytics included, with no sink configured (so nothing may be sent).
  const analytics = JADFER.createAnalytics({ trackTimeoutMs: 0 });
  fer.on('result', analytics.observe);
  const [face] = await fer.analyze(gray(255));
  const labels = [];
  for await (const result of fer.stream([gray(0), gray(0)])) labels.push(result.faces[0].expression.label);
  await analytics.dispose();
  const out = {
    label: face.expression.label,
    streamed: labels,
    backend: fer.backend,
    threads: fer.threads,
    isolated: crossOriginIsolated,
  };
  await fer.dispose();
  return out;
}

run().then(
  (result) => (window.__result = result),
  (error) => (window.__result = { error: `${error.code ?? error.name}: ${error.message}` }),
);
