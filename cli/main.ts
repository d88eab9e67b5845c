/**
 * `npx jadfer <command>`: the Node CLI, as a Unix tool. Results go to stdout, diagnostics to stderr; exit 0 when
 * everything worked, 1 when an input or a model failed (one line each, no stack), 2 for a usage error (with "did you
 * mean", before anything loads). `--json` prints exactly one JSON document, `{ "error": { code, message } }` on
 * failure. What each command takes comes from its entry in cli/commands.ts.
 */
import { checkOptions, isJadferError, VERSION, type CreateOptions } from '../src/index.js';
import { didYouMean, numberOption, parseCommandLine, UsageError } from '../common/args.js';
import type { Cli, Command, CommandInput, Flag } from './command.js';
import { COMMANDS } from './commands.js';
import { printable, ProgressLine } from './progress.js';

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** The commands main answers itself, beside the table's. */
const BUILT_IN = ['help', 'version'];

export async function main(argv: string[], streams: Streams = process): Promise<number> {
  const [name = '', ...rest] = argv;
  const json = argv.includes('--json');
  const cli = makeCli(json, streams);
  if (name === '' || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    cli.out(usage());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    if (json) cli.printJson({ version: VERSION });
    else cli.out(VERSION);
    return 0;
  }
  const target = name === 'help' ? rest[0]! : name;
  const command = offered(target) ? COMMANDS[target] : undefined;
  if (command && name !== 'help') cli.name = `jadfer ${target}`;
  try {
    if (!command) {
      const reason = COMMANDS[target]?.unavailable?.();
      throw new UsageError(
        reason
          ? `'${target}' is not available here: ${reason}`
          : `unknown command '${target}'${didYouMean(target, [...Object.keys(COMMANDS).filter(offered), ...BUILT_IN])}`,
      );
    }
    const wantsHelp = name === 'help' || (!command.passthrough && (rest.includes('--help') || rest.includes('-h')));
    if (wantsHelp) {
      if (command.passthrough && name === 'help') return await command.run(passthrough(['--help']), cli);
      cli.out(help(target, command));
      return 0;
    }
    const input = command.passthrough ? passthrough(rest) : readCommandLine(command, rest);
    return await command.run(input, cli);
  } catch (error) {
    return report(error, command && { name: target, command }, cli);
  }
}

const offered = (name: string) => Object.hasOwn(COMMANDS, name) && !COMMANDS[name]!.unavailable?.();

const passthrough = (positionals: string[]): CommandInput<Record<string, Flag>> => ({
  values: {},
  positionals,
  sdkOptions: {},
});

/**
 * A command's arguments against its flags: common/args.ts's strict parser (unknown flags with "did you mean", numbers,
 * the count of positionals), then the create() options the flags set, through the SDK's own checks.
 */
function readCommandLine(command: Command, args: string[]): CommandInput<Record<string, Flag>> {
  const flags = Object.entries(command.flags);
  const options = Object.fromEntries(
    flags.map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.short ? { short: flag.short } : {}),
        ...(flag.multiple ? { multiple: true } : {}),
        ...(flag.type === 'boolean' ? { default: false } : flag.multiple ? { default: [] } : {}),
        ...(flag.default !== undefined ? { default: flag.default } : {}),
      },
    ]),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  const numbers = flags.filter(([, flag]) => flag.number).map(([name]) => name);
  const { values, positionals } = parseCommandLine(args, { options, numbers, positionals: command.positionals });
  const parsed: Record<string, unknown> = { ...values };
  const sdkOptions: Record<string, unknown> = {};
  const flagOf: Record<string, string> = {};
  for (const [name, flag] of flags) {
    if (flag.number) parsed[name] = numberOption(values[name] as string | undefined, name, flag.number);
    if (flag.sdk && parsed[name] !== undefined) {
      sdkOptions[flag.sdk] = parsed[name];
      flagOf[flag.sdk] = name;
    }
  }
  // One definition of what each option accepts: create()'s. Its words, with the flag's name for the option's.
  const problems = checkOptions(sdkOptions).errors.map((problem) =>
    problem.replace(/^options\.(\w+)/, (_, key: string) => `--${flagOf[key]}`),
  );
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return { values: parsed as never, positionals, sdkOptions: sdkOptions as CreateOptions };
}

