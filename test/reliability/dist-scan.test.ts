// The shipped bundles must run under a CSP without 'unsafe-eval': no eval or Function constructor.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDist } from '../dist.js';

const DIST = 'dist';
await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const EVAL = /(?<![\w$.])eval\s*\(|new\s+Function\s*\(|(?<![\w$.])Function\s*\(\s*['"`]/g;
// onnxruntime-web's WebGPU glue: Emscripten embind's method invoker builds one Function. It is not
// reached by our models; test/reliability/csp-page.test.ts runs WebGPU under the strict CSP to prove it.
const KNOWN_THIRD_PARTY = new Map([['ort/ort-wasm-simd-threaded.jspi.mjs', 1]]);

function scripts(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? scripts(join(dir, entry.name), `${prefix}${entry.name}/`)
      : /\.(m?js)$/.test(entry.name)
        ? [`${prefix}${entry.name}`]
        : [],
  );
}

test('no eval / new Function in dist/ beyond the one known ORT glue site', () => {
  const found = new Map<string, number>();
  const files = scripts(DIST);
  assert.ok(files.includes('jadfer.js') && files.includes('jadfer.worker.js') && files.includes('jadfer.iife.js'));
  for (const file of files) {
    const count = readFileSync(join(DIST, file), 'utf8').match(EVAL)?.length ?? 0;
    if (count > 0) found.set(file, count);
  }
  assert.deepEqual(found, KNOWN_THIRD_PARTY);
});
