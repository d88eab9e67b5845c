// The overlay's caption layout: close faces (a group at a kiosk) get captions that cover no other caption.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faceCaption, placeCaptions } from '../../../src/client/overlay.js';
import type { Box, FaceResult } from '../../../src/contract/types.js';

const CANVAS = { width: 640, height: 480 };
const CAPTION = { width: 150, height: 24 };

const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (c: Box) => c.x >= 0 && c.y >= 0 && c.x + c.width <= CANVAS.width && c.y + c.height <= CANVAS.height;

test('a lone face has its caption just above its box, at its left edge', () => {
  const [slot] = placeCaptions([{ x: 200, y: 100, width: 120, height: 120 }], [CAPTION], CANVAS);
  assert.deepEqual(slot, { x: 200, y: 76, ...CAPTION });
});

test('side-by-side faces whose captions would overlap get captions that do not, all inside the canvas', () => {
  // Three heads 60 px apart: each 150-px caption above its box would cover its neighbour's.
  const boxes = [0, 1, 2].map((i) => ({ x: 100 + 60 * i, y: 200 + 4 * i, width: 56, height: 56 }));
  const slots = placeCaptions(
    boxes,
    boxes.map(() => CAPTION),
    CANVAS,
  );
  for (const [i, a] of slots.entries()) {
    assert.ok(inside(a), `caption ${i} leaves the canvas: ${JSON.stringify(a)}`);
    for (const b of slots.slice(i + 1)) assert.ok(!overlap(a, b), `${JSON.stringify(a)} covers ${JSON.stringify(b)}`);
  }
  // The top face keeps the preferred place; the others move inside or below their boxes.
  assert.deepEqual(slots[0], { x: 100, y: 176, ...CAPTION });
});

test('faces at the frame edges keep their captions inside the canvas', () => {
  const boxes = [
    { x: -20, y: -10, width: 100, height: 100 },
    { x: 600, y: 440, width: 60, height: 60 },
  ];
  for (const slot of placeCaptions(
    boxes,
    boxes.map(() => CAPTION),
    CANVAS,
  ))
    assert.ok(inside(slot), JSON.stringify(slot));
});

test('with no free place left, every face still gets a caption (the preferred one)', () => {
  const boxes = Array.from({ length: 30 }, () => ({ x: 10, y: 10, width: 20, height: 20 }));
  const slots = placeCaptions(
    boxes,
    boxes.map(() => ({ width: 640, height: 240 })),
    CANVAS,
  );
  assert.equal(slots.length, 30);
  assert.ok(slots.every((s) => s && inside(s)));
});

test('the caption says track, label and score', () => {
  const face = {
    box: { x: 0, y: 0, width: 1, height: 1 },
    score: 1,
    expression: { label: 'happiness', scores: { neutral: 0.18, happiness: 0.816 } },
  } satisfies FaceResult;
  assert.equal(faceCaption(face), 'happiness 82%');
  assert.equal(faceCaption({ ...face, trackId: 3 }), '#3 happiness 82%');
  // A photo's faces are numbered by their place in the list; a track keeps its id.
  assert.equal(faceCaption(face, 0), '#1 happiness 82%');
  assert.equal(faceCaption({ ...face, trackId: 3 }, 0), '#3 happiness 82%');
});
