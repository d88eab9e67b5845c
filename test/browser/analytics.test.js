import { expect } from 'chai';
import { createAnalytics } from '/dist/jadfer.js';

const face = (trackId) => ({
  box: { x: 0, y: 0, width: 10, height: 10 },
  score: 1,
  expression: { label: 'neutral', scores: { neutral: 1 } },
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

describe('analytics offline buffer (IndexedDB)', () => {
  it('keeps unsent windows across instances (a reload) and sends them when the endpoint works', async () => {
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase('jadfer-analytics');
      request.onsuccess = resolve;
      request.onerror = () => reject(request.error);
    });
    const down = async () => new Response(null, { status: 503 });
    let clock = Date.UTC(2026, 11, 7, 14, 0, 0);
    const now = () => clock;
    const first = createAnalytics({ endpoint: '/collect', fetch: down, trackTimeoutMs: 0, retryBaseMs: 60_000, now });
    first.observe(frame([face(1)]));
    clock += 10; // the visitor leaves
    first.observe(frame([]));
    clock += 60_000; // the window closes
    first.observe(frame([]));
    await first.flush();
    const stats = await first.stats();
    expect(stats.lostToStorage).to.equal(0);
    expect(stats.buffered, JSON.stringify(stats)).to.be.greaterThan(0);
    await first.dispose();

    const received = [];
    const up = async (_url, init) => (
      received.push(...JSON.parse(init.body).events),
      new Response(null, { status: 204 })
    );
    const second = createAnalytics({ endpoint: '/collect', fetch: up, trackTimeoutMs: 0, now });
    await second.flush();
    expect((await second.stats()).buffered).to.equal(0);
    // The first instance's last window holds the one visit; no per-visitor record was made.
    expect(received.some((e) => e.type === 'window' && e.visitors === 1)).to.equal(true);
    expect(received.some((e) => e.type === 'track')).to.equal(false);
    await second.dispose();
  });
});
