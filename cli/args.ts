/** A tiny argv parser: `--flag`, `--key value`, `--key=value`, and positionals. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(args: string[], valued: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (inline !== undefined) flags.set(key, inline);
    else if (valued.includes(key)) {
      const value = args[++i];
      if (value === undefined) throw new Error(`--${key} needs a value`);
      flags.set(key, value);
    } else flags.set(key, true);
  }
  return { positionals, flags };
}

export function stringFlag(parsed: ParsedArgs, key: string): string | undefined {
  const value = parsed.flags.get(key);
  return typeof value === 'string' ? value : undefined;
}
