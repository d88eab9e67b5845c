/** Runs an ONNX model on onnxruntime-node or onnxruntime-web (WASM, in Node) with the same call. */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

export type OrtRuntime = 'node' | 'web-wasm';
export const ORT_RUNTIMES: OrtRuntime[] = ['node', 'web-wasm'];

export interface OrtModel {
  runtime: OrtRuntime;
  run(inputName: string, data: Float32Array, dims: number[], outputName: string): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * As the SDK runs our models (src/engine/onnx-runtime.ts): int8-stored weights are dequantized once
 * at load and everything computes in float32 (ORT's default would fuse them into int8 kernels).
 */
export const FLOAT_COMPUTE = { session: { disable_quant_qdq: '1' } };

export async function loadOrtModel(runtime: OrtRuntime, bytes: Uint8Array, threads = 1): Promise<OrtModel> {
  // Both packages share onnxruntime-common's API; only session options differ.
  const ort = runtime === 'node' ? ortNode : ortWeb;
  if (runtime === 'web-wasm') ortWeb.env.wasm.numThreads = threads;
  const session =
    runtime === 'node'
      ? await ortNode.InferenceSession.create(bytes, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          extra: FLOAT_COMPUTE,
        })
      : await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'], extra: FLOAT_COMPUTE });
  return {
    runtime,
    async run(inputName, data, dims, outputName) {
      const out = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) });
      return out[outputName]!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

export interface Agreement {
  maxAbsDiff: number;
  top1Agreement: number;
  samples: number;
}

/** Compares [n, classes] logits row by row. */
export function compareLogits(reference: ArrayLike<number>, candidate: ArrayLike<number>, classes: number): Agreement {
  if (reference.length !== candidate.length) throw new Error(`length ${reference.length} vs ${candidate.length}`);
  const n = reference.length / classes;
  let maxAbsDiff = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let ra = 0;
    let ca = 0;
    for (let k = 0; k < classes; k++) {
      const j = i * classes + k;
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(reference[j]! - candidate[j]!));
      if (reference[j]! > reference[i * classes + ra]!) ra = k;
      if (candidate[j]! > candidate[i * classes + ca]!) ca = k;
    }
    if (ra === ca) agree++;
  }
  return { maxAbsDiff, top1Agreement: n ? agree / n : 1, samples: n };
}
