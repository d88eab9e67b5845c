/**
 * Trains the JADFER heads (and the trunk tail, if any) on cached backbone features, or on the faces
 * themselves with online augmentation (images.ts). Deterministic for a given seed and backend:
 * shuffling, view choice, augmentation, dropout and JAD gates all draw from one checkpointed Rng,
 * so `resume` after a kill reproduces the uninterrupted run exactly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeConfig, type JadferConfig, type TailLayout } from '../model/config.js';
import { buildJadfer } from '../model/jadfer.js';
import { Rng } from '../model/rng.js';
import { ParamStore } from '../model/params.js';
import { TfOps, TfParams } from '../model/tf-ops.js';
import { fitPositions } from '../model/positions.js';
import { isTailParam, tailInputShape, tailOutputShape } from '../model/trunk-tail.js';
import { trunkTailWeights } from '../backbone/tail-weights.js';
import { varietyLoss } from '../model/variety.js';
import { FER_EMOTIONS } from '../../common/ferplus.js';
import { argmax, ConfusionMatrix } from '../../common/metrics.js';
import {
  loadCheckpoint,
  restoreCommittedCheckpoint,
  saveCheckpoint,
  saveCommittedCheckpoint,
  type EpochMetrics,
  type TrainState,
} from './checkpoint.js';
import { FeatureSplit, targets, type SplitMeta, type TrainingSplit } from './features.js';
import { ImageSplit, type ImageSource } from './images.js';
import { Teacher } from './teacher.js';
import { shippedParams } from '../export/onnx-params.js';
import { thisMachine } from './machine.js';
import { AdamW, DEFAULT_ADAMW, learningRate } from './optimizer.js';
import { confusionSvg, curvesSvg, writePng } from './plots.js';

export interface TrainOptions {
  /** A feature cache directory (training/backbone/cache-features.ts); or give `images`. */
  features?: string;
  /** Train from the faces, augmented online, through the frozen trunk up to images.featureNode. */
  images?: ImageSource;
  out: string;
  epochs: number;
  seed: number;
  resume: boolean;
  batchSize: number;
  lr: number;
  weightDecay: number;
  warmupEpochs: number;
  /** λ in L = CE + λ·L_var. */
  varietyWeight: number;
  labelSmoothing: number;
  softLabels: boolean;
  /**
   * Start the heads from a finished run's params (`runs/<name>/best/params`): with the trunk tail
   * starting as the trunk itself, the model starts exactly where that run ended (linear-probe-then-
   * fine-tune), so fine-tuning the tail needs a few epochs instead of a full run.
   */
  initFrom?: string;
  /** Learning rate of the fine-tuned trunk tail relative to the heads' (pretrained weights move less). */
  tailLrScale: number;
  model: Partial<JadferConfig>;
  backend: string;
  /** The accelerator under the backend (BackendChoice.device): recorded with the machine, not the settings. */
  device?: string;
  evalBatch: number;
  logEvery: number;
  plots: boolean;
  /** The command line, recorded in config.json and the model card. */
  command?: string;
  /**
   * Distil from a trained model (a card beside its .onnx, run on onnxruntime-node on the same
   * augmented faces): L = (1 − weight)·CE(targets) + weight·T²·KL(teacher_T ‖ student_T) + λ·L_var.
   */
  teacher?: {
    card: string;
    weight: number;
    temperature: number;
    /** Teach with the mean of the face's view and its mirror (absent: the student's view alone). */
    mirror?: true;
    /** The teacher file's, recorded by the trainer. */ sha256?: string;
  };
  /** Also checkpoint every this many steps inside an epoch (a long epoch survives a stop). */
  checkpointEverySteps?: number;
  /**
   * A folder in the repository (training/checkpoints/<run>/) that also gets each checkpoint, compact
   * (checkpoint.ts): a run longer than a session resumes from it when runs/ did not survive.
   */
  committedCheckpoint?: string;
  /**
   * Which epoch is "best" (kept in best/, shipped): by validation accuracy alone (runs before
   * 2026-11-30), or by the mean of validation accuracy and mean per-class accuracy, so a model that
   * gives up a rare class for the frequent ones is not picked for it.
   */
  selection?: EpochSelection;
  /** Stop after this many epochs in this process, as if killed (tests). */
  stopAfterEpochs?: number;
  /** Stop once the run has made this many steps, right after a checkpoint inside an epoch, as if killed (tests). */
  stopAfterSteps?: number;
  log: (line: string) => void;
}

