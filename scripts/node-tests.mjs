#!/usr/bin/env node
// `npm run test:node`: every `*.test.ts` under test/ that runs in plain Node, at any depth (test/ mirrors the
// code: test/sdk/engine/pipeline/… for src/engine/pipeline/…). Node 20's test runner takes no globs, and the
// shell's `*` sees one level only, so this script lists the files. The folders below have their own runner
// (npm run test:package, test:reliability, test:deno, test:browser) and are left out; a new folder runs here
// without being named anywhere.
//   node scripts/node-tests.mjs                          all of them
//   node scripts/node-tests.mjs test/training test/common  only these folders or files
//   node scripts/node-tests.mjs test/sdk -- --test-name-pattern=priors   extra flags for `node --test`
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const OWN_RUNNER = ['test/package', 'test/reliability', 'test/deno', 'test/browser', 'test/pages'];

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const paths = dash < 0 ? args : args.slice(0, dash);
const flags = dash < 0 ? [] : args.slice(dash + 1);

/** The test files under a folder (or the file itself), outside the folders with their own runner. */
function testsIn(path) {
  if (!existsSync(path)) {
    console.error(`${path} does not exist`);
    process.exit(2);
  }
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((file) => join(path, file))
    .filter((file) => file.endsWith('.test.ts') && !OWN_RUNNER.some((folder) => file.startsWith(`${folder}/`)))
    .sort();
}

const files = (paths.length ? paths : ['test']).flatMap(testsIn);
if (files.length === 0) {
  console.error(`no *.test.ts under ${paths.join(' ') || 'test/'}`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...flags, ...files], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
