/**
 * The classifier's own graph on a bare onnxruntime-web WASM session (Node, one thread), per face at batch 1
 * and 5: a float file against its MatMuls computed in int8 (training/export/int8-compute.ts), runs taking
 * turns so that load hits them alike; also each int8 form's max |Δlogit| against the float file.
 *
 *   node --import tsx bench/int8-batch.ts [--model .cache/base-start/jadfer-start.onnx] [--runs 20]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as ort from 'onnxruntime-web';
import { scriptArgs } from '../common/args.js';
import { foldStoredWeights, int8Compute } from '../training/export/int8-compute.js';
import { FLOAT_COMPUTE } from '../training/export/ort-run.js';

const { values } = scriptArgs({
  usage: 'usage: node --import tsx bench/int8-batch.ts [--model <float or shipped .onnx>] [--runs 20]',
  options: { model: { type: 'string', default: 'models/jadfer-base.onnx' }, runs: { type: 'string', default: '20' } },
  numbers: ['runs'],
});
ort.env.wasm.numThreads = 1;
const float = foldStoredWeights(readFileSync(values.model));
const models: Record<string, Uint8Array> = {
  float32: float,
  integer: int8Compute(float, { form: 'integer' }),
  fused: int8Compute(float, { form: 'fused' }),
};
const sessions = Object.fromEntries(
  await Promise.all(
    Object.entries(models).map(
      async ([name, bytes]) =>
        [
          name,
          await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], extra: FLOAT_COMPUTE }),
        ] as const,
    ),
  ),
);
const input = (b: number) =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: b * 128 * 128 }, (_, i) => (i * 37) % 255),
    [b, 1, 128, 128],
  );
const times: Record<string, number[]> = {};
const reference: Record<number, Float32Array> = {};
const load = loadavg()[0]!;
for (let run = 0; run < Number(values.runs); run++)
  for (const batch of [1, 5])
    for (const [name, session] of Object.entries(sessions)) {
      const started = performance.now();
      const logits = (await session.run({ input: input(batch) })).logits!.data as Float32Array;
      const ms = performance.now() - started;
      if (run > 1) (times[`${name}, batch ${batch}`] ??= []).push(ms / batch);
      if (name === 'float32') reference[batch] = logits;
      else if (run === 0)
        console.log(
          `${name} batch ${batch}: max |Δlogit| ${Math.max(...logits.map((v, i) => Math.abs(v - reference[batch]![i]!))).toFixed(3)}`,
        );
    }
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const first = median(times['float32, batch 1']!);
console.log(`ms per face (median), load ${load.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
for (const [key, v] of Object.entries(times))
  console.log(`${key.padEnd(18)} ${median(v).toFixed(2)} (${(median(v) / first).toFixed(2)})`);
