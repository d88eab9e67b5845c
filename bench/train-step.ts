/**
 * `npm run bench:train [-- --backend webgpu] [-- --tail 0,2,5] [-- --batch 128,512] [-- --from-stem faceres-160] [-- --json]`
 * Training throughput of the real JADFER train step (trainer.ts trainStep: forward, variety loss,
 * gradients, AdamW) on random 7×7×512 feature maps, per trunk-tail depth and batch size, plus the
 * forward-only rate the epoch-end evaluation runs at. `--from-stem <backbone>` times training from
 * images instead: the whole trunk after its stem (the real layout and weights, so the trunk must be
 * fetched) on random stem maps. The data pipeline is left out on purpose: this is what the TF.js
 * backend itself sustains, which decides where training can run.
 * Prints one JSON line, then a table (unless --json).
 */
import * as tf from '@tensorflow/tfjs';
import { numberOption, scriptArgs, UsageError } from '../common/args.js';
import { CANDIDATES } from '../training/backbone/candidates.js';
import { trunkTailWeights } from '../training/backbone/tail-weights.js';
import { makeConfig, type FeatureShape, type JadferConfig } from '../training/model/config.js';
import type { ParamStore } from '../training/model/params.js';
import { buildJadfer } from '../training/model/jadfer.js';
import { Rng } from '../training/model/rng.js';
import { TfOps } from '../training/model/tf-ops.js';
import { randomTail, tailInputShape, tailOutputShape, tailParamNames } from '../training/model/trunk-tail.js';
import { blocksBetween, TRUNK_STEM } from '../training/train/images.js';
import { BACKENDS, selectBackend, type BackendName } from '../training/train/backend.js';
import { thisMachine } from '../training/train/machine.js';
import { AdamW } from '../training/train/optimizer.js';
import { initParams, trainStep } from '../training/train/trainer.js';

const USAGE = `usage: npm run bench:train -- [--backend ${BACKENDS.join('|')}] [--tail 0,2,5] [--batch 128,512]
  [--from-stem <backbone>] [--seconds 8] [--warmup 3] [--json]`;
/** A comma-separated list of counts (--tail, --batch). */
const counts = (value: string, flag: string) =>
  value.split(',').map((v) => numberOption(v, flag, { integer: true, min: 0 })!);
const flags = scriptArgs(
  {
    usage: USAGE,
    numbers: ['seconds', 'warmup'],
    options: {
      backend: { type: 'string' },
      tail: { type: 'string', default: '0,2' },
      batch: { type: 'string', default: '128' },
      'from-stem': { type: 'string' },
      seconds: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  },
  ({ values }) => {
    if (values.backend !== undefined && !BACKENDS.includes(values.backend as BackendName))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
    return { ...values, tails: counts(values.tail, 'tail'), batches: counts(values.batch, 'batch') };
  },
);
const jsonOnly = flags.json;
const seconds = Number(flags.seconds);
const warmupSteps = Number(flags.warmup);

const backend = await selectBackend(flags.backend as BackendName | undefined);
const FEATURES = { h: 7, w: 7, c: 512 };
const CLASSES = 8;

interface Row {
  tailBlocks: number;
  /** The map the step reads, h×w×c. */
  input: string;
  batch: number;
  trainSamplesPerSecond: number;
  msPerStep: number;
  steps: number;
  forwardSamplesPerSecond: number;
  firstStepMs: number;
}

function randomBatch(rng: Rng, batch: number, { h, w, c }: FeatureShape) {
  const x = Float32Array.from({ length: batch * h * w * c }, () => Math.min(6, Math.max(0, 1 + rng.normal())));
  const hard = Int32Array.from({ length: batch }, () => rng.int(CLASSES));
  const y = new Float32Array(batch * CLASSES);
  hard.forEach((label, i) => (y[i * CLASSES + label] = 1));
  return { x, y, hard };
}

/** Calls `run` until `budgetMs` have passed and at least 3 times: the mean ms per call, and the calls. */
async function timeCalls(run: () => Promise<unknown>, budgetMs: number): Promise<{ ms: number; calls: number }> {
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || calls < 3) {
    await run();
    calls++;
  }
  return { ms: (performance.now() - t0) / calls, calls };
}

