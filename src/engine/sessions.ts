/** One place that creates ORT sessions, so every model fails the same way. */
import type * as OrtTypes from 'onnxruntime-web';
import { JadferError } from '../contract/errors.js';
import type { Backend } from '../contract/types.js';
import type { Ort } from './ort-runtime.js';

export async function createSession(
  ort: Ort,
  model: Uint8Array,
  backend: Backend,
  name: string,
): Promise<OrtTypes.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, { executionProviders: [backend], graphOptimizationLevel: 'all' });
  } catch (error) {
    // WASM runs any valid model, so a failure there is the model's; on WebGPU it may be the backend's.
    const code = backend === 'wasm' ? 'E_MODEL_LOAD' : 'E_BACKEND_UNAVAILABLE';
    throw new JadferError(
      code,
      `cannot create a ${backend} session for ${name}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Checks that the names a card promises exist in the session. */
export async function checkSessionNames(
  session: OrtTypes.InferenceSession,
  name: string,
  inputs: readonly string[],
  outputs: readonly string[],
): Promise<void> {
  const problems = [
    ...inputs.filter((n) => !session.inputNames.includes(n)).map((n) => `input '${n}' not in [${session.inputNames}]`),
    ...outputs
      .filter((n) => !session.outputNames.includes(n))
      .map((n) => `output '${n}' not in [${session.outputNames}]`),
  ];
  if (problems.length) {
    await session.release();
    throw new JadferError('E_MODEL_LOAD', `model ${name} does not match its card: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
}
