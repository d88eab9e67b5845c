/** The command table: one line per command. Heavy modules load inside each `run`. */
import type { Command } from './command.js';
import { analyzeCommand } from './analyze.js';
import { copyAssetsCommand } from './copy-assets.js';
import { evalCommand } from './eval.js';
import { fleetCommand } from './fleet.js';
import { infoCommand } from './info.js';
import { trainCommand } from './train.js';

export const COMMANDS: Record<string, Command> = {
  analyze: analyzeCommand,
  'copy-assets': copyAssetsCommand,
  eval: evalCommand,
  fleet: fleetCommand,
  info: infoCommand,
  train: trainCommand,
};
