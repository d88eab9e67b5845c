/** `npx jadfer <command>`: the Node CLI. */
import { isJadferError, VERSION } from '../src/index.js';
import { UsageError } from '../common/args.js';
import { COMMANDS } from './commands.js';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? COMMANDS[rest[0] ?? ''] : undefined;
    console.log(target ? target.usage : usage());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`jadfer: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // A bad command line: the problem and the usage, exit 2.
    if (error instanceof UsageError) {
      console.error(`jadfer ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    // A typed error is the user's to fix (a missing file, a missing sharp): say it in one line, no stack.
    if (!isJadferError(error)) throw error;
    console.error(`jadfer ${name}: ${error.code}: ${error.message}`);
    return 1;
  }
}

function usage(): string {
  return [
    `jadfer ${VERSION}: on-device facial expression recognition (JADFER)`,
    '',
    'Usage: jadfer <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`),
    '  version      print the version',
    '  help         this text; `jadfer help <command>` for one command',
    '',
    'Everything runs locally: no image leaves this machine.',
  ].join('\n');
}
