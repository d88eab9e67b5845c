// What the client calls: init() once, frames only once started, nothing after dispose.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJadferError } from '../../../src/contract/errors.js';
import { EngineEndpoint } from '../../../src/engine/endpoint.js';
import { frameWith } from './fake-runtime.js';

const frame = () => frameWith(8, 8, []);

test('a frame before init() is E_INTERNAL; after dispose() E_DISPOSED; init() twice is refused', async () => {
  const endpoint = new EngineEndpoint();
  await assert.rejects(endpoint.analyze(frame(), { timestamp: 0, sentAt: 0 }), (error) =>
    isJadferError(error, 'E_INTERNAL'),
  );
  // Files that cannot load: the first init() fails, and still counts.
  const init = { cache: 'none', device: 'wasm', assets: { classifier: { card: 'file:///nonexistent/card.json' } } };
  const callbacks = { progress: () => undefined, backend: () => undefined };
  await assert.rejects(endpoint.init(init as never, callbacks));
  await assert.rejects(endpoint.init(init as never, callbacks), (error) => isJadferError(error, 'E_INTERNAL'));
  await endpoint.dispose();
  await assert.rejects(endpoint.analyze(frame(), { timestamp: 0, sentAt: 0 }), (error) =>
    isJadferError(error, 'E_DISPOSED'),
  );
});
