import { playwrightLauncher } from '@web/test-runner-playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/chromium.mjs';

// ORT's glue .mjs has `await import("module")` on its Node-only path; node-resolve must
// leave such bare builtins alone instead of failing the whole file.
const NODE_BUILTINS = new Set(['module', 'fs', 'path', 'url', 'worker_threads']);
const leaveNodeBuiltins = {
  name: 'leave-node-builtins',
  resolveImport: ({ source }) => (NODE_BUILTINS.has(source) || source.startsWith('node:') ? source : undefined),
};

export default {
  plugins: [leaveNodeBuiltins],
  rootDir: '.',
  files: ['test/browser/*.test.js'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 10 * 60_000,
  browserStartTimeout: 120_000,
  testFramework: { config: { timeout: 120_000 } },
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS },
    }),
  ],
};
