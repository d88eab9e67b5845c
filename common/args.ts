/**
 * The one command-line parser, for `npx jadfer` and every training and bench script: node:util's
 * `parseArgs`, strict. An unknown flag, a flag without its value, a value that is not a number or
 * a positional where none is taken is a `UsageError`; the caller prints it with the usage and
 * exits 2, so a typo never runs with a default or reads a flag's value as an input file.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
/** What parseArgs' `tokens` tell of each argument (the fields read here). */
type Token = { kind: string; rawName?: string; value?: string; inlineValue?: boolean };

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
  let tokens: Token[];
  try {
    const result = parseArgs({
      args: [...args],
      options: spec.options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    tokens = result.tokens as Token[];
    parsed = { values: result.values, positionals: result.positionals } as Parsed<O>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      // node's message goes on about '--' for positionals; a typo wants the flag it meant instead.
      const flag = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? '';
      throw new UsageError(`Unknown option '${flag}'${didYouMean(flag, flagNames(spec.options))}`);
    }
    if (code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
  const values = parsed.values as Record<string, unknown>;
  // Numbers first: in `--max-faces photo.jpg` the problem is the flag's value, not a missing file.
  for (const flag of spec.numbers ?? []) numberOption(values[flag] as string | undefined, flag);
  const { min = 0, max = 0 } = spec.positionals ?? {};
  const count = parsed.positionals.length;
  if (count > max)
    throw new UsageError(
      max === 0
        ? `unexpected argument '${parsed.positionals[0]}'`
        : `too many arguments (${count}; at most ${max}): '${parsed.positionals.slice(max).join("' '")}'`,
    );
  if (count < min) {
    // A flag that takes a value swallows the next argument: say which did, the likely cause.
    const took = tokens.flatMap((t) =>
      t.kind === 'option' && t.value !== undefined && !t.inlineValue
        ? [`${t.rawName} took '${t.value}' as its value`]
        : [],
    );
    throw new UsageError(
      `missing argument${min > 1 ? 's' : ''} (${count} given, ${min} needed)${took.length ? `; ${took.join(', ')}` : ''}`,
    );
  }
  return parsed;
}

/** `--name` and `-n` for every flag of `options`. */
function flagNames(options: Options): string[] {
  return Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

/**
 * "; did you mean 'x'?" for the candidate nearest to `word` (at most 2 edits, a swap counting as one, and
 * at most a third of the word; or a word that starts it), else ''. For unknown flags and commands.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance =
      candidate.startsWith(word) && word.replace(/^-+/, '').length >= 3 ? 0.5 : editDistance(word, candidate);
    if (distance <= Math.min(2, Math.max(1, Math.floor(word.length / 3))) && (!best || distance < best.distance))
      best = { candidate, distance };
  }
  return best ? `; did you mean '${best.candidate}'?` : '';
}

/** Edits (insert, delete, replace, swap of neighbours) from a to b: optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
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
  if (value.trim() === '' || Number.isNaN(n) || (integer && !Number.isInteger(n)) || n < min) {
    // `--max-faces photo.jpg`: the flag took the next argument, a file name, as its value.
    const fileName = Number.isNaN(n) && /[./\\]/.test(value);
    throw new UsageError(
      `--${flag} must be ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''}, got '${value}'` +
        (fileName
          ? ` (the flag took the file name '${value}' as its value; put the number right after --${flag})`
          : ''),
    );
  }
  return n;
}

/** A required string flag. */
export function requiredString(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}
