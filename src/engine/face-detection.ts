/**
 * The detection stage: a FaceDetector (BlazeFace built in, or one the integrator brings as
 * an ES module) plus its ORT session. The model bytes are kept so the session can be
 * recreated on another backend after a lost GPU device.
 */
import { JadferError } from '../contract/errors.js';
import type { DetectorFiles } from '../contract/engine-api.js';
import type { ProgressEvent, StageTimings } from '../contract/types.js';
import { parseBlazeFaceCard, parseDetectorCard, type BlazeFaceCard, type DetectorCard } from './model-card.js';
import type { AssetCache } from './asset-cache.js';
import { fetchJson, fetchModelSource } from './model-files.js';
import type { ModelSession, ModelSource, OnnxRuntime } from './onnx-runtime.js';
import { BlazeFaceDetector } from './pipeline/blazeface.js';
import type { FaceDetector } from './pipeline/detector.js';
import type { PixelKernels } from './pipeline/kernels.js';
import { inView, REPORT_MARGIN, type DetectionPass } from './pipeline/passes.js';
import type { Detection, RgbaImage } from './pipeline/types.js';

export type DetectionTimings = Pick<StageTimings, 'detectPreprocess' | 'detectRun' | 'detectDecode'>;

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
    private readonly model: ModelSource,
    readonly name: string,
  ) {}

  static async load(
    files: DetectorFiles,
    context: DetectorContext,
    progress: (event: ProgressEvent) => void,
    cache?: AssetCache,
    wasmFirst = false,
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
    const model = await fetchModelSource(card, files, wasmFirst, 'detector', progress, cache);
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

  /** The detector's input size, which sets what each detection pass can see (pipeline/passes.ts). */
  get inputSize(): { width: number; height: number } {
    return this.detector.inputSpec;
  }

  /**
   * Faces in `image`, or in the part of it that `pass` sees (then only faces below the pass's
   * maxSize and not cut by a tile's inner edge); each step's time is added to `timings` when given.
   */
  async detect(image: RgbaImage, timings?: DetectionTimings, pass?: DetectionPass): Promise<Detection[]> {
    if (!pass || (pass.region.width === image.width && pass.region.height === image.height))
      return this.detectWhole(image, timings);
    const { x, y, width, height } = pass.region;
    const tile = new Uint8Array(width * height * 4);
    for (let row = 0; row < height; row++) {
      const start = ((y + row) * image.width + x) * 4;
      tile.set(image.data.subarray(start, start + width * 4), row * width * 4);
    }
    const found = (await this.detectWhole({ data: tile, width, height }, timings)).map((d) => ({
      ...d,
      box: { ...d.box, x: d.box.x + x, y: d.box.y + y },
      landmarks: d.landmarks.map((p) => ({ x: p.x + x, y: p.y + y })),
    }));
    // Larger faces are the whole-frame pass's; faces cut by the tile's edge are another tile's.
    const largest = pass.maxSize * REPORT_MARGIN;
    return found.filter((d) => Math.min(d.box.width, d.box.height) < largest && inView(pass, d.box));
  }

  private async detectWhole(image: RgbaImage, timings?: DetectionTimings): Promise<Detection[]> {
    const t0 = performance.now();
    const { data, frameInfo } = this.detector.preprocess(image);
    const spec = this.detector.inputSpec;
    const t1 = performance.now();
    const outputs = await this.session!.run({ [spec.name]: { data, shape: spec.shape } });
    const t2 = performance.now();
    try {
      return this.detector.decode(outputs, frameInfo);
    } finally {
      if (timings) {
        timings.detectPreprocess += t1 - t0;
        timings.detectRun += t2 - t1;
        timings.detectDecode += performance.now() - t2;
      }
    }
  }

  async release(): Promise<void> {
    await this.session?.release().catch(() => undefined);
    this.session = undefined;
  }
}
