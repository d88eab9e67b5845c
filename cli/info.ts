import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.js';
import { DEFAULTS } from '../src/contract/options.js';

export const infoCommand: Command = {
  summary: 'show the shipped model card (or the one given)',
  usage:
    'Usage: jadfer info [model-card.json]\n\nPrints the model card: labels, input spec, training data and measured accuracy.',
  async run(args) {
    const path = args[0] ?? fileURLToPath(new URL(DEFAULTS.modelUrl, new URL('./', import.meta.url)));
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
