/** The command table: one line per command. Heavy modules load inside each `run`. */
import type { Command } from './command.js';
import { analyzeCommand } from './analyze.js';
import { evalCommand } from './eval.js';
import { infoCommand } from './info.js';
import { trainCommand } from './train.js';

export const COMMANDS: Record<string, Command> = {
  analyze: analyzeCommand,
  eval: evalCommand,
  info: infoCommand,
  train: trainCommand,
};
