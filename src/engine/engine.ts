/**
 * The engine, started: it turns frames into face results, in the Web Worker (or in-process in Node):
 * detect → align (similarity warp, our SIMD kernels) → classify the faces due in one batch → track.
 * One frame path serves analyze() and stream(); only where the faces come from differs (the image's
 * detections, or a stream's confirmed tracks). Built ready from its parts by the start-up
 * (startup.ts); the backend and its recovery are Backends' (backends.ts); EngineEndpoint
 * (endpoint.ts) is what the client calls.
 */
import {
  epochNow,
  type AnalyzeReply,
  type EngineTimings,
  type FrameMeta,
  type FramePayload,
} from '../contract/engine-api.js';
import { JadferError, toJadferError } from '../contract/errors.js';
import type { EngineOptions } from '../contract/options.js';
import type { FaceResult } from '../contract/types.js';
import type { Backends } from './backends.js';
import { payloadToRgba, type RgbaImage } from './frame-pixels.js';
import { alignFace } from './pipeline/align.js';
import type { PixelKernels } from './pipeline/kernels.js';
import type { Detection } from './pipeline/types.js';
import type { Sessions } from './sessions.js';
import { StreamFaces, wholeFrame } from './stream-faces.js';

/** What an engine is made of: the start-up builds them (startup.ts), tests build them on a fake runtime. */
export interface EngineParts {
  /** The resolved options the frame path reads. */
  options: Pick<EngineOptions, 'maxFaces' | 'tracking'>;
  /** Our SIMD kernels, or the TypeScript reference. */
  kernels: PixelKernels;
  /** The classifier's session (its card) and the detection stage, open on the current backend. */
  sessions: Sessions;
  /** The backend, and the move to WASM when the WebGPU device is lost. */
  backends: Backends;
}

/** A frame's faces, wherever they come from, and which of them are classified now. */
interface FrameFaces {
  faces: Detection[];
  /** Indices into `faces` of those to classify on this frame. */
  due: number[];
  /** Each face's scores (and its track), given the due faces' probabilities in `due`'s order. */
  finish(
    probabilities: Float32Array[],
  ): Array<{ scores: Float32Array; track?: { trackId: number; classifiedAt: number } }>;
}

export class Engine {
  private readonly options: EngineParts['options'];
  private readonly kernels: PixelKernels;
  private readonly sessions: Sessions;
  /** Public for the test build's fault injection (testing-engine.ts). */
  readonly backends: Backends;
  /** Per stream: its tracks, and whose turn it is among the detection passes. */
  private readonly streams = new Map<number, StreamFaces>();
  private disposed = false;

  constructor({ options, kernels, sessions, backends }: EngineParts) {
    this.options = options;
    this.kernels = kernels;
    this.sessions = sessions;
    this.backends = backends;
  }

