/** BlazeFace decoding: anchors, score/box/keypoint decoding, weighted NMS, letterbox round trip. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { generateSsdAnchors } from '../../../../src/engine/pipeline/anchors.js';
import type { BlazeFaceCard } from '../../../../src/engine/model-card.js';
import { BlazeFaceDetector } from '../../../../src/engine/pipeline/blazeface.js';
import { refKernels } from '../../../../src/engine/pipeline/kernels-ref.js';
import { computeLetterbox, unletterbox } from '../../../../src/engine/pipeline/letterbox.js';
import { iou, weightedNms } from '../../../../src/engine/pipeline/nms.js';
import type { Detection } from '../../../../src/engine/pipeline/types.js';

const readCard = (name: string): BlazeFaceCard =>
  JSON.parse(fs.readFileSync(new URL(`../../../../models/${name}.json`, import.meta.url), 'utf8'));
const front = readCard('blazeface-front-128');
const back = readCard('blazeface-back-256');

/** Zero outputs (every logit very negative) that the test then fills for chosen anchors. */
function emptyOutputs(card: BlazeFaceCard) {
  const out: Record<string, Float32Array> = {};
  for (const s of card.outputs.scores) out[s.name] = new Float32Array(s.shape[1]!).fill(-50);
  for (const r of card.outputs.regressors) out[r.name] = new Float32Array(r.shape[1]! * r.shape[2]!);
  return out;
}

