// scripts/serve.mjs under attack, on 127.0.0.1 only and bounded in count: it serves only the demo's
// folders, answers only loopback Host names, GET and HEAD only, follows no link out, sends every security
// header on every answer, and survives file-system errors. Also its pre-compressed siblings, `/demo`,
// and a busy port.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, STRICT_CSP } from '../../scripts/serve.mjs';
import { record } from './record.js';

const root = mkdtempSync(join(tmpdir(), 'jadfer-attacks-'));
const outside = mkdtempSync(join(tmpdir(), 'jadfer-outside-'));
const put = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};
put('demo/index.html', '<!doctype html><title>demo</title>');
put('dist/jadfer.js', 'export const x = 1;');
put('dist/jadfer.worker.js', 'self.onmessage = () => {};');
put('models/m.json', '{}');
put('.git/config', '[core] secret');
put('src/index.ts', 'secret');
put('node_modules/x/index.js', 'secret');
put('package.json', '{"secret":true}');
writeFileSync(join(outside, 'secret.txt'), 'outside secret');
symlinkSync(join(outside, 'secret.txt'), join(root, 'dist', 'link.txt'));
symlinkSync(outside, join(root, 'dist', 'linked-folder'));
symlinkSync(join(root, 'dist', 'jadfer.js'), join(root, 'dist', 'inner-link.js')); // a link that stays inside
mkdirSync(join(root, 'dist', 'folder-page', 'index.html'), { recursive: true }); // a folder where a file was expected
// Pre-compressed siblings: each with its own body, so the test sees which one was sent.
put('dist/big.js', 'plain');
put('dist/big.js.br', 'brotli');
put('dist/big.js.gz', 'gzipped');
put('dist/gz-only.js', 'plain');
put('dist/gz-only.js.gz', 'gzipped');

let server: Server;
let port = 0;
let attacks = 0;

before(async () => {
  server = (await startServer({ root, port: 0 })) as Server;
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server?.close();
  if (existsSync(join(root, 'dist', 'closed'))) chmodSync(join(root, 'dist', 'closed'), 0o755); // so that it can be removed
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
  record({ hostile: attacks });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP request (fetch cannot set Host), bounded by a timeout. */
function ask(path: string, { method = 'GET', headers = {} as Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        headers: { host: `127.0.0.1:${port}`, ...headers },
        timeout: 10_000,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer for ${path} within 10 s`)));
    request.on('error', reject);
    request.end();
  });
}

const attack = (path: string, options?: Parameters<typeof ask>[1]) => {
  attacks++;
  return ask(path, options);
};

function assertSecurityHeaders(answer: Answer, what: string): void {
  assert.equal(answer.headers['cross-origin-opener-policy'], 'same-origin', `${what}: COOP`);
  assert.equal(answer.headers['cross-origin-embedder-policy'], 'require-corp', `${what}: COEP`);
  assert.equal(answer.headers['cross-origin-resource-policy'], 'same-origin', `${what}: CORP`);
  assert.equal(answer.headers['content-security-policy'], STRICT_CSP, `${what}: CSP`);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
}

test('only the demo folders are served: not .git, src, node_modules, package.json', async () => {
  assert.equal((await ask('/dist/jadfer.js')).status, 200);
  assert.equal((await ask('/models/m.json')).status, 200);
  assert.equal((await ask('/demo/')).body, '<!doctype html><title>demo</title>');
  for (const path of [
    '/.git/config',
    '/src/index.ts',
    '/node_modules/x/index.js',
    '/package.json',
    '/dist/../src/index.ts',
    '/dist/%2e%2e/.git/config',
  ]) {
    const answer = await attack(path);
    assert.ok([403, 404].includes(answer.status), `${path}: ${answer.status}`);
    assert.doesNotMatch(answer.body, /secret/, path);
  }
});

test('a Host outside the allow-list gets 403 (DNS rebinding); loopback names and configured ones are answered', async () => {
  for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example']) {
    const answer = await attack('/dist/jadfer.js', { headers: { host } });
    assert.equal(answer.status, 403, `Host: ${host}`);
    assert.doesNotMatch(answer.body, /export const/);
    assertSecurityHeaders(answer, `Host ${host}`);
  }
  for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`])
    assert.equal((await ask('/dist/jadfer.js', { headers: { host } })).status, 200, `Host: ${host}`);
  const kiosk = (await startServer({ root, port: 0, allowedHosts: ['kiosk.local'] })) as Server;
  try {
    const kioskPort = (kiosk.address() as AddressInfo).port;
    const status = (host: string) =>
      new Promise<number>((resolve, reject) =>
        httpRequest(
          { host: '127.0.0.1', port: kioskPort, path: '/dist/jadfer.js', headers: { host }, agent: false },
          (r) => {
            r.resume();
            resolve(r.statusCode!);
          },
        )
          .on('error', reject)
          .end(),
      );
    assert.equal(await status('kiosk.local:8080'), 200);
    assert.equal(await status(`localhost:${kioskPort}`), 403, 'the list replaces the default');
  } finally {
    kiosk.close();
  }
});

