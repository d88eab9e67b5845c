/**
 * `npm run bench:train [-- --backend webgpu] [-- --tail 0,2,5] [-- --batch 128,512] [-- --json]`
 * Training throughput of the real JADFER train step (trainer.ts trainStep: forward, variety loss,
 * gradients, AdamW) on random 7×7×512 feature maps, per trunk-tail depth and batch size, plus the
 * forward-only rate the epoch-end evaluation runs at. The data pipeline is left out on purpose: this
 * is what the TF.js backend itself sustains, which decides where training can run.
 * Prints one JSON line, then a table (unless --json).
 */
import * as tf from '@tensorflow/tfjs';
import { makeConfig, type JadferConfig } from '../training/model/config.js';
import { buildJadfer } from '../training/model/jadfer.js';
import { Rng } from '../training/model/rng.js';
import { TfOps } from '../training/model/tf-ops.js';
import { randomTail } from '../training/model/trunk-tail.js';
import { selectBackend, type BackendName } from '../training/train/backend.js';
import { thisMachine } from '../training/train/machine.js';
import { AdamW } from '../training/train/optimizer.js';
import { initParams, trainStep } from '../training/train/trainer.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const numbers = (name: string, fallback: string) => option(name, fallback).split(',').map(Number);
const jsonOnly = args.includes('--json');
const seconds = Number(option('--seconds', '8'));
const warmupSteps = Number(option('--warmup', '3'));

const backend = await selectBackend(args.includes('--backend') ? (option('--backend', 'wasm') as BackendName) : undefined);
const FEATURES = { h: 7, w: 7, c: 512 };
const CLASSES = 8;

interface Row {
  tailBlocks: number;
  batch: number;
  trainSamplesPerSecond: number;
  msPerStep: number;
  steps: number;
  forwardSamplesPerSecond: number;
  firstStepMs: number;
}

function randomBatch(rng: Rng, batch: number) {
  const x = Float32Array.from({ length: batch * FEATURES.h * FEATURES.w * FEATURES.c }, () => Math.min(6, Math.max(0, 1 + rng.normal())));
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
async function measure(config: JadferConfig, batch: number): Promise<Row> {
  const rng = new Rng(7);
  const params = initParams(config, 1, randomTail(config, rng));
  const optimizer = new AdamW(params);
  const { x, y, hard } = randomBatch(rng, batch);
  const step = () => trainStep(params, optimizer, config, x, y, hard, rng, 1e-4, 0.1);
  const t0 = performance.now();
  await step();
  const firstStepMs = performance.now() - t0;
  for (let i = 1; i < warmupSteps; i++) await step();
  const { ms: msPerStep, calls: steps } = await timeCalls(step, seconds * 1000);

  const input = tf.tensor4d(x, [batch, FEATURES.h, FEATURES.w, FEATURES.c]);
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
  return { tailBlocks: config.tailBlocks, batch, trainSamplesPerSecond: (batch / msPerStep) * 1000, msPerStep, steps, forwardSamplesPerSecond: (batch / forwardMs) * 1000, firstStepMs };
}

const rows: Row[] = [];
for (const tailBlocks of numbers('--tail', '0,2')) {
  for (const batch of numbers('--batch', '128')) {
    rows.push(await measure(makeConfig(FEATURES, CLASSES, { tailBlocks }), batch));
    if (!jsonOnly) console.error(`tail ${tailBlocks} batch ${batch}: ${rows.at(-1)!.trainSamplesPerSecond.toFixed(1)} samples/s`);
  }
}
const result = { backend: backend.name, reason: backend.reason, cpu: thisMachine(), node: process.version, tfjs: tf.version.tfjs, seconds, rows };
console.log(JSON.stringify(result));
if (!jsonOnly) {
  console.log(`\nTraining step, ${result.backend} (${result.reason}), ${result.cpu}`);
  console.log('| tail blocks | batch | train samples/s | ms/step | forward samples/s | first step ms |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.tailBlocks} | ${r.batch} | ${r.trainSamplesPerSecond.toFixed(1)} | ${r.msPerStep.toFixed(1)} | ${r.forwardSamplesPerSecond.toFixed(1)} | ${r.firstStepMs.toFixed(0)} |`);
}
