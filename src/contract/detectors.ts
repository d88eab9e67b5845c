/**
 * The detectors: the one list their names come from. The DetectorOption type, its check, the shipped
 * files (src/client/assets.ts) and the CLI's help derive from it. Adding a detector: its name here and
 * its entry in BUILT_IN_DETECTORS (the compiler asks), its literal URLs in bundledAssets() (bundlers
 * need them written out; the compiler asks too), and its model files under models/.
 */

/** Every detector name create() takes: 'none' (the frame is the face), then the built-in ones. */
export const DETECTOR_NAMES = Object.freeze(['none', 'blazeface', 'blazeface-back'] as const);

/** A built-in detector's option name. */
export type BuiltInDetector = Exclude<(typeof DETECTOR_NAMES)[number], 'none'>;

/** @internal What each built-in detector is: its model in dist/ and, for the CLI's help, when to choose it. */
export const BUILT_IN_DETECTORS: Readonly<Record<BuiltInDetector, { readonly model: string; readonly use: string }>> =
  Object.freeze({
    /** `model`: without the extension: the card (.json), the .onnx and the .prepared.bin. */
    blazeface: Object.freeze({ model: 'models/blazeface-front-128', use: 'near faces only' }),
    'blazeface-back': Object.freeze({ model: 'models/blazeface-back-256', use: 'faces from ~32 px, kiosk to signage' }),
  });
