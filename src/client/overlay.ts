/**
 * The face overlay the demo and `<jadfer-camera>` draw, exported so that an integrator's page
 * draws the same thing: each face's box, a caption ("#3 happiness 82%") on a dark band, and the
 * landmarks. Captions of close faces (a group at a kiosk) are placed so that none covers another.
 */
import type { Box, FaceResult } from '../contract/types.js';
import { iou } from '../engine/pipeline/nms.js';

export interface OverlayOptions {
  /** Box, caption and landmark colour. */
  color?: string;
  /** Caption font size in canvas pixels; defaults to the canvas width / 40, at least 14. */
  fontSize?: number;
  /** Draw the detector's landmarks (default true). */
  landmarks?: boolean;
}

/**
 * The caption of one face: its number, the label and its score. The number is the track id in a
 * stream; for a single image, the face's place in the list (`index` + 1), so that a list beside the
 * picture can use the same numbers.
 *
 * @example
 * ```ts
 * faceCaption(frame.faces[0]!); // '#3 happiness 82%' (track 3)
 * faces.map((face, i) => faceCaption(face, i)); // ['#1 happiness 98%', '#2 neutral 64%'] for a photo
 * ```
 */
export function faceCaption(face: FaceResult, index?: number): string {
  const score = face.expression.scores[face.expression.label] ?? 0;
  const number = face.trackId ?? (index === undefined ? undefined : index + 1);
  const id = number !== undefined ? `#${number} ` : '';
  return `${id}${face.expression.label} ${(score * 100).toFixed(0)}%`;
}

/**
 * Where each caption goes, in the order of `boxes`: above its face's box, else just inside its top,
 * else below it, the first of these that covers no caption placed before it (faces higher in the
 * frame are placed first); when all three do, the first free slot further down. Every caption stays
 * inside the canvas.
 *
 * @example
 * ```ts
 * const sizes = faces.map(() => ({ width: 120, height: 20 }));
 * const slots = placeCaptions(faces.map((f) => f.box), sizes, context.canvas);
 * ```
 */
export function placeCaptions(
  boxes: readonly Box[],
  sizes: readonly { width: number; height: number }[],
  canvas: { width: number; height: number },
): Box[] {
  const order = boxes.map((_, i) => i).sort((a, b) => boxes[a]!.y - boxes[b]!.y || boxes[a]!.x - boxes[b]!.x);
  // Filled in placement order; `some` skips the holes of captions not placed yet.
  const placed: Box[] = new Array<Box>(boxes.length);
  for (const i of order) {
    const box = boxes[i]!;
    const { width, height } = sizes[i]!;
    const at = (y: number): Box => ({
      x: Math.min(Math.max(0, box.x), Math.max(0, canvas.width - width)),
      y: Math.min(Math.max(0, y), Math.max(0, canvas.height - height)),
      width,
      height,
    });
    const free = (c: Box) => !placed.some((t) => iou(c, t) > 0);
    const preferred = [at(box.y - height), at(box.y), at(box.y + box.height)];
    let slot = preferred.find(free);
    for (let y = preferred[0]!.y; !slot && y + height <= canvas.height; y += height) {
      const candidate = at(y);
      if (free(candidate)) slot = candidate;
    }
    slot ??= preferred[0]!;
    placed[i] = slot;
  }
  return placed;
}

/**
 * Draws `faces` onto `context` (its canvas in the frame's pixel coordinates); the frame itself is not drawn.
 *
 * @example
 * ```ts
 * const context = canvas.getContext('2d')!;
 * context.drawImage(video, 0, 0);
 * drawFaces(context, frame.faces, { landmarks: false });
 * ```
 */
export function drawFaces(
  context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  faces: readonly FaceResult[],
  options: OverlayOptions = {},
): void {
  const { width, height } = context.canvas;
  const color = options.color ?? '#5ad1a0';
  const fontSize = options.fontSize ?? Math.max(14, Math.round(width / 40));
  const pad = Math.round(fontSize / 4);
  context.save();
  context.lineWidth = Math.max(2, width / 320);
  context.font = `${fontSize}px system-ui, sans-serif`;
  context.textBaseline = 'top';
  const captions = faces.map((face, i) => faceCaption(face, i));
  const slots = placeCaptions(
    faces.map((f) => f.box),
    captions.map((text) => ({ width: context.measureText(text).width + 2 * pad, height: fontSize + 2 * pad })),
    { width, height },
  );
  faces.forEach((face, i) => {
    const { x, y, width: w, height: h } = face.box;
    context.strokeStyle = context.fillStyle = color;
    context.strokeRect(x, y, w, h);
    if (options.landmarks ?? true) for (const p of face.landmarks ?? []) context.fillRect(p.x - 2, p.y - 2, 4, 4);
    const slot = slots[i]!;
    // A dark band keeps the caption readable on any background, and shows which caption is on top.
    context.fillStyle = 'rgba(0, 0, 0, 0.6)';
    context.fillRect(slot.x, slot.y, slot.width, slot.height);
    context.fillStyle = color;
    context.fillText(captions[i]!, slot.x + pad, slot.y + pad);
  });
  context.restore();
}
