// A browser kiosk as an integrator writes it (bundled by the test with esbuild, as an app's
// bundler would): analytics windows of one second, published to NATS over WebSocket. It feeds
// two visits of known content, then disposes, and reports in window.__result.
import { createAnalytics } from '../../dist/jadfer.js';
import { createNatsSink } from '../../dist/jadfer-analytics-nats.js';

window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) =>
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
);

const params = new URLSearchParams(location.search);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const face = (trackId) => ({
  box: { x: 0, y: 0, width: 10, height: 10 },
  score: 1,
  landmarks: [
    { x: 100, y: 110 },
    { x: 140, y: 110 },
    { x: 120, y: 130 },
    { x: 120, y: 150 },
  ],
  expression: { label: 'happiness', scores: { happiness: 0.9, neutral: 0.1 } },
  trackId,
});
const frame = (faces) => ({
  faces,
  timestamp: 0,
  latencyMs: 1,
  backend: 'wasm',
  dropped: 0,
  droppedTotal: 0,
  index: 0,
});

/** After a reload: only the sink, which finds the windows the previous page left in IndexedDB and sends them. */
async function drain() {
  const sink = createNatsSink({ servers: params.get('ws'), site: params.get('site'), kiosk: params.get('kiosk') });
  const found = (await sink.stats()).buffered;
  for (let i = 0; i < 300 && ((await sink.stats()).buffered > 0 || !sink.state.lastAck); i++) await sleep(100);
  const stats = await sink.stats();
  await sink.close();
  return { found, stats, lastAck: sink.state.lastAck };
}

async function run() {
  if (params.get('mode') === 'drain') return drain();
  const sink = createNatsSink({
    servers: params.get('ws'),
    site: params.get('site'),
    kiosk: params.get('kiosk'),
    ackTimeoutMs: 1000,
  });
  const states = [];
  sink.on('state', (s) => states.push(s));
  const analytics = createAnalytics({ sink, windowMs: 1000, trackTimeoutMs: 200 });
  for (const trackId of [1, 2]) {
    for (let i = 0; i < 4; i++) {
      analytics.observe(frame([face(trackId)]));
      await sleep(100);
    }
    for (let i = 0; i < 4; i++) {
      analytics.observe(frame([]));
      await sleep(100);
    }
  }
  await sleep(1200); // the last window closes
  analytics.observe(frame([]));
  await analytics.flush();
  const stats = await analytics.stats();
  await analytics.dispose();
  return { stats, connected: states.some((s) => s.connected), lastAck: states.at(-1)?.lastAck ?? null };
}

run().then(
  (result) => (window.__result = result),
  (error) => (window.__result = { error: `${error.code ?? error.name}: ${error.message}` }),
);
