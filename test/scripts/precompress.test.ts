// Pre-compressed copies (scripts/precompress.mjs, `npm run precompress`): every file a page loads has
// a .br and a .gz beside it that decompress to that very file; the npm package leaves them out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compress, servedFiles } from '../../scripts/precompress.mjs';
import { ensureDist } from '../dist.js';

before(ensureDist);

test('compress() gives brotli and gzip that decompress to the input', async () => {
  const bytes = new TextEncoder().encode('jadfer '.repeat(1000));
  const out = await compress(bytes);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(out.br)), bytes);
  assert.deepEqual(new Uint8Array(gunzipSync(out.gzip)), bytes);
  assert.ok(out.br.length < bytes.length / 10);
});

test('npm run precompress: every served file of a folder gets a .br and a .gz of itself; what pages do not load, none', () => {
  const folder = mkdtempSync(join(tmpdir(), 'jadfer-precompress-'));
  const copies = ['jadfer.js', 'models/blazeface-front-128.json', 'wasm/jadfer-kernels.wasm', 'types/src/index.d.ts'];
  for (const file of copies) cpSync(join('dist', file), join(folder, file), { recursive: true });
  const run = spawnSync(process.execPath, ['scripts/precompress.mjs', folder], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const files = servedFiles(folder)
    .map((file) => relative(folder, file))
    .sort();
  assert.deepEqual(files, ['jadfer.js', 'models/blazeface-front-128.json', 'wasm/jadfer-kernels.wasm']);
  for (const file of files.map((f) => join(folder, f))) {
    const original = readFileSync(file);
    assert.ok(existsSync(`${file}.br`) && existsSync(`${file}.gz`), `${file}: no .br or .gz beside it`);
    assert.ok(brotliDecompressSync(readFileSync(`${file}.br`)).equals(original), `${file}.br`);
    assert.ok(gunzipSync(readFileSync(`${file}.gz`)).equals(original), `${file}.gz`);
  }
  assert.ok(!existsSync(join(folder, 'types/src/index.d.ts.br')), 'declarations are not served');
});

test('the npm package leaves the pre-compressed copies out (its size limit)', () => {
  const { files } = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.ok(files.includes('!dist/**/*.br') && files.includes('!dist/**/*.gz'));
});
