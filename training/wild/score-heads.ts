/**
 * Wild-photo figures for heads-only candidates in seconds: the trunk is the same for all of them, so its
 * outputs on every wild photo's aligned face (the SDK's crop, made by the reference kernels) are cached
 * once (`<cache>/wild.json`, `wild-orig.f32`), and each candidate's heads run on them in TF.js, with a
 * logit adjustment τ as the SDK's (`--tau`, the shipped default's when not given). Photos without a face
 * count as wrong, as in `jadfer eval`. The shipped figures are always `jadfer eval`'s; this chooses.
 *
 *   node --import tsx training/wild/score-heads.ts --model .cache/base-start/jadfer-start.json --cache .cache/heads-wild \
 *        --params runs/heads-wild/best/params [--config runs/heads-wild/config.json] [--tau 0.35[,0.5…]]
 *        [--start runs/base-start/heads-params --start-weight 0.5]   (WiSE-FT: averaged with the heads it started from)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { scriptArgs } from '../../common/args.js';
import type { ClassifierCard } from '../../src/engine/model-card.js';
import { FER_EMOTIONS } from '../../common/ferplus.js';
import { scoreConfusion } from '../../common/metrics.js';
import { WILD_DIR } from '../data/paths.js';
import { WILD_SPLIT_DIR } from '../data/wild-split.js';
import { FLOAT_COMPUTE } from '../export/ort-run.js';
import { ParamStore } from '../model/params.js';
import { FeatureSplit } from '../train/features.js';
import { TfParams } from '../model/tf-ops.js';
import { weightedAverage } from '../train/average.js';
import { selectBackend } from '../train/backend.js';
import { evaluate, type RunConfig } from '../train/trainer.js';
import { withHeadsOutput } from './cache-heads.js';
import { cropMatrix, grayCrop } from './crops.js';
import { decodePhoto, WILD_FACES, type WildFace } from './faces.js';
import { overScoredClasses } from '../../common/photo-scoring.js';

async function cacheWild(cardPath: string, dir: string): Promise<void> {
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as ClassifierCard & { file: string };
  const size = card.input.shape.at(-1)!;
  const { bytes, output } = withHeadsOutput(readFileSync(join(cardPath, '..', card.file)));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, extra: FLOAT_COMPUTE });
  const { records } = JSON.parse(readFileSync(WILD_FACES, 'utf8')) as { records: WildFace[] };
  const withFace = records.filter((r) => r.face);
  const chunks: Uint8Array[] = [];
  let shape: number[] = [];
  for (let start = 0; start < withFace.length; start += 16) {
    const batch = withFace.slice(start, start + 16);
    const x = new Float32Array(batch.length * size * size);
    for (let i = 0; i < batch.length; i++) {
      const image = await decodePhoto(join(WILD_DIR, batch[i]!.path));
      x.set(grayCrop(image, cropMatrix(batch[i]!, size, card.crop?.template), size), i * size * size);
    }
    const out = await session.run({ [card.input.name]: new ort.Tensor('float32', x, [batch.length, 1, size, size]) });
    const maps = out[output]!;
    shape = maps.dims as number[];
    const data = maps.data as Float32Array;
    chunks.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }
  writeFileSync(join(dir, 'wild-orig.f32'), Buffer.concat(chunks));
  const side = Math.round(Math.sqrt(shape.slice(1, -1).reduce((a, b) => a * b, 1)));
  const labels = withFace.map((r) => FER_EMOTIONS.indexOf(r.path.split('/')[0] as (typeof FER_EMOTIONS)[number]));
  writeFileSync(
    join(dir, 'wild.json'),
    JSON.stringify({
      backbone: 'faceres-128',
      n: withFace.length,
      h: side,
      w: side,
      c: shape.at(-1),
      views: ['orig'],
      files: withFace.map((r) => r.path),
      labels,
      votes: labels.map(() => []),
      noFace: records.filter((r) => !r.face).map((r) => r.path),
    }),
  );
}

if (process.argv[1]?.endsWith('score-heads.ts')) {
  const { values } = scriptArgs({
    usage:
      'Usage: node --import tsx training/wild/score-heads.ts --model <start card> --cache <dir> --params <params> [--config <run config>] [--tau 0.35]',
    options: {
      model: { type: 'string' },
      cache: { type: 'string', default: '.cache/heads-wild' },
      params: { type: 'string' },
      config: { type: 'string', default: 'runs/heads-wild/config.json' },
      tau: { type: 'string', default: '0.35' },
      start: { type: 'string' },
      'start-weight': { type: 'string', default: '0' },
    },
  });
  await selectBackend('wasm');
  if (!existsSync(join(values.cache, 'wild.json'))) await cacheWild(values.model!, values.cache);
  const meta = JSON.parse(readFileSync(join(values.cache, 'wild.json'), 'utf8')) as {
    files: string[];
    labels: number[];
    noFace: string[];
  };
  const run = JSON.parse(readFileSync(values.config, 'utf8')) as RunConfig;
  const split = FeatureSplit.open(values.cache, 'wild');
  // WiSE-FT: the fine-tuned heads averaged with their start (--start, --start-weight in [0, 1)).
  const weight = Number(values['start-weight']);
  const tuned = ParamStore.load(values.params!);
  const params = TfParams.fromStore(
    values.start && weight > 0 ? weightedAverage([tuned, ParamStore.load(values.start)], [1 - weight, weight]) : tuned,
  );
  const { logits } = await evaluate(params, run.model, split, 64);
  // FERPlus valid from the same cache (cache-heads.ts wrote it): the 8-class protocol's two figures.
  const ferplus = FeatureSplit.open(values.cache, 'valid');
  const fer = await evaluate(params, run.model, ferplus, 64);
  params.dispose();
  const trainCounts = (JSON.parse(readFileSync('models/jadfer-base.json', 'utf8')) as ClassifierCard).architecture!
    .logitAdjustment!.trainCounts;
  const total = trainCounts.reduce((a, b) => a + b, 0);
  for (const tau of values.tau.split(',').map(Number)) {
    const shift = trainCounts.map((n) => -tau * Math.log(n / total));
    const valid = new Set(
      readFileSync(join(WILD_SPLIT_DIR, 'valid.txt'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    );
    const labels = [...FER_EMOTIONS, 'no face'];
    const ferConfusion = FER_EMOTIONS.map(() => new Array<number>(8).fill(0));
    ferplus.meta.labels.forEach((label, i) => {
      const row = Array.from(fer.logits.subarray(i * 8, i * 8 + 8), (v, k) => v + shift[k]!);
      ferConfusion[label]![row.indexOf(Math.max(...row))]!++;
    });
    const f = scoreConfusion(ferConfusion);
    console.log(
      `τ ${tau} FERPlus valid: n ${f.n}, overall ${(100 * f.accuracy).toFixed(2)} %, mean per class ${(100 * f.meanClassAccuracy).toFixed(2)} %`,
    );
    for (const part of ['valid', 'all'] as const) {
      const confusion = labels.map(() => new Array<number>(labels.length).fill(0));
      meta.files.forEach((file, i) => {
        if (part === 'valid' && !valid.has(file)) return;
        const row = Array.from(logits.subarray(i * 8, i * 8 + 8), (v, k) => v + shift[k]!);
        confusion[meta.labels[i]!]![row.indexOf(Math.max(...row))]!++;
      });
      for (const file of meta.noFace)
        if (part === 'all' || valid.has(file)) confusion[FER_EMOTIONS.indexOf(file.split('/')[0] as never)]![8]!++;
      const m = scoreConfusion(confusion);
      const scored = overScoredClasses(m.perClass, labels);
      console.log(
        `τ ${tau} ${part}: n ${m.n}, overall ${(100 * m.accuracy).toFixed(2)} %, mean per class ${(100 * scored.meanClassAccuracy).toFixed(2)} % (${labels
          .slice(0, 6)
          .map((l, k) => `${l} ${(100 * m.perClass[k]!.accuracy).toFixed(1)}`)
          .join(', ')})`,
      );
    }
  }
}
