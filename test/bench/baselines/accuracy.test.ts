/**
 * Browser baselines (human `emotion`, face-api `face_expression_model`) on real FERPlus validation images:
 * runs bench/baselines/accuracy.ts with --limit 50 --json and checks the report, and checks that the
 * face-api re-implementation matches face-api's own FaceExpressionNet. Needs ../shared/data/ferplus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FER_EMOTIONS, loadFerPlusSplit } from '../../../common/ferplus.js';
import { FERPLUS_DIR, ferplusAvailable } from '../../../training/data/paths.js';
import type { Report } from '../../../bench/baselines/accuracy.js';

const run = promisify(execFile);
const available = ferplusAvailable();
const skip = !available && `FERPlus data not found at ${FERPLUS_DIR} (set FERPLUS_DIR): baseline accuracy NOT checked`;
if (skip) console.warn(`SKIP bench/baselines/accuracy.test.ts: ${skip}`);

test(
  'baseline evaluator --limit 50 --json: report shape and plausible accuracy',
  { skip, timeout: 60_000 },
  async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/baselines/accuracy.ts', '--limit', '50', '--json'],
      {
        maxBuffer: 16 << 20,
      },
    );
    const r = JSON.parse(stdout) as Report;
    assert.equal(r.n, 50);
    assert.equal(r.limit, 50);
    assert.equal(r.backend, 'wasm');
    assert.deepEqual([...r.labels], [...FER_EMOTIONS]);
    assert.equal(
      Object.values(r.classCounts).reduce((a, b) => a + b, 0),
      50,
    );
    assert.deepEqual(
      r.baselines.map((b) => b.id),
      ['human', 'faceapi'],
    );
    for (const b of r.baselines) {
      assert.equal(b.n, 50);
      assert.equal(b.confusion.length, 8);
      for (const row of b.confusion) assert.equal(row.length, 8);
      const rowSums = b.confusion.map((row) => row.reduce((a, v) => a + v, 0));
      assert.deepEqual(
        rowSums,
        FER_EMOTIONS.map((e) => r.classCounts[e]),
      );
      // Nothing can ever be predicted as contempt (no such output class).
      assert.equal(
        b.confusion.reduce((a, row) => a + row[7]!, 0),
        0,
      );
      const diag = b.confusion.reduce((a, row, i) => a + row[i]!, 0);
      assert.equal(b.correct, diag);
      assert.equal(b.accuracy8, diag / 50);
      assert.equal(b.n7, 50 - r.classCounts.contempt!);
      assert.ok(b.accuracy7 >= b.accuracy8);
      assert.ok(b.accuracy8 > 0.3 && b.accuracy8 <= 1, `${b.id} accuracy ${b.accuracy8} out of the plausible range`);
      assert.deepEqual(Object.keys(b.perClass), [...FER_EMOTIONS]);
      assert.equal(Object.keys(b.mapping).length, 7);
      assert.equal(new Set(Object.values(b.mapping)).size, 7);
      assert.ok(!Object.values(b.mapping).includes('contempt'));
      assert.ok(b.msPerImage.mean > 0);
    }
  },
);

test('face-api re-implementation equals face-api’s own FaceExpressionNet', { skip, timeout: 60_000 }, async () => {
  const require = createRequire(import.meta.url);
  // face-api's Node/wasm build uses the same @tensorflow/tfjs + tfjs-backend-wasm as the evaluator.
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as {
    tf: typeof import('@tensorflow/tfjs');
    nets: {
      faceExpressionNet: {
        loadFromDisk(dir: string): Promise<void>;
        predictExpressions(t: unknown): Promise<Record<string, number>>;
      };
    };
    FACE_EXPRESSION_LABELS: readonly string[];
  };
  const acc = await import('../../../bench/baselines/accuracy.js');
  const tf = faceapi.tf;
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  await tf.setBackend('wasm');
  await tf.ready();
  await faceapi.nets.faceExpressionNet.loadFromDisk(join(process.cwd(), 'node_modules/@vladmandic/face-api/model'));
  assert.deepEqual([...faceapi.FACE_EXPRESSION_LABELS], [...acc.FACEAPI_LABELS]);
  const mine = await acc.loadFaceApiExpression();
  const split = await loadFerPlusSplit(join(FERPLUS_DIR, 'FER2013Valid'), { limit: 5, pixels: true });
  let maxDiff = 0;
  for (const it of split.items) {
    const rgb = new Int32Array(48 * 48 * 3);
    for (let i = 0; i < 48 * 48; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = it.pixels![i]!;
    const t = tf.tensor3d(rgb, [48, 48, 3], 'int32');
    const ref = await faceapi.nets.faceExpressionNet.predictExpressions(t);
    t.dispose();
    const p = mine.predict(it.pixels!);
    acc.FACEAPI_LABELS.forEach((l, i) => (maxDiff = Math.max(maxDiff, Math.abs(ref[l]! - p[i]!))));
  }
  mine.dispose();
  assert.ok(maxDiff < 1e-5, `max |Δp| = ${maxDiff}`);
});
