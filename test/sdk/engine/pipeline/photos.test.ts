/**
 * End to end on real photos: sharp → RGBA → BlazeFace preprocess → onnxruntime-web
 * (WASM, 1 thread) → decode. Also renders an annotated PNG and the aligned crops
 * into test-output/ for a visual check.
 *
 * Face counts, counted by eye on each photo (faces with both eyes visible or a clear profile):
 *   group-1: 4  (four men on a sofa, frontal, ~100 px faces in 1366×768)
 *   group-2: 3  (two in the foreground; a man with glasses at the far left, partly cut off;
 *                the other background people face away)
 *   group-3: 5  (five standing, frontal, small: ~50 px)
 *   group-4: 6  (two rows of three, frontal)
 *   group-5: 5  (five leaning towards the camera)
 * Portraits portrait-a-1…8: one face each.
 *
 * Model choice (measured): the front 128 model finds every portrait face but misses the
 * small faces of group photos (0/4 on group-1); the back 256 model finds all of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-web';
import sharp from 'sharp';
import { alignFace } from '../../../../src/engine/pipeline/align.js';
import type { BlazeFaceCard } from '../../../../src/engine/model-card.js';
import { BlazeFaceDetector } from '../../../../src/engine/pipeline/blazeface.js';
import { refKernels } from '../../../../src/engine/pipeline/kernels-ref.js';
import type { Detection, RgbaImage } from '../../../../src/engine/pipeline/types.js';

const PHOTOS = '/work/shared/fixtures/photos';
const OUT_DIR = new URL('../../../../test-output/', import.meta.url);
const EXPECTED_GROUP_FACES: Record<string, number> = {
  'group-1.jpg': 4,
  'group-2.jpg': 3,
  'group-3.jpg': 5,
  'group-4.jpg': 6,
  'group-5.jpg': 5,
};
const havePhotos = fs.existsSync(PHOTOS);
if (!havePhotos) console.warn(`\n*** SKIPPING pipeline-photos: ${PHOTOS} is absent ***\n`);

async function loadRgba(file: string): Promise<RgbaImage> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function loadDetector(name: string) {
  const card: BlazeFaceCard = JSON.parse(
    fs.readFileSync(new URL(`../../../../models/${name}.json`, import.meta.url), 'utf8'),
  );
  const session = await ort.InferenceSession.create(
    fs.readFileSync(new URL(`../../../../models/${name}.onnx`, import.meta.url)),
    { executionProviders: ['wasm'] },
  );
  const detector = new BlazeFaceDetector(card, { kernels: refKernels });
  return async (frame: RgbaImage): Promise<Detection[]> => {
    const { data, frameInfo } = detector.preprocess(frame);
    const outputs = await session.run({
      [detector.inputSpec.name]: new ort.Tensor('float32', data, detector.inputSpec.shape),
    });
    return detector.decode(
      Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, tensor.data as Float32Array])),
      frameInfo,
    );
  };
}

describe('BlazeFace on real photos (onnxruntime-web WASM)', { skip: !havePhotos && `${PHOTOS} absent` }, () => {
  let detectFront: (f: RgbaImage) => Promise<Detection[]>;
  let detectBack: (f: RgbaImage) => Promise<Detection[]>;
  before(async () => {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    detectFront = await loadDetector('blazeface-front-128');
    detectBack = await loadDetector('blazeface-back-256');
  });

  const portraits = havePhotos
    ? fs
        .readdirSync(PHOTOS)
        .filter((f) => f.startsWith('portrait-a-'))
        .sort()
    : [];
  for (const file of portraits) {
    it(`${file}: exactly one face (front 128), eyes above the mouth, right eye on the image left`, async () => {
      const faces = await detectFront(await loadRgba(`${PHOTOS}/${file}`));
      assert.equal(faces.length, 1, JSON.stringify(faces.map((f) => f.box)));
      const [rightEye, leftEye, , mouth] = faces[0]!.landmarks;
      assert.ok(rightEye!.y < mouth!.y && leftEye!.y < mouth!.y);
      assert.ok(rightEye!.x < leftEye!.x);
      assert.ok(faces[0]!.box.width > 200, 'a portrait face is large');
    });
  }

  for (const [file, expected] of Object.entries(EXPECTED_GROUP_FACES)) {
    it(`${file}: ${expected} ± 1 faces (back 256)`, async () => {
      const faces = await detectBack(await loadRgba(`${PHOTOS}/${file}`));
      assert.ok(Math.abs(faces.length - expected) <= 1, `found ${faces.length}, expected ${expected}`);
    });
  }

  it('renders group-4 with boxes and landmarks, and its aligned 48×48 gray crops', async () => {
    const frame = await loadRgba(`${PHOTOS}/group-4.jpg`);
    const faces = await detectBack(frame);
    assert.ok(faces.length >= 5);
    const colours = ['#ff3030', '#30a0ff', '#ffff30', '#30ff60', '#ff30ff', '#30ffff'];
    const marks = faces.map((f) =>
      [
        `<rect x="${f.box.x}" y="${f.box.y}" width="${f.box.width}" height="${f.box.height}" fill="none" stroke="#00ff00" stroke-width="2"/>`,
        `<text x="${f.box.x}" y="${f.box.y - 4}" fill="#00ff00" font-size="14" font-family="sans-serif">${f.score.toFixed(2)}</text>`,
        ...f.landmarks.map((p, i) => `<circle cx="${p.x}" cy="${p.y}" r="3" fill="${colours[i]}"/>`),
      ].join(''),
    );
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}">${marks.join('')}</svg>`;
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const annotated = new URL('pipeline-group-4.png', OUT_DIR);
    await sharp(`${PHOTOS}/group-4.jpg`)
      .composite([{ input: Buffer.from(svg) }])
      .png()
      .toFile(annotated.pathname);
    assert.ok(fs.statSync(annotated).size > 10_000);

    // Aligned crops as the FERPlus-style classifier would see them (gray, 48×48), side by side.
    const crops = faces.map(
      (f) => alignFace(refKernels, frame, f, { shape: [1, 1, 48, 48], color: 'gray', range: [0, 255] }).data,
    );
    const strip = new Uint8Array(48 * 48 * crops.length);
    crops.forEach((c, k) =>
      c.forEach((v, p) => (strip[(Math.floor(p / 48) * crops.length + k) * 48 + (p % 48)] = Math.round(v))),
    );
    await sharp(strip, { raw: { width: 48 * crops.length, height: 48, channels: 1 } })
      .resize({ width: 48 * crops.length * 3, kernel: 'nearest' })
      .png()
      .toFile(new URL('pipeline-group-4-crops.png', OUT_DIR).pathname);
  });
});
