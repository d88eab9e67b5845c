/**
 * The detection stage: a FaceDetector (BlazeFace built in, or one the integrator brings as
 * an ES module) plus its ORT session. The model bytes are kept so the session can be
 * recreated on another backend after a lost GPU device.
 */
import { JadferError } from '../contract/errors.js';
import type { DetectorFiles } from '../contract/engine-api.js';
import type { ProgressEvent } from '../contract/types.js';
import { parseBlazeFaceCard, parseDetectorCard, type BlazeFaceCard, type DetectorCard } from './model-card.js';
import type { AssetCache } from './asset-cache.js';
import { fetchJson, fetchVerifiedModel } from './model-files.js';
import type { ModelSession, OnnxRuntime } from './onnx-runtime.js';
import { BlazeFaceDetector } from './pipeline/blazeface.js';
import type { FaceDetector } from './pipeline/detector.js';
import type { PixelKernels } from './pipeline/kernels.js';
import type { Detection, RgbaImage } from './pipeline/types.js';

export interface DetectorContext {
  kernels: PixelKernels;
  maxFaces: number;
  minFaceSize: number;
}

/** What a custom detector module exports: `export function createDetector(card, context): FaceDetector`. */
export type CreateDetector = (card: DetectorCard, context: DetectorContext) => FaceDetector | Promise<FaceDetector>;

export class DetectionStage {
  private session?: ModelSession;

  private constructor(
    readonly detector: FaceDetector,
    private readonly model: Uint8Array,
    readonly name: string,
  ) {}

  static async load(
    files: DetectorFiles,
    context: DetectorContext,
    progress: (event: ProgressEvent) => void,
    cache?: AssetCache,
  ): Promise<DetectionStage> {
    const custom = files.module !== undefined;
    const cardUrl = files.card;
    const json = await fetchJson(cardUrl, cache);
    const card = custom ? parseDetectorCard(json, cardUrl) : parseBlazeFaceCard(json, cardUrl);
    let factory: CreateDetector = () => new BlazeFaceDetector(card as BlazeFaceCard, context);
    if (files.module) {
      const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ files.module)) as {
        createDetector?: CreateDetector;
      };
      if (typeof module.createDetector !== 'function')
        throw new JadferError('E_BAD_CONFIG', `detector module ${files.module} does not export createDetector()`);
      factory = module.createDetector;
    }
    const model = await fetchVerifiedModel(
      files.model ?? new URL(card.file, cardUrl).href,
      card.sha256,
      'detector',
      progress,
      cache,
    );
    let detector: FaceDetector;
    try {
      detector = await factory(card, context);
    } catch (error) {
      throw new JadferError(
        'E_MODEL_LOAD',
        `detector card ${cardUrl} is not usable: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { url: cardUrl } },
      );
    }
    return new DetectionStage(detector, model, card.name ?? cardUrl);
  }

  /** (Re)creates the session on the runtime's backend; the previous one, if any, is released. */
  async attach(runtime: OnnxRuntime): Promise<void> {
    const session = await runtime.open(this.model, this.name, {
      inputs: [this.detector.inputSpec.name],
      outputs: this.detector.outputNames,
    });
    await this.session?.release().catch(() => undefined);
    this.session = session;
  }

  async detect(image: RgbaImage): Promise<Detection[]> {
    const { data, frameInfo } = this.detector.preprocess(image);
    const spec = this.detector.inputSpec;
    const outputs = await this.session!.run({ [spec.name]: { data, shape: spec.shape } });
    return this.detector.decode(outputs, frameInfo);
  }

  async release(): Promise<void> {
    await this.session?.release().catch(() => undefined);
    this.session = undefined;
  }
}
