// The SDK's file table: the literal URLs bundlers rewrite name the same files as the shipped layout.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ASSET_PATHS, assetsUnder, bundledAssets } from '../../../src/client/assets.js';
import { folderUrl } from '../../../src/contract/options.js';
import { ensureDist } from '../../dist.js';

const here = new URL('../../../src/client/', import.meta.url).href;

test('the literal URLs (for bundlers) and ASSET_PATHS (for baseUrl) name the same files', () => {
  assert.deepEqual(bundledAssets(), assetsUnder(here));
});

test('every file in ASSET_PATHS is in dist/', async () => {
  await ensureDist();
  const paths: string[] = [];
  const walk = (value: unknown) =>
    typeof value === 'string' ? paths.push(value) : Object.values(value as object).forEach(walk);
  walk(ASSET_PATHS);
  const missing = paths.filter(
    (path) => !existsSync(fileURLToPath(new URL(path, new URL('../../../dist/', import.meta.url)))),
  );
  assert.deepEqual(missing, []);
});

test('baseUrl gets its trailing slash', () => {
  assert.equal(folderUrl('http://kiosk.local/jadfer', here), 'http://kiosk.local/jadfer/');
  assert.equal(folderUrl('http://kiosk.local/jadfer/', here), 'http://kiosk.local/jadfer/');
  assert.equal(
    new URL(ASSET_PATHS.worker, folderUrl('http://kiosk.local/jadfer', here)).href,
    'http://kiosk.local/jadfer/jadfer.worker.js',
  );
});
