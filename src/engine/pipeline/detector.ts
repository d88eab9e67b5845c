/**
 * The pluggable face-detector contract. The engine runs any ONNX detector through it:
 * `preprocess` turns a frame into the model's input tensor, the engine runs the session,
 * `decode` turns the named outputs back into detections in frame pixels.
 * BlazeFace (blazeface.ts) is the built-in implementation; bring your own model by
 * implementing this interface.
 */
import type { Letterbox } from './letterbox.js';
import type { Detection, PixelNorm, RgbaImage } from './types.js';

export interface DetectorInputSpec {
  /** ONNX input name. */
  name: string;
  /** Full tensor shape, e.g. [1, 128, 128, 3]. */
  shape: number[];
  layout: 'NHWC' | 'NCHW';
  width: number;
  height: number;
  norm: PixelNorm;
}

/** What `decode` needs to know about the frame `preprocess` saw. */
export interface FrameInfo {
  width: number;
  height: number;
  letterbox: Letterbox;
}

/** The model's outputs by name (the engine runs the model; detectors never see ONNX Runtime). */
export type DetectorOutputs = Record<string, Float32Array>;

export interface FaceDetector {
  readonly inputSpec: DetectorInputSpec;
  readonly outputNames: readonly string[];
  /** Meaning of each `Detection.landmarks` entry, in order. */
  readonly landmarkNames: readonly string[];
  preprocess(frame: RgbaImage, out?: Float32Array): { data: Float32Array; frameInfo: FrameInfo };
  decode(outputs: DetectorOutputs, frameInfo: FrameInfo): Detection[];
}

export function outputData(outputs: DetectorOutputs, name: string): Float32Array {
  const data = outputs[name];
  if (!(data instanceof Float32Array)) throw new Error(`detector output '${name}' is missing or not float32`);
  return data;
}