test('GET and HEAD only: every other method gets 405 with Allow and no file', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']) {
    const answer = await attack('/dist/jadfer.js', { method });
    assert.equal(answer.status, 405, method);
    assert.equal(answer.headers.allow, 'GET, HEAD', method);
    assert.doesNotMatch(answer.body, /export const/, method);
    assertSecurityHeaders(answer, method);
  }
  const head = await ask('/dist/jadfer.js', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-length'], String('export const x = 1;'.length));
});

test('no link leads out of a served folder; a link inside one is followed', async () => {
  for (const path of ['/dist/link.txt', '/dist/linked-folder/secret.txt']) {
    const answer = await attack(path);
    assert.ok([403, 404].includes(answer.status), `${path}: ${answer.status}`);
    assert.doesNotMatch(answer.body, /secret/, path);
  }
  assert.equal((await ask('/dist/inner-link.js')).body, 'export const x = 1;');
});

test('every answer carries COOP, COEP, CORP, the CSP and nosniff: files, worker scripts, 304 and every error', async () => {
  const file = await ask('/dist/jadfer.js');
  const cases: [string, Answer][] = [
    ['200 module script', file],
    ['200 worker script', await ask('/dist/jadfer.worker.js')],
    ['200 page', await ask('/demo/')],
    ['304', await ask('/dist/jadfer.js', { headers: { 'if-none-match': file.headers.etag! } })],
    ['302 /', await ask('/')],
    ['301 /demo', await ask('/demo')],
    ['400', await ask('/%E0%A4%A')],
    ['403', await ask('/dist/link.txt')],
    ['404', await ask('/dist/missing.js')],
    ['405', await ask('/dist/jadfer.js', { method: 'POST' })],
  ];
  assert.equal(cases[3]![1].status, 304);
  for (const [what, answer] of cases) assertSecurityHeaders(answer, what);
});

test('`/demo` redirects to `/demo/`, keeping the query', async () => {
  const bare = await ask('/demo?autostart=camera');
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, '/demo/?autostart=camera');
  const folder = await ask('/dist/folder-page');
  assert.equal(folder.status, 301, 'any folder without its slash');
  assert.equal(folder.headers.location, '/dist/folder-page/');
});