/** Steps for `seconds`, then forward passes for half that; the first step (shader compilation, kernel setup) is reported apart. */
async function measure(config: JadferConfig, batch: number, tail?: ParamStore): Promise<Row> {
  const rng = new Rng(7);
  const params = initParams(config, 1, tail ?? randomTail(config, rng));
  const optimizer = new AdamW(params);
  const shape = tailInputShape(config);
  const { x, y, hard } = randomBatch(rng, batch, shape);
  const step = () => trainStep(params, optimizer, config, x, y, hard, rng, 1e-4, 0.1);
  const t0 = performance.now();
  await step();
  const firstStepMs = performance.now() - t0;
  for (let i = 1; i < warmupSteps; i++) await step();
  const { ms: msPerStep, calls: steps } = await timeCalls(step, seconds * 1000);

  const input = tf.tensor4d(x, [batch, shape.h, shape.w, shape.c]);
  const forward = async () => {
    const logits = tf.tidy(() => buildJadfer(new TfOps(params, { training: false }), config, input).logits);
    await logits.data();
    logits.dispose();
  };
  await forward();
  const { ms: forwardMs } = await timeCalls(forward, (seconds / 2) * 1000);
  input.dispose();
  params.dispose();
  optimizer.dispose();
  return {
    tailBlocks: config.tailBlocks,
    input: `${shape.h}×${shape.w}×${shape.c}`,
    batch,
    trainSamplesPerSecond: (batch / msPerStep) * 1000,
    msPerStep,
    steps,
    forwardSamplesPerSecond: (batch / forwardMs) * 1000,
    firstStepMs,
  };
}

/** The whole trunk after the stem of `backbone`, as training from images builds it. */
function fromStem(backbone: string): { config: JadferConfig; tail: ParamStore } {
  const { weights, blocks } = trunkTailWeights(backbone, TRUNK_STEM, blocksBetween(TRUNK_STEM, backbone));
  // The stem is a SAME stride-2 conv; its width is the channel count of the first block's depthwise kernel.
  const side = Math.ceil(CANDIDATES[backbone]!.spec.inputSize / 2);
  const layout = { input: { h: side, w: side, c: weights.get(tailParamNames(0).dwKernel)!.shape[2]! }, blocks };
  return {
    config: makeConfig(tailOutputShape(layout), CLASSES, { tailBlocks: blocks.length, tailLayout: layout }),
    tail: weights,
  };
}

const rows: Row[] = [];
const setups = flags['from-stem']
  ? [fromStem(flags['from-stem'])]
  : flags.tails.map((tailBlocks) => ({
      config: makeConfig(FEATURES, CLASSES, { tailBlocks }),
      tail: undefined,
    }));
for (const { config, tail } of setups) {
  for (const batch of flags.batches) {
    rows.push(await measure(config, batch, tail));
    if (!jsonOnly)
      console.error(
        `tail ${config.tailBlocks} from ${rows.at(-1)!.input}, batch ${batch}: ${rows.at(-1)!.trainSamplesPerSecond.toFixed(1)} samples/s`,
      );
  }
}
const result = {
  backend: backend.name,
  reason: backend.reason,
  cpu: thisMachine(),
  node: process.version,
  tfjs: tf.version.tfjs,
  seconds,
  rows,
};
console.log(JSON.stringify(result));
if (!jsonOnly) {
  console.log(`\nTraining step, ${result.backend} (${result.reason}), ${result.cpu}`);
  console.log('| tail blocks | input | batch | train samples/s | ms/step | forward samples/s | first step ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.tailBlocks} | ${r.input} | ${r.batch} | ${r.trainSamplesPerSecond.toFixed(1)} | ${r.msPerStep.toFixed(1)} | ${r.forwardSamplesPerSecond.toFixed(1)} | ${r.firstStepMs.toFixed(0)} |`,
    );
}
