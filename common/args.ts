/**
 * The one command-line parser, for `npx jadfer` and every training and bench script: node:util's
 * `parseArgs`, strict. An unknown flag, a flag without its value, a value that is not a number or
 * a positional where none is taken is a `UsageError`; the caller prints it with the usage and
 * exits 2, so a typo never runs with a default or reads a flag's value as an input file.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLine<O extends Options> {
  options: O;
  /** How many positionals the command takes (default: none). */
  positionals?: { min?: number; max?: number };
  /** String flags whose value must be a number, so `Number(value)` is safe once parsed. */
  numbers?: readonly (keyof O & string)[];
}

export interface ScriptCommandLine<O extends Options> extends CommandLine<O> {
  /** Printed after the problem, and for --help. */
  usage: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

/** Parses `args` or throws a UsageError that says what is wrong. */
export function parseCommandLine<const O extends Options>(args: readonly string[], spec: CommandLine<O>): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...args], options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
  const { min = 0, max = 0 } = spec.positionals ?? {};
  const count = parsed.positionals.length;
  if (count > max)
    throw new UsageError(
      max === 0
        ? `unexpected argument '${parsed.positionals[0]}'`
        : `too many arguments (${count}; at most ${max}): '${parsed.positionals.slice(max).join("' '")}'`,
    );
  if (count < min) throw new UsageError(`missing argument${min > 1 ? 's' : ''} (${count} given, ${min} needed)`);
  const values = parsed.values as Record<string, unknown>;
  for (const flag of spec.numbers ?? []) numberOption(values[flag] as string | undefined, flag);
  return parsed;
}

/**
 * A script's command line (`process.argv` after the script): `--help` prints the usage and exits 0;
 * a bad command line prints the problem and the usage to stderr and exits 2. `read` turns the
 * parsed flags into the script's settings; a UsageError it throws (numberOption, requiredString)
 * ends the same way.
 */
export function scriptArgs<const O extends Options, R = Parsed<O>>(
  spec: ScriptCommandLine<O>,
  read?: (parsed: Parsed<O>) => R,
  args: readonly string[] = process.argv.slice(2),
): R {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(spec.usage);
    process.exit(0);
  }
  try {
    const parsed = parseCommandLine(args, spec);
    return read ? read(parsed) : (parsed as R);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${spec.usage}`);
    process.exit(2);
  }
}

/** A flag's value as a number (undefined when the flag is absent); anything else is a UsageError. */
export function numberOption(
  value: string | undefined,
  flag: string,
  { integer = false, min = -Infinity }: { integer?: boolean; min?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || Number.isNaN(n) || (integer && !Number.isInteger(n)) || n < min)
    throw new UsageError(
      `--${flag} must be ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''}, got '${value}'`,
    );
  return n;
}

/** A required string flag. */
export function requiredString(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}
