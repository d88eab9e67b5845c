/**
 * Initial trunk-tail params (training/model/trunk-tail.ts) from the MobileNet trunk itself: the
 * blocks right after the cached feature node, with each BatchNorm folded as the TF.js graph
 * already has it (depthwise: kernel·scale + shift; pointwise: merged kernel + shift).
 */
import { tailParamNames } from '../model/trunk-tail.js';
import { ParamStore } from '../model/params.js';
import { loadBackbone } from './to-onnx.js';
import type { TfTensor } from './tfjs-graph.js';

/** MobileNet v1 block outputs are named conv_pw_<k>_relu/clip_by_value. */
const BLOCK_OUTPUT = /^conv_pw_(\d+)_relu\/clip_by_value$/;

export function trunkTailWeights(backbone: string, featureNode: string, blocks: number): ParamStore {
  const match = BLOCK_OUTPUT.exec(featureNode);
  if (!match) throw new Error(`a trunk tail needs a MobileNet block output as feature node (conv_pw_<k>_relu/clip_by_value), got ${featureNode}`);
  const { weights, json } = loadBackbone(backbone, { featureNode });
  const weight = (name: string): TfTensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`${backbone}: no weight ${name}`);
    return t;
  };
  const inputOf = (node: string) => json.modelTopology.node.find((n) => n.name === node)?.input?.[0];
  const store = new ParamStore();
  let previous = featureNode;
  for (let i = 0; i < blocks; i++) {
    const k = Number(match[1]) + 1 + i;
    // The graph must chain exactly as trunk-tail.ts computes it.
    if (inputOf(`conv_dw_${k}/depthwise`) !== previous) throw new Error(`${backbone}: conv_dw_${k} does not follow ${previous}`);
    for (const relu of [`conv_dw_${k}_relu`, `conv_pw_${k}_relu`]) {
      if (weight(`${relu}/Cast`).data[0] !== 6 || weight(`${relu}/Const_1`).data[0] !== 0) throw new Error(`${backbone}: ${relu} is not ReLU6`);
    }
    const kernel = weight(`conv_dw_${k}/depthwise_kernel`); // [3,3,C,1]
    const scale = weight(`conv_dw_${k}_bn/batchnorm_1/mul`).data;
    const channels = scale.length;
    const folded = Float32Array.from(kernel.data, (v, j) => v * scale[j % channels]!);
    const pw = weight(`conv_pw_${k}/convolution/merged_input`); // [1,1,C,C']
    if (pw.shape[3] !== channels) throw new Error(`${backbone}: block ${k} changes width (${channels} → ${pw.shape[3]}), the tail keeps it`);
    const names = tailParamNames(i);
    store.set(names.dwKernel, [3, 3, channels, 1], folded);
    store.set(names.dwBias, [channels], Float32Array.from(weight(`conv_dw_${k}_bn/batchnorm_1/sub`).data));
    store.set(names.pwWeight, [channels, channels], Float32Array.from(pw.data));
    store.set(names.pwBias, [channels], Float32Array.from(weight(`conv_pw_${k}_bn/batchnorm_1/sub`).data));
    previous = `conv_pw_${k}_relu/clip_by_value`;
  }
  return store;
}
