import { cpus } from 'node:os';

/** This machine's CPU model × logical cores, as run configs, cards and benchmarks name it. */
export function thisMachine(): string {
  return `${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}`;
}
