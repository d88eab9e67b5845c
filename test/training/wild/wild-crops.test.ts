// The wild-photo diagnosis's crops (training/wild/crops.ts) and the heads-input cache's graph edit (cache-heads.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { alignmentMatrix } from '../../../src/engine/pipeline/align.js';
import { applyAffine } from '../../../src/engine/pipeline/align.js';
import { headsInput, withHeadsOutput } from '../../../training/wild/cache-heads.js';
import { cropMatrix, detectionOf, outsideShare } from '../../../training/wild/crops.js';
import type { WildFace } from '../../../training/wild/faces.js';

const record: WildFace = {
  path: 'happiness/A_B_0001.jpg',
  width: 200,
  height: 200,
  colour: false,
  face: {
    box: { x: 60, y: 60, width: 80, height: 80 },
    landmarks: [
      { x: 80, y: 90 },
      { x: 120, y: 90 },
      { x: 100, y: 110 },
      { x: 100, y: 130 },
    ],
    score: 0.9,
  },
};

test('a crop variant zooms about the crop centre and shifts by a fraction of the crop; 1 and 0 are the pipeline crop', () => {
  assert.deepEqual(cropMatrix(record, 128), alignmentMatrix(detectionOf(record), 128, 128));
  const [plain, loose] = [cropMatrix(record, 128), cropMatrix(record, 128, undefined, 1.2)];
  const centre = { x: 64, y: 64 };
  const near = (a: { x: number; y: number }, b: { x: number; y: number }) =>
    assert.ok(Math.hypot(a.x - b.x, a.y - b.y) < 1e-9, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  near(applyAffine(loose, centre), applyAffine(plain, centre));
  const corner = applyAffine(loose, { x: 0, y: 0 });
  const [c, p] = [applyAffine(plain, centre), applyAffine(plain, { x: 0, y: 0 })];
  near({ x: corner.x - c.x, y: corner.y - c.y }, { x: 1.2 * (p.x - c.x), y: 1.2 * (p.y - c.y) });
  const up = cropMatrix(record, 128, undefined, 1, 0.1);
  near(applyAffine(up, centre), applyAffine(plain, { x: 64, y: 64 + 12.8 }));
});

test('the share of a crop outside the photo: none for a face in the middle, some at the edge', () => {
  assert.equal(outsideShare(record, cropMatrix(record, 128), 128), 0);
  const edge = { ...record, width: 110, height: 110 };
  const share = outsideShare(edge, cropMatrix(edge, 128), 128);
  assert.ok(share > 0.2 && share < 0.8, `${share}`);
});

test('the heads-input output: the stem LayerNorm’s input, the trunk map the heads read, added as a graph output', async () => {
  const bytes = readFileSync('models/jadfer-base.onnx');
  const name = headsInput(onnxProto.onnx.ModelProto.decode(bytes));
  const { bytes: edited, output } = withHeadsOutput(bytes);
  assert.equal(output, name);
  const session = await ort.InferenceSession.create(edited);
  const x = new ort.Tensor('float32', new Float32Array(2 * 128 * 128).fill(100), [2, 1, 128, 128]);
  const out = await session.run({ input: x });
  assert.equal(out[output]!.data.length, 2 * 8 * 8 * 512, 'an 8×8×512 map per face at 128×128');
  assert.equal((out.logits!.data as Float32Array).length, 16, 'the logits are still there');
});