export const DEFAULT_TRAIN: Omit<TrainOptions, 'out' | 'epochs'> = {
  seed: 1,
  resume: false,
  batchSize: 128,
  lr: 5e-4,
  weightDecay: DEFAULT_ADAMW.weightDecay,
  warmupEpochs: 1,
  varietyWeight: 0.1,
  labelSmoothing: 0.1,
  softLabels: false,
  tailLrScale: 0.2,
  model: {},
  backend: 'unknown',
  evalBatch: 256,
  logEvery: 50,
  plots: true,
  selection: 'accuracy-and-mean-class',
  log: (line) => console.log(line),
};

export type EpochSelection = 'accuracy' | 'accuracy-and-mean-class';

export function selectionScore(m: EpochMetrics, selection: EpochSelection = 'accuracy'): number {
  return selection === 'accuracy' ? m.validAccuracy : (m.validAccuracy + (m.validMeanClassAccuracy ?? 0)) / 2;
}

export interface TrainResult {
  state: TrainState;
  config: JadferConfig;
  params: TfParams;
}

export interface RunConfig {
  model: JadferConfig;
  labels: string[];
  train: Omit<TrainOptions, 'log' | 'stopAfterEpochs' | 'stopAfterSteps' | 'resume' | 'model' | 'device'>;
  /** `dir` is the dataset spec when `online` (trained from images, trainViews 0). */
  features: {
    dir: string;
    backbone: string;
    featureNode?: string;
    trainN: number;
    validN: number;
    trainViews: number;
    online?: boolean;
  };
  /** The machine that trained (CPU model × cores, and the GPU adapter if one trained): the card must not name the one that ships. */
  machine?: string;
  /** Set when these weights are an average of finished runs (average.ts), not trained by this config's command. */
  average?: WeightAverage;
  /** Set when these weights were trained at another input size and are run at this one (run-from-model.ts). */
  resized?: { from: string; to: string };
}

export interface WeightAverage {
  runs: {
    dir: string;
    weight: number;
    validAccuracy: number;
    /** Absent in averages written before it was recorded. */
    validMeanClassAccuracy?: number;
    seconds: number;
    epochs: number;
    command: string | null;
  }[];
  /** The runs' common start mixed in (WiSE-FT): what it was, and its weight. */
  start?: { initFrom: string | null; weight: number };
  command: string;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const log = options.log;
  const data = await openData(options);
  const { trainSplit, validSplit, config } = data;
  // Opened first: its file's hash is part of the run's settings (a resume with another teacher is refused).
  const teacher = options.teacher
    ? await Teacher.open(options.teacher.card, { mirror: options.teacher.mirror })
    : undefined;
  const checkpoint = checkResume(options, describeRun(options, data, teacher));
  const { params, optimizer, state } = startingPoint(options, data, checkpoint);
  const rng = new Rng(state.rng);
  if (teacher && !(trainSplit instanceof ImageSplit))
    throw new Error('distillation needs the faces (--images): the teacher runs on the pixels the student sees');
  const run: Run = { options, log, ...data, teacher, params, optimizer, state, rng, ...schedule(options, data.meta) };
  let epochsThisRun = 0;

  for (let epoch = state.epoch; epoch < options.epochs; epoch++) {
    if (options.stopAfterEpochs !== undefined && epochsThisRun >= options.stopAfterEpochs) break;
    const pass = await trainEpoch(run, epoch);
    if (pass.stopped) break;
    await endEpoch(run, epoch, pass);
    epochsThisRun++;
  }
  trainSplit.close();
  validSplit.close();
  await teacher?.release();
  return { state, config, params };
}

