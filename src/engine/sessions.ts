/**
 * The engine's model sessions on one backend: the classifier's, and the detector's (the detection
 * stage re-attaches to each runtime). Backends opens them on the runtime it picks, at start-up and
 * again on WASM after a lost WebGPU device; the frame path reads the classifier open now.
 */
import { JadferError } from '../contract/errors.js';
import type { EngineOptions } from '../contract/options.js';
import { Classifier } from './classifier.js';
import type { DetectionStage } from './face-detection.js';
import type { ClassifierCard } from './model-card.js';
import type { ModelSource, OnnxRuntime } from './onnx-runtime.js';

export class Sessions {
  #classifier?: Classifier;
  /** How long the last sessions took to open (`fer.startup`). */
  times = { classifierSessionMs: 0, detectorSessionMs: 0 };
  /** The threads ONNX Runtime really runs on (fewer than asked where threads cannot work). */
  threads = 1;

  constructor(
    private readonly model: ModelSource,
    readonly card: ClassifierCard,
    readonly detection: DetectionStage | undefined,
    private readonly options: Pick<EngineOptions, 'mirror' | 'priors'>,
  ) {}

  /** The classifier's session open now; E_INTERNAL before the first open() or after release(). */
  get classifier(): Classifier {
    if (!this.#classifier) throw new JadferError('E_INTERNAL', 'the engine has no open session');
    return this.#classifier;
  }

  /** Opens both sessions on `runtime`, then releases the classifier's previous one. */
  async open(runtime: OnnxRuntime): Promise<void> {
    const started = performance.now();
    const classifier = await Classifier.create(runtime, this.model, this.card, this.options);
    this.threads = runtime.threads;
    const classified = performance.now();
    await this.detection?.attach(runtime);
    this.times = { classifierSessionMs: classified - started, detectorSessionMs: performance.now() - classified };
    const previous = this.#classifier;
    this.#classifier = classifier;
    await previous?.release().catch(() => undefined);
  }

  async release(): Promise<void> {
    const classifier = this.#classifier;
    this.#classifier = undefined;
    await classifier?.release().catch(() => undefined);
    await this.detection?.release();
  }
}
