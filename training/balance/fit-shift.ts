/**
 * Fits the per-label shift of a shipped classifier's logits by SHIFT_RULE (logit-adjustment.ts) and
 * folds it into the model, in place: the shift joins τ in the last bias (`head.cls.bias`) and in the
 * card's `architecture.logitAdjustment`; the file's sha256 and bytes, its parity against the training
 * run (which folds the same adjustment) and its figures (record-eval.ts, record-wild.ts) are made
 * again. The scores come from `jadfer eval --scores` on the wild photos' training part and on
 * FER2013Valid; the wild validation part is never read before the figures are recorded.
 *
 *   node --import tsx training/balance/fit-shift.ts --model models/jadfer-base.json --run runs/<run>
 *
 * --run: the training run's folder, or its committed checkpoint's (training/checkpoints/<run>) as it is.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import onnxProto from 'onnx-proto';
import { scriptArgs } from '../../common/args.js';
import type { EvalReport } from '../../common/eval-report.js';
import { FERPLUS_DIR, WILD_DIR } from '../data/paths.js';
import { WILD_SPLIT_DIR } from '../data/wild-split.js';
import { sha256 } from '../export/card.js';
import { ElementType, readTensor, tensor, type OnnxTensor } from '../export/onnx-tensors.js';
import { parityCardEntry, parityHolds, runParity, STORAGE_PARITY } from '../export/parity.js';
import { chooseShift, logScores, SHIFT_RULE, type LogitAdjustment, type ScoredSet } from './logit-adjustment.js';

const USAGE = 'usage: fit-shift.ts --model <card.json> --run <run dir>';
const { values } = scriptArgs({ usage: USAGE, options: { model: { type: 'string' }, run: { type: 'string' } } });
if (!values.model || !values.run) {
  console.error(USAGE);
  process.exit(2);
}
const cardPath = values.model;
type Card = {
  name: string;
  file: string;
  sha256: string;
  bytes: number;
  labels: string[];
  architecture: { logitAdjustment?: LogitAdjustment };
  parity?: unknown;
};
const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Card;
const adjustment = card.architecture.logitAdjustment;
if (!adjustment) throw new Error(`${cardPath}: no logit adjustment to add a shift to`);
if (adjustment.shift) throw new Error(`${cardPath}: already shifted (${adjustment.shift.join(', ')})`);

const scratch = mkdtempSync(join(tmpdir(), 'jadfer-shift-'));
/** `jadfer eval --scores` of the model as shipped, as log-probabilities. */
function scored(args: string[]): { set: ScoredSet; report: EvalReport } {
  const file = join(scratch, 'scores.json');
  const report = JSON.parse(
    execFileSync(
      process.execPath,
      ['bin/jadfer.mjs', 'eval', ...args, '--model', cardPath, '--scores', file, '--json'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      },
    ),
  ) as EvalReport;
  const { scores, truth } = JSON.parse(readFileSync(file, 'utf8')) as { scores: number[][]; truth: number[] };
  return {
    set: { logits: logScores(scores), labels: truth },
    report,
  };
}
let fitted: ReturnType<typeof chooseShift>;
try {
  const wild = scored(['--data', relative(process.cwd(), WILD_DIR), '--only', join(WILD_SPLIT_DIR, 'train.txt')]);
  const ferplus = scored(['--data', relative(process.cwd(), `${FERPLUS_DIR}/FER2013Valid`)]);
  const wildClasses = wild.report.scoredClasses!.map((label) => card.labels.indexOf(label));
  fitted = chooseShift(wild.set, wildClasses, ferplus.set, card.labels.length);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`shift ${fitted.shift.join(', ')}: ${JSON.stringify(fitted.fit)}`);

// Fold it into the last bias: logits + shift, exactly.
const onnxPath = join(cardPath, '..', card.file);
const before = readFileSync(onnxPath);
const model = onnxProto.onnx.ModelProto.decode(before);
const initializers = model.graph!.initializer!;
const at = initializers.findIndex((t) => t.name === 'head.cls.bias' && t.dataType === ElementType.FLOAT);
if (at < 0) throw new Error(`${onnxPath}: no float head.cls.bias to fold the shift into`);
const bias = readTensor(initializers[at] as OnnxTensor);
initializers[at] = tensor(
  'head.cls.bias',
  [bias.length],
  ElementType.FLOAT,
  bias.map((b, k) => b + fitted.shift[k]!),
);
const after = onnxProto.onnx.ModelProto.encode(model).finish();
card.architecture.logitAdjustment = { ...adjustment, shift: fitted.shift, shiftRule: SHIFT_RULE, shiftFit: fitted.fit };
card.sha256 = sha256(after);
card.bytes = after.length;
writeFileSync(onnxPath, after);

const tolerance = STORAGE_PARITY.mixed;
const parity = await runParity(values.run, onnxPath, 8, 512, card.architecture.logitAdjustment);
if (!parityHolds(parity, tolerance.maxAbsDiff, tolerance.top1Agreement)) {
  writeFileSync(onnxPath, before);
  throw new Error(`parity failed (${parity.maxAbsDiff}, top-1 ${parity.faceTop1Agreement}): ${onnxPath} restored`);
}
card.parity = parityCardEntry(parity, tolerance, values.run, onnxPath);
writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
for (const recorder of ['training/export/record-eval.ts', 'training/wild/record-wild.ts'])
  execFileSync(process.execPath, ['--import', 'tsx', recorder, cardPath], { stdio: 'inherit' });
