/**
 * `jadfer fleet`: the fleet side of kiosk analytics on NATS JetStream (see docs/fleet.md).
 * Results go to stdout (`--json` for one JSON object), diagnostics to stderr.
 */
import { isJadferError, JadferError } from '../src/contract/errors.js';
import { didYouMean, UsageError } from '../common/args.js';
import { defineCommand, JSON_FLAG, type Flag, type Flags } from './command.js';
import { serveDashboard } from './fleet/dashboard.js';
import { connectFleet, DEFAULT_LIMITS, openBucket, runRollup, setupFleet } from './fleet/nats.js';
import { readFleet, type FleetView } from './fleet/view.js';

/** The subcommands, and the flags each takes (any other flag is a usage error). */
const SUBCOMMANDS = {
  setup: ['server', 'json', 'replicas', 'duplicate-window', 'max-age', 'max-bytes', 'ack-wait'],
  consume: ['server', 'json', 'batch'],
  serve: ['server', 'host', 'port', 'consume', 'hours', 'silent-after'],
  status: ['server', 'json', 'hours', 'silent-after'],
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZES: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

export function duration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new UsageError(`--${flag} must be a duration such as 90s, 5m, 24h or 7d, got '${value}'`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}

export function size(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]ib|b)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`--${flag} must be a size such as 512MiB or 8GiB, got '${value}'`);
  return Math.round(Number(match[1]) * SIZES[(match[2] ?? '').toLowerCase()]!);
}

const FLAGS = {
  server: {
    type: 'string',
    value: '<url>',
    default: 'nats://127.0.0.1:4222',
    help: 'NATS server(s), comma-separated (default nats://127.0.0.1:4222)',
  },
  json: { ...JSON_FLAG, help: 'setup, consume, status: print one JSON object' },
  replicas: {
    type: 'string',
    value: '<n>',
    number: { integer: true, min: 1 },
    help: 'setup: stream, consumer and bucket replicas (3 in a 3-node cluster; default 1)',
  },
  'duplicate-window': {
    type: 'string',
    value: '<dur>',
    help: 'setup: JetStream drops a resent window within this time (default 24h)',
  },
  'max-age': { type: 'string', value: '<dur>', help: 'setup: raw windows are kept this long (default 7d)' },
  'max-bytes': {
    type: 'string',
    value: '<size>',
    help: 'setup: stream size limit, oldest dropped first (default 8GiB)',
  },
  'ack-wait': {
    type: 'string',
    value: '<dur>',
    help: 'setup: redeliver a window not acknowledged within this (default 30s)',
  },
  batch: {
    type: 'string',
    value: '<n>',
    number: { integer: true, min: 1 },
    help: 'consume: windows per round (default 500)',
  },
  host: { type: 'string', value: '<host>', default: '127.0.0.1', help: 'serve: default 127.0.0.1' },
  port: {
    type: 'string',
    value: '<n>',
    default: '8080',
    number: { integer: true, min: 0 },
    help: 'serve: default 8080 (0: any free port)',
  },
  consume: { type: 'boolean', help: 'serve: also run the roll-up consumer' },
  hours: {
    type: 'string',
    value: '<n>',
    number: { integer: true, min: 1 },
    help: 'serve, status: hours shown, the current one included (default 24)',
  },
  'silent-after': {
    type: 'string',
    value: '<dur>',
    help: 'serve, status: a kiosk with no window for this long is silent (default 5m)',
  },
} as const satisfies Flags;

/** Whether the command line set the flag (a value other than its default). */
function given(flag: keyof typeof FLAGS, value: unknown): boolean {
  const spec: Flag = FLAGS[flag];
  return typeof value === 'boolean' ? value : value !== undefined && String(value) !== spec.default;
}

