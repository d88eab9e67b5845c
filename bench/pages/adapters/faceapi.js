// @vladmandic/face-api: tinyFaceDetector + faceExpressionNet, weights from the package's model/.
import * as faceapi from '/node_modules/@vladmandic/face-api/dist/face-api.esm.js';
import { configureTfjsWasm, tfjsBackendInfo } from './tfjs-wasm.js';

const MODELS = '/node_modules/@vladmandic/face-api/model';

export async function load({ device, threads }) {
  // The bundle embeds TF.js with the cpu, webgl and wasm backends only: no WebGPU.
  if (device !== 'wasm') throw new Error(`face-api's bundle has no ${device} backend`);
  configureTfjsWasm(faceapi.tf, threads);
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  await Promise.all([
    faceapi.nets.tinyFaceDetector.loadFromUri(MODELS),
    faceapi.nets.faceExpressionNet.loadFromUri(MODELS),
  ]);
  const options = new faceapi.TinyFaceDetectorOptions(); // library defaults: inputSize 416, scoreThreshold 0.5
  return {
    ...tfjsBackendInfo(faceapi.tf),
    settings: { detector: 'tinyFaceDetector', inputSize: options.inputSize, scoreThreshold: options.scoreThreshold },
    detect: async (image) =>
      (await faceapi.detectAllFaces(image, options).withFaceExpressions()).map((face) => ({
        expression: face.expressions.asSortedArray()[0].expression,
        score: face.detection.score,
      })),
    dispose: () => faceapi.tf.engine().reset(),
  };
}