/** The data a run trains and selects on, and the model config that follows from it. */
interface RunData {
  trainSplit: TrainingSplit;
  validSplit: TrainingSplit;
  /** The feature cache or image dataset, as recorded in config.json. */
  source: string;
  meta: SplitMeta;
  labels: string[];
  config: JadferConfig;
  /** The trunk blocks trained after the frozen part, if any. */
  trunk: ReturnType<typeof tailFromTrunk>;
}

/** What the steps of one run share: its settings, data, params, optimiser, state and random stream. */
interface Run extends RunData, ReturnType<typeof schedule> {
  options: TrainOptions;
  log: (line: string) => void;
  teacher: Teacher | undefined;
  params: TfParams;
  optimizer: AdamW;
  state: TrainState;
  rng: Rng;
}

/** One pass over the training split, or the part of it done before a `stopAfterSteps` stop. */
interface EpochPass {
  sums: NonNullable<TrainState['partial']>['sums'];
  lr: number;
  /** performance.now() at the epoch's start, moved back by the time a resumed epoch had already taken. */
  started: number;
  stopped: boolean;
}

/** Splits: opens the training and validation splits and sizes the model to them. */
async function openData(options: TrainOptions): Promise<RunData> {
  const log = options.log;
  const { train: trainSplit, valid: validSplit, source } = await openSplits(options);
  const meta = trainSplit.meta;
  const labels = [...((meta as { labelNames?: string[] }).labelNames ?? FER_EMOTIONS)];
  const trunk = tailFromTrunk(options, meta);
  const config = makeConfig(
    trunk?.layout ? tailOutputShape(trunk.layout) : { h: meta.h, w: meta.w, c: meta.c },
    labels.length,
    {
      ...options.model,
      ...(trunk?.layout ? { tailLayout: trunk.layout } : {}),
    },
  );
  mkdirSync(options.out, { recursive: true });
  if (options.images)
    log(
      `training from images: ${meta.n} train / ${validSplit.meta.n} valid faces, trunk frozen up to ${meta.featureNode} [${meta.h}×${meta.w}×${meta.c}], ${config.tailBlocks} blocks trained after it`,
    );
  return { trainSplit, validSplit, source, meta, labels, config, trunk };
}

/** The run's settings as config.json records them: what shapes the weights, where the data came from, the machine. */
function describeRun(options: TrainOptions, data: RunData, teacher: Teacher | undefined): RunConfig {
  const { config, labels, source, meta, trainSplit, validSplit } = data;
  const {
    log: _log,
    stopAfterEpochs: _stop,
    stopAfterSteps: _stopSteps,
    resume: _resume,
    model: _model,
    device,
    ...recorded
  } = options;
  const runConfig: RunConfig = {
    model: config,
    labels,
    train: teacher ? { ...recorded, teacher: { ...options.teacher!, sha256: teacher.card.sha256 } } : recorded,
    features: {
      dir: source,
      backbone: meta.backbone,
      featureNode: meta.featureNode,
      trainN: meta.n,
      validN: validSplit.meta.n,
      trainViews: trainSplit.viewCount,
      ...(options.images ? { online: true } : {}),
    },
    machine: device ? `${thisMachine()}, ${device}` : thisMachine(),
  };
  return runConfig;
}

/**
 * Resume checks: the checkpoint to go on from (rebuilt from the committed copy when the run folder lost it),
 * refused when the folder was started with other settings; then writes config.json.
 */
function checkResume(options: TrainOptions, runConfig: RunConfig): ReturnType<typeof loadCheckpoint> {
  const log = options.log;
  const configPath = join(options.out, 'config.json');
  let checkpoint = options.resume ? loadCheckpoint(options.out) : undefined;
  if (options.resume && !checkpoint && options.committedCheckpoint) {
    if (restoreCommittedCheckpoint(options.committedCheckpoint, options.out)) {
      log(`${options.out} rebuilt from the committed checkpoint ${options.committedCheckpoint}`);
      checkpoint = loadCheckpoint(options.out);
    }
  }
  if (checkpoint && existsSync(configPath))
    assertSameRun(JSON.parse(readFileSync(configPath, 'utf8')) as RunConfig, runConfig);
  writeFileSync(configPath, JSON.stringify(runConfig, null, 2));
  return checkpoint;
}

