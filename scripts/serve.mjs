#!/usr/bin/env node
// A small static server for the demo and the end-to-end tests. It sends the headers a
// kiosk deployment should send, on every answer (errors included): COOP/COEP/CORP (so WASM can use
// threads), a strict CSP (worker scripts take their policy from their own response) and nosniff; and an
// ETag per file, so a reload revalidates the 23 MB of wasm and models (304) instead of fetching them again.
// It serves only the folders it is given (the demo's by default), answers only loopback Host names
// (DNS rebinding), follows no link out of a folder, and answers a file-system error with a status, never a crash.
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.y4m': 'video/x-raw',
};

export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'";

/** What `npm start` serves: the demo page, the builds it loads, and the models (`?model=/models/…`). */
export const DEMO_FOLDERS = ['demo', 'dist', 'models'];
/** The demo's folders plus the test pages and the fixtures the tests write. */
export const TEST_FOLDERS = [...DEMO_FOLDERS, 'test/pages', 'test-output'];
/** The test folders plus the bench pages and the libraries they compare against (node_modules). */
export const BENCH_FOLDERS = [...TEST_FOLDERS, 'bench/pages', 'node_modules'];
/** Host names answered by default: the loopback ones (a page on another name is a DNS-rebinding attempt). */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** Pre-compressed siblings (`file.br`, `file.gz`), in order of preference. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
];

/**
 * @param folders folders of `root` served under their own path (`dist` → `/dist/…`); `'.'` serves all of `root`.
 * @param mounts extra folders served under a URL prefix, e.g. { '/shared/': '../shared' } for
 *   benchmarks and tests that read fixture photos (never used by the demo).
 * @param allowedHosts the Host names answered (without port); anything else gets 403.
 */
