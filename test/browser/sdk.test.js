import { expect } from 'chai';
import { create, JadferError } from '/dist/jadfer.js';
import { BASE_URL, CONTRACT_MODEL, expectedLabel, grayImageData, rejection } from './helpers.js';

describe('JADFER in a Chromium page (module worker, onnxruntime-web)', () => {
  let fer;
  before(async () => {
    fer = await create({ device: 'wasm', modelUrl: CONTRACT_MODEL, baseUrl: BASE_URL, detector: 'none' });
  });
  after(() => fer?.dispose());

  it('runs on the WASM backend it was asked for, warmed up', () => {
    expect(fer.backend).to.equal('wasm');
    expect(fer.fallbackReason).to.equal(undefined);
    expect(fer.model.labels).to.have.length(8);
    expect(fer.startup.totalMs).to.be.a('number').and.to.be.greaterThan(0);
    expect(fer.startup.downloadsMs + fer.startup.sessionsMs).to.be.at.most(fer.startup.totalMs + 1);
  });

  it('classifies every supported image type the same way', async () => {
    const image = grayImageData(128);
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d').putImageData(image, 0, 0);
    const offscreen = new OffscreenCanvas(image.width, image.height);
    offscreen.getContext('2d').putImageData(image, 0, 0);
    const img = new Image();
    img.src = canvas.toDataURL('image/png');
    await img.decode();
    const bitmap = await createImageBitmap(image);
    const frame = new VideoFrame(canvas, { timestamp: 0 });
    const raw = { data: new Uint8Array(image.data.buffer.slice(0)), width: image.width, height: image.height };
    const inputs = { ImageData: image, canvas, offscreen, img, bitmap, frame, raw };
    for (const [name, input] of Object.entries(inputs)) {
      const faces = await fer.analyze(input);
      expect(faces, name).to.have.length(1);
      expect(faces[0].expression.label, name).to.equal(expectedLabel(128));
      const total = Object.values(faces[0].expression.scores).reduce((a, b) => a + b, 0);
      expect(total, name).to.be.closeTo(1, 1e-4);
    }
    // The caller's objects stay usable: the SDK cloned them before transferring.
    expect(bitmap.width).to.equal(image.width);
    expect(frame.displayWidth).to.equal(image.width);
    expect(raw.data.byteLength).to.equal(image.width * image.height * 4);
    frame.close();
  });

  it('reads image files and URLs: a Blob, a File (<input type=file>), a blob:, data: or http(s) URL', async () => {
    const canvas = new OffscreenCanvas(64, 48);
    canvas.getContext('2d').putImageData(grayImageData(200), 0, 0);
    const png = await canvas.convertToBlob({ type: 'image/png' });
    const file = new File([png], 'photo.png', { type: 'image/png' });
    const blobUrl = URL.createObjectURL(png);
    const dataUrl = await new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsDataURL(png);
    });
    const inputs = { png, file, blobUrl, dataUrl, url: new URL(blobUrl) };
    try {
      for (const [name, input] of Object.entries(inputs)) {
        const [face] = await fer.analyze(input);
        expect(face.expression.label, name).to.equal(expectedLabel(200));
      }
    } finally {
      URL.revokeObjectURL(blobUrl);
    }
    // A relative http URL resolves against the page (any image of the repository, for its size).
    const served = '/models/jadfer-base.training/curves.png';
    const [face] = await fer.analyze(served);
    const { width, height } = await createImageBitmap(await (await fetch(served)).blob());
    expect(face.box).to.deep.equal({ x: 0, y: 0, width, height });
    // A missing one, a non-image and a file: URL are bad input.
    const missing = await rejection(fer.analyze('/no-such-photo.png'));
    expect(missing.code).to.equal('E_BAD_INPUT');
    expect(missing.details).to.deep.equal({ url: new URL('/no-such-photo.png', location.href).href, status: 404 });
    expect((await rejection(fer.analyze(new Blob(['not an image'])))).code).to.equal('E_BAD_INPUT');
    const local = await rejection(fer.analyze('file:///etc/passwd'));
    expect(local.code).to.equal('E_BAD_INPUT');
    expect(local.message).to.match(/file: URLs are not fetched/);
  });

  it('hands transferred inputs over without a copy and closes them', async () => {
    const bitmap = await createImageBitmap(grayImageData(255));
    const faces = await fer.analyze(bitmap, { transfer: true });
    expect(faces[0].expression.label).to.equal(expectedLabel(255));
    expect(bitmap.width).to.equal(0); // detached by the transfer
  });

  it('maps brightness to the known label through the real preprocessing', async () => {
    for (const byte of [0, 40, 100, 170, 220, 255]) {
      const [face] = await fer.analyze(grayImageData(byte, 31, 17));
      expect(face.expression.label, `byte ${byte}`).to.equal(expectedLabel(byte));
    }
  });

  it('rejects bad frames with E_BAD_INPUT and keeps working', async () => {
    const closed = await createImageBitmap(grayImageData(10));
    closed.close();
    const bad = [
      null,
      42,
      'frame',
      {},
      { data: new Uint8Array(3), width: 2, height: 2 },
      { data: new Uint8Array(0), width: 0, height: 0 },
      closed,
      { data: [1, 2, 3, 4], width: 1, height: 1 },
    ];
    for (const input of bad) {
      const error = await rejection(fer.analyze(input));
      expect(error).to.be.instanceOf(JadferError);
      expect(error.code).to.equal('E_BAD_INPUT');
    }
    const [face] = await fer.analyze(grayImageData(0));
    expect(face.expression.label).to.equal(expectedLabel(0));
  });
});
