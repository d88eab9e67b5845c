/**
 * The wild photos' faces as the SDK finds them (default detector, largest face), cached once so that crops
 * can be studied and made for training without running the detector again:
 * `.cache/wild/faces.json`, one record per `<label>/<photo>` with the photo's size, whether it is colour,
 * and the face's box, landmarks and score (none when the detector found no face).
 *
 *   node --import tsx training/wild/faces.ts [--data ../shared/data/wild] [--out .cache/wild/faces.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { largestFace } from '../../common/photo-scoring.js';
import { scriptArgs } from '../../common/args.js';
import type { Point } from '../../src/contract/types.js';
import { WILD_DIR } from '../data/paths.js';
import { loadSharp } from '../../common/sharp.js';
import { photoPaths } from '../data/wild-split.js';

export interface WildFace {
  path: string;
  width: number;
  height: number;
  /** True when the photo has colour (false: a gray JPEG, or RGB with equal channels). */
  colour: boolean;
  face?: { box: { x: number; y: number; width: number; height: number }; landmarks: Point[]; score: number };
}

export const WILD_FACES = '.cache/wild/faces.json';

/** Decodes a photo as the CLI does (EXIF orientation, RGBA). */
export async function decodePhoto(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(file).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

function hasColour(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4)
    if (Math.abs(rgba[i]! - rgba[i + 1]!) > 8 || Math.abs(rgba[i + 1]! - rgba[i + 2]!) > 8) return true;
  return false;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = scriptArgs({
    usage: 'Usage: node --import tsx training/wild/faces.ts [--data <wild photo folders>] [--out <json>]',
    options: { data: { type: 'string', default: WILD_DIR }, out: { type: 'string', default: WILD_FACES } },
  });
  // The built SDK (npm run build): its engine runs from dist/, as the CLI's does.
  const { create } = (await import(pathToFileURL('dist/jadfer.js').href)) as typeof import('../../src/index.js');
  const fer = await create({ device: 'wasm' });
  const records: WildFace[] = [];
  try {
    for (const path of photoPaths(values.data)) {
      const image = await decodePhoto(join(values.data, path));
      const face = largestFace(await fer.analyze(image));
      records.push({
        path,
        width: image.width,
        height: image.height,
        colour: hasColour(image.data),
        ...(face ? { face: { box: face.box, landmarks: face.landmarks ?? [], score: face.score } } : {}),
      });
      if (records.length % 200 === 0) console.log(`${records.length} photos`);
    }
  } finally {
    await fer.dispose();
  }
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, JSON.stringify({ detector: fer.detector, records }));
  console.log(`${records.length} photos, ${records.filter((r) => !r.face).length} without a face → ${values.out}`);
}