export const fleetCommand = defineCommand({
  summary: 'fleet analytics on NATS JetStream: setup, consume, serve (dashboard), status',
  synopsis: '<setup|consume|serve|status>',
  description: `  setup     create or update the stream (subjects kiosk.>), the roll-up consumer and the bucket
  consume   roll windows up per kiosk, site and hour into the bucket, until stopped (Ctrl-C)
  serve     the fleet dashboard on http://<host>:<port>/ (add --consume to roll up in the same process)
  status    totals per site and the silent kiosks, from the bucket

Durations: 90s, 5m, 24h, 7d (or ms). Sizes: 512MiB, 8GiB (or bytes). See docs/fleet.md.`,
  positionals: { min: 1, max: 1 },
  flags: FLAGS,
  async run({ values, positionals }, cli) {
    const sub = positionals[0]!;
    if (!Object.hasOwn(SUBCOMMANDS, sub))
      throw new UsageError(
        `unknown subcommand '${sub}'${didYouMean(sub, Object.keys(SUBCOMMANDS))} (one of ${Object.keys(SUBCOMMANDS).join(', ')})`,
      );
    const takes: readonly string[] = SUBCOMMANDS[sub as Subcommand];
    for (const [flag, value] of Object.entries(values))
      if (!takes.includes(flag) && given(flag as keyof typeof FLAGS, value))
        throw new UsageError(`--${flag} does not apply to '${sub}'`);
    const servers = values.server.split(',').map((s) => s.trim());
    const view = { hours: values.hours, silentAfterMs: duration(values['silent-after'], 'silent-after') };
    // Parsed before connecting, so a bad flag is a usage error even with no server.
    const limits = {
      replicas: values.replicas,
      duplicateWindowMs: duration(values['duplicate-window'], 'duplicate-window'),
      maxAgeMs: duration(values['max-age'], 'max-age'),
      maxBytes: size(values['max-bytes'], 'max-bytes'),
      ackWaitMs: duration(values['ack-wait'], 'ack-wait'),
    };
    const batch = values.batch;
    const port = values.port!;

    const nc = await connectFleet(servers);
    try {
      if (sub === 'setup') {
        const defined = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
        const result = await setupFleet(nc, { ...DEFAULT_LIMITS, ...defined });
        const s = result.stream;
        if (values.json) cli.printJson(result, 0);
        else
          cli.out(
            [
              `stream ${s.name}: subjects ${s.subjects?.join(' ')}, duplicate window ${s.duplicate_window / 1e9} s, ` +
                `max age ${s.max_age / 1e9} s, max ${s.max_bytes} bytes, max message ${s.max_msg_size} bytes, ` +
                `${s.num_replicas} replica(s)`,
              `consumer ${result.consumer.durable_name} (durable, pull, explicit ack, ${result.consumer.filter_subject})`,
              `bucket jadfer-fleet (roll-ups per kiosk-hour, site-hour, and last window per kiosk)`,
            ].join('\n'),
          );
        return 0;
      }
      if (sub === 'consume' || (sub === 'serve' && values.consume)) {
        await openBucket(nc).catch(() => {
          throw new UsageError(`no fleet bucket on ${servers.join(',')}: run 'jadfer fleet setup' first`);
        });
      }
      if (sub === 'consume') {
        const stop = new AbortController();
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
        let reported = Date.now();
        const stats = await runRollup(nc, {
          batch,
          signal: stop.signal,
          onRound: (s) => {
            if (Date.now() - reported < 10_000) return;
            reported = Date.now();
            cli.note(`rolled up so far: ${JSON.stringify(s)}`);
          },
        });
        if (values.json) cli.printJson(stats, 0);
        else cli.out(`rolled up: ${JSON.stringify(stats)}`);
        return 0;
      }
      const bucket = await openBucket(nc).catch(() => {
        throw new UsageError(`no fleet bucket on ${servers.join(',')}: run 'jadfer fleet setup' first`);
      });
      if (sub === 'status') {
        const fleet = await readFleet(bucket, view);
        if (values.json) cli.printJson(fleet, 0);
        else cli.out(statusText(fleet));
        return 0;
      }
      const stop = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
      const rollup = values.consume ? runRollup(nc, { signal: stop.signal }) : undefined;
      const server = await serveDashboard(bucket, { host: values.host, port, view });
      cli.note(`dashboard on ${server.url}`);
      await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
      await server.close();
      await rollup;
      return 0;
    } catch (error) {
      // What NATS refuses (permissions, no JetStream, a lost server) is said in one line, like any typed error.
      if (error instanceof UsageError || isJadferError(error)) throw error;
      throw new JadferError('E_BACKEND_UNAVAILABLE', `NATS: ${(error as Error).message}`, { cause: error });
    } finally {
      await nc.close();
    }
  },
});

function statusText(fleet: FleetView): string {
  const line = (name: string, t: (typeof fleet)['totals']) =>
    `${name.padEnd(16)} ${String(t.windows).padStart(8)} ${String(t.visitors).padStart(8)} ` +
    `${(t.visitors ? t.dwellMs / t.visitors / 1000 : 0).toFixed(1).padStart(9)} ` +
    `${(t.attentionObservedMs ? (100 * t.attentionMs) / t.attentionObservedMs : 0).toFixed(0).padStart(8)}%`;
  const silent = fleet.kiosks.filter((k) => k.silent);
  return [
    `last ${fleet.hours.length} h, read ${new Date(fleet.now).toISOString()}`,
    `${'site'.padEnd(16)} ${'windows'.padStart(8)} ${'visitors'.padStart(8)} ${'dwell (s)'.padStart(9)} ${'attention'.padStart(9)}`,
    ...fleet.sites.map((s) => line(s.site, s.totals)),
    line('all', fleet.totals),
    `kiosks: ${fleet.kiosks.length}, silent: ${silent.length}${silent.length ? ` (${silent.map((k) => `${k.site}/${k.kiosk}`).join(', ')})` : ''}`,
  ].join('\n');
}
