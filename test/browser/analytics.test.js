import { expect } from 'chai';
import { createAnalytics } from '/dist/jadfer.js';

const face = (trackId) => ({ box: { x: 0, y: 0, width: 10, height: 10 }, score: 1, expression: { label: 'neutral', scores: { neutral: 1 } }, trackId });
const frame = (faces) => ({ faces, timestamp: 0, latencyMs: 1, backend: 'wasm', dropped: 0, droppedTotal: 0, index: 0 });

describe('analytics offline buffer (IndexedDB)', () => {
  it('keeps unsent events across instances (a reload) and sends them when the endpoint works', async () => {
    indexedDB.deleteDatabase('jadfer-analytics');
    const down = async () => new Response(null, { status: 503 });
    const first = createAnalytics({ endpoint: '/collect', fetch: down, trackTimeoutMs: 0, retryBaseMs: 60_000 });
    first.observe(frame([face(1)]));
    first.observe(frame([]));
    await first.flush();
    expect((await first.stats()).buffered).to.be.greaterThan(0);
    await first.dispose();

    const received = [];
    const up = async (_url, init) => (received.push(...JSON.parse(init.body).events), new Response(null, { status: 204 }));
    const second = createAnalytics({ endpoint: '/collect', fetch: up, trackTimeoutMs: 0 });
    await second.flush();
    expect((await second.stats()).buffered).to.equal(0);
    expect(received.some((e) => e.type === 'track' && e.trackId === 1)).to.equal(true);
    await second.dispose();
  });
});
