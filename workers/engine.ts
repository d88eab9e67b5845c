/**
 * The inference engine. It runs inside the Web Worker (or in-process in Node), owns the
 * ONNX Runtime sessions, and turns frames into face results.
 */
import { JadferError, isJadferError, toJadferError } from '../src/errors.js';
import type { AnalyzeReply, EngineApi, EngineCallbacks, EngineInfo, EngineInit, FramePayload } from '../src/engine-api.js';
import type { Backend, Box, FaceResult } from '../src/types.js';
import { planBackends } from './backend-probe.js';
import { Classifier } from './classifier.js';
import { writeCropTensor } from './crop-tensor.js';
import { fetchBytes, sha256Hex } from './fetch-bytes.js';
import { payloadToRgba, type RgbaImage } from './frame-pixels.js';
import { parseClassifierCard, type ClassifierCard } from './model-card.js';
import { loadOrt, type Ort } from './ort-runtime.js';

const DOWNLOAD_TIMEOUT_MS = 120_000;

interface Detection {
  box: Box;
  score: number;
}

export class Engine implements EngineApi {
  private options?: EngineInit;
  private callbacks?: EngineCallbacks;
  private card?: ClassifierCard;
  private modelBytes?: Uint8Array;
  private classifier?: Classifier;
  private gpuDevice?: GPUDevice;
  /** Set while the engine moves from a lost WebGPU device to WASM. */
  private recovering?: Promise<void>;
  private disposed = false;

