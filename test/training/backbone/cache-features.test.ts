// The feature cache on a face pack: the TF.js engine (the one a GPU machine runs, here on the CPU
// backend) and the onnxruntime-node engine give the same trunk features at an earlier node.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CANDIDATES, candidatePath } from '../../../training/backbone/candidates.js';
import { writeFacePack } from '../../../training/data/face-pack.js';

test('cache-features: pack dataset, --feature-node, TF.js engine = onnxruntime-node engine', async (t) => {
  const cand = CANDIDATES['faceres-112']!;
  if (!existsSync(candidatePath(cand))) {
    const msg = `${candidatePath(cand)} not fetched (run: node --import tsx training/backbone/fetch.ts): SKIPPING the feature-cache engine check`;
    console.warn(`\n*** ${msg} ***\n`);
    t.skip(msg);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'jadfer-cache-'));
  const faces = Array.from({ length: 3 }, (_, k) =>
    Uint8Array.from({ length: 48 * 48 }, (_, i) => (((i % 48) - 24) ** 2 + ((i / 48) | 0) * 3 + k * 40) & 255),
  );
  writeFacePack(
    join(root, 'valid.facepack'),
    {
      source: 'test',
      files: ['a', 'b', 'c'],
      labels: [0, 1, 2],
      votes: [[10], [0, 10], [0, 0, 10]],
      skipped: { 'tied-majority': 1 },
    },
    faces,
  );
  const run = (engine: string) => {
    const out = join(root, engine);
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'training/backbone/cache-features.ts',
        '--backbone',
        'faceres-112',
        '--engine',
        engine,
        '--backend',
        'cpu',
        '--dataset',
        `pack=${root}`,
        '--splits',
        'valid',
        '--feature-node',
        'conv_pw_6_relu/clip_by_value',
        '--batch',
        '2',
        '--out',
        out,
      ],
      { stdio: 'pipe' },
    );
    const meta = JSON.parse(readFileSync(join(out, 'faceres-112', 'valid.json'), 'utf8'));
    const bytes = readFileSync(join(out, 'faceres-112', 'valid-orig.f32'));
    return { meta, features: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
  };
  const tfjs = run('tfjs');
  const ort = run('ort');
  for (const r of [tfjs, ort]) {
    assert.deepEqual(
      [r.meta.n, r.meta.h, r.meta.w, r.meta.c, r.meta.featureNode],
      [3, 7, 7, 512, 'conv_pw_6_relu/clip_by_value'],
    );
    assert.deepEqual(r.meta.skipped, { 'tied-majority': 1 });
  }
  let maxDiff = 0;
  for (let i = 0; i < ort.features.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(ort.features[i]! - tfjs.features[i]!));
  assert.ok(maxDiff < 1e-3, `max |tfjs − ort| = ${maxDiff}`);
});
