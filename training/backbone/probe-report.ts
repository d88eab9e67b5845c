/**
 * Renders .cache/probe/results.jsonl (written by probe.ts) as the markdown table used in
 * PROBE.md.   node --import tsx training/backbone/probe-report.ts
 */
import { readFileSync } from 'node:fs';
import { scriptArgs } from '../../common/args.js';

interface Row {
  backbone: string;
  node: string;
  shape: number[];
  inputSize: number;
  norm: { mean: number; std: number };
  nTrain: number;
  nValid: number;
  valAcc: number;
  holdoutAcc: number;
  l2: number;
  engine?: string;
  msPerImg?: number;
  tfjsWasmMsPerImg?: number;
}

const [results = '.cache/probe/results.jsonl'] = scriptArgs({
  usage: 'usage: probe-report.ts [.cache/probe/results.jsonl]',
  options: {},
  positionals: { max: 1 },
}).positionals;
const rows = readFileSync(results, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row);
console.log(
  '| backbone | feature node | map h×w×c | input | norm (x−m)/s | train/valid | val acc | hold-out acc | l2 | engine, ms/img (batch, 1 thread, shared CPU) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.backbone} | \`${r.node}\` | ${r.shape.join('×')} | ${r.inputSize} | m=${r.norm.mean}, s=${r.norm.std} | ${r.nTrain}/${r.nValid} | **${(r.valAcc * 100).toFixed(1)}%** | ${(r.holdoutAcc * 100).toFixed(1)}% | ${r.l2} | ${r.engine ?? 'tfjs'} ${r.msPerImg ?? r.tfjsWasmMsPerImg} |`,
  );