/** Warm start: params from the seed, the trunk tail and `initFrom`, or the checkpoint's, with the optimiser and state. */
function startingPoint(
  options: TrainOptions,
  { config, trunk }: RunData,
  checkpoint: ReturnType<typeof loadCheckpoint>,
): { params: TfParams; optimizer: AdamW; state: TrainState } {
  const log = options.log;
  // Params: init from the seed (one inference build creates them), or restore.
  const params = checkpoint
    ? TfParams.fromStore(checkpoint.params)
    : initParams(config, options.seed, startingParams(options.initFrom, config, trunk?.weights));
  const lrScale = (name: string) => (isTailParam(name) ? options.tailLrScale : 1);
  const optimizer = new AdamW(params, { ...DEFAULT_ADAMW, weightDecay: options.weightDecay, lrScale });
  let state: TrainState = {
    epoch: 0,
    step: 0,
    rng: new Rng(options.seed).state,
    bestValidAccuracy: -1,
    bestEpoch: -1,
    history: [],
  };
  if (checkpoint) {
    optimizer.loadStore(checkpoint.optimizer, checkpoint.state.step);
    state = checkpoint.state;
    log(`resumed from epoch ${state.epoch} (step ${state.step}, best valid acc ${state.bestValidAccuracy.toFixed(4)})`);
  } else if (options.resume) {
    log(`no checkpoint in ${options.out}: starting fresh`);
  }
  return { params, optimizer, state };
}

