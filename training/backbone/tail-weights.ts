/**
 * Initial trunk-tail params (training/model/trunk-tail.ts) from the MobileNet trunk itself: the
 * blocks right after the cached feature node (or the stem, conv1, as block 0), with each BatchNorm
 * folded as the TF.js graph already has it (depthwise: kernel·scale + shift; pointwise: merged
 * kernel + shift), and each block's stride and width as the graph has them.
 */
import type { TailBlock } from '../model/config.js';
import { tailParamNames } from '../model/trunk-tail.js';
import { ParamStore } from '../model/params.js';
import { loadBackbone } from './convert/tfjs-import.js';
import { attrInts, attrString, type TfTensor } from './tfjs-graph.js';

/** MobileNet v1 block outputs are named conv_pw_<k>_relu/clip_by_value; the stem's is conv1_relu/clip_by_value. */
const BLOCK_OUTPUT = /^conv(?:_pw_(\d+)|1)_relu\/clip_by_value$/;

/** The MobileNet block a node is the output of (the stem is block 0); undefined for any other node. */
export function blockIndex(node: string): number | undefined {
  const match = BLOCK_OUTPUT.exec(node);
  return match ? Number(match[1] ?? 0) : undefined;
}

export function trunkTailWeights(
  backbone: string,
  featureNode: string,
  blocks: number,
): { weights: ParamStore; blocks: TailBlock[] } {
  const first = blockIndex(featureNode);
  if (first === undefined)
    throw new Error(
      `a trunk tail needs a MobileNet block output as feature node (conv_pw_<k>_relu/clip_by_value or conv1_relu/clip_by_value), got ${featureNode}`,
    );
  const { weights, json } = loadBackbone(backbone, { featureNode });
  const weight = (name: string): TfTensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`${backbone}: no weight ${name}`);
    return t;
  };
  const nodeOf = (name: string) => json.modelTopology.node.find((n) => n.name === name);
  const store = new ParamStore();
  const layout: TailBlock[] = [];
  let previous = featureNode;
  for (let i = 0; i < blocks; i++) {
    const k = first + 1 + i;
    const depthwise = nodeOf(`conv_dw_${k}/depthwise`);
    // The graph must chain exactly as trunk-tail.ts computes it.
    if (!depthwise) throw new Error(`${backbone}: no block ${k} (asked for ${blocks} blocks after ${featureNode})`);
    if (depthwise.input?.[0] !== previous) throw new Error(`${backbone}: conv_dw_${k} does not follow ${previous}`);
    const strides = attrInts(depthwise.attr?.strides);
    const padding = attrString(depthwise.attr?.padding);
    const stride = strides[1];
    if ((stride !== 1 && stride !== 2) || strides[2] !== stride || padding !== 'SAME')
      throw new Error(`${backbone}: conv_dw_${k} is not a SAME 3×3 at stride 1 or 2`);
    for (const relu of [`conv_dw_${k}_relu`, `conv_pw_${k}_relu`]) {
      if (weight(`${relu}/Cast`).data[0] !== 6 || weight(`${relu}/Const_1`).data[0] !== 0)
        throw new Error(`${backbone}: ${relu} is not ReLU6`);
    }
    const kernel = weight(`conv_dw_${k}/depthwise_kernel`); // [3,3,C,1]
    const scale = weight(`conv_dw_${k}_bn/batchnorm_1/mul`).data;
    const channels = scale.length;
    const folded = Float32Array.from(kernel.data, (v, j) => v * scale[j % channels]!);
    const pw = weight(`conv_pw_${k}/convolution/merged_input`); // [1,1,C,C']
    const out = pw.shape[3]!;
    const names = tailParamNames(i);
    store.set(names.dwKernel, [3, 3, channels, 1], folded);
    store.set(names.dwBias, [channels], Float32Array.from(weight(`conv_dw_${k}_bn/batchnorm_1/sub`).data));
    store.set(names.pwWeight, [channels, out], Float32Array.from(pw.data));
    store.set(names.pwBias, [out], Float32Array.from(weight(`conv_pw_${k}_bn/batchnorm_1/sub`).data));
    layout.push({ stride, channels: out });
    previous = `conv_pw_${k}_relu/clip_by_value`;
  }
  return { weights: store, blocks: layout };
}