describe('SSD anchors', () => {
  it('front model: 896 anchors = 16×16×2 (stride 8) + 8×8×6 (stride 16), matching the output shapes', () => {
    const anchors = generateSsdAnchors(front.anchors);
    assert.equal(anchors.length, 896);
    assert.equal(front.outputs.scores[0]!.shape[1], 512);
    assert.equal(front.outputs.scores[1]!.shape[1], 384);
    // First cell of the fine grid: centre (0.5/16, 0.5/16), two anchors per cell.
    assert.deepEqual(anchors[0], { x: 0.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
    assert.deepEqual(anchors[1], anchors[0]);
    assert.deepEqual(anchors[2], { x: 1.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
    // First anchor of the coarse grid and the last anchor overall.
    assert.deepEqual(anchors[512], { x: 0.5 / 8, y: 0.5 / 8, w: 1, h: 1 });
    assert.deepEqual(anchors[895], { x: 7.5 / 8, y: 7.5 / 8, w: 1, h: 1 });
  });

  it('back model at 256×192 (4:3) with strides [16, 32, 32, 32]: 16×12×2 + 8×6×6 = 672 anchors', () => {
    const anchors = generateSsdAnchors(back.anchors);
    assert.equal(
      anchors.length,
      back.outputs.scores.reduce((n, s) => n + s.shape[1]!, 0),
    );
    assert.equal(anchors.length, 672);
    // Cells are square in input pixels: 16 columns of 1/16 width, 12 rows of 1/12 height.
    assert.deepEqual(anchors[383], { x: 15.5 / 16, y: 11.5 / 12, w: 1, h: 1 });
    assert.deepEqual(anchors[384], { x: 0.5 / 8, y: 0.5 / 6, w: 1, h: 1 });
  });

  it('without fixed anchor size the interpolated anchor is sqrt(s_i·s_i+1) wide', () => {
    const anchors = generateSsdAnchors({ ...front.anchors, fixedAnchorSize: false });
    const s0 = 0.1484375,
      s1 = 0.1484375 + (0.75 - 0.1484375) / 3;
    assert.ok(Math.abs(anchors[0]!.w - s0) < 1e-12);
    assert.ok(Math.abs(anchors[1]!.w - Math.sqrt(s0 * s1)) < 1e-12);
  });
});

describe('BlazeFace decode', () => {
  const detector = new BlazeFaceDetector(front, { kernels: refKernels });
  const frameInfo = { width: 128, height: 128, letterbox: computeLetterbox(128, 128, 128, 128) };

  it('decodes box and keypoints relative to the anchor, in input pixels / 128', () => {
    const out = emptyOutputs(front);
    // Anchor 512 + 8·6·3 = cell (3, 3) of the 8×8 grid: centre (3.5/8, 3.5/8) = (56, 56) px.
    const a = 512 + (3 * 8 + 3) * 6;
    out['Identity_1:0']![a - 512] = 2; // sigmoid(2) = 0.8808
    const r = out['Identity_3:0']!;
    const o = (a - 512) * 16;
    r.set([4, -2, 40, 48], o); // centre (60, 54), 40×48
    for (let k = 0; k < 6; k++) r.set([k, -k], o + 4 + 2 * k);
    const [face] = detector.decode(out, frameInfo);
    assert.ok(face);
    assert.ok(Math.abs(face.score - 1 / (1 + Math.exp(-2))) < 1e-12);
    assert.ok(Math.abs(face.box.x - 40) < 1e-9 && Math.abs(face.box.y - 30) < 1e-9);
    assert.ok(Math.abs(face.box.width - 40) < 1e-9 && Math.abs(face.box.height - 48) < 1e-9);
    assert.equal(face.landmarks.length, 6);
    assert.ok(Math.abs(face.landmarks[5]!.x - 61) < 1e-9 && Math.abs(face.landmarks[5]!.y - 51) < 1e-9);
  });

  it('drops anchors below the score threshold and applies maxFaces and minFaceSize', () => {
    const out = emptyOutputs(front);
    const r = out['Identity_2:0']!;
    // Three separate faces on the fine grid: sizes 10, 20, 30 px, scores 0.9, 0.8, 0.7; one at 0.4.
    [
      [0, 10, 2.2],
      [100, 20, 1.39],
      [300, 30, 0.85],
      [400, 30, -0.4],
    ].forEach(([anchor, size, logit]) => {
      out['Identity:0']![anchor!] = logit!;
      r.set([0, 0, size!, size!], anchor! * 16);
    });
    assert.equal(detector.decode(out, frameInfo).length, 3);
    assert.deepEqual(
      new BlazeFaceDetector(front, { kernels: refKernels, maxFaces: 2 })
        .decode(out, frameInfo)
        .map((d) => Math.round(d.box.width)),
      [10, 20],
    );
    assert.deepEqual(
      new BlazeFaceDetector(front, { kernels: refKernels, minFaceSize: 15 })
        .decode(out, frameInfo)
        .map((d) => Math.round(d.box.width)),
      [20, 30],
    );
    assert.equal(new BlazeFaceDetector(front, { kernels: refKernels, minScore: 0.3 }).decode(out, frameInfo).length, 4);
  });

  it('an anchor that regresses to an inverted or empty box is no face (a photo of the wild set failed on one)', () => {
    const out = emptyOutputs(front);
    const r = out['Identity_2:0']!;
    // A real face at anchor 0, and at anchor 100 a negative width (its second look on a news photo), at 200 zero height.
    [
      [0, 20, 20],
      [100, -3, 20],
      [200, 20, 0],
    ].forEach(([anchor, w, h]) => {
      out['Identity:0']![anchor!] = 2;
      r.set([0, 0, w!, h!], anchor! * 16);
    });
    const faces = new BlazeFaceDetector(front, { kernels: refKernels, minScore: 0.05 }).decode(out, frameInfo);
    assert.deepEqual(
      faces.map((d) => Math.round(d.box.width)),
      [20],
    );
  });

  it('maps detections back through the letterbox to frame pixels', () => {
    const lb = computeLetterbox(640, 480, 128, 128);
    assert.equal(lb.scale, 0.2);
    assert.equal(lb.padY, 16);
    const out = emptyOutputs(front);
    const a = 512 + (3 * 8 + 3) * 6;
    out['Identity_1:0']![a - 512] = 3;
    out['Identity_3:0']!.set([0, 0, 20, 20], (a - 512) * 16); // centre (56, 56), 20×20 px
    const [face] = detector.decode(out, { width: 640, height: 480, letterbox: lb });
    assert.ok(face);
    assert.ok(Math.abs(face.box.x - 46 / 0.2) < 1e-9, `x ${face.box.x}`);
    assert.ok(Math.abs(face.box.y - (46 - 16) / 0.2) < 1e-9, `y ${face.box.y}`);
    assert.ok(Math.abs(face.box.width - 100) < 1e-9);
    const p = unletterbox(lb, { x: 64, y: 64 });
    assert.deepEqual(p, { x: 320, y: 240 });
  });

  it('preprocess produces the NHWC [-1, 1] tensor and frame info', () => {
    const frame = { data: new Uint8Array(20 * 10 * 4).fill(255), width: 20, height: 10 };
    const { data, frameInfo: info } = detector.preprocess(frame);
    assert.equal(data.length, 128 * 128 * 3);
    assert.equal(info.letterbox.padY, 32);
    assert.ok(Math.abs(data[0]! + 1) < 1e-6, 'top padding is black (-1)');
    assert.ok(Math.abs(data[(64 * 128 + 64) * 3]! - 1) < 1e-6, 'white image centre is +1');
  });
});

describe('weighted NMS', () => {
  const det = (x: number, score: number, lx = x): Detection => ({
    box: { x, y: 0, width: 10, height: 10 },
    score,
    landmarks: [{ x: lx, y: 5 }],
  });

  it('iou of identical, disjoint and half-overlapping boxes', () => {
    assert.equal(iou(det(0, 1).box, det(0, 1).box), 1);
    assert.equal(iou(det(0, 1).box, det(20, 1).box), 0);
    assert.ok(Math.abs(iou(det(0, 1).box, det(5, 1).box) - 50 / 150) < 1e-12);
  });

  it('blends overlapping detections by score and keeps the top score', () => {
    // x = 0 (0.9) and x = 2 (0.6) overlap (IoU 0.67); x = 30 stays apart.
    const kept = weightedNms([det(2, 0.6, 7), det(30, 0.5), det(0, 0.9, 2)], 0.3);
    assert.equal(kept.length, 2);
    assert.equal(kept[0]!.score, 0.9);
    assert.ok(Math.abs(kept[0]!.box.x - (0.9 * 0 + 0.6 * 2) / 1.5) < 1e-12);
    assert.ok(Math.abs(kept[0]!.landmarks[0]!.x - (0.9 * 2 + 0.6 * 7) / 1.5) < 1e-12);
    assert.equal(kept[1]!.box.x, 30);
  });

  it('respects the maximum count', () => {
    assert.equal(weightedNms([det(0, 0.9), det(30, 0.8), det(60, 0.7)], 0.3, 2).length, 2);
  });

  it('an empty box is kept as it is instead of failing the frame (IoU with itself is 0)', () => {
    const empty: Detection = { box: { x: 5, y: 5, width: 0, height: 0 }, score: 0.95, landmarks: [{ x: 5, y: 5 }] };
    const kept = weightedNms([empty, det(30, 0.8)], 0.3);
    assert.deepEqual(
      kept.map((d) => d.box.x),
      [5, 30],
    );
  });
});