function makeCli(json: boolean, { stdout, stderr }: Streams): Cli & { printed: boolean; name: string } {
  const progress = new ProgressLine(stderr);
  return {
    name: 'jadfer',
    json,
    progress,
    printed: false,
    out(line) {
      progress.clear();
      stdout.write(`${printable(line)}\n`);
    },
    note(line) {
      progress.clear();
      stderr.write(`${printable(line)}\n`);
    },
    printJson(document, indent = 2) {
      progress.clear();
      if (this.printed) throw new Error('a command printed two JSON documents');
      stdout.write(`${JSON.stringify(document, null, indent)}\n`);
      this.printed = true;
    },
  };
}

/**
 * The exit status for what a command threw, said in one line. A usage error or a typed error is the user's to fix;
 * a file-system error (ENOENT, EACCES…) too. Anything else is a bug: its stack helps whoever reports it.
 */
function report(
  error: unknown,
  failed: { name: string; command: Command } | undefined,
  cli: Cli & { printed: boolean },
): number {
  cli.progress.clear();
  let code: string;
  let message = (error as Error)?.message ?? String(error);
  let details: Record<string, unknown> | undefined;
  let status = 1;
  if (error instanceof UsageError) {
    code = 'E_USAGE';
    status = 2;
    const more = failed
      ? `\n\n${usageLine(failed.name, failed.command)}\n(jadfer ${failed.name} --help: every option)`
      : '\n\nUsage: jadfer <command> [options] (jadfer --help: the commands)';
    cli.note(`${cli.name}: ${message}${more}`);
  } else if (isJadferError(error) || isSystemError(error)) {
    code = (error as { code: string }).code;
    details = (error as { details?: Record<string, unknown> }).details;
    cli.note(`${cli.name}: ${isJadferError(error) ? `${code}: ` : ''}${message}`);
  } else {
    code = 'E_INTERNAL';
    message = `internal error: ${message}`;
    cli.note(`${cli.name}: ${message} (a bug: please report it with this trace)\n${(error as Error)?.stack ?? ''}`);
  }
  if (cli.json && !cli.printed) cli.printJson({ error: { code, message, ...(details ? { details } : {}) } });
  return status;
}

/** A Node file-system error (ENOENT, EACCES, ENOSPC…): the user's to fix; its message names the path. */
const isSystemError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';

function usage(): string {
  const offeredCommands = Object.entries(COMMANDS).filter(([name]) => offered(name));
  return [
    `jadfer ${VERSION}: on-device facial expression recognition (JADFER)`,
    '',
    'Usage: jadfer <command> [options]',
    '',
    'Commands:',
    ...offeredCommands.map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`),
    '  version      print the version',
    '  help         this text; `jadfer help <command>` or `jadfer <command> --help` for one command',
    '',
    'Everything runs locally: no image leaves this machine.',
    'Exit status: 0 done, 1 an input or a model failed (said on stderr), 2 a usage error.',
  ].join('\n');
}

const usageLine = (name: string, command: Command) =>
  `Usage: jadfer ${name}${command.synopsis ? ` ${command.synopsis}` : ''}${Object.keys(command.flags).length ? ' [options]' : ''}`;

/** A command's help, from its entry: the usage line, its description and its flags. */
function help(name: string, command: Command): string {
  const flags = Object.entries(command.flags).map(([flagName, flag]) => {
    const names = `${flag.short ? `-${flag.short}, ` : ''}--${flagName}${flag.value ? ` ${flag.value}` : ''}`;
    const [first, ...more] = flag.help.split('\n');
    return [`  ${names.padEnd(24)} ${first}`, ...more.map((line) => `${' '.repeat(27)}${line}`)].join('\n');
  });
  return [usageLine(name, command), '', command.description, ...(flags.length ? ['', 'Options:', ...flags] : [])].join(
    '\n',
  );
}
