import { expect } from 'chai';
import { defineJadferCamera } from '/dist/jadfer.js';
import { CONTRACT_MODEL, expectedLabel } from './helpers.js';

// <jadfer-camera> in every engine, with the camera replaced by a canvas stream (no engine here has a
// camera, and only Chromium can fake one from a file): getUserMedia → <video> → stream → events. The
// contract model with detector 'none' makes the answer known: a frame of brightness b reads as
// expectedLabel(b).
defineJadferCamera();

function paintedCamera(byte) {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  const context = canvas.getContext('2d');
  const paint = () => {
    context.fillStyle = `rgb(${byte}, ${byte}, ${byte})`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  };
  paint();
  const timer = setInterval(paint, 50);
  const media = canvas.captureStream(20);
  return { media, stop: () => clearInterval(timer) };
}

/** Shadows navigator.mediaDevices for one test (an own property over the prototype's getter). */
function withMediaDevices(mediaDevices, test) {
  Object.defineProperty(navigator, 'mediaDevices', { configurable: true, get: () => mediaDevices });
  return test().finally(() => delete navigator.mediaDevices);
}

function mount(attributes = {}) {
  const element = document.createElement('jadfer-camera');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.setAttribute('device', 'wasm');
  element.setAttribute('detector', 'none');
  element.setAttribute('model', CONTRACT_MODEL);
  const events = { ready: 0, labels: [], errors: [], progress: [], shown: [] };
  element.addEventListener('ready', () => {
    events.ready++;
    events.hiddenWhenReady = element.shadowRoot.querySelector('p').hidden;
  });
  element.addEventListener('progress', (event) => {
    events.progress.push(event.detail.overall);
    events.shown.push(element.shadowRoot.querySelector('p').textContent);
  });
  element.addEventListener('result', (event) => events.labels.push(event.detail.faces[0]?.expression.label));
  element.addEventListener('error', (event) => events.errors.push(event.detail));
  document.body.append(element);
  return { element, events };
}

const until = async (condition, what) => {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 90_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('<jadfer-camera>', () => {
  it('asks for the camera, streams it and dispatches ready and result events; removing it stops the camera', async () => {
    const camera = paintedCamera(200);
    const asked = [];
    await withMediaDevices(
      { getUserMedia: async (constraints) => (asked.push(constraints), camera.media) },
      async () => {
        const { element, events } = mount();
        try {
          await until(() => events.labels.length >= 3 || events.errors.length, 'three results');
          expect(events.errors).to.deep.equal([]);
          expect(events.ready).to.equal(1);
          expect(asked).to.deep.equal([{ video: { width: 640, height: 480 }, audio: false }]);
          expect(new Set(events.labels)).to.deep.equal(new Set([expectedLabel(200)]));
          // Load progress: shown in the element as a percentage, dispatched, and gone once ready.
          expect(events.progress.at(-1)).to.equal(1);
          expect(events.shown.at(-1)).to.equal('Loading expression recognition… 100 %');
          expect(events.hiddenWhenReady).to.equal(true);
        } finally {
          element.remove();
          camera.stop();
        }
        await until(() => camera.media.getVideoTracks()[0].readyState === 'ended', 'the camera to stop');
      },
    );
  });

  it('min-detection-confidence reaches create(): a value outside 0–1 is its E_BAD_CONFIG', async () => {
    const camera = paintedCamera(200);
    await withMediaDevices({ getUserMedia: async () => camera.media }, async () => {
      const { element, events } = mount({ 'min-detection-confidence': '2' });
      try {
        await until(() => events.errors.length, 'the error');
        expect(events.errors[0].code).to.equal('E_BAD_CONFIG');
        expect(events.errors[0].message).to.match(/minDetectionConfidence: must be a number in \[0, 1\]/);
      } finally {
        element.remove();
        camera.stop();
      }
    });
  });

  it('a refused camera: a message in the element and an error event', async () => {
    await withMediaDevices(
      { getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) },
      async () => {
        const { element, events } = mount();
        try {
          await until(() => events.errors.length, 'the error');
          expect(events.errors[0].name).to.equal('NotAllowedError');
          expect(element.shadowRoot.querySelector('p').textContent).to.match(/No camera available \(NotAllowedError\)/);
          expect(events.ready).to.equal(0);
        } finally {
          element.remove();
        }
      },
    );
  });

  it('no camera API (a plain-http page): says so instead of a TypeError', async () => {
    await withMediaDevices(undefined, async () => {
      const { element, events } = mount();
      try {
        await until(() => events.errors.length, 'the error');
        expect(events.errors[0].name).to.equal('NotSupportedError');
        expect(element.shadowRoot.querySelector('p').textContent).to.match(/needs https or localhost/);
      } finally {
        element.remove();
      }
    });
  });
});
