/**
 * Per-face latency of a converted backbone trunk (batch 1, after warm-up):
 * onnxruntime-node, onnxruntime-web (WASM, in Node) and TF.js wasm.
 *
 *   node --import tsx training/backbone/bench.ts [--backbone mobilefacenet] [--size 112] [--secs 3] [--threads 1]
 */
import { loadOrtModel } from '../export/ort-run.js';
import { CANDIDATES, candidatePath } from './candidates.js';
import { backboneToOnnx } from './convert/emit.js';
import { DEFAULT_BACKBONE, loadBackbone } from './convert/tfjs-import.js';
import { overrideInputSize } from './tfjs-env.js';
import { scriptArgs } from '../../common/args.js';

const USAGE = 'usage: bench.ts [--backbone faceres-112] [--size 112] [--secs 3] [--threads 1] [--tfjs]';

async function timeIt(fn: () => Promise<unknown>, secs: number): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < secs * 1000) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return +times[Math.floor(times.length / 2)]!.toFixed(2); // median
}

async function main() {
  const { values } = scriptArgs({
    usage: USAGE,
    numbers: ['secs', 'threads', 'size'],
    options: {
      backbone: { type: 'string', default: DEFAULT_BACKBONE },
      secs: { type: 'string', default: '3' },
      threads: { type: 'string', default: '1' },
      size: { type: 'string' },
      tfjs: { type: 'boolean', default: false },
    },
  });
  const name = values.backbone;
  const secs = Number(values.secs);
  const threads = Number(values.threads);
  const model = loadBackbone(name);
  const size = Number(values.size ?? model.spec.inputSize);
  if (size !== model.spec.inputSize) {
    overrideInputSize(model.json, size);
    model.spec = { ...model.spec, inputSize: size };
  }
  const { bytes, shape } = backboneToOnnx(model);
  const x = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i));
  const res: Record<string, unknown> = {
    backbone: name,
    inputSize: size,
    featureShape: shape,
    onnxBytes: bytes.length,
    threads,
  };

  for (const [runtime, key] of [
    ['node', 'ortNodeMs'],
    ['web-wasm', 'ortWebWasmMs'],
  ] as const) {
    const session = await loadOrtModel(runtime, bytes, threads);
    res[key] = await timeIt(() => session.run('input', x, [1, 3, size, size], 'features'), secs);
  }

  if (values.tfjs) {
    const { initTf, loadGraphModelFromDisk, tf } = await import('./tfjs-env.js');
    await initTf('wasm', threads);
    const { model: gm } = await loadGraphModelFromDisk(candidatePath(CANDIDATES[name]!), size);
    const t = tf.tensor4d(x, [1, size, size, 3]);
    res.tfjsWasmMs = await timeIt(async () => {
      const y = gm.execute(t, model.featureNode) as import('@tensorflow/tfjs').Tensor;
      await y.data();
      y.dispose();
    }, secs);
  }
  console.log(JSON.stringify(res));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack?.split('\n').slice(0, 8).join('\n') : e);
  process.exit(1);
});
