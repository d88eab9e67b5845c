/**
 * Where the detector's landmarks fall on FERPlus's own 48×48 faces, in crop fractions: the training
 * crop's framing, to hold against the aligner's template (FERPLUS_TEMPLATE). Each face is upsampled 4×
 * and set in the middle of a mid-gray square (the detector needs context around a face), then the
 * landmarks are mapped back. Prints the median and quartiles of each point and of the eye distance and roll.
 *
 *   node --import tsx training/wild/ferplus-geometry.ts [--limit 600]
 */
import { pathToFileURL } from 'node:url';
import { scriptArgs } from '../../common/args.js';
import { resizeBilinearGray } from '../backbone/preprocess.js';
import { FER_SIZE, loadFerPlusSplit } from '../../common/ferplus.js';
import { FERPLUS_DIR } from '../data/paths.js';

const { values } = scriptArgs({
  usage: 'Usage: node --import tsx training/wild/ferplus-geometry.ts [--limit N] [--out <json>]',
  options: { limit: { type: 'string', default: '600' }, out: { type: 'string' } },
  numbers: ['limit'],
});
const { create } = (await import(pathToFileURL('dist/jadfer.js').href)) as typeof import('../../src/index.js');
const fer = await create({ device: 'wasm' });
const split = await loadFerPlusSplit(`${FERPLUS_DIR}/FER2013Valid`, { pixels: true, limit: Number(values.limit) });
const [up, canvas] = [4, 384];
const offset = (canvas - FER_SIZE * up) / 2;
const points: number[][][] = [];
let found = 0;
for (const item of split.items) {
  const face = resizeBilinearGray(item.pixels!, FER_SIZE, FER_SIZE, FER_SIZE * up, FER_SIZE * up);
  const data = new Uint8Array(canvas * canvas * 4).fill(128);
  for (let y = 0; y < FER_SIZE * up; y++)
    for (let x = 0; x < FER_SIZE * up; x++) {
      const o = ((y + offset) * canvas + x + offset) * 4;
      data.fill(Math.round(face[y * FER_SIZE * up + x]!), o, o + 3);
    }
  const [best] = (await fer.analyze({ data, width: canvas, height: canvas })).sort((a, b) => b.box.width - a.box.width);
  if (!best?.landmarks) continue;
  found++;
  points.push(
    best.landmarks.slice(0, 4).map((p) => [(p.x - offset) / (FER_SIZE * up), (p.y - offset) / (FER_SIZE * up)]),
  );
}
await fer.dispose();
const quartiles = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return [0.25, 0.5, 0.75].map((q) => Number(s[Math.floor(q * (s.length - 1))]!.toFixed(3)));
};
const names = ['right eye (image left)', 'left eye', 'nose tip', 'mouth centre'];
const summary: Record<string, unknown> = { faces: split.items.length, found };
names.forEach((name, k) => {
  summary[`${name} x`] = quartiles(points.map((p) => p[k]![0]!));
  summary[`${name} y`] = quartiles(points.map((p) => p[k]![1]!));
});
summary['eye distance'] = quartiles(points.map((p) => Math.hypot(p[1]![0]! - p[0]![0]!, p[1]![1]! - p[0]![1]!)));
summary['roll°'] = quartiles(
  points.map((p) => (Math.atan2(p[1]![1]! - p[0]![1]!, p[1]![0]! - p[0]![0]!) * 180) / Math.PI),
);
console.log(JSON.stringify(summary, null, 1));
