/** `npx jadfer <command>`: the Node CLI. */
import { VERSION } from '../src/index.js';
import { UsageError } from './args.js';
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
    if (!(error instanceof UsageError)) throw error;
    console.error(`jadfer ${name}: ${error.message}\n\n${command.usage}`);
    return 2;
  }
}

function usage(): string {
  return [
    `jadfer ${VERSION}: on-device facial expression recognition (JADFER)`,
    '',
    'Usage: jadfer <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`),
    '  version    print the version',
    '  help       this text; `jadfer help <command>` for one command',
    '',
    'Everything runs locally: no image leaves this machine.',
  ].join('\n');
}
