// Concurrent calls on one instance in Node, where the engine runs in-process: two streams and a
// series of analyze() calls all succeed (ONNX Runtime's sessions crashed when runs overlapped), and a
// burst larger than the queue gets results or E_BUSY, never a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_WAITING_CALLS } from '../../src/client/run-queue.js';
import { ensureDist } from '../dist.js';
import { record } from './record.js';

const dist = new URL('../../dist/jadfer.js', import.meta.url);
await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const SIZE = 320;
/** Uniform gray frames: the detector runs on each (it finds no face), which is where the runs overlapped. */
const frame = (byte: number) => ({ data: new Uint8Array(SIZE * SIZE).fill(byte), width: SIZE, height: SIZE });
const frames = (n: number) => Array.from({ length: n }, (_, i) => frame((i * 37) % 256));

test('two streams and analyze() calls on one instance all succeed', { timeout: 300_000 }, async () => {
  const { create } = await import(dist.href);
  const fer = await create({ device: 'wasm' });
  const errors: string[] = [];
  fer.on('error', (error: { code: string; message: string }) => errors.push(`${error.code}: ${error.message}`));
  try {
    const stream = async () => {
      let results = 0;
      for await (const _ of fer.stream(frames(30))) results++;
      return results;
    };
    const analyses = Promise.all(Array.from({ length: 20 }, (_, i) => fer.analyze(frame(i * 12))));
    const [a, b, faces] = await Promise.all([stream(), stream(), analyses]);
    record({ concurrent: 20 + a + b });
    assert.ok(a > 0 && b > 0, `both streams gave results (${a}, ${b})`);
    assert.equal(faces.length, 20);
    assert.deepEqual(errors, []);
  } finally {
    await fer.dispose();
  }
});

test('a burst beyond the queue gets results or E_BUSY, and the instance works on', { timeout: 300_000 }, async () => {
  const { create } = await import(dist.href);
  const fer = await create({ device: 'wasm' });
  const errors: string[] = [];
  fer.on('error', (error: { code: string }) => errors.push(error.code));
  try {
    const burst = 3 * MAX_WAITING_CALLS;
    const outcomes = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        fer.analyze(frame(i)).then(
          () => 'result',
          (error: { code?: string; message: string }) => error.code ?? error.message,
        ),
      ),
    );
    const count = (what: string) => outcomes.filter((o) => o === what).length;
    record({ concurrent: burst, busy: count('E_BUSY') });
    assert.equal(count('result') + count('E_BUSY'), burst, `only results and E_BUSY: ${[...new Set(outcomes)]}`);
    assert.ok(count('E_BUSY') > 0, 'the queue is bounded');
    assert.ok(count('result') > MAX_WAITING_CALLS, 'the running call and every waiting one got its result');
    assert.deepEqual(errors, []);
    assert.equal((await fer.analyze(frame(128))).length, 0, 'and it still answers');
  } finally {
    await fer.dispose();
  }
});