test('file-system errors get an answer, never a crash: a folder named index.html, a socket, a FIFO, an unreadable file, a file replaced while read', async () => {
  // A folder where index.html was expected: stat says it exists, reading it fails (EISDIR).
  assert.equal((await attack('/dist/folder-page/')).status, 404);
  // A Unix socket: stat'able, open() fails with ENXIO.
  const socketServer = createNetServer();
  await new Promise<void>((resolve) => socketServer.listen(join(root, 'dist', 'socket.js'), resolve));
  try {
    const answer = await attack('/dist/socket.js');
    assert.ok(answer.status >= 400, `socket: ${answer.status}`);
    assertSecurityHeaders(answer, 'socket');
  } finally {
    socketServer.close();
  }
  // A FIFO: a plain open() would wait for a writer forever.
  const fifo = join(root, 'dist', 'fifo.js');
  if (spawnSync('mkfifo', [fifo]).status === 0) assert.equal((await attack('/dist/fifo.js')).status, 403);
  // EACCES: an unreadable file, and a folder that cannot be entered.
  const unreadable = join(root, 'dist', 'unreadable.js');
  writeFileSync(unreadable, 'no');
  chmodSync(unreadable, 0);
  mkdirSync(join(root, 'dist', 'closed'));
  writeFileSync(join(root, 'dist', 'closed', 'inside.js'), 'no');
  chmodSync(join(root, 'dist', 'closed'), 0);
  for (const path of ['/dist/unreadable.js', '/dist/closed/inside.js']) {
    const answer = await askUnprivileged(path);
    assert.equal(answer.status, 403, path);
    assertSecurityHeaders(answer, path);
  }
  // A file deleted and written again while it is asked for (npm run build over a running server), bounded.
  const flap = join(root, 'dist', 'flap.js');
  let flapping = true;
  const flapper = (async () => {
    for (let i = 0; flapping && i < 2000; i++) {
      writeFileSync(`${flap}.tmp`, 'x'.repeat(100_000));
      renameSync(`${flap}.tmp`, flap);
      await new Promise((resolve) => setImmediate(resolve));
      unlinkSync(flap);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const statuses = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const answer = await attack('/dist/flap.js');
    statuses.add(answer.status);
    if (answer.status === 200) assert.equal(answer.body.length, 100_000, 'a whole file or none');
  }
  flapping = false;
  await flapper;
  assert.deepEqual(
    [...statuses].filter((s) => s !== 200 && s !== 404),
    [],
  );
  // And the server is still there.
  assert.equal((await ask('/dist/jadfer.js')).status, 200);
});

/**
 * Root reads every file, so as root the EACCES cases are asked of a second server run as `nobody` (in a
 * child process, on the same folder); otherwise of this one.
 */
async function askUnprivileged(path: string): Promise<Answer> {
  if (process.getuid?.() !== 0) return attack(path);
  chmodSync(root, 0o755); // mkdtemp's folder is the owner's only
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { startServer } = await import(process.argv[1]); const s = await startServer({ root: process.argv[2], folders: ['.'], port: 0 }); console.log(s.address().port);",
      new URL('../../scripts/serve.mjs', import.meta.url).href,
      root,
    ],
    { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const childPort = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
      child.once('exit', (code) => reject(new Error(`the unprivileged server exited (${code})`)));
    });
    const saved = port;
    port = childPort;
    try {
      return await attack(path);
    } finally {
      port = saved;
    }
  } finally {
    child.kill();
  }
}

test('pre-compressed siblings: br when accepted, else gzip, else the file; Vary and one ETag per encoding', async () => {
  const br = await ask('/dist/big.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  const gz = await ask('/dist/big.js', { headers: { 'accept-encoding': 'gzip' } });
  const plain = await ask('/dist/big.js', { headers: { 'accept-encoding': 'identity' } });
  const refused = await ask('/dist/big.js', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0.5' } });
  assert.deepEqual(
    [br, gz, plain, refused].map((a) => [a.body, a.headers['content-encoding']]),
    [
      ['brotli', 'br'],
      ['gzipped', 'gzip'],
      ['plain', undefined],
      ['gzipped', 'gzip'],
    ],
  );
  for (const answer of [br, gz, plain]) {
    assert.equal(answer.headers.vary, 'Accept-Encoding');
    assert.equal(answer.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(answer.headers['content-length'], String(answer.body.length));
  }
  assert.equal(new Set([br, gz, plain].map((a) => a.headers.etag)).size, 3, 'one ETag per encoding');
  // The brotli ETag does not validate a gzip answer; each validates its own.
  const crossed = await ask('/dist/big.js', {
    headers: { 'accept-encoding': 'gzip', 'if-none-match': br.headers.etag! },
  });
  assert.equal(crossed.status, 200);
  const same = await ask('/dist/big.js', { headers: { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! } });
  assert.equal(same.status, 304);
  assert.equal(same.headers['content-encoding'], 'br');
  const gzOnly = await ask('/dist/gz-only.js', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(gzOnly.body, 'gzipped', 'gzip when there is no .br');
  const none = await ask('/dist/jadfer.js', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(none.headers['content-encoding'], undefined);
  assert.equal(none.headers.vary, undefined, 'no sibling, nothing varies');
});

test('a busy port: one line on stderr saying how to pick another, exit code 1, no stack trace', () => {
  const run = spawnSync(process.execPath, ['scripts/serve.mjs'], {
    env: { ...process.env, PORT: String(port) },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, new RegExp(`port ${port} is already in use.*PORT=${port + 1} npm start`));
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});