  async analyze(frame: FramePayload, meta: FrameMeta): Promise<AnalyzeReply> {
    const receivedAt = epochNow();
    if (this.disposed) throw new JadferError('E_DISPOSED', 'engine is disposed');
    let image: RgbaImage;
    const timings = newTimings(receivedAt);
    try {
      image = await payloadToRgba(frame);
      timings.pixels = epochNow() - receivedAt;
    } catch (error) {
      throw toJadferError(
        error,
        'E_BAD_INPUT',
        `cannot read the frame: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      return await this.backends.run((rerun) =>
        this.process(image, meta, rerun ? newTimings(receivedAt, timings.pixels) : timings),
      );
    } catch (error) {
      throw toJadferError(error, 'E_INTERNAL');
    }
  }

  endStream(stream: number): void {
    this.streams.delete(stream);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.sessions.release();
    this.backends.dispose();
    this.streams.clear();
  }

  /** The one frame path: the faces (the image's, or the stream's), the due ones classified, the results. */
  private async process(image: RgbaImage, meta: FrameMeta, timings: EngineTimings): Promise<AnalyzeReply> {
    const backend = this.sessions.classifier.backend;
    const found =
      meta.stream === undefined
        ? await this.imageFaces(image, timings)
        : await this.streamFaces(meta.stream, image, meta.timestamp, timings);
    const probabilities = await this.classifyFaces(
      image,
      found.due.map((i) => found.faces[i]!),
      timings,
    );
    const finished = found.finish(probabilities);
    const faces = found.faces.map((face, i) => ({
      ...this.faceResult(face, finished[i]!.scores),
      ...finished[i]!.track,
    }));
    return { faces, backend, timings: { ...timings, repliedAt: epochNow() } };
  }

  /** analyze(): the image's faces (at most maxFaces), every one classified. */
  private async imageFaces(image: RgbaImage, timings: EngineTimings): Promise<FrameFaces> {
    const detection = this.sessions.detection;
    const detections = detection ? await detection.detectImage(image, timings) : [wholeFrame(image)];
    const faces = detections.slice(0, this.options.maxFaces);
    return {
      faces,
      due: faces.map((_, i) => i),
      finish: (probabilities) => probabilities.map((scores) => ({ scores })),
    };
  }

  /**
   * stream(): its confirmed tracks' faces. Each live track is followed in its own region; big passes (the
   * whole frame, zoomed tiles for far faces) run at a lower rate to find new ones. Only tracks that are
   * due are classified; stable ones reuse their smoothed scores.
   */
  private async streamFaces(
    stream: number,
    image: RgbaImage,
    timestamp: number,
    timings: EngineTimings,
  ): Promise<FrameFaces> {
    const state = this.streamState(stream);
    const { tracked, needsClassification } = await state.next(image, timestamp, timings);
    const tracker = state.tracker;
    const due = tracked.flatMap((t, i) => (needsClassification.includes(t.id) ? [i] : []));
    return {
      faces: tracked.map((t) => t.face),
      due,
      finish: (probabilities) => {
        const started = performance.now();
        due.forEach((faceIndex, k) => tracker.setScores(tracked[faceIndex]!.id, probabilities[k]!, timestamp));
        const results = tracked.map(({ id }) => {
          const track = tracker.get(id)!;
          return {
            scores: Float32Array.from(track.scores ?? []),
            track: { trackId: track.id, classifiedAt: track.lastClassifiedMs! },
          };
        });
        timings.track += performance.now() - started;
        return results;
      },
    };
  }

  private async classifyFaces(image: RgbaImage, faces: Detection[], timings: EngineTimings): Promise<Float32Array[]> {
    const { classifier, card } = this.sessions;
    const perFace = classifier.elementsPerFace;
    const started = performance.now();
    const batch = new Float32Array(perFace * faces.length);
    const template = card.crop?.template;
    faces.forEach((face, i) =>
      alignFace(
        this.kernels,
        image,
        face,
        card.input,
        template ? { template } : {},
        batch.subarray(i * perFace, (i + 1) * perFace),
      ),
    );
    const aligned = performance.now();
    const probabilities = await classifier.classify(batch, faces.length);
    timings.align += aligned - started;
    timings.classify += performance.now() - aligned;
    timings.classified += faces.length;
    return probabilities;
  }

  private faceResult(face: Detection, probabilities: Float32Array): FaceResult {
    const labels = this.sessions.card.labels;
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
    const result: FaceResult = {
      box: face.box,
      score: face.score,
      expression: {
        label: labels[best]!,
        scores: Object.fromEntries(labels.map((label, k) => [label, probabilities[k] ?? 0])),
      },
    };
    if (face.landmarks.length > 0) {
      result.landmarks = face.landmarks;
      const names = this.sessions.detection?.detector.landmarkNames ?? [];
      result.keypoints = Object.fromEntries(face.landmarks.flatMap((p, i) => (names[i] ? [[names[i], p]] : [])));
    }
    return result;
  }

  private streamState(stream: number): StreamFaces {
    let state = this.streams.get(stream);
    if (!state) {
      state = new StreamFaces(this.sessions.detection, this.options.tracking, this.options.maxFaces);
      this.streams.set(stream, state);
    }
    return state;
  }
}

function newTimings(receivedAt: number, pixels = 0): EngineTimings {
  return {
    receivedAt,
    repliedAt: 0,
    pixels,
    detectPreprocess: 0,
    detectRun: 0,
    detectDecode: 0,
    align: 0,
    classify: 0,
    track: 0,
    classified: 0,
  };
}
