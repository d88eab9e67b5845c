import { defaultReporter, summaryReporter } from '@web/test-runner';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { WebdriverLauncher } from '@web/test-runner-webdriver';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  FIREFOX_LAUNCH,
  WEBKIT_CAPABILITIES,
  engineMissing,
  selectedEngines,
  startWebKitDriver,
} from './test/engines.mjs';

// ORT's glue .mjs has `await import("module")` on its Node-only path; node-resolve must
// leave such bare builtins alone instead of failing the whole file.
const NODE_BUILTINS = new Set(['module', 'fs', 'path', 'url', 'worker_threads']);
const leaveNodeBuiltins = {
  name: 'leave-node-builtins',
  resolveImport: ({ source }) => (NODE_BUILTINS.has(source) || source.startsWith('node:') ? source : undefined),
};

// Pages are cross-origin isolated, as a kiosk deployment serves them (scripts/serve.mjs), so
// each engine's thread support is what the suites see.
const isolate = async (context, next) => {
  await next();
  context.set('Cross-Origin-Opener-Policy', 'same-origin');
  context.set('Cross-Origin-Embedder-Policy', 'require-corp');
  context.set('Cross-Origin-Resource-Policy', 'same-origin');
};

/** The webdriver launcher only connects; this one also starts Xvfb and WebKitWebDriver, and stops them. */
class WebKitLauncher extends WebdriverLauncher {
  constructor() {
    super({ hostname: '127.0.0.1', port: 0, capabilities: WEBKIT_CAPABILITIES, logLevel: 'error' });
    this.name = 'WebKit';
  }
  async initialize(config, testFiles) {
    this.driverProcess = await startWebKitDriver();
    this.options.port = this.driverProcess.port;
    await super.initialize(config, testFiles);
    this.name = 'WebKit';
  }
  async stop() {
    await super.stop();
    await this.driverProcess?.stop();
  }
}

const LAUNCHERS = {
  chromium: () =>
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS },
    }),
  // test-runner-chrome takes any puppeteer: puppeteer-core drives Firefox without the `puppeteer` package.
  firefox: () => chromeLauncher({ puppeteer: puppeteerCore, launchOptions: FIREFOX_LAUNCH }),
  webkit: () => new WebKitLauncher(),
};

const engines = selectedEngines();
for (const engine of engines) {
  const missing = engineMissing(engine);
  if (missing) throw new Error(`${missing} (apt-get install chromium firefox-esr xvfb xauth webkit2gtk-driver)`);
}

export default {
  plugins: [leaveNodeBuiltins],
  middleware: [isolate],
  rootDir: '.',
  files: ['test/browser/*.test.js'],
  nodeResolve: true,
  // One page at a time on this 2-core machine: the stream tests measure drops against a real clock.
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 20 * 60_000,
  browserStartTimeout: 120_000,
  testFramework: { config: { timeout: 120_000 } },
  // Every test's name per engine, so a log shows which ones checked a fallback instead.
  reporters: [defaultReporter(), summaryReporter({ reportTestLogs: false, reportTestErrors: false })],
  browsers: engines.map((engine) => LAUNCHERS[engine]()),
};
