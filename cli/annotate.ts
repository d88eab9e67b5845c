/** Draws faces (box, landmarks, label and top score) over an image and writes a PNG. */
import type { FaceResult } from '../src/contract/types.js';

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function overlaySvg(width: number, height: number, faces: FaceResult[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 40));
  const shapes = faces.map((face, i) => {
    const { x, y, width: w, height: h } = face.box;
    const score = face.expression.scores[face.expression.label] ?? 0;
    const caption = `${face.trackId ?? i + 1}: ${face.expression.label} ${(score * 100).toFixed(0)}%`;
    const textY = y > font + 4 ? y - 6 : y + h + font + 2;
    return [
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#5ad1a0" stroke-width="${stroke}"/>`,
      ...(face.landmarks ?? []).map((p) => `<circle cx="${p.x}" cy="${p.y}" r="${stroke * 1.5}" fill="#f3c969"/>`),
      `<text x="${x}" y="${textY}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#5ad1a0" stroke="#000" stroke-width="${font / 12}" paint-order="stroke">${escape(caption)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}
