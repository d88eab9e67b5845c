/**
 * TF.js setup for Node without tfjs-node: the `wasm` backend (SIMD, optional threads) or
 * `cpu`, and a loader for TF.js graph models stored on disk (model.json + .bin shards).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

export { tf };

let initialised: string | null = null;

/** Selects and readies a backend ('wasm' by default, 'cpu' as fallback). */
export async function initTf(backend: 'wasm' | 'cpu' = 'wasm', threads = 1): Promise<string> {
  if (initialised === backend) return backend;
  if (backend === 'wasm') {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(join(pkgDir, 'dist') + '/');
    if (threads > 1) setThreadsCount(threads);
  }
  // tfjs prints a "Hi there" banner about tfjs-node; silence it once.
  const warn = console.warn;
  console.warn = () => {};
  try {
    await tf.setBackend(backend);
    await tf.ready();
  } finally {
    console.warn = warn;
  }
  if (tf.getBackend() !== backend) throw new Error(`tfjs backend ${backend} did not initialise`);
  initialised = backend;
  return backend;
}

export { readModelFiles, type ModelJson, type TfNode, type TfAttr } from './tfjs-graph.js';
import { readModelFiles, type ModelJson } from './tfjs-graph.js';

/** Loads a TF.js graph model from disk through `tf.io.fromMemory`. */
export async function loadGraphModelFromDisk(
  jsonPath: string,
  inputSize?: number,
): Promise<{ model: GraphModel; json: ModelJson; weightData: ArrayBuffer }> {
  const { json, weightData } = readModelFiles(jsonPath);
  if (inputSize) overrideInputSize(json, inputSize);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const model = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as unknown as tf.io.ModelJSON['modelTopology'],
      weightSpecs,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      signature: json.signature as object | undefined,
      userDefinedMetadata: json.userDefinedMetadata as Record<string, unknown> | undefined,
    } as tf.io.ModelArtifacts),
  );
  return { model, json, weightData };
}

/** Rewrites the spatial dims of every NHWC Placeholder (fully convolutional trunks run at other sizes). */
export function overrideInputSize(json: ModelJson, size: number): void {
  for (const n of json.modelTopology.node) {
    const dims = (n.attr?.shape?.shape as { dim?: { size: string }[] } | undefined)?.dim;
    if (n.op === 'Placeholder' && dims?.length === 4) {
      dims[1]!.size = String(size);
      dims[2]!.size = String(size);
    }
  }
  const sig = json.signature as { inputs?: Record<string, { tensorShape?: { dim?: { size: string }[] } }> } | undefined;
  for (const inp of Object.values(sig?.inputs ?? {})) {
    const dims = inp.tensorShape?.dim;
    if (dims?.length === 4) {
      dims[1]!.size = String(size);
      dims[2]!.size = String(size);
    }
  }
}

/**
 * Decodes every weight tensor of a model.json into Float32Array (dequantising float16 and
 * uint8/uint16 affine quantisation) keyed by node name.
 */
export function decodeWeights(
  json: ModelJson,
  weightData: ArrayBuffer,
): Map<string, { shape: number[]; dtype: string; data: Float32Array | Int32Array }> {
  const out = new Map<string, { shape: number[]; dtype: string; data: Float32Array | Int32Array }>();
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const named = tf.io.decodeWeights(weightData, specs as tf.io.WeightsManifestEntry[]);
  for (const spec of specs) {
    const t = named[spec.name]!;
    const data = t.dataSync();
    out.set(spec.name, {
      shape: spec.shape.slice(),
      dtype: spec.dtype,
      data: spec.dtype === 'int32' ? Int32Array.from(data as Int32Array) : Float32Array.from(data as Float32Array),
    });
    t.dispose();
  }
  return out;
}
