import { expect } from 'chai';
import { drawFaces, faceCaption, placeCaptions } from '/dist/jadfer.js';

// The overlay with each engine's own text metrics: two close faces, each caption drawn on its dark band
// where placeCaptions put it, and the two bands apart.
const face = (x, label, trackId) => ({
  box: { x, y: 120, width: 60, height: 60 },
  score: 1,
  trackId,
  expression: { label, scores: { [label]: 0.9 } },
});

describe('drawFaces', () => {
  it('draws boxes and captions that do not cover each other', () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    const faces = [face(100, 'happiness', 1), face(150, 'surprise', 2)];
    drawFaces(context, faces, { fontSize: 14 });

    // The same layout, from the same measurements drawFaces takes (its font, and a quarter of it as padding).
    context.font = '14px system-ui, sans-serif';
    const pad = 4;
    const sizes = faces.map((f) => ({
      width: context.measureText(faceCaption(f)).width + 2 * pad,
      height: 14 + 2 * pad,
    }));
    const [a, b] = placeCaptions(
      faces.map((f) => f.box),
      sizes,
      canvas,
    );
    const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    expect(overlap, `${JSON.stringify(a)} / ${JSON.stringify(b)}`).to.equal(false);
    for (const slot of [a, b]) {
      // Inside the band's top-left corner, clear of box lines and glyphs: black at 60 % over white.
      const [r, g, bl] = context.getImageData(slot.x + 2, slot.y + 2, 1, 1).data;
      expect(Math.max(r, g, bl), `band at ${JSON.stringify(slot)}`).to.be.within(90, 115);
    }
    // The first face's box edge is drawn in the overlay colour (#5ad1a0).
    const [r, g] = context.getImageData(100, 150, 1, 1).data;
    expect(g).to.be.above(150);
    expect(r).to.be.below(140);
  });
});
