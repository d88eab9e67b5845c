#!/usr/bin/env node
// `npm run precompress` (after `npm run build`): a brotli (.br) and a gzip (.gz) copy beside each file of dist/ a page loads
// (bundles, ONNX Runtime's wasm and glue, our kernels, models, cards), for servers that send
// pre-compressed files (nginx brotli_static / gzip_static, Caddy `precompressed`, express with
// express-static-gzip; README, Pre-compressed files). Brotli at quality 11 with a 16 MB window (the smallest
// zlib makes) takes minutes for ONNX Runtime's 14–17 MB wasm files, so results are kept in
// .cache/precompressed/ by content hash: a rebuild compresses only what changed.
//
// Usage: node scripts/precompress.mjs [dist]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(root, '.cache', 'precompressed');
/** What pages load; declarations and the Node CLI are not served. */
const SERVED = new Set(['.js', '.mjs', '.wasm', '.onnx', '.bin', '.json']);
/** Below this, the response headers weigh more than what compression saves. */
const MIN_BYTES = 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The encodings, as `Content-Encoding` names them, with the file suffix servers look for. */
export const ENCODINGS = /** @type {const} */ ({ br: '.br', gzip: '.gz' });

/**
 * `bytes` compressed as the build does it (brotli q11, window 2^24; gzip level 9), from the cache
 * when these bytes were compressed before.
 * @param {Uint8Array} bytes
 * @returns {Promise<{ br: Uint8Array, gzip: Uint8Array }>}
 */
export async function compress(bytes) {
  const key = createHash('sha256').update(bytes).digest('hex');
  const cached = (encoding) => join(CACHE, `${key}${ENCODINGS[encoding]}`);
  const make = {
    br: () =>
      brotli(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_LGWIN]: 24,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        },
      }),
    gzip: () => gzipAsync(bytes, { level: 9 }),
  };
  const entries = await Promise.all(
    Object.keys(ENCODINGS).map(async (encoding) => {
      const path = cached(encoding);
      if (existsSync(path)) return [encoding, readFileSync(path)];
      const out = await make[encoding]();
      mkdirSync(CACHE, { recursive: true });
      writeFileSync(`${path}.tmp`, out);
      renameSync(`${path}.tmp`, path); // whole or absent, if two builds race
      return [encoding, out];
    }),
  );
  return Object.fromEntries(entries);
}

/** Every file under `folder` that a page loads and that is worth compressing. */
export function servedFiles(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => {
      const rel = relative(folder, path);
      if (rel.startsWith('types') || rel === 'cli.js') return false;
      return SERVED.has(extname(path)) && statSync(path).size >= MIN_BYTES;
    });
}

export async function precompressFolder(folder) {
  const started = performance.now();
  const files = servedFiles(folder);
  let raw = 0;
  const sums = { br: 0, gzip: 0 };
  // zlib's async calls run on libuv's thread pool: the files compress in parallel.
  await Promise.all(
    files.map(async (path) => {
      const bytes = readFileSync(path);
      const out = await compress(bytes);
      raw += bytes.byteLength;
      for (const [encoding, suffix] of Object.entries(ENCODINGS)) {
        writeFileSync(`${path}${suffix}`, out[encoding]);
        sums[encoding] += out[encoding].byteLength;
      }
    }),
  );
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  console.log(
    `precompressed ${files.length} files in ${relative(root, folder) || '.'}/ (${mb(raw)}): brotli ${mb(sums.br)}, gzip ${mb(sums.gzip)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await precompressFolder(process.argv[2] ?? join(root, 'dist'));
}
