/**
 * `<jadfer-camera>`: the camera, the SDK and an optional overlay in one tag, for integrators
 * who write no JavaScript. Attributes: ATTRIBUTES below. Events: `progress` (detail: ProgressEvent, also shown in
 * the element as a percentage while the models load), `ready`, `result` (detail: FrameResult), `backend`,
 * `error` (detail: the JadferError or camera error).
 * Styles go through the CSSOM, so the element works under a strict CSP (no inline styles).
 */
import { Jadfer } from './client.js';
import { drawFaces } from './overlay.js';
import type { CreateOptions, DetectorOption, DeviceOption, PriorsOption } from '../contract/options.js';
import type { FrameResult, ProgressEvent } from '../contract/types.js';

const TAG = 'jadfer-camera';

/**
 * The element's attributes and what each sets: the one list, observed (a change restarts the SDK, except
 * `show-overlay`, read at each frame). Boolean attributes count when present.
 */
const ATTRIBUTES = {
  device: "create()'s `device`",
  'max-faces': "create()'s `maxFaces` (a positive integer)",
  'show-overlay': 'boolean: draws each face, its box and its expression over the video',
  detector: "create()'s `detector` (a built-in detector's name)",
  model: "create()'s `modelUrl` (a model card's URL)",
  mirror: "boolean: create()'s `mirror: true`",
  priors: "create()'s `priors`",
  'min-detection-confidence': "create()'s `minDetectionConfidence` (0–1)",
} as const;

function createCameraElementClass(): CustomElementConstructor {
  return class JadferCameraElement extends HTMLElement {
    static observedAttributes = Object.keys(ATTRIBUTES);
    private fer?: Jadfer;
    private media?: MediaStream;
    private stream?: AsyncIterableIterator<FrameResult>;
    private readonly video = document.createElement('video');
    private readonly overlay = document.createElement('canvas');
    private readonly message = document.createElement('p');
    private generation = 0;

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      this.video.muted = true;
      this.video.playsInline = true;
      Object.assign(this.video.style, { width: '100%', height: '100%', objectFit: 'cover', display: 'block' });
      Object.assign(this.overlay.style, {
        position: 'absolute',
        inset: '0',
        width: '100%',
        height: '100%',
        pointerEvents: 'none',
      });
      Object.assign(this.message.style, {
        position: 'absolute',
        inset: 'auto 0 0 0',
        margin: '0',
        padding: '8px',
        font: '14px system-ui, sans-serif',
        color: '#fff',
        background: 'rgba(0,0,0,0.6)',
      });
      this.message.hidden = true;
      root.append(this.video, this.overlay, this.message);
    }

    /** The running SDK instance, once `ready` has fired. */
    get instance(): Jadfer | undefined {
      return this.fer;
    }

    connectedCallback(): void {
      // Not in the constructor: a parser-created element must not gain attributes there.
      if (!this.style.display) this.style.display = 'inline-block';
      this.style.position ||= 'relative';
      void this.start();
    }

    disconnectedCallback(): void {
      void this.stop();
    }

    attributeChangedCallback(name: string, previous: string | null, next: string | null): void {
      if (previous === next || !this.isConnected || name === 'show-overlay') return;
      void this.stop().then(() => this.start());
    }

    private options(): CreateOptions {
      const maxFaces = Number(this.getAttribute('max-faces'));
      return {
        ...(this.getAttribute('device') ? { device: this.getAttribute('device') as DeviceOption } : {}),
        ...(maxFaces > 0 ? { maxFaces } : {}),
        ...(this.getAttribute('detector') ? { detector: this.getAttribute('detector') as DetectorOption } : {}),
        ...(this.getAttribute('model') ? { modelUrl: this.getAttribute('model')! } : {}),
        ...(this.hasAttribute('mirror') ? { mirror: true } : {}),
        ...(this.getAttribute('priors') ? { priors: this.getAttribute('priors') as PriorsOption } : {}),
        // A wrong value reaches create(), which reports it (E_BAD_CONFIG) as an error event.
        ...(this.hasAttribute('min-detection-confidence')
          ? { minDetectionConfidence: Number(this.getAttribute('min-detection-confidence')) }
          : {}),
      };
    }

    private async start(): Promise<void> {
      const generation = ++this.generation;
      // Browsers expose no camera API outside secure contexts (https, localhost): a plain-http kiosk
      // page must hear why, not read a TypeError.
      if (!navigator.mediaDevices?.getUserMedia) {
        const reason = 'this page has no camera API (navigator.mediaDevices needs https or localhost)';
        this.fail(new DOMException(reason, 'NotSupportedError'), `No camera available: ${reason}.`);
        return;
      }
      try {
        this.media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      } catch (error) {
        this.fail(error, `No camera available (${(error as Error).name}).`);
        return;
      }
      try {
        this.video.srcObject = this.media;
        await this.video.play();
        this.say('Loading expression recognition…');
        const fer = await Jadfer.create({
          ...this.options(),
          onProgress: (detail: ProgressEvent) => {
            if (generation !== this.generation) return;
            this.say(`Loading expression recognition… ${Math.floor(detail.overall * 100)} %`);
            this.dispatchEvent(new CustomEvent('progress', { detail }));
          },
        });
        if (generation !== this.generation) return void fer.dispose();
        this.message.hidden = true;
        this.fer = fer;
        fer.on('backend', (detail) => this.dispatchEvent(new CustomEvent('backend', { detail })));
        fer.on('error', (detail) => this.dispatchEvent(new CustomEvent('error', { detail })));
        this.dispatchEvent(new CustomEvent('ready', { detail: { backend: fer.backend, model: fer.model } }));
        this.stream = fer.stream(this.video);
        for await (const result of this.stream) {
          this.draw(result);
          this.dispatchEvent(new CustomEvent('result', { detail: result }));
        }
      } catch (error) {
        if (generation === this.generation) this.fail(error, `JADFER could not start: ${(error as Error).message}`);
      }
    }

    private async stop(): Promise<void> {
      this.generation++;
      await this.stream?.return?.();
      await this.fer?.dispose();
      this.media?.getTracks().forEach((track) => track.stop());
      this.fer = this.stream = this.media = undefined;
    }

    private say(text: string): void {
      this.message.textContent = text;
      this.message.hidden = false;
    }

    private fail(error: unknown, text: string): void {
      this.say(text);
      this.dispatchEvent(new CustomEvent('error', { detail: error }));
    }

    private draw(result: FrameResult): void {
      const canvas = this.overlay;
      const context = canvas.getContext('2d');
      if (!context) return;
      canvas.width = this.video.videoWidth;
      canvas.height = this.video.videoHeight;
      context.clearRect(0, 0, canvas.width, canvas.height);
      if (!this.hasAttribute('show-overlay')) return;
      drawFaces(context, result.faces, { landmarks: false });
    }
  };
}

/**
 * Registers `<jadfer-camera>` (the IIFE build does this on load). Safe to call twice.
 *
 * @example
 * ```ts
 * defineJadferCamera();
 * document.body.insertAdjacentHTML('beforeend', '<jadfer-camera show-overlay></jadfer-camera>');
 * ```
 */
export function defineJadferCamera(tag = TAG): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return;
  customElements.define(tag, createCameraElementClass());
}
