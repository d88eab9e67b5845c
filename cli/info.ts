import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from '../common/args.js';
import type { Command } from './command.js';
import { ASSET_PATHS } from '../src/client/assets.js';

const USAGE =
  'Usage: jadfer info [model-card.json]\n\nPrints the model card: labels, input spec, training data and measured accuracy.';

export const infoCommand: Command = {
  summary: 'show the shipped model card (or the one given)',
  usage: USAGE,
  async run(args) {
    const { positionals } = parseCommandLine(args, { options: {}, positionals: { max: 1 } });
    const path = positionals[0] ?? fileURLToPath(new URL(ASSET_PATHS.classifier.card, import.meta.url));
    try {
      const card = JSON.parse(await readFile(path, 'utf8'));
      console.log(JSON.stringify(card, null, 2));
      return 0;
    } catch (error) {
      console.error(`jadfer info: cannot read ${path}: ${(error as Error).message}`);
      return 1;
    }
  },
};
