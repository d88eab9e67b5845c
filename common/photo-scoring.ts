/** How a folder-per-class set of whole photos is scored, shared by `jadfer eval` and the wild-photo tools. */
import type { FaceResult } from '../src/contract/types.js';

/** The prediction column of photos without a face. */
export const NO_FACE = 'no face';
/** A class enters the mean per-class accuracy only with at least this many photos (a noisy class is reported, not averaged). */
export const MIN_CLASS_PHOTOS = 20;

/** The face a photo is judged by: the largest box (the person the photo is of). */
export function largestFace(faces: readonly FaceResult[]): FaceResult | undefined {
  let best: FaceResult | undefined;
  for (const face of faces) if (!best || area(face) > area(best)) best = face;
  return best;
}

function area(face: FaceResult): number {
  return face.box.width * face.box.height;
}

/** Mean per-class accuracy and macro F1 over the classes with at least `min` photos, and which they are. */
export function overScoredClasses(
  perClass: readonly { n: number; accuracy: number; f1: number }[],
  labels: readonly string[],
  min = MIN_CLASS_PHOTOS,
): { meanClassAccuracy: number; macroF1: number; classes: string[] } {
  const scored = perClass.map((c, k) => ({ ...c, label: labels[k]! })).filter((c) => c.n >= min);
  const mean = (key: 'accuracy' | 'f1') => (scored.length ? scored.reduce((a, c) => a + c[key], 0) / scored.length : 0);
  return { meanClassAccuracy: mean('accuracy'), macroF1: mean('f1'), classes: scored.map((c) => c.label) };
}
