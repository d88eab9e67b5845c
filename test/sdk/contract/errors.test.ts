import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { test } from 'node:test';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { installErrorTransfer } from '../../../src/contract/comlink-errors.js';
import {
  JadferError,
  deserializeError,
  isJadferError,
  serializeError,
  toJadferError,
} from '../../../src/contract/errors.js';

test('serialize/deserialize keeps code, details and the cause chain', () => {
  const root = new TypeError('socket closed');
  const error = new JadferError('E_MODEL_LOAD', 'cannot fetch model', {
    cause: root,
    details: { url: 'http://x/m.onnx', status: 404 },
  });
  const back = deserializeError(structuredClone(serializeError(error)));
  assert.ok(back instanceof JadferError);
  assert.equal(back.code, 'E_MODEL_LOAD');
  assert.equal(back.message, 'cannot fetch model');
  assert.deepEqual(back.details, { url: 'http://x/m.onnx', status: 404 });
  assert.ok(back.cause instanceof Error);
  assert.equal((back.cause as Error).name, 'TypeError');
  assert.equal((back.cause as Error).message, 'socket closed');
});

test('an unknown code does not become a JadferError', () => {
  const back = deserializeError({ name: 'JadferError', message: 'x', code: 'E_MADE_UP' });
  assert.equal(isJadferError(back), false);
  assert.equal((back as Error & { code?: string }).code, 'E_MADE_UP');
});

test('toJadferError wraps foreign errors and passes JadferErrors through', () => {
  const mine = new JadferError('E_TIMEOUT', 'slow');
  assert.equal(toJadferError(mine, 'E_INTERNAL'), mine);
  const wrapped = toJadferError(new RangeError('bad'), 'E_BAD_INPUT');
  assert.equal(wrapped.code, 'E_BAD_INPUT');
  assert.ok(wrapped.cause instanceof RangeError);
});

test('error codes and causes survive a real Comlink message port', async () => {
  installErrorTransfer();
  const { port1, port2 } = new MessageChannel();
  const api = {
    fail(code: 'E_DEVICE_LOST' | 'E_MODEL_INTEGRITY') {
      throw new JadferError(code, `failed with ${code}`, { cause: new Error('inner'), details: { attempt: 2 } });
    },
  };
  Comlink.expose(api, nodeEndpoint(port1));
  const remote = Comlink.wrap<typeof api>(nodeEndpoint(port2));
  try {
    for (const code of ['E_DEVICE_LOST', 'E_MODEL_INTEGRITY'] as const) {
      const error = await (remote.fail(code) as Promise<unknown>).then(
        () => assert.fail('should reject'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof JadferError, 'a JadferError instance on the far side');
      assert.equal(error.code, code);
      assert.deepEqual(error.details, { attempt: 2 });
      assert.equal((error.cause as Error).message, 'inner');
    }
  } finally {
    remote[Comlink.releaseProxy]();
    port1.close();
    port2.close();
  }
});