  async init(options: EngineInit, callbacks: EngineCallbacks): Promise<EngineInfo> {
    if (this.options) throw new JadferError('E_INTERNAL', 'engine is already initialised');
    this.options = options;
    this.callbacks = callbacks;
    const card = await this.loadCard(options.cardUrl);
    const modelUrl = new URL(card.file, options.cardUrl).href;
    const model = await fetchBytes(modelUrl, {
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      errorCode: 'E_MODEL_LOAD',
      onProgress: (loaded, total) => callbacks.progress({ stage: 'model', url: modelUrl, loaded, total }),
    });
    if (card.sha256) {
      const actual = await sha256Hex(model);
      if (actual !== card.sha256) {
        throw new JadferError('E_MODEL_INTEGRITY', `model ${modelUrl} has sha256 ${actual}, its card says ${card.sha256}`, {
          details: { url: modelUrl, expected: card.sha256, actual },
        });
      }
    }
    this.card = card;
    this.modelBytes = model;

    const plan = await planBackends(options.device, options.allowFallbackAdapter);
    const failures: string[] = plan.skippedWebGpu ? [plan.skippedWebGpu] : [];
    for (const backend of plan.order) {
      try {
        this.classifier = await this.createClassifier(backend);
        break;
      } catch (error) {
        if (isJadferError(error) && error.code !== 'E_BACKEND_UNAVAILABLE') throw error;
        failures.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (!this.classifier) {
      throw new JadferError('E_BACKEND_UNAVAILABLE', `no backend could run the model (${failures.join('; ')})`, { details: { tried: plan.order, failures } });
    }
    const started = performance.now();
    await this.classifier.classify(new Float32Array(this.classifier.elementsPerFace), 1);
    const warmupMs = performance.now() - started;
    const backend = this.classifier.backend;
    const fallbackReason = options.device === backend ? undefined : failures.join('; ') || undefined;
    callbacks.backend({ backend, ...(fallbackReason ? { reason: fallbackReason } : {}) });
    return {
      backend,
      ...(fallbackReason ? { fallbackReason } : {}),
      threads: options.threads,
      warmupMs,
      model: { name: card.name, labels: [...card.labels], inputShape: [...card.input.shape], cardUrl: options.cardUrl },
    };
  }

  async analyze(frame: FramePayload): Promise<AnalyzeReply> {
    if (this.disposed) throw new JadferError('E_DISPOSED', 'engine is disposed');
    if (!this.classifier) throw new JadferError('E_INTERNAL', 'engine is not initialised');
    let image: RgbaImage;
    try {
      image = await payloadToRgba(frame);
    } catch (error) {
      throw toJadferError(error, 'E_BAD_INPUT', `cannot read the frame: ${error instanceof Error ? error.message : String(error)}`);
    }
    const detections = this.detect(image);
    if (this.recovering) await this.recovering;
    try {
      return await this.classify(image, detections);
    } catch (error) {
      // A frame caught by a device loss is not lost: it is rerun once on WASM.
      if (this.recovering) {
        await this.recovering;
        return this.classify(image, detections);
      }
      throw toJadferError(error, 'E_INTERNAL');
    }
  }

  async simulateDeviceLoss(): Promise<boolean> {
    if (!this.gpuDevice || this.classifier?.backend !== 'webgpu') return false;
    this.gpuDevice.destroy();
    await this.gpuDevice.lost;
    await this.recovering;
    return true;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const classifier = this.classifier;
    this.classifier = undefined;
    await classifier?.release().catch(() => undefined);
    this.gpuDevice?.destroy();
    this.gpuDevice = undefined;
    this.modelBytes = undefined;
  }

  private async loadCard(cardUrl: string): Promise<ClassifierCard> {
    const bytes = await fetchBytes(cardUrl, { timeoutMs: DOWNLOAD_TIMEOUT_MS, errorCode: 'E_MODEL_LOAD' });
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new JadferError('E_MODEL_LOAD', `model card is not JSON: ${cardUrl}`, { cause: error, details: { url: cardUrl } });
    }
    return parseClassifierCard(json, cardUrl);
  }

  private async createClassifier(backend: Backend): Promise<Classifier> {
    const options = this.options!;
    const ort = await loadOrt(backend, {
      baseUrl: options.baseUrl,
      threads: options.threads,
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      onProgress: (url, loaded, total) => this.callbacks!.progress({ stage: 'wasm', url, loaded, total }),
    });
    if (backend === 'webgpu') await this.attachGpuDevice(ort);
    return Classifier.create(ort, this.modelBytes!, this.card!, backend);
  }

  /** ORT uses our device, so we see it being lost and can move the engine to WASM. */
  private async attachGpuDevice(ort: Ort): Promise<void> {
    if (this.gpuDevice) return;
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) throw new JadferError('E_BACKEND_UNAVAILABLE', 'no WebGPU adapter');
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      },
    });
    ort.env.webgpu.device = device;
    this.gpuDevice = device;
    void device.lost.then((info) => {
      if (!this.disposed && this.gpuDevice === device) this.recovering = this.recoverOnWasm(`${info.reason}: ${info.message}`);
    });
  }

  private async recoverOnWasm(why: string): Promise<void> {
    const lost = this.classifier;
    this.gpuDevice = undefined;
    try {
      this.classifier = await this.createClassifier('wasm');
      this.callbacks?.backend({ backend: 'wasm', previous: 'webgpu', reason: `E_DEVICE_LOST: the WebGPU device was lost (${why})` });
    } finally {
      this.recovering = undefined;
      await lost?.release().catch(() => undefined);
    }
  }

  private detect(image: RgbaImage): Detection[] {
    // Until a detector is configured, the frame is one pre-cropped face.
    return [{ box: { x: 0, y: 0, width: image.width, height: image.height }, score: 1 }];
  }

  private async classify(image: RgbaImage, detections: Detection[]): Promise<AnalyzeReply> {
    const classifier = this.classifier!;
    const faces = detections.slice(0, this.options!.maxFaces);
    const perFace = classifier.elementsPerFace;
    const batch = new Float32Array(perFace * faces.length);
    faces.forEach((face, i) => writeCropTensor(image, face.box, classifier.spec, batch, i * perFace));
    const probabilities = await classifier.classify(batch, faces.length);
    const labels = classifier.card.labels;
    const results: FaceResult[] = faces.map((face, i) => {
      const probs = probabilities[i]!;
      let best = 0;
      for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
      const scores = Object.fromEntries(labels.map((label, k) => [label, probs[k]!]));
      return { box: face.box, score: face.score, expression: { label: labels[best]!, scores } };
    });
    return { faces: results, backend: classifier.backend };
  }
}
