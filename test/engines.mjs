// The one place that knows how to start each browser engine here, from Debian's packages, as root and
// offline: Chromium (playwright-core), Firefox ESR (puppeteer-core over WebDriver BiDi) and WebKitGTK's
// MiniBrowser (WebKitWebDriver, classic WebDriver, under Xvfb: WebKitGTK has no headless mode).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGPU on SwiftShader: a real (software) adapter, for correctness tests.
  '--enable-unsafe-webgpu',
];
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';

/** Firefox through puppeteer-core: no display needed, worker console visible. */
export const FIREFOX_LAUNCH = {
  browser: 'firefox',
  executablePath: FIREFOX_PATH,
  headless: true,
  // Offline and quiet: no update checks, telemetry or remote settings trying to reach the network.
  extraPrefsFirefox: {
    'app.update.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
  },
};

/** Classic WebDriver capabilities for MiniBrowser (2.50 rejects BiDi's webSocketUrl). */
export const WEBKIT_CAPABILITIES = {
  browserName: 'MiniBrowser',
  'wdio:enforceWebDriverClassic': true,
  'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
};

const INSTALLED = {
  chromium: [CHROMIUM_PATH],
  firefox: [FIREFOX_PATH],
  webkit: [MINIBROWSER_PATH, WEBKIT_DRIVER, '/usr/bin/Xvfb'],
};

/** Why an engine cannot start here (its files are missing), or undefined. */
export function engineMissing(engine) {
  const absent = INSTALLED[engine].filter((path) => !existsSync(path));
  return absent.length ? `${engine} needs ${absent.join(', ')}` : undefined;
}

/** JADFER_ENGINES=chromium,firefox picks some; by default all three. Unknown names are an error. */
export function selectedEngines(value = process.env.JADFER_ENGINES) {
  if (!value) return [...ENGINES];
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !ENGINES.includes(name));
  if (unknown.length) throw new Error(`JADFER_ENGINES: unknown ${unknown.join(', ')} (known: ${ENGINES.join(', ')})`);
  return names;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process in its own group, so stopping it also ends its children. */
function start(command, args, options = {}) {
  const child = spawn(command, args, { detached: true, stdio: 'ignore', ...options });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Xvfb on a display it picks itself (-displayfd), so parallel runs on one machine never collide. */
async function startXvfb() {
  const xvfb = start('/usr/bin/Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  xvfb.child.stderr.on('data', (chunk) => (stderr += chunk));
  const display = await new Promise((resolve, reject) => {
    let text = '';
    xvfb.child.stdio[3].on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    xvfb.exited.then((code) => reject(new Error(`Xvfb exited (${code}): ${stderr.trim()}`)));
  });
  xvfb.child.stdio[3].destroy();
  xvfb.child.stderr.destroy();
  return { display, stop: xvfb.stop };
}

/**
 * Xvfb plus WebKitWebDriver on a free port, waited for until it answers. `stop()` ends both.
 * The test runner's webdriver launcher and the Node-driven tests only connect to it.
 */
export async function startWebKitDriver() {
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = start(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, DISPLAY: xvfb.display },
  });
  const stop = async () => {
    await driver.stop();
    await xvfb.stop();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (driver.child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`WebKitWebDriver did not start on port ${port} (display ${xvfb.display})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { hostname: '127.0.0.1', port, display: xvfb.display, stop };
}
