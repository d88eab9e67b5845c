// src/client/run-queue.ts: one call at a time, in order; a waiting call's time limit starts with its
// turn; a full queue refuses with E_BUSY; dispose() refuses the waiting calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunQueue } from '../../../src/client/run-queue.js';
import { withTimeout } from '../../../src/client/timeout.js';
import { JadferError } from '../../../src/contract/errors.js';

test('calls run one at a time, in order, and a waiting call’s time limit counts only its own run', async () => {
  const queue = new RunQueue(2);
  const log: string[] = [];
  let finishFirst!: () => void;
  const first = queue.run(async () => {
    log.push('first starts');
    await new Promise<void>((resolve) => (finishFirst = resolve));
    log.push('first ends');
    return 'first';
  });
  // Each of these has a 20 ms limit but waits behind `first` for far longer than that.
  const limited = (name: string) =>
    queue.run(() => {
      log.push(`${name} starts`);
      return withTimeout(Promise.resolve(name), 20, name);
    });
  const second = limited('second');
  const third = limited('third');
  await sleep(200);
  assert.deepEqual(log, ['first starts'], 'nothing else ran while the first call was running');
  finishFirst();
  assert.deepEqual(await Promise.all([first, second, third]), ['first', 'second', 'third']);
  assert.deepEqual(log, ['first starts', 'first ends', 'second starts', 'third starts']);
});

test('a full queue refuses at once with E_BUSY; the queue works on after it', async () => {
  const queue = new RunQueue(1);
  let finish!: () => void;
  const running = queue.run(() => new Promise<void>((resolve) => (finish = resolve)));
  const waiting = queue.run(async () => 'waited');
  await assert.rejects(
    queue.run(async () => 'refused'),
    (error: unknown) => error instanceof JadferError && error.code === 'E_BUSY',
  );
  finish();
  await running;
  assert.equal(await waiting, 'waited');
  assert.equal(await queue.run(async () => 'later'), 'later');
});

test('close() refuses the waiting calls with its error; the running one finishes', async () => {
  const queue = new RunQueue(4);
  let finish!: () => void;
  const running = queue.run(() => new Promise<string>((resolve) => (finish = () => resolve('ran'))));
  const waiting = queue.run(async () => 'never');
  queue.close(new JadferError('E_DISPOSED', 'disposed'));
  await assert.rejects(waiting, (error: unknown) => error instanceof JadferError && error.code === 'E_DISPOSED');
  finish();
  assert.equal(await running, 'ran');
});

test('a failing call does not block the queue', async () => {
  const queue = new RunQueue(2);
  const failing = queue.run(async () => {
    throw new Error('boom');
  });
  const next = queue.run(async () => 'next');
  await assert.rejects(failing, /boom/);
  assert.equal(await next, 'next');
});
