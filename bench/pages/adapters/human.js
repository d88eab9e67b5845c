// @vladmandic/human: face detection (BlazeFace) + emotion only, models from the package's own models/.
import { Human } from '/node_modules/@vladmandic/human/dist/human.esm.js';
import { configureTfjsWasm, tfjsBackendInfo, TFJS_WASM_DIR } from './tfjs-wasm.js';

const off = { enabled: false };
// Every frame is analysed in full: no result caching between frames (cacheSensitivity 0, skip* 0),
// as a still photo repeated would otherwise be served from human's cache.
const everyFrame = { skipFrames: 0, skipTime: 0 };

export async function load({ device, threads, cache = false }) {
  const human = new Human({
    backend: device,
    wasmPath: TFJS_WASM_DIR,
    modelBasePath: '/node_modules/@vladmandic/human/models/',
    cacheModels: cache, // IndexedDB, only when asked (cold-start.js): otherwise every page loads over the network
    warmup: 'none',
    cacheSensitivity: 0,
    debug: false,
    filter: off, // image filters (WebGL) are not part of detection + emotion
    gesture: off,
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 10, ...everyFrame },
      mesh: off,
      iris: off,
      attention: off,
      description: off,
      antispoof: off,
      liveness: off,
      emotion: { enabled: true, ...everyFrame },
    },
    body: off,
    hand: off,
    object: off,
    segmentation: off,
  });
  if (device === 'wasm') configureTfjsWasm(human.tf, threads);
  await human.load();
  const info = tfjsBackendInfo(human.tf);
  if (info.backend !== device) throw new Error(`human runs on ${info.backend}, not ${device}`);
  return {
    ...info,
    settings: {
      detector: human.config.face.detector.modelPath,
      emotion: human.config.face.emotion.modelPath,
      maxDetected: 10,
      caching: cache ? 'models in IndexedDB' : 'off',
    },
    detect: async (image) =>
      (await human.detect(image)).face.map((face) => ({
        expression: face.emotion?.[0]?.emotion ?? 'none',
        score: face.boxScore,
      })),
    dispose: () => human.tf.engine().reset(),
  };
}
