/**
 * `jadfer fleet serve`: the fleet dashboard. One page, its script and stylesheet, Chart.js
 * (served from this package, never a CDN) and `/api/fleet` (the roll-ups as JSON, read from the
 * bucket on each request). GET and HEAD only, a fixed set of paths, the project's strict CSP and
 * the usual hardening headers on every response; bound to 127.0.0.1 by default, where it also
 * refuses foreign Host headers (DNS rebinding). The data is aggregate, but it is the operator's:
 * expose it beyond the host only behind an authenticating proxy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KV } from '@nats-io/kv';
import { readFleet, type ViewOptions } from './view.js';

export const DASHBOARD_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The page's files: beside the built CLI (dist/fleet/), or in the source tree (cli/fleet/page/ and node_modules). */
function assets(): Map<string, { file: string; type: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = [join(here, 'fleet'), join(here, 'page')].find((d) => existsSync(join(d, 'index.html')));
  if (!dir) throw new Error(`the dashboard page is missing beside ${here}`);
  const chart = existsSync(join(dir, 'chart.umd.min.js'))
    ? join(dir, 'chart.umd.min.js')
    : join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  const files: [string, string][] = [
    ['/', join(dir, 'index.html')],
    ['/dashboard.js', join(dir, 'dashboard.js')],
    ['/dashboard.css', join(dir, 'dashboard.css')],
    ['/chart.umd.min.js', chart],
  ];
  return new Map(files.map(([path, file]) => [path, { file, type: TYPES[file.split('.').pop()!]! }]));
}

export interface DashboardOptions {
  host?: string;
  /** 0: any free port. */
  port?: number;
  view?: ViewOptions;
}

export async function serveDashboard(
  bucket: KV,
  options: DashboardOptions = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const files = assets();
  const host = options.host ?? '127.0.0.1';
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
  let allowedHosts = new Set<string>();

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, head = false) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
    res.end(head ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', 'method not allowed\n');
    }
    if (loopback && !allowedHosts.has(req.headers.host ?? '')) return send(res, 421, 'text/plain', 'unknown host\n');
    const head = req.method === 'HEAD';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/api/fleet') {
      const view = await readFleet(bucket, options.view);
      return send(res, 200, 'application/json', JSON.stringify(view), head);
    }
    // Browsers ask for it on their own; there is none, and a 404 would be noise in the console.
    if (path === '/favicon.ico') return send(res, 204, 'text/plain', '', true);
    const asset = files.get(path);
    if (!asset) return send(res, 404, 'text/plain', 'not found\n');
    return send(res, 200, asset.type, readFileSync(asset.file), head);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 503, 'text/plain', `fleet data unavailable: ${error.message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
