/** Alignment: similarity fit, template mapping, card-driven crop, borders. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alignFace,
  alignmentMatrix,
  applyAffine,
  fitSimilarity,
  FERPLUS_TEMPLATE,
  invertAffine,
  type ClassifierInputSpec,
} from '../../../../src/engine/pipeline/align.js';
import { refKernels } from '../../../../src/engine/pipeline/kernels-ref.js';
import type { Affine, Detection, Point } from '../../../../src/engine/pipeline/types.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

/** Landmarks of a face whose template is mapped by a known similarity. */
function faceFrom(m: Affine, size: number): Detection {
  const landmarks: Point[] = [];
  for (const t of FERPLUS_TEMPLATE.points) landmarks[t.index] = applyAffine(m, { x: t.x * size, y: t.y * size });
  landmarks.push({ x: 0, y: 0 }, { x: 0, y: 0 }); // ears: not in the template, must be ignored
  return { box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, landmarks };
}

describe('alignment', () => {
  it('fitSimilarity recovers a known rotation, scale and translation exactly', () => {
    const angle = 0.3,
      scale = 2.5;
    const truth: Affine = [
      scale * Math.cos(angle),
      -scale * Math.sin(angle),
      40,
      scale * Math.sin(angle),
      scale * Math.cos(angle),
      -7,
    ];
    const from = [
      { x: 1, y: 2 },
      { x: 5, y: -1 },
      { x: -3, y: 4 },
    ];
    const m = fitSimilarity(
      from,
      from.map((p) => applyAffine(truth, p)),
    );
    m.forEach((v, i) => close(v, truth[i]!));
  });

  it('fitSimilarity is the least-squares answer for noisy points (residual orthogonal to the model)', () => {
    const from = [
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 0, y: 1 },
      { x: 1, y: 1 },
    ];
    const to = [
      { x: 0.1, y: 0 },
      { x: 2, y: 0.1 },
      { x: -0.1, y: 2 },
      { x: 2.1, y: 1.9 },
    ];
    const m = fitSimilarity(from, to);
    // Perturbing any parameter must not reduce the squared error.
    const err = (q: Affine) =>
      from.reduce((s, p, i) => {
        const r = applyAffine(q, p);
        return s + (r.x - to[i]!.x) ** 2 + (r.y - to[i]!.y) ** 2;
      }, 0);
    const base = err(m);
    for (const [da, db] of [
      [1e-4, 0],
      [-1e-4, 0],
      [0, 1e-4],
      [0, -1e-4],
    ]) {
      assert.ok(err([m[0] + da!, m[1] - db!, m[2], m[3] + db!, m[4] + da!, m[5]]) >= base);
    }
    assert.ok(
      m[0] > 0 && Math.abs(m[1] + m[3]) < 1e-12 && Math.abs(m[0] - m[4]) < 1e-12,
      'a similarity, no reflection',
    );
  });

  it('alignmentMatrix maps template points onto the detected landmarks (crop → frame)', () => {
    const truth: Affine = [3 * Math.cos(-0.2), 3 * Math.sin(0.2), 210, 3 * Math.sin(-0.2), 3 * Math.cos(-0.2), 95];
    const face = faceFrom(truth, 48);
    const m = alignmentMatrix(face, 48, 48);
    m.forEach((v, i) => close(v, truth[i]!, 1e-9));
    const back = invertAffine(m);
    const eye = applyAffine(back, face.landmarks[0]!);
    close(eye.x, FERPLUS_TEMPLATE.points[0]!.x * 48, 1e-9);
    close(eye.y, FERPLUS_TEMPLATE.points[0]!.y * 48, 1e-9);
  });

  it('crop size, channels and normalisation come from the card', () => {
    const frame = { data: new Uint8Array(200 * 200 * 4).fill(200), width: 200, height: 200 };
    const face = faceFrom([2, 0, 50, 0, 2, 50], 48);
    const gray: ClassifierInputSpec = { shape: [1, 1, 48, 48], color: 'gray', range: [0, 1], mean: [0.5], std: [0.5] };
    const g = alignFace(refKernels, frame, face, gray);
    assert.equal(g.data.length, 48 * 48);
    close(g.data[0]!, (200 / 255 - 0.5) / 0.5, 1e-6);
    const rgb: ClassifierInputSpec = { shape: [1, 3, 112, 112], color: 'rgb', range: [-1, 1] };
    const c = alignFace(refKernels, frame, face, rgb);
    assert.equal(c.data.length, 3 * 112 * 112);
    close(c.data[3 * 112 * 112 - 1]!, (200 / 255) * 2 - 1, 1e-6);
    assert.throws(() => alignFace(refKernels, frame, face, { ...rgb, shape: [1, 1, 112, 112] }), /does not match/);
  });

  it('faces at the border: clamp repeats edge pixels, constant fills with the border value', () => {
    const w = 40,
      h = 40;
    const data = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([100, 100, 100, 255], i * 4);
    const frame = { data, width: w, height: h };
    // Face centred on the top-left corner: the crop's top-left quarter is outside the frame.
    const face = faceFrom([1, 0, -24, 0, 1, -24], 48);
    const spec: ClassifierInputSpec = { shape: [1, 1, 48, 48], color: 'gray', range: [0, 255] };
    const clamped = alignFace(refKernels, frame, face, spec, { border: 'clamp' }).data;
    const filled = alignFace(refKernels, frame, face, spec, { border: 'constant', borderValue: 0 }).data;
    close(clamped[0]!, 100, 1e-3);
    close(filled[0]!, 0, 1e-9);
    close(filled[47 * 48 + 47]!, 100, 1e-3);
  });
});
