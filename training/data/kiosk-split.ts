/**
 * A FERPlus split as kiosk cameras would show it: every face through the kiosk augmentation
 * (augment.ts KIOSK_AUGMENT: roll, scale, resolution, blur, JPEG, light, noise, occlusion), once, with a
 * fixed seed, same labels. `jadfer eval --data <out>` then scores how a model holds up off FERPlus's
 * clean crops: a robustness figure for model selection, built from the validation split only, never
 * committed (the images are FER2013's).
 *
 *   node --import tsx training/data/kiosk-split.ts --data ../shared/data/ferplus/FER2013Valid --out .cache/ferplus-kiosk/FER2013Valid
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { scriptArgs } from '../../common/args.js';
import { Rng } from '../model/rng.js';
import { kioskAugment } from './augment.js';
import { FER_SIZE, readFerImage } from '../../common/ferplus.js';
import { loadSharp } from '../../common/sharp.js';

export async function writeKioskSplit(data: string, out: string, seed = 2026): Promise<number> {
  mkdirSync(out, { recursive: true });
  copyFileSync(join(data, 'label.csv'), join(out, 'label.csv'));
  const sharp = await loadSharp();
  const rng = new Rng(seed);
  const files = readdirSync(data)
    .filter((f) => f.endsWith('.png'))
    .sort();
  for (const file of files) {
    const view = kioskAugment(await readFerImage(join(data, file)), rng);
    await sharp(Buffer.from(view), { raw: { width: FER_SIZE, height: FER_SIZE, channels: 1 } })
      .png()
      .toFile(join(out, file));
  }
  return files.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const USAGE = 'usage: kiosk-split.ts --data <FERPlus split dir> --out <dir> [--seed 2026]';
  const { values } = scriptArgs({
    usage: USAGE,
    numbers: ['seed'],
    options: { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '2026' } },
  });
  if (!values.data || !values.out) {
    console.error(USAGE);
    process.exit(2);
  }
  console.log(`wrote ${await writeKioskSplit(values.data, values.out, Number(values.seed))} faces to ${values.out}`);
}
