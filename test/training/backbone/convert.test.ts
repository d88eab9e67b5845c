/**
 * TF.js graph → ONNX backbone conversion: a synthetic graph exercising every converter path
 * (SAME/asymmetric padding, explicit Pad, depthwise, fused conv ops, batch norm, both PReLU
 * idioms, Relu6 as Minimum/Maximum, residual add), checked against TF.js itself; and, when
 * fetched into .cache/, the real chosen backbone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../../../training/onnx/builder.js';
import { emitBackbone } from '../../../training/backbone/convert/emit.js';
import { DEFAULT_BACKBONE, type TfBackbone } from '../../../training/backbone/convert/tfjs-import.js';
import {
  decodeWeightsPure,
  type ModelJson,
  type TfNode,
  type WeightSpec,
} from '../../../training/backbone/tfjs-graph.js';
import { compareNhwcNchw } from '../../../training/backbone/parity.js';
import { CANDIDATES, candidatePath } from '../../../training/backbone/candidates.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const T = { T: { type: 'DT_FLOAT' } };
const ilist = (...v: number[]) => ({ list: { i: v.map(String) } });
const conv = (
  name: string,
  op: string,
  input: string[],
  padding: string,
  stride: number,
  fused: string[] = [],
): TfNode => ({
  name,
  op,
  input,
  attr: {
    ...T,
    padding: { s: b64(padding) },
    strides: ilist(1, stride, stride, 1),
    dilations: ilist(1, 1, 1, 1),
    data_format: { s: b64('NHWC') },
    ...(fused.length
      ? { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: String(input.length - 2) }, epsilon: { f: 0 } }
      : {}),
  },
});
const op = (name: string, o: string, input: string[]): TfNode => ({ name, op: o, input, attr: { ...T } });

/** A small graph model built in memory: model.json + weight buffer. */
function syntheticModel(size = 12): { json: ModelJson; weightData: ArrayBuffer; output: string } {
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const specs: WeightSpec[] = [];
  const chunks: ArrayBuffer[] = [];
  const nodes: TfNode[] = [
    {
      name: 'input',
      op: 'Placeholder',
      attr: {
        dtype: { type: 'DT_FLOAT' },
        shape: { shape: { dim: [{ size: '-1' }, { size: String(size) }, { size: String(size) }, { size: '3' }] } },
      },
    },
  ];
  const constant = (
    name: string,
    shape: number[],
    values?: number[],
    dtype: 'float32' | 'int32' = 'float32',
    scale = 0.5,
    offset = 0,
  ) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = values ?? Array.from({ length: n }, () => offset + rnd() * scale);
    chunks.push((dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v)).buffer);
    specs.push({ name, shape, dtype });
    nodes.push({
      name,
      op: 'Const',
      attr: {
        dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' },
        value: {
          tensor: {
            dtype: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT',
            tensorShape: { dim: shape.map((d) => ({ size: String(d) })) },
          },
        },
      },
    });
    return name;
  };
  // 1. Conv2D SAME stride 2 (12 → 6: asymmetric padding) + FusedBatchNormV3
  nodes.push(conv('c1', 'Conv2D', ['input', constant('w1', [3, 3, 3, 8])], 'SAME', 2));
  nodes.push({
    ...op('bn1', 'FusedBatchNormV3', [
      'c1',
      constant('s1', [8], undefined, 'float32', 0.3, 1),
      constant('o1', [8]),
      constant('m1', [8]),
      constant('v1', [8], undefined, 'float32', 0.2, 0.5),
    ]),
    attr: { ...T, epsilon: { f: 0.001 }, is_training: { b: false } },
  });
  // 2. TF-slim PReLU idiom: Relu(x) + (x - |x|) * m
  nodes.push(
    op('r2', 'Relu', ['bn1']),
    op('a2', 'Abs', ['bn1']),
    op('s2', 'Sub', ['bn1', 'a2']),
    op('m2', 'Mul', ['s2', constant('alpha2', [8], undefined, 'float32', 0.2)]),
    op('p2', 'Add', ['r2', 'm2']),
  );
  // 3. _FusedConv2D 1×1 with BiasAdd + Relu6
  nodes.push(
    conv('c3', '_FusedConv2D', ['p2', constant('w3', [1, 1, 8, 16]), constant('b3', [16])], 'SAME', 1, [
      'BiasAdd',
      'Relu6',
    ]),
  );
  // 4. explicit Pad + VALID depthwise (MXNet style) + MXNet PReLU idiom Max(x,0) + g*Min(x,0)
  nodes.push({
    ...op('pad4', 'Pad', ['c3', constant('pads4', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0], 'int32')]),
    attr: { ...T, Tpaddings: { type: 'DT_INT32' } },
  });
  nodes.push(conv('d4', 'DepthwiseConv2dNative', ['pad4', constant('w4', [3, 3, 16, 1])], 'VALID', 1));
  nodes.push(
    op('mx4', 'Maximum', [constant('zero4a', [], [0]), 'd4']),
    op('mn4', 'Minimum', [constant('zero4b', [], [0]), 'd4']),
  );
  nodes.push(
    op('g4', 'Mul', [constant('gamma4', [16], undefined, 'float32', 0.3), 'mn4']),
    op('p4', 'AddV2', ['mx4', 'g4']),
  );
  // 5. FusedDepthwiseConv2dNative SAME stride 2 (6 → 3, asymmetric) with BiasAdd + Relu
  nodes.push(
    conv('d5', 'FusedDepthwiseConv2dNative', ['p4', constant('w5', [3, 3, 16, 1]), constant('b5', [16])], 'SAME', 2, [
      'BiasAdd',
      'Relu',
    ]),
  );
  // 6. Conv2D + per-channel Mul/Add (Keras BN) + residual AddV2
  nodes.push(conv('c6', 'Conv2D', ['d5', constant('w6', [1, 1, 16, 16])], 'VALID', 1));
  nodes.push(
    op('bnm6', 'Mul', ['c6', constant('bns6', [16], undefined, 'float32', 0.5, 1)]),
    op('bna6', 'Add', ['bnm6', constant('bnb6', [16])]),
  );
  nodes.push(op('res6', 'AddV2', ['bna6', 'd5']));
  // 7. Keras ReLU6 as Relu → Minimum(6) → Maximum(0), then a Prelu op
  nodes.push(
    op('r7', 'Relu', ['res6']),
    op('min7', 'Minimum', ['r7', constant('six7', [], [6])]),
    op('max7', 'Maximum', ['min7', constant('zero7', [], [0])]),
  );
  nodes.push(op('out', 'Prelu', ['max7', constant('alpha8', [16], undefined, 'float32', 0.2)]));

  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    data.set(new Uint8Array(c), off);
    off += c.byteLength;
  }
  return {
    json: {
      format: 'graph-model',
      modelTopology: { node: nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: [], weights: specs }],
    },
    weightData: data.buffer,
    output: 'out',
  };
}

