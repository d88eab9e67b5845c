// `jadfer fleet` as a user runs it (the built CLI in a child process), against a real nats-server.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { jadfer } from '../run-cli.js';
import { natsServerMissing, startNatsServer, type NatsServer } from './nats-server.js';
import { ensureDist } from '../../dist.js';

before(ensureDist);

const skip = natsServerMissing;
if (skip) console.warn(`*** SKIPPING fleet CLI tests: ${skip} ***`);

let server: NatsServer;
before(async () => {
  if (!skip) server = await startNatsServer();
});
after(() => server?.stop());

test('fleet: usage errors exit 2 with the usage; an unreachable server exits 1 in one line', () => {
  for (const args of [
    ['fleet'],
    ['fleet', 'bogus'],
    ['fleet', 'status', '--batch', '3'],
    ['fleet', 'setup', '--max-age', 'soon'],
  ]) {
    const run = jadfer(...args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /Usage: jadfer fleet/);
  }
  const down = jadfer('fleet', 'status', '--server', 'nats://127.0.0.1:1');
  assert.equal(down.status, 1);
  assert.match(down.stderr, /^jadfer fleet: E_BACKEND_UNAVAILABLE: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
  assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
});

test('fleet setup states its limits; status reads the bucket (--json)', { skip }, () => {
  const setup = jadfer(
    'fleet',
    'setup',
    '--server',
    server.url,
    '--duplicate-window',
    '2h',
    '--max-bytes',
    '1GiB',
    '--json',
  );
  assert.equal(setup.status, 0, setup.stderr);
  const { stream, consumer } = JSON.parse(setup.stdout);
  assert.deepEqual(stream.subjects, ['kiosk.>']);
  assert.equal(stream.duplicate_window, 2 * 3600e9);
  assert.equal(stream.max_bytes, 1024 ** 3);
  assert.equal(consumer.durable_name, 'jadfer-rollup');
  const again = jadfer('fleet', 'setup', '--server', server.url);
  assert.equal(again.status, 0, 'setup is idempotent');
  assert.match(again.stdout, /duplicate window 86400 s/, 'and applies the limits given (the default again)');
  const status = jadfer('fleet', 'status', '--server', server.url, '--json', '--hours', '3');
  assert.equal(status.status, 0, status.stderr);
  const view = JSON.parse(status.stdout);
  assert.equal(view.hours.length, 3);
  assert.equal(view.totals.windows, 0);
});
