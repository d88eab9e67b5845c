// Pre-compressed copies (scripts/precompress.mjs, run by `npm run build`): every file a page loads has
// a .br and a .gz beside it that decompress to that very file; the npm package leaves them out.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compress, servedFiles } from '../../scripts/precompress.mjs';

test('compress() gives brotli and gzip that decompress to the input', async () => {
  const bytes = new TextEncoder().encode('jadfer '.repeat(1000));
  const out = await compress(bytes);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(out.br)), bytes);
  assert.deepEqual(new Uint8Array(gunzipSync(out.gzip)), bytes);
  assert.ok(out.br.length < bytes.length / 10);
});

test(
  'dist/: every served file has a .br and a .gz of itself',
  { skip: !existsSync('dist/jadfer.js') && 'run npm run build first' },
  () => {
    const files = servedFiles('dist');
    for (const must of [
      'dist/jadfer.js',
      'dist/ort/ort-wasm-simd-threaded.wasm',
      'dist/models/jadfer-base.prepared.bin',
    ])
      assert.ok(files.includes(must), `${must} is not among the served files`);
    for (const file of files) {
      const original = readFileSync(file);
      assert.ok(existsSync(`${file}.br`) && existsSync(`${file}.gz`), `${file}: no .br or .gz beside it`);
      assert.ok(brotliDecompressSync(readFileSync(`${file}.br`)).equals(original), `${file}.br`);
      assert.ok(gunzipSync(readFileSync(`${file}.gz`)).equals(original), `${file}.gz`);
    }
  },
);

test('the npm package leaves the pre-compressed copies out (its size limit)', () => {
  const { files } = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.ok(files.includes('!dist/**/*.br') && files.includes('!dist/**/*.gz'));
});