test('synthetic TF.js graph converts to ONNX with parity against TF.js', async () => {
  await tf.setBackend('cpu');
  const size = 12;
  const { json, weightData, output } = syntheticModel(size);
  const gm = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as never,
      weightSpecs: json.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
      weightData,
      format: 'graph-model',
    }),
  );
  const n = 3;
  const nhwc = Float32Array.from({ length: n * size * size * 3 }, (_, i) => Math.sin(i * 0.37) * 2);
  const ref = (await (gm.execute(tf.tensor4d(nhwc, [n, size, size, 3]), output) as tf.Tensor).data()) as Float32Array;

  const model: TfBackbone = {
    name: 'synthetic',
    json,
    weights: decodeWeightsPure(json, weightData),
    featureNode: output,
    spec: { inputSize: size, color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] },
  };
  const g = new OnnxGraphBuilder('synthetic');
  const input = g.input('input', ['batch', 3, size, size]);
  const r = emitBackbone(g, input, model);
  assert.deepEqual(r.shape, { c: 16, h: 3, w: 3 });
  g.alias(r.output, 'features');
  g.output('features', ['batch', 16, 3, 3]);
  // Pad, BN and the affine Mul/Add folded into Conv; both PReLU idioms recognised; Relu→Min→Max
  // became one Clip; the final Prelu acts on a Clip(0,6) output, so it is the identity and dropped.
  assert.deepEqual(r.ops, { Conv: 5, PRelu: 2, Clip: 2, Relu: 1, Add: 1 });

  const nchw = new Float32Array(nhwc.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++)
          nchw[((b * 3 + c) * size + y) * size + x] = nhwc[((b * size + y) * size + x) * 3 + c]!;
  const sess = await ort.InferenceSession.create(g.toBytes());
  const out = await sess.run({ input: new ort.Tensor('float32', nchw, [n, 3, size, size]) });
  const feats = out.features!;
  assert.deepEqual(feats.dims, [n, 16, 3, 3]);
  const stats = compareNhwcNchw(ref, feats.data as Float32Array, n, 16, 3, 3);
  assert.ok(stats.featureScale > 0.1, `non-trivial features (${stats.featureScale})`);
  assert.ok(stats.maxAbsDiff < 1e-5, `maxAbsDiff ${stats.maxAbsDiff}`);
  assert.equal(stats.top1Agreement, 1);
});

test('unsupported TF ops are rejected with the op named', () => {
  const { json, weightData } = syntheticModel();
  json.modelTopology.node.push({ name: 'weird', op: 'Cumsum', input: ['out'], attr: T });
  const model: TfBackbone = {
    name: 'synthetic',
    json,
    weights: decodeWeightsPure(json, weightData),
    featureNode: 'weird',
    spec: { inputSize: 12, color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] },
  };
  const g = new OnnxGraphBuilder('bad');
  assert.throws(
    () => emitBackbone(g, g.input('input', ['batch', 3, 12, 12]), model),
    /unsupported TF op Cumsum \(node weird\)/,
  );
});

test(`real backbone (${DEFAULT_BACKBONE}) parity: TF.js vs onnxruntime-node vs onnxruntime-web`, async (t) => {
  const cand = CANDIDATES[DEFAULT_BACKBONE]!;
  if (!existsSync(candidatePath(cand))) {
    const msg = `${candidatePath(cand)} not fetched (run: node --import tsx training/backbone/fetch.ts): SKIPPING real-backbone parity`;
    console.warn(`\n*** ${msg} ***\n`);
    t.skip(msg);
    return;
  }
  const { runParity } = await import('../../../training/backbone/parity.js');
  const r = await runParity(DEFAULT_BACKBONE, 2);
  for (const [rt, s] of Object.entries(r)) {
    assert.ok(s.relDiff <= 1e-4, `${rt}: relDiff ${s.relDiff} (maxAbsDiff ${s.maxAbsDiff}, scale ${s.featureScale})`);
    assert.equal(s.top1Agreement, 1, rt);
  }
});