/** Steps per epoch, and the learning-rate schedule's length and warm-up, in steps. */
function schedule(options: TrainOptions, meta: SplitMeta) {
  const stepsPerEpoch = Math.ceil(meta.n / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const warmupSteps = Math.round(stepsPerEpoch * options.warmupEpochs);
  return { stepsPerEpoch, totalSteps, warmupSteps };
}

/** The latest checkpoint, in the run folder and in its committed copy. */
async function saveAll({ options, params, optimizer, state }: Run): Promise<void> {
  const latest = { params: await params.toStore(), optimizer: await optimizer.toStore(), state };
  saveCheckpoint(options.out, latest);
  if (options.committedCheckpoint) saveCommittedCheckpoint(options.committedCheckpoint, options.out, latest);
}

/** The optimiser steps of one epoch, from where a checkpoint taken inside it left off; checkpoints every N steps. */
async function trainEpoch(run: Run, epoch: number): Promise<EpochPass> {
  const { options, log, trainSplit, meta, config, teacher, params, optimizer, state, rng } = run;
  const { stepsPerEpoch, totalSteps, warmupSteps } = run;
  let stopped = false;
  const resumed = state.partial;
  state.partial = undefined;
  if (resumed) log(`resuming epoch ${epoch + 1} at step ${resumed.steps}/${stepsPerEpoch}`);
  const started = performance.now() - (resumed?.seconds ?? 0) * 1000;
  const order = resumed?.order ?? rng.shuffle(Array.from({ length: meta.n }, (_, i) => i));
  const sums = resumed?.sums ?? { seen: 0, ce: 0, variety: 0, distill: 0, correct: 0, stepMs: 0 };
  let lr = 0;
  for (let s = resumed?.steps ?? 0; s < stepsPerEpoch; s++) {
    const indices = order.slice(s * options.batchSize, (s + 1) * options.batchSize);
    let x: Float32Array | tf.Tensor4D;
    let soft: { probs: Float32Array; weight: number; temperature: number } | undefined;
    if (teacher && trainSplit instanceof ImageSplit) {
      const views = trainSplit.views(indices, rng);
      x = await trainSplit.trunk(views);
      const { weight, temperature } = options.teacher!;
      soft = { probs: await teacher.probabilities(views.faces, views.flips, temperature), weight, temperature };
    } else {
      x = await trainSplit.batch(indices, rng);
    }
    const y = targets(meta, indices, config.numClasses, options.softLabels, options.labelSmoothing);
    const hard = Int32Array.from(indices, (i) => meta.labels[i]!);
    lr = learningRate(state.step, totalSteps, warmupSteps, options.lr);
    const t0 = performance.now();
    const [ce, variety, hits, distill] = await trainStep(
      params,
      optimizer,
      config,
      x,
      y,
      hard,
      rng,
      lr,
      options.varietyWeight,
      soft,
    )
      .catch((error: unknown) => {
        throw explainStepFailure(error, options.batchSize);
      })
      .finally(() => tf.dispose(x instanceof tf.Tensor ? x : []));
    sums.stepMs += performance.now() - t0;
    state.step++;
    sums.seen += indices.length;
    sums.ce += ce * indices.length;
    sums.variety += variety * indices.length;
    sums.distill += distill * indices.length;
    sums.correct += hits;
    if ((s + 1) % options.logEvery === 0 || s + 1 === stepsPerEpoch) {
      log(
        `epoch ${epoch + 1}/${options.epochs} step ${s + 1}/${stepsPerEpoch} loss ${(dataLoss(sums, options.teacher?.weight) + (options.varietyWeight * sums.variety) / sums.seen).toFixed(4)} ` +
          `ce ${(sums.ce / sums.seen).toFixed(4)}${teacher ? ` kd ${(sums.distill / sums.seen).toFixed(4)}` : ''} var ${(sums.variety / sums.seen).toFixed(3)} acc ${(sums.correct / sums.seen).toFixed(4)} lr ${lr.toExponential(2)} ` +
          `${((sums.seen / sums.stepMs) * 1000).toFixed(1)} samples/s`,
      );
    }
    const every = options.checkpointEverySteps;
    if (every && (s + 1) % every === 0 && s + 1 < stepsPerEpoch) {
      state.rng = rng.state;
      state.partial = { steps: s + 1, order, sums, seconds: (performance.now() - started) / 1000 };
      await saveAll(run);
      state.partial = undefined;
      if (options.stopAfterSteps !== undefined && state.step >= options.stopAfterSteps) {
        stopped = true;
        break;
      }
    }
  }
  return { sums, lr, started, stopped };
}

/** Evaluation: the epoch's training figures and its scores on the validation split. */
async function epochMetrics(run: Run, epoch: number, { sums, lr, started }: EpochPass): Promise<EpochMetrics> {
  const { options, validSplit, config, teacher, params } = run;
  const seen = sums.seen;
  const [ceSum, varietySum, correct, stepTime] = [sums.ce, sums.variety, sums.correct, sums.stepMs];
  const valid = await evaluate(params, config, validSplit, options.evalBatch);
  const metrics: EpochMetrics = {
    epoch: epoch + 1,
    trainLoss: dataLoss(sums, options.teacher?.weight) + (options.varietyWeight * varietySum) / seen,
    ...(teacher ? { trainDistill: sums.distill / seen } : {}),
    trainCe: ceSum / seen,
    trainVariety: varietySum / seen,
    trainAccuracy: correct / seen,
    validLoss: valid.loss,
    validAccuracy: valid.accuracy,
    validMeanClassAccuracy: valid.meanClassAccuracy,
    perClassAccuracy: valid.perClass,
    confusion: valid.confusion,
    lr,
    samplesPerSecond: (seen / stepTime) * 1000,
    seconds: (performance.now() - started) / 1000,
  };
  return metrics;
}

/** Records a finished epoch: its metrics, the best params so far, the checkpoint, metrics.json and the figures. */
async function endEpoch(run: Run, epoch: number, pass: EpochPass): Promise<void> {
  const { options, log, labels, params, state, rng } = run;
  const metrics = await epochMetrics(run, epoch, pass);
  state.history.push(metrics);
  state.epoch = epoch + 1;
  state.rng = rng.state;
  const best = state.history.find((m) => m.epoch === state.bestEpoch);
  const improved = !best || selectionScore(metrics, options.selection) > selectionScore(best, options.selection);
  if (improved) {
    state.bestValidAccuracy = metrics.validAccuracy;
    state.bestEpoch = epoch + 1;
    mkdirSync(join(options.out, 'best'), { recursive: true });
    (await params.toStore()).save(join(options.out, 'best', 'params'));
    writeFileSync(join(options.out, 'best', 'metrics.json'), JSON.stringify(metrics, null, 2));
  }
  await saveAll(run);
  writeFileSync(join(options.out, 'metrics.json'), JSON.stringify(state.history, null, 2));
  if (options.plots) await writeFigures(options.out, state, labels);
  log(
    `epoch ${epoch + 1} done in ${metrics.seconds.toFixed(1)} s: valid acc ${metrics.validAccuracy.toFixed(4)} mean-class acc ${metrics.validMeanClassAccuracy!.toFixed(4)} loss ${metrics.validLoss.toFixed(4)}` +
      `${improved ? ' (best)' : ''} | best ${state.bestValidAccuracy.toFixed(4)} @ epoch ${state.bestEpoch}`,
  );
}

/** The label/teacher part of the mean training loss, as trainStep weighs it. */
function dataLoss(sums: { seen: number; ce: number; distill: number }, teacherWeight = 0): number {
  return ((1 - teacherWeight) * sums.ce + teacherWeight * sums.distill) / sums.seen;
}

type DataSource = Pick<TrainOptions, 'features' | 'images'>;

async function openSplits(
  options: TrainOptions,
): Promise<{ train: TrainingSplit; valid: TrainingSplit; source: string }> {
  assertOneSource(options);
  if (options.images) {
    const train = await ImageSplit.open(options.images, 'train');
    return { train, valid: await train.openSibling('valid'), source: options.images.dataset };
  }
  return {
    train: FeatureSplit.open(options.features!, 'train'),
    valid: await openValidation(options),
    source: options.features!,
  };
}

/** The split a run selects on (its unaugmented validation faces or features). */
export async function openValidation(source: DataSource): Promise<TrainingSplit> {
  assertOneSource(source);
  return source.images
    ? ImageSplit.open(source.images, 'valid')
    : FeatureSplit.open(source.features!, 'valid', ['orig']);
}

function assertOneSource(source: DataSource): void {
  if (source.images && source.features) throw new Error('train from cached features or from images, not both');
  if (!source.images && !source.features)
    throw new Error('nothing to train on: give a feature cache (--features) or images (--images)');
}

/**
 * The trunk blocks after the frozen part, from the trunk's own weights, and their layout when they
 * change resolution or width (a tail from the stem does; one from conv_pw_9 does not, and its runs
 * keep the config they always had).
 */
function tailFromTrunk(
  options: TrainOptions,
  meta: SplitMeta,
): { weights: ParamStore; layout?: TailLayout } | undefined {
  const blocks = options.model.tailBlocks ?? 0;
  if (blocks === 0) return undefined;
  if (!meta.featureNode)
    throw new Error(`${options.features}: no featureNode recorded, so no trunk blocks to fine-tune`);
  const { weights, blocks: layout } = trunkTailWeights(meta.backbone, meta.featureNode, blocks);
  const uniform = layout.every((b) => b.stride === 1 && b.channels === meta.c);
  return { weights, ...(uniform ? {} : { layout: { input: { h: meta.h, w: meta.w, c: meta.c }, blocks: layout } }) };
}

/** Params that do not start from the seed: the trunk tail's pretrained weights, and `initFrom`. */
function startingParams(
  initFrom: string | undefined,
  config: JadferConfig,
  tail: ParamStore | undefined,
): ParamStore | undefined {
  if (!initFrom) return tail;
  const start = fitPositions(alignTail(loadStart(initFrom), config.tailBlocks), config.featureShape);
  for (const [name, entry] of tail?.entries ?? [])
    if (!start.entries.has(name)) start.set(name, entry.shape, entry.data);
  return start;
}

/**
 * A run's params (`runs/<name>/best/params`), or a shipped model's (`models/<name>.onnx`, read back
 * through its card's architecture: a clone without `runs/` can still start from what ships).
 */
function loadStart(initFrom: string): ParamStore {
  return initFrom.endsWith('.onnx') ? shippedParams(initFrom.replace(/\.onnx$/, '.json')) : ParamStore.load(initFrom);
}

/** The exact params a finished run started from: its `initFrom`, the trunk's own tail weights, and its seed for the rest. */
export async function runStart(run: RunConfig): Promise<ParamStore> {
  const blocks = run.model.tailBlocks ?? 0;
  const tail =
    blocks > 0 ? trunkTailWeights(run.features.backbone, run.features.featureNode!, blocks).weights : undefined;
  const params = initParams(run.model, run.train.seed, startingParams(run.train.initFrom, run.model, tail));
  try {
    return await params.toStore();
  } finally {
    params.dispose();
  }
}

/**
 * Tail blocks count from the cached feature node, so a run that fine-tuned fewer of them holds the
 * trunk's last blocks: renumber them to the end of this run's deeper tail (the blocks before them
 * then start from the trunk's own weights, and the network computes what that run's did).
 */
export function alignTail(store: ParamStore, tailBlocks: number): ParamStore {
  const held = new Set([...store.entries.keys()].filter(isTailParam).map((name) => name.split('.')[1]));
  const shift = tailBlocks - held.size;
  if (held.size === 0 || shift === 0) return store;
  if (shift < 0)
    throw new Error(`--init-from holds ${held.size} trunk-tail blocks, more than --tail-blocks ${tailBlocks}`);
  const aligned = new ParamStore();
  for (const [name, entry] of store.entries) {
    aligned.set(
      isTailParam(name) ? name.replace(/^tail\.(\d+)\./, (_, i: string) => `tail.${Number(i) + shift}.`) : name,
      entry.shape,
      entry.data,
    );
  }
  return aligned;
}

/** `pretrained`: params that start from given values (the trunk tail); the rest start from the seed. */
export function initParams(config: JadferConfig, seed: number, pretrained?: ParamStore): TfParams {
  const params = pretrained ? TfParams.fromStore(pretrained) : new TfParams();
  const { h, w, c } = tailInputShape(config);
  tf.tidy(() => {
    buildJadfer(
      new TfOps(params, { training: false, initRng: new Rng(seed ^ 0x5eed5eed) }),
      config,
      tf.zeros([1, h, w, c]),
    );
  });
  return params;
}

/** The tail's input as a tensor: a split's tensor as it is (its owner disposes it), a buffer wrapped in the tail's input shape. */
function inputTensor(x: Float32Array | tf.Tensor4D, config: JadferConfig, batch: number): tf.Tensor4D {
  if (x instanceof tf.Tensor) return x;
  const { h, w, c } = tailInputShape(config);
  return tf.tensor4d(x, [batch, h, w, c]);
}

/** One AdamW step on L = CE(soft targets) + λ·L_var. Returns [ce, variety, correct]. */
export async function trainStep(
  params: TfParams,
  optimizer: AdamW,
  config: JadferConfig,
  /** The tail's input [batch, h, w, c]: a buffer, or a tensor the caller keeps and disposes. */
  x: Float32Array | tf.Tensor4D,
  y: Float32Array,
  hard: Int32Array,
  rng: Rng,
  lr: number,
  varietyWeight: number,
  /** Distillation: the teacher's softened probabilities [batch × classes], their weight and temperature. */
  teacher?: { probs: Float32Array; weight: number; temperature: number },
): Promise<[number, number, number, number]> {
  const batch = hard.length;
  const summary = tf.tidy(() => {
    const input = inputTensor(x, config, batch);
    const targets = tf.tensor2d(y, [batch, config.numClasses]);
    const teacherProbs = teacher ? tf.tensor2d(teacher.probs, [batch, config.numClasses]) : undefined;
    const ops = new TfOps(params, { training: true, rng });
    let parts: tf.Tensor[] = [];
    const { grads } = tf.variableGrads(() => {
      const out = buildJadfer(ops, config, input);
      const ce = tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(out.logits)), -1)));
      const variety = varietyLoss(out.attentionMaps);
      const hits = tf.sum(tf.equal(tf.argMax(out.logits, -1), tf.tensor1d(hard, 'int32')).toFloat());
      // KL(p_t ‖ p_s) at temperature T, scaled by T² so its gradients keep their size as T changes (Hinton et al.).
      const distill = teacherProbs
        ? tf.mul(
            tf.mean(
              tf.sum(
                tf.mul(
                  teacherProbs,
                  tf.sub(tf.log(tf.add(teacherProbs, 1e-8)), tf.logSoftmax(tf.div(out.logits, teacher!.temperature))),
                ),
                -1,
              ),
            ),
            teacher!.temperature ** 2,
          )
        : tf.scalar(0);
      parts = [tf.keep(ce), tf.keep(variety), tf.keep(hits), tf.keep(distill)]; // variableGrads disposes everything else
      const data = teacher ? tf.add(tf.mul(ce, 1 - teacher.weight), tf.mul(distill, teacher.weight)) : ce;
      return tf.add(data, tf.mul(variety, varietyWeight)) as tf.Scalar;
    }, [...params.variables.values()]);
    optimizer.apply(params.byParamName(grads), lr);
    const stacked = tf.stack(parts);
    tf.dispose(parts);
    return stacked;
  });
  const [ce, variety, hits, distill] = await summary.data(); // reads are async: see TfParams.toStore
  summary.dispose();
  return [ce!, variety!, hits!, distill!];
}

