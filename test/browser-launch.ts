/**
 * Pages in any of the three engines for the Node-driven e2e tests and the bench, through one small
 * interface: Chromium with playwright-core, Firefox with puppeteer-core (WebDriver BiDi), WebKitGTK's
 * MiniBrowser with webdriverio (classic WebDriver). How each starts is in engines.mjs.
 *
 * Every page keeps the URLs it and its workers requested: from the driver's network events in
 * Chromium and Firefox; in WebKit, whose classic WebDriver has none, from a recording proxy.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import * as puppeteer from 'puppeteer-core';
import { remote } from 'webdriverio';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  FIREFOX_LAUNCH,
  WEBKIT_CAPABILITIES,
  engineMissing,
  selectedEngines,
  startWebKitDriver,
} from './engines.mjs';

export type Engine = 'chromium' | 'firefox' | 'webkit';

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface EnginePage {
  /** Every URL this page and its workers requested, in order. */
  readonly requests: string[];
  /** Console errors of the page and its workers; undefined in WebKit (classic WebDriver shows no console). */
  readonly consoleErrors: string[] | undefined;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (awaited, JSON-serialisable) result. */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T>;
  /** Polls `fn` in the page until it returns something truthy. */
  waitFor(fn: () => unknown, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface EngineBrowser {
  engine: Engine;
  /** Name and version, e.g. "Firefox 153.8.0". */
  version: string;
  newPage(): Promise<EnginePage>;
  close(): Promise<void>;
}

/** The engines this run covers (JADFER_ENGINES), each with why it cannot run here, if it cannot. */
export function enginesToTest(): { engine: Engine; missing: string | undefined }[] {
  return (selectedEngines() as Engine[]).map((engine) => ({ engine, missing: engineMissing(engine) }));
}

/** `chromiumArgs`: extra Chromium switches (a fake camera, memory measurement). */
export async function launchEngine(engine: Engine, chromiumArgs: string[] = []): Promise<EngineBrowser> {
  const browser =
    engine === 'chromium'
      ? await chromiumBrowser(chromiumArgs)
      : engine === 'firefox'
        ? await firefoxBrowser()
        : await webkitBrowser();
  return { engine, ...browser };
}

type Launched = Omit<EngineBrowser, 'engine'>;

async function chromiumBrowser(args: string[]): Promise<Launched> {
  const browser = await launchChromium(args);
  return {
    version: `Chromium ${browser.version()}`,
    async newPage() {
      const context = await browser.newContext();
      const page = await context.newPage();
      const requests: string[] = [];
      const consoleErrors: string[] = [];
      context.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      return {
        requests,
        consoleErrors,
        goto: async (url) => void (await page.goto(url)),
        evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
        waitFor: async (fn, timeoutMs) => void (await page.waitForFunction(fn, undefined, { timeout: timeoutMs })),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

async function firefoxBrowser(): Promise<Launched> {
  const browser = await puppeteer.launch(FIREFOX_LAUNCH as puppeteer.LaunchOptions);
  const version = (await browser.version()).replace(/^firefox\//i, 'Firefox ');
  return {
    version,
    async newPage() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const requests: string[] = [];
      const consoleErrors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      return {
        requests,
        consoleErrors,
        goto: async (url) => void (await page.goto(url)),
        evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
        waitFor: async (fn, timeoutMs) => void (await page.waitForFunction(fn, { timeout: timeoutMs, polling: 200 })),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

async function webkitBrowser(): Promise<Launched> {
  const proxy = await startRecordingProxy();
  const proxyAddress = `127.0.0.1:${proxy.port}`;
  const driver = await startWebKitDriver().catch(async (error) => {
    await proxy.close();
    throw error;
  });
  const session = await remote({
    hostname: driver.hostname,
    port: driver.port,
    logLevel: 'error',
    capabilities: {
      ...WEBKIT_CAPABILITIES,
      proxy: { proxyType: 'manual', httpProxy: proxyAddress, sslProxy: proxyAddress },
    } as WebdriverIO.Capabilities,
  }).catch(async (error) => {
    await driver.stop();
    await proxy.close();
    throw error;
  });
  // Long evaluations (a soak, a bench) are awaited like in the other engines, not cut at 30 s.
  await session.setTimeout({ script: 30 * 60_000 });
  const caps = session.capabilities as WebdriverIO.Capabilities;
  // One window per session in MiniBrowser: pages take turns in it, like the test runner's sessions.
  return {
    version: `WebKitGTK ${caps.browserVersion ?? '?'}`,
    async newPage() {
      const first = proxy.seen.length;
      return {
        get requests() {
          return proxy.seen.slice(first);
        },
        consoleErrors: undefined,
        goto: (url) => session.navigateTo(url) as Promise<void>,
        // Classic WebDriver awaits a returned promise; the function travels as source text.
        evaluate: (fn, arg) => session.execute(fn as never, arg) as never,
        async waitFor(fn, timeoutMs) {
          const deadline = Date.now() + timeoutMs;
          while (!(await session.execute(fn as never))) {
            if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn}`);
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        },
        close: async () => void (await session.navigateTo('about:blank')),
      };
    },
    async close() {
      await session.deleteSession().catch(() => undefined);
      await driver.stop();
      await proxy.close();
    },
  };
}

/**
 * WebKit's network log: an HTTP proxy that records every URL asked of it, forwards loopback ones
 * (the test server) and refuses the rest (nothing may leave the machine).
 */
async function startRecordingProxy(): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request: IncomingMessage, response) => {
    const url = request.url ?? '?';
    seen.push(url);
    if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('jadfer tests: no request may leave the machine');
      return;
    }
    const upstream = httpRequest(url, { method: request.method, headers: request.headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    seen.push(`https://${request.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
