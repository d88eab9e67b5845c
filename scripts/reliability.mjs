#!/usr/bin/env node
// `npm run test:reliability`: faults, fuzz, soak, offline/CSP, integrity and training robustness.
// Runs the Node-driven suites and the Chromium suites, then prints one summary line of what was
// tried (tests print `RELIABILITY {json}` lines; browser logs reach us through the test runner).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const nodeTests = readdirSync('test/reliability')
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/reliability/${f}`);
const runs = [
  [process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...nodeTests]],
  [bin('web-test-runner'), ['--config', 'web-test-runner.config.mjs', '--files', 'test/browser/reliability/*.test.js']],
];
const totals = {};
let failed = false;
for (const [command, args] of runs) {
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: process.env });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) failed = true;
  for (const match of `${run.stdout}\n${run.stderr}`.matchAll(/RELIABILITY (\{[^\n]*?\})/g)) {
    for (const [key, value] of Object.entries(JSON.parse(match[1]))) totals[key] = (totals[key] ?? 0) + value;
  }
}
const n = (key) => totals[key] ?? 0;
console.log(
  `\nreliability: ${n('faults')} faults injected, ${n('fuzzed')} inputs fuzzed, ${n('soaked')} frames soaked, ` +
    `${n('requests')} requests seen (${n('foreignRequests')} outside the origin), ${n('hostile')} hostile requests and inputs refused, ` +
    `${n('concurrent')} concurrent calls (${n('busy')} answered E_BUSY)${failed ? ' — SOME SUITES FAILED' : ''}`,
);
process.exit(failed ? 1 : 0);