/**
 * TF.js's wasm backend reports an exhausted heap as a bare 'memory access out of bounds' (seen at
 * batch 128 with a 2-block tail on 10×10 features; batch 64 ran): name the way out.
 */
export function explainStepFailure(error: unknown, batchSize: number): unknown {
  if (!(error instanceof WebAssembly.RuntimeError)) return error;
  return new Error(
    `training step failed inside the TF.js wasm backend (${error.message}) at --batch ${batchSize}: its heap is most likely exhausted; ` +
      `start again with a smaller --batch (half is a good first try)`,
    { cause: error },
  );
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  meanClassAccuracy: number;
  perClass: number[];
  confusion: number[][];
  logits: Float32Array;
}

/** Inference-mode pass over a split (view orig), majority-vote labels. */
export async function evaluate(
  params: TfParams,
  config: JadferConfig,
  split: TrainingSplit,
  batchSize: number,
): Promise<Evaluation> {
  const K = config.numClasses;
  const n = split.meta.n;
  const logits = new Float32Array(n * K);
  const ops = new TfOps(params, { training: false });
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const x = await split.batch(indices);
    const out = tf.tidy(() => buildJadfer(ops, config, inputTensor(x, config, indices.length)).logits);
    logits.set(await out.data(), start * K);
    tf.dispose([out, x instanceof tf.Tensor ? x : []]);
  }
  const counts = new ConfusionMatrix(K);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * K, (i + 1) * K);
    const label = split.meta.labels[i]!;
    const best = argmax(row);
    const max = row[best]!;
    let sumExp = 0;
    for (let k = 0; k < K; k++) sumExp += Math.exp(row[k]! - max);
    loss += Math.log(sumExp) + max - row[label]!;
    counts.add(label, best);
  }
  const { accuracy, meanClassAccuracy, perClass, confusion } = counts.metrics();
  return { loss: loss / n, accuracy, meanClassAccuracy, perClass: perClass.map((c) => c.accuracy), confusion, logits };
}

async function writeFigures(out: string, state: TrainState, labels: string[]): Promise<void> {
  const best = state.history.find((m) => m.epoch === state.bestEpoch) ?? state.history[state.history.length - 1]!;
  await writePng(
    confusionSvg(
      best.confusion,
      labels,
      `validation, epoch ${best.epoch}, acc ${(best.validAccuracy * 100).toFixed(2)}%`,
    ),
    join(out, 'confusion-matrix.png'),
  );
  await writePng(curvesSvg(state.history), join(out, 'curves.png'));
}

function assertSameRun(previous: RunConfig, current: RunConfig): void {
  // The command line differs by --resume itself; what must match is what shapes the weights.
  const keys = (r: RunConfig) =>
    JSON.stringify({
      model: r.model,
      ...r.train,
      backend: undefined,
      logEvery: undefined,
      plots: undefined,
      command: undefined,
      committedCheckpoint: undefined,
    });
  if (keys(previous) !== keys(current)) {
    throw new Error('--resume with different settings than the run folder was started with (compare config.json)');
  }
}
