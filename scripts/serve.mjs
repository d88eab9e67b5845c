#!/usr/bin/env node
// A small static server for the demo and the end-to-end tests. It sends the headers a
// kiosk deployment should send: COOP/COEP (so WASM can use threads) and a strict CSP, and an ETag
// per file, so a reload revalidates the 23 MB of wasm and models (304) instead of fetching them again.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
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

/**
 * @param mounts extra folders served under a URL prefix, e.g. { '/shared/': '../shared' } for
 *   benchmarks and tests that read fixture photos (never used by the demo).
 */
export function startServer({
  root = fileURLToPath(new URL('..', import.meta.url)),
  port = 8080,
  host = '127.0.0.1',
  isolated = true,
  csp = STRICT_CSP,
  mounts = {},
} = {}) {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      response.writeHead(302, { location: '/demo/' });
      return response.end();
    }
    const mount = Object.keys(mounts).find((prefix) => url.pathname.startsWith(prefix));
    const base = mount ? normalize(mounts[mount]) : root;
    let relative;
    try {
      relative = decodeURIComponent(mount ? url.pathname.slice(mount.length) : url.pathname);
    } catch {
      // A malformed escape (`/%E0%A4%A`) is the client's error; it must not end the server.
      response.writeHead(400, { 'content-type': 'text/plain' });
      return response.end('bad request: malformed URL');
    }
    const path = normalize(join(base, relative));
    if (!path.startsWith(base.endsWith(sep) ? base : base + sep)) {
      response.writeHead(403);
      return response.end();
    }
    let file = path;
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const { size, mtimeMs } = statSync(file);
      // Size and modification time, as nginx does: no need to hash 23 MB to know a file changed.
      const etag = `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
      const headers = {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': size,
        'cache-control': 'no-cache',
        etag,
      };
      if (isolated)
        Object.assign(headers, {
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
          'cross-origin-resource-policy': 'same-origin',
        });
      if (csp && file.endsWith('.html')) headers['content-security-policy'] = csp;
      // A page's service worker (test/pages/kiosk-sw.js) may control the whole site, the engine worker included.
      if (file.endsWith('-sw.js')) headers['service-worker-allowed'] = '/';
      if (matches(request.headers['if-none-match'], etag)) {
        delete headers['content-length'];
        response.writeHead(304, headers);
        return response.end();
      }
      response.writeHead(200, headers);
      if (request.method === 'HEAD') return response.end();
      createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
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
  await startServer({ port });
  console.log(`JADFER demo: http://127.0.0.1:${port}/demo/  (Ctrl+C to stop)`);
}
