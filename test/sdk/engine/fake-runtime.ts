/**
 * The engine without a model, after MediaPipe's FaceDetectorFake: a fake ONNX runtime, a detector that
 * "sees" the gray squares painted on a black frame, and the contract classifier's known answer
 * (label = round(7 · mean brightness), test/fixtures/contract-model.ts) computed in TypeScript. The
 * engine's own frame logic runs unchanged on them (analyze, streams, detection passes, the tracker, the
 * classification schedule, results) in milliseconds.
 *
 * Seam: Engine has no constructor that takes its parts (it builds them in init(), from URLs and ORT), so
 * engineWith() sets its four private slots. That is the one place to change when the engine is built ready
 * from its parts (issue 31, the engine split); until then a renamed slot fails every test here loudly.
 */
import type { EngineInit, FramePayload } from '../../../src/contract/engine-api.js';
import { DEFAULTS, type TrackingOptions } from '../../../src/contract/options.js';
import { Classifier } from '../../../src/engine/classifier.js';
import { Engine } from '../../../src/engine/engine.js';
import { DetectionStage } from '../../../src/engine/face-detection.js';
import type { ClassifierCard } from '../../../src/engine/model-card.js';
import type {
  InputTensor,
  ModelSession,
  ModelSource,
  OnnxRuntime,
  SessionNames,
} from '../../../src/engine/onnx-runtime.js';
import type { FaceDetector, FrameInfo } from '../../../src/engine/pipeline/detector.js';
import { refKernels } from '../../../src/engine/pipeline/kernels-ref.js';
import { computeLetterbox } from '../../../src/engine/pipeline/letterbox.js';
import { RELIABLE_INPUT_PX } from '../../../src/engine/pipeline/passes.js';
import type { Box, Detection, RgbaImage } from '../../../src/engine/pipeline/types.js';
import { buildContractModel, CONTRACT_LABELS } from '../../fixtures/contract-model.js';

/** The fake runtime opens no model file: the sessions are ours. */
const NO_MODEL: ModelSource = { bytes: new Uint8Array(), prepared: false };

/** A face painted on the frame: a square of one gray level (1..255) on black. */
export interface PaintedFace {
  x: number;
  y: number;
  size: number;
  gray: number;
}

