/**
 * What a command is: its flags, from which parsing, help and "did you mean" derive (cli/main.ts), and its run.
 * Every command is listed once, in cli/commands.ts.
 *
 * Adding a flag: one entry in the command's `flags` (its type, `value` and `help`; `number` when it takes a number;
 * `sdk` when it sets a create() option, which then goes through the SDK's own checks and reaches `run` in
 * `sdkOptions`). Help, "did you mean" and the parsing follow from it; `run` reads `values['flag-name']`, typed.
 */
import type { CreateOptions } from '../src/contract/options.js';
import type { ProgressLine } from './progress.js';

export interface Flag {
  /** A boolean flag takes no value; a string flag takes the next argument (or `--flag=value`). */
  type: 'boolean' | 'string';
  /** How help names the value: `<dir>`. */
  value?: string;
  short?: string;
  multiple?: boolean;
  /** For a string flag; booleans default to false. */
  default?: string;
  /** What help says of it (lines after the first are indented under it). */
  help: string;
  /** The value must be a number; `run` receives it as one. */
  number?: { integer?: boolean; min?: number };
  /**
   * The create() option this flag sets. Its value goes through the SDK's own option checks as the command line is
   * read, so `--detector foo` is a usage error before anything loads, with the SDK's own words.
   */
  sdk?: keyof CreateOptions;
}

export type Flags = Record<string, Flag>;

/** The parsed value of each flag, as `run` receives it. */
export type Values<F extends Flags> = {
  [K in keyof F]: F[K] extends { number: object }
    ? number | undefined
    : F[K]['type'] extends 'boolean'
      ? boolean
      : F[K] extends { multiple: true }
        ? string[]
        : F[K] extends { default: string }
          ? string
          : string | undefined;
};

/** What a command's run gets besides its arguments: where to write, and the progress line. */
export interface Cli {
  /** `jadfer <command>`: how diagnostics begin. */
  readonly name: string;
  /** --json was given: the command ends with `printJson` (once); main prints `{ error }` when it throws instead. */
  readonly json: boolean;
  /** A result line, on stdout. */
  out(line: string): void;
  /** A diagnostic line, on stderr (the progress line is cleared first). */
  note(line: string): void;
  /** The one JSON document of --json, on stdout (indented unless `indent` is 0). */
  printJson(document: unknown, indent?: number): void;
  /** On stderr, only when stderr is a terminal. */
  readonly progress: ProgressLine;
}

export interface CommandInput<F extends Flags> {
  values: Values<F>;
  positionals: string[];
  /** The create() options the flags set (the flags with `sdk`), already checked by the SDK's checks. */
  sdkOptions: CreateOptions;
}

export interface Command<F extends Flags = Flags> {
  summary: string;
  /** What follows `jadfer <name>` in the usage line, e.g. `<images or folders...>`. */
  synopsis?: string;
  /** The paragraphs after the usage line. */
  description: string;
  flags: F;
  /** How many positionals it takes (default: none). */
  positionals?: { min?: number; max?: number };
  /** Hands its arguments, unparsed, to another program (which prints its own help). */
  passthrough?: boolean;
  /** Where it returns a reason, the command cannot run here: help does not offer it, and running it says why. */
  unavailable?: () => string | undefined;
  /** The exit status: 0 done, 1 something failed (said on stderr), 2 a usage error (thrown as UsageError). */
  run(input: CommandInput<F>, cli: Cli): Promise<number>;
}

/** Keeps the flags' types for `run` while the registry holds every command alike. */
export const defineCommand = <const F extends Flags>(command: Command<F>): Command => command as unknown as Command;

/** `--json`, in every command that prints a result. */
export const JSON_FLAG = {
  type: 'boolean',
  help: 'print one JSON document on stdout (on failure: { "error": { "code", "message" } })',
} as const satisfies Flag;
