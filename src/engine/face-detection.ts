/**
 * The detection stage: a FaceDetector (BlazeFace built in, or one the integrator brings as
 * an ES module) plus its ORT session. The model bytes are kept so the session can be
 * recreated on another backend after a lost GPU device.
 */
import type * as OrtTypes from 'onnxruntime-web';
import { JadferError } from '../contract/errors.js';
import type { Backend, DetectorOption, ProgressEvent } from '../contract/types.js';
import { fetchJson, fetchVerifiedModel } from './model-files.js';
import type { Ort } from './ort-runtime.js';
import { BlazeFaceDetector, type BlazeFaceCard } from './pipeline/blazeface.js';
import type { FaceDetector } from './pipeline/detector.js';
import type { PixelKernels } from './pipeline/kernels.js';
import type { Detection, RgbaImage } from './pipeline/types.js';
import { checkSessionNames, createSession } from './sessions.js';

export interface DetectorContext {
  kernels: PixelKernels;
  maxFaces: number;
  minFaceSize: number;
}

/** What a custom detector module exports: `export function createDetector(card, context): FaceDetector`. */
export type CreateDetector = (
  card: Record<string, unknown>,
  context: DetectorContext,
) => FaceDetector | Promise<FaceDetector>;

const BUILT_IN: Record<'blazeface' | 'blazeface-back', string> = {
  blazeface: 'models/blazeface-front-128.json',
  'blazeface-back': 'models/blazeface-back-256.json',
};

const createBlazeFace: CreateDetector = (card, context) =>
  new BlazeFaceDetector(card as unknown as BlazeFaceCard, context);

export class DetectionStage {
  private session?: OrtTypes.InferenceSession;
  private ort?: Ort;

  private constructor(
    readonly detector: FaceDetector,
    private readonly model: Uint8Array,
    readonly name: string,
  ) {}

  static async load(
    option: Exclude<DetectorOption, 'none'>,
    baseUrl: string,
    context: DetectorContext,
    progress: (event: ProgressEvent) => void,
  ): Promise<DetectionStage> {
    const custom = typeof option === 'object';
    const cardUrl = new URL(custom ? option.card : BUILT_IN[option], baseUrl).href;
    const card = (await fetchJson(cardUrl)) as Record<string, unknown>;
    if (typeof card.file !== 'string')
      throw new JadferError('E_MODEL_LOAD', `detector card ${cardUrl} names no model file`, {
        details: { url: cardUrl },
      });
    let factory = createBlazeFace;
    if (custom) {
      const module = (await import(/* @vite-ignore */ new URL(option.module, baseUrl).href)) as {
        createDetector?: CreateDetector;
      };
      if (typeof module.createDetector !== 'function')
        throw new JadferError('E_BAD_CONFIG', `detector module ${option.module} does not export createDetector()`);
      factory = module.createDetector;
    }
    const model = await fetchVerifiedModel(
      new URL(card.file, cardUrl).href,
      card.sha256 as string | undefined,
      'detector',
      progress,
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
    return new DetectionStage(detector, model, String(card.name ?? cardUrl));
  }

  /** (Re)creates the session on `backend`; the previous one, if any, is released. */
  async attach(ort: Ort, backend: Backend): Promise<void> {
    const session = await createSession(ort, this.model, backend, this.name);
    await checkSessionNames(session, this.name, [this.detector.inputSpec.name], this.detector.outputNames);
    await this.session?.release().catch(() => undefined);
    this.session = session;
    this.ort = ort;
  }

  async detect(image: RgbaImage): Promise<Detection[]> {
    const { data, frameInfo } = this.detector.preprocess(image);
    const spec = this.detector.inputSpec;
    const outputs = await this.session!.run({ [spec.name]: new this.ort!.Tensor('float32', data, spec.shape) });
    try {
      return this.detector.decode(outputs as Record<string, { data: unknown }>, frameInfo);
    } finally {
      for (const tensor of Object.values(outputs)) tensor.dispose();
    }
  }

  /** Runs the detector on a blank frame until `maxRuns` or `budgetMs` (see Engine.warmUp). */
  async warmUp(maxRuns: number, budgetMs: number): Promise<number> {
    const blank: RgbaImage = { data: new Uint8Array(64 * 48 * 4), width: 64, height: 48 };
    const started = performance.now();
    let runs = 0;
    while (runs < maxRuns && performance.now() - started < budgetMs) {
      await this.detect(blank);
      runs++;
    }
    return runs;
  }

  async release(): Promise<void> {
    await this.session?.release().catch(() => undefined);
    this.session = undefined;
  }
}