/** An RGBA frame, black, with the faces painted on it, as the client sends it. */
export function frameWith(width: number, height: number, faces: PaintedFace[]): FramePayload {
  const data = new Uint8Array(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  for (const { x, y, size, gray } of faces)
    for (let row = y; row < y + size; row++)
      for (let col = x; col < x + size; col++) data.set([gray, gray, gray], (row * width + col) * 4);
  return { kind: 'pixels', data, width, height, channels: 4 };
}

/** What a model session was asked to run. */
export interface FakeRun {
  model: string;
  /** The batch size (the input tensor's first dimension). */
  batch: number;
}

/** Opens sessions that answer in TypeScript, and records every run and release. */
export class FakeRuntime {
  readonly backend = 'wasm' as const;
  readonly threads = 1;
  readonly runs: FakeRun[] = [];
  readonly released: string[] = [];

  async open(_model: Uint8Array, name: string, names: SessionNames): Promise<ModelSession> {
    return {
      backend: this.backend,
      run: async (inputs: Record<string, InputTensor>) => {
        const input = inputs[names.inputs[0]!]!;
        this.runs.push({ model: name, batch: input.shape[0]! });
        return name === CONTRACT_CARD.name ? { [names.outputs[0]!]: contractLogits(input) } : {};
      },
      release: async () => void this.released.push(name),
    };
  }

  runsOf(model: string): FakeRun[] {
    return this.runs.filter((run) => run.model === model);
  }
}

export const CONTRACT_CARD: ClassifierCard = buildContractModel().card;

/** The contract model, in TypeScript: logits −50·(mean − k/7)² for each face of an NCHW gray batch. */
function contractLogits({ data, shape }: InputTensor): Float32Array {
  const [count, ...face] = shape as number[];
  const perFace = face.reduce((a, b) => a * b, 1);
  const classes = CONTRACT_LABELS.length;
  const logits = new Float32Array(count! * classes);
  for (let f = 0; f < count!; f++) {
    let sum = 0;
    for (let i = 0; i < perFace; i++) sum += (data as Float32Array)[f * perFace + i]!;
    const mean = sum / perFace;
    for (let k = 0; k < classes; k++) logits[f * classes + k] = -50 * (mean - k / (classes - 1)) ** 2;
  }
  return logits;
}

/**
 * A detector that finds the painted squares in the image it is given (the whole frame, or a tile the
 * detection stage cut out), as a real one does: only those of at least RELIABLE_INPUT_PX at its input
 * resolution, and only whole (a square cut by the image's edge is not a face). Each face has one
 * landmark, its centre, named 'centre'. It records the size of every image it looked at.
 */
export class SquareDetector implements FaceDetector {
  readonly outputNames = [] as const;
  readonly landmarkNames = ['centre'] as const;
  readonly inputSpec;
  readonly seen: string[] = [];

  constructor(inputWidth: number, inputHeight: number) {
    this.inputSpec = {
      name: 'image',
      shape: [1, inputHeight, inputWidth, 3],
      layout: 'NHWC' as const,
      width: inputWidth,
      height: inputHeight,
      norm: { channels: 3 as const, gain: [1, 1, 1], bias: [0, 0, 0] },
    };
  }

  preprocess(frame: RgbaImage): { data: Float32Array; frameInfo: FrameInfo & { faces: Box[] } } {
    this.seen.push(`${frame.width}x${frame.height}`);
    const { width, height } = this.inputSpec;
    const letterbox = computeLetterbox(frame.width, frame.height, width, height);
    const faces = squaresIn(frame).filter(
      (box) => Math.min(box.width, box.height) * letterbox.scale >= RELIABLE_INPUT_PX,
    );
    return { data: new Float32Array(1), frameInfo: { width: frame.width, height: frame.height, letterbox, faces } };
  }

  decode(_outputs: unknown, frameInfo: FrameInfo): Detection[] {
    return (frameInfo as FrameInfo & { faces: Box[] }).faces.map((box) => ({
      box,
      score: 0.9,
      landmarks: [{ x: box.x + box.width / 2, y: box.y + box.height / 2 }],
    }));
  }
}

/** The boxes of the non-black rectangles in an image; one cut by the image's edge is reported as cut. */
function squaresIn({ data, width, height }: RgbaImage): Box[] {
  const lit = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && data[(y * width + x) * 4]! > 0;
  const boxes: Box[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!lit(x, y) || lit(x - 1, y) || lit(x, y - 1)) continue; // not a top-left corner
      let w = 0;
      let h = 0;
      while (lit(x + w, y)) w++;
      while (lit(x, y + h)) h++;
      boxes.push({ x, y, width: w, height: h });
    }
  return boxes;
}

export interface FakeEngine {
  engine: Engine;
  runtime: FakeRuntime;
  detector: SquareDetector | undefined;
}

/**
 * A real Engine on the fake runtime: the contract classifier, and the square detector with this input size
 * (or none: each frame is one face, as `detector: 'none'`).
 */
export async function engineWith({
  detectorInput,
  maxFaces = DEFAULTS.maxFaces,
  tracking = {},
}: {
  detectorInput?: { width: number; height: number };
  maxFaces?: number;
  tracking?: TrackingOptions;
}): Promise<FakeEngine> {
  const runtime = new FakeRuntime();
  const fakeOrt = runtime as unknown as OnnxRuntime;
  const detector = detectorInput && new SquareDetector(detectorInput.width, detectorInput.height);
  let detection: DetectionStage | undefined;
  if (detector) {
    const context = { kernels: refKernels, maxFaces, minFaceSize: 0, minDetectionConfidence: 0.5 };
    detection = new DetectionStage(detector, NO_MODEL, 'square-detector', context);
    await detection.attach(fakeOrt);
  }
  const engine = new Engine();
  const slots: EngineSlots = {
    options: { maxFaces, tracking: { ...DEFAULTS.tracking, ...tracking } },
    card: CONTRACT_CARD,
    classifier: await Classifier.create(fakeOrt, NO_MODEL, CONTRACT_CARD),
    detection,
  };
  Object.assign(engine, slots);
  return { engine, runtime, detector };
}

/** What Engine.init() sets and its frame path reads (see the seam note above). */
interface EngineSlots {
  options: Pick<EngineInit, 'maxFaces' | 'tracking'>;
  card: ClassifierCard;
  classifier: Classifier;
  detection: DetectionStage | undefined;
}
