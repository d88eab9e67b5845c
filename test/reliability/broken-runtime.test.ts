// A dist/ whose ONNX Runtime wasm is missing or truncated: create() fails fast with
// E_BACKEND_UNAVAILABLE and the URL, instead of hanging or failing inside ORT.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureDist } from '../dist.js';
import { writeContractModel } from '../fixtures/contract-model.js';
import { record } from './record.js';

await ensureDist(); // test/dist.ts: builds dist/ when it is missing or stale, or fails saying why
const WASM = 'ort/ort-wasm-simd-threaded.wasm';

async function createFrom(dist: string) {
  const models = join(dist, 'test-models');
  writeContractModel(models);
  const { create } = await import(pathToFileURL(join(dist, 'jadfer.js')).href);
  return create({
    device: 'wasm',
    detector: 'none',
    baseUrl: pathToFileURL(`${dist}/`).href,
    modelUrl: pathToFileURL(join(models, 'contract-test.json')).href,
  });
}

for (const [name, breakIt] of [
  ['truncated', (file: string) => truncateSync(file, 4096)],
  ['missing', (file: string) => rmSync(file)],
] as const) {
  test(`a ${name} ORT wasm: E_BACKEND_UNAVAILABLE naming the file`, async () => {
    const dist = mkdtempSync(join(tmpdir(), 'jadfer-dist-'));
    cpSync('dist', dist, { recursive: true });
    breakIt(join(dist, WASM));
    record({ faults: 1 });
    await assert.rejects(createFrom(dist), (error: any) => {
      assert.equal(error.code, 'E_BACKEND_UNAVAILABLE', error.message);
      assert.match(JSON.stringify(error.details) + error.message, /ort-wasm-simd-threaded\.wasm/);
      return true;
    });
  });
}
