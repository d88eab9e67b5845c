/**
 * A study, not a shipping step: how much smaller a shipped classifier's prepared file gets under
 * brotli when its float16 weights keep fewer mantissa bits (quantize.ts roundHalf), and whether it
 * still meets a shipped file's parity with its training run. Every float16 tensor (`--all`), or only
 * those that change at most `--max-flips` of the top-1 labels on 1,024 training faces
 * (mixed-storage.ts planFloat16Rounding). Writes the candidate and its card to --out-dir (models/
 * is not touched), then prints sizes and parity as JSON. --run: the training run's folder, or its
 * committed checkpoint's (training/checkpoints/<run>) as it is.
 * Results and the scores of the candidates (`npx jadfer eval --model <out-dir>/<card>`): docs/training.md,
 * "Weights that compress".
 *
 *   node --import tsx training/export/round-float16.ts --model models/jadfer-base.json --bits 5
 *     --run training/checkpoints/at128-kd-e2-mirror --out-dir .cache/float16-rounding [--all | --max-flips 0.002]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import { compress } from '../../scripts/precompress.mjs';
import { prepareModel } from '../../scripts/prepare-models.js';
import { sha256 } from './card.js';
import { trainingFaces } from './export.js';
import { planFloat16Rounding } from './mixed-storage.js';
import { parityHolds, runParity, STORAGE_PARITY } from './parity.js';
import { roundFloat16Weights } from './quantize.js';
import type { LogitAdjustment } from '../balance/logit-adjustment.js';

const USAGE =
  'usage: round-float16.ts --model <card.json> --bits <0-10> --run <run dir> --out-dir <dir> [--all | --max-flips <rate>]';
const { values } = scriptArgs({
  usage: USAGE,
  numbers: ['bits', 'max-flips'],
  options: {
    model: { type: 'string' },
    bits: { type: 'string' },
    run: { type: 'string' },
    'out-dir': { type: 'string' },
    all: { type: 'boolean', default: false },
    'max-flips': { type: 'string', default: '0.002' },
  },
});
const bits = Number(values.bits);
if (!values.model || !values.run || !values['out-dir'] || !(Number.isInteger(bits) && bits >= 0 && bits <= 10)) {
  console.error(USAGE);
  process.exit(2);
}
const FACES = 1024;
const card = JSON.parse(readFileSync(values.model, 'utf8')) as {
  name: string;
  file: string;
  sha256: string;
  bytes: number;
  input: { shape: number[] };
  architecture: { logitAdjustment?: LogitAdjustment };
};
const shipped = readFileSync(join(values.model, '..', card.file));
if (sha256(shipped) !== card.sha256) throw new Error(`${card.file}: sha256 differs from ${values.model}`);

const plan = values.all
  ? { bytes: roundFloat16Weights(shipped, () => bits), rounded: 'all' as const }
  : await planFloat16Rounding(
      shipped,
      await trainingFaces('ferplus', FACES, card.input.shape[2]!),
      bits,
      Number(values['max-flips']),
      `the first ${FACES} faces of FER2013Train`,
    );
const outDir = values['out-dir'];
mkdirSync(outDir, { recursive: true });
const name = `${card.name}-f16m${bits}${values.all ? '' : '-planned'}`;
const onnxPath = join(outDir, `${name}.onnx`);
writeFileSync(onnxPath, plan.bytes);
writeFileSync(
  join(outDir, `${name}.json`),
  JSON.stringify(
    { ...card, name, file: `${name}.onnx`, sha256: sha256(plan.bytes), bytes: plan.bytes.length },
    null,
    2,
  ),
);

// Brotli as the build pre-compresses what a page downloads (and the bench counts).
const preparedBrotli = async (path: string) => (await compress((await prepareModel(path, card.name)).file)).br.length;
const tolerance = STORAGE_PARITY.mixed;
const parity = await runParity(values.run, onnxPath, 8, 512, card.architecture.logitAdjustment);
console.log(
  JSON.stringify(
    {
      candidate: onnxPath,
      rounded: plan.rounded,
      ...('flips' in plan ? { trainingFlips: plan.flips, maxFlips: plan.maxFlips } : {}),
      preparedBrotli: {
        shipped: await preparedBrotli(join(values.model, '..', card.file)),
        candidate: await preparedBrotli(onnxPath),
      },
      parity: { maxAbsDiff: parity.maxAbsDiff, faceTop1Agreement: parity.faceTop1Agreement, tolerance },
      parityHolds: parityHolds(parity, tolerance.maxAbsDiff, tolerance.top1Agreement),
    },
    null,
    2,
  ),
);
