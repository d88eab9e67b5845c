// Face packs: lossless round trip, and clear errors for a truncated or foreign file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { loadDataset } from '../../../training/data/datasets.js';
import { decodeFacePack, encodeFacePack, writeFacePack } from '../../../training/data/face-pack.js';

const faces = Array.from({ length: 4 }, (_, k) =>
  Uint8Array.from({ length: 48 * 48 }, (_, i) => (i * 7 + k * 31 + (i % 48) * (i >> 5)) & 255),
);
const header = {
  source: 'test',
  files: ['a.png', 'b.png', 'c.png', 'd.png'],
  labels: [0, 1, 2, 7],
  votes: [[10], [9, 1], [0, 0, 10], [0, 0, 0, 0, 0, 0, 0, 10]],
  skipped: { 'tied-majority': 2 },
};

test('a face pack gives back every face bit for bit, with its label, votes and skip counts', async () => {
  const pack = decodeFacePack(encodeFacePack(header, faces));
  assert.deepEqual(
    pack.items.map((i) => [i.file, i.label, i.votes]),
    header.files.map((f, k) => [f, header.labels[k], header.votes[k]]),
  );
  assert.deepEqual(pack.skipped, header.skipped);
  for (const [k, item] of pack.items.entries()) assert.deepEqual(await item.read(), faces[k]);
});

test('--dataset pack=<dir> reads <dir>/<split>.facepack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'facepack-'));
  writeFacePack(join(dir, 'valid.facepack'), header, faces);
  const valid = await loadDataset(`pack=${dir}`, 'valid');
  assert.deepEqual(await valid.items[3]!.read(), faces[3]);
  await assert.rejects(loadDataset(`pack=${dir}`, 'train'), /train\.facepack/);
});

test('a truncated pack or another format is refused by name', () => {
  const raw = brotliDecompressSync(encodeFacePack(header, faces));
  assert.throws(
    () => decodeFacePack(brotliCompressSync(raw.subarray(0, raw.length - 10)), 'cut.facepack'),
    /cut\.facepack: .* for 4 faces \(truncated\?\)/,
  );
  const json = Buffer.from(JSON.stringify({ ...header, format: 'other/v9' }));
  const foreign = Buffer.concat([Buffer.alloc(4), json]);
  foreign.writeUInt32LE(json.length, 0);
  assert.throws(() => decodeFacePack(brotliCompressSync(foreign), 'x.facepack'), /x\.facepack: format other\/v9/);
  assert.throws(() => encodeFacePack(header, faces.slice(1)), /3 faces for 4 files/);
});
