/** The expressions the shipped models tell apart: FERPlus's eight, in their label order. */
export const FERPLUS_LABELS = [
  'neutral',
  'happiness',
  'surprise',
  'sadness',
  'anger',
  'disgust',
  'fear',
  'contempt',
] as const;

export type FerPlusLabel = (typeof FERPLUS_LABELS)[number];

/** BlazeFace's six keypoints, in its output order (its cards' `outputs.keypoints`). */
export const BLAZEFACE_KEYPOINTS = [
  'rightEye',
  'leftEye',
  'noseTip',
  'mouthCenter',
  'rightEarTragion',
  'leftEarTragion',
] as const;

/**
 * An expression label: one of FERPlus's eight for the shipped models. A custom model may name its own,
 * so any string is accepted; `string & {}` keeps the eight in the editor's completion.
 */
export type Label = FerPlusLabel | (string & {});

/**
 * A value per label: the eight FERPlus labels by name (each may be absent: a custom model has its own
 * labels), any other label by index.
 */
export type PerLabel<T> = { [L in FerPlusLabel]?: T } & { [label: string]: T };