export function startServer({
  root = fileURLToPath(new URL('..', import.meta.url)),
  port = 8080,
  host = '127.0.0.1',
  isolated = true,
  csp = STRICT_CSP,
  folders = DEMO_FOLDERS,
  mounts = {},
  allowedHosts = LOOPBACK_HOSTS,
} = {}) {
  const security = {
    'x-content-type-options': 'nosniff',
    ...(isolated
      ? {
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
          'cross-origin-resource-policy': 'same-origin',
        }
      : {}),
    ...(csp ? { 'content-security-policy': csp } : {}),
  };
  const bases = [
    ...Object.entries(mounts).map(([prefix, folder]) => ({ prefix, folder: resolve(root, folder) })),
    ...folders.map((folder) =>
      folder === '.'
        ? { prefix: '/', folder: resolve(root) }
        : { prefix: `/${folder.replace(/^\/|\/$/g, '')}/`, folder: resolve(root, folder) },
    ),
  ];
  const hosts = new Set(allowedHosts.map((name) => name.toLowerCase()));
  const server = createServer((request, response) => {
    const send = (status, headers = {}, body = '') => {
      if (response.headersSent) return void response.destroy();
      response.writeHead(status, { ...security, 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    serve(request, response, send).catch((error) => {
      console.error(`serve: ${request.url}: ${error?.message ?? error}`);
      send(500, {}, 'internal error');
    });
  });

  async function serve(request, response, send) {
    if (!hosts.has(hostName(request.headers.host))) return send(403, {}, 'host not allowed');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(405, { allow: 'GET, HEAD' }, 'method not allowed');
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/' && folders.includes('demo')) return send(302, { location: '/demo/' });
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      // A malformed escape (`/%E0%A4%A`) is the client's error; it must not end the server.
      return send(400, {}, 'bad request: malformed URL');
    }
    if (pathname.includes('\0')) return send(400, {}, 'bad request: malformed URL');
    // `/demo` is the folder `/demo/`: its page's relative URLs only work under the slash.
    const folderItself = bases.find(({ prefix }) => prefix !== '/' && pathname === prefix.slice(0, -1));
    if (folderItself) return send(301, { location: `${folderItself.prefix}${url.search}` });
    const base = bases.find(({ prefix }) => pathname.startsWith(prefix));
    if (!base) return send(404, {}, 'not found');
    const path = normalize(join(base.folder, pathname.slice(base.prefix.length)));
    if (path !== base.folder && !inside(base.folder, path)) return send(403, {}, 'forbidden');

    const found = await openFile(base.folder, path, pathname.endsWith('/'));
    if ('status' in found) {
      if (found.status === 301) return send(301, { location: `${url.pathname}/${url.search}` });
      return send(found.status, {}, found.status === 404 ? 'not found' : 'forbidden');
    }
    const chosen = await compressedSibling(found, request.headers['accept-encoding']);
    const { handle, size, mtimeMs } = chosen ?? found;
    if (chosen) await found.handle.close();
    // Size and modification time, as nginx does: no need to hash 23 MB to know a file changed.
    const etag = `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${chosen ? `-${chosen.encoding}` : ''}"`;
    const headers = {
      'content-type': TYPES[extname(found.path)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
      etag,
      ...(chosen ? { 'content-encoding': chosen.encoding } : {}),
      ...(found.siblings ? { vary: 'Accept-Encoding' } : {}),
    };
    // A page's service worker (test/pages/kiosk-sw.js) may control the whole site, the engine worker included.
    if (found.path.endsWith('-sw.js')) headers['service-worker-allowed'] = '/';
    if (matches(request.headers['if-none-match'], etag) || request.method === 'HEAD') {
      await handle.close();
      if (request.method === 'HEAD') return send(200, headers);
      delete headers['content-length'];
      return send(304, headers);
    }
    response.writeHead(200, { ...security, ...headers });
    // The handle's own stream: it keeps the handle alive while reading, and closes it at the end.
    const stream = handle.createReadStream();
    // A read that fails halfway (the disk, a file truncated under us) ends this answer, not the server.
    stream.on('error', () => response.destroy());
    response.on('close', () => stream.destroy());
    stream.pipe(response);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Opens a regular file (a folder's index.html for a folder) whose real path, links resolved, is inside
 * `folder`. Opened once and read from that handle: a file replaced after the check is not the one read.
 */
async function openFile(folder, path, slash, index = false) {
  let real;
  let realFolder;
  try {
    [realFolder, real] = await Promise.all([realpath(folder), realpath(path)]);
  } catch (error) {
    return { status: statusFor(error) };
  }
  if (real !== realFolder && !inside(realFolder, real)) return { status: 403 };
  let handle;
  try {
    // Non-blocking: opening a FIFO would otherwise wait for a writer, holding the request forever.
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (info.isDirectory()) {
      await handle.close();
      if (index) return { status: 404 }; // a folder named index.html
      return slash ? openFile(folder, join(path, 'index.html'), false, true) : { status: 301 };
    }
    if (!info.isFile()) {
      await handle.close();
      return { status: 403 };
    }
    const siblings = await Promise.all(
      ENCODINGS.map(({ suffix }) =>
        stat(real + suffix).then(
          (s) => s.isFile(),
          () => false,
        ),
      ),
    );
    return { handle, size: info.size, mtimeMs: info.mtimeMs, path: real, siblings: siblings.some(Boolean) };
  } catch (error) {
    await handle?.close().catch(() => undefined);
    return { status: statusFor(error) };
  }
}

/** The pre-compressed sibling the client accepts (br, else gzip), opened; undefined for the file itself. */
async function compressedSibling(found, acceptEncoding) {
  if (!found.siblings) return undefined;
  const accepted = acceptedEncodings(acceptEncoding);
  for (const { name, suffix } of ENCODINGS) {
    if (!accepted.has(name)) continue;
    let handle;
    try {
      handle = await open(found.path + suffix, constants.O_RDONLY | constants.O_NONBLOCK);
      const info = await handle.stat();
      if (info.isFile()) return { handle, size: info.size, mtimeMs: info.mtimeMs, encoding: name };
      await handle.close();
    } catch {
      await handle?.close().catch(() => undefined);
    }
  }
  return undefined;
}

/** `Accept-Encoding: gzip, br;q=0.8, *;q=0`: the named encodings with a weight above 0. */
function acceptedEncodings(header = '') {
  const accepted = new Set();
  for (const part of header.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (!q || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

function statusFor(error) {
  const code = error?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP') return 404;
  if (code === 'EACCES' || code === 'EPERM' || code === 'ENXIO') return 403; // ENXIO: a socket
  throw error;
}

function inside(folder, path) {
  return path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** The Host header's name, lower case, without its port (`[::1]:8080` → `[::1]`). */
function hostName(header) {
  if (!header) return '';
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0];
  return name.toLowerCase();
}

/** If-None-Match: a list of ETags (weak ones compare by their opaque part) or `*`. */
function matches(ifNoneMatch, etag) {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  const extraHosts = (process.env.JADFER_ALLOWED_HOSTS ?? '').split(',').filter(Boolean);
  try {
    await startServer({ port, allowedHosts: [...LOOPBACK_HOSTS, ...extraHosts] });
  } catch (error) {
    if (error?.code === 'EADDRINUSE') {
      console.error(`jadfer demo: port ${port} is already in use; pick another one: PORT=${port + 1} npm start`);
    } else {
      console.error(`jadfer demo: cannot listen on 127.0.0.1:${port}: ${error?.message ?? error}`);
    }
    process.exit(1);
  }
  console.log(`JADFER demo: http://127.0.0.1:${port}/demo/  (Ctrl+C to stop)`);
}
