/**
 * The command table, the one list of what `jadfer` does: help, "did you mean" and the parsing of each command's flags
 * derive from it (cli/main.ts). Adding a command: a module exporting `defineCommand({ summary, description, flags,
 * run })` (cli/command.ts says what each field does) and one line here. Heavy modules load inside each `run`.
 */
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
