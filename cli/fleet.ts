/**
 * `jadfer fleet`: the fleet side of kiosk analytics on NATS JetStream (see docs/fleet.md).
 * Results go to stdout (`--json` for one JSON object), diagnostics to stderr.
 */
import { isJadferError, JadferError } from '../src/contract/errors.js';
import { numberOption, parseCommandLine, UsageError } from './args.js';
import type { Command } from './command.js';
import { serveDashboard } from './fleet/dashboard.js';
import { connectFleet, DEFAULT_LIMITS, openBucket, runRollup, setupFleet } from './fleet/nats.js';
import { readFleet, type FleetView } from './fleet/view.js';

const USAGE = `Usage: jadfer fleet <setup|consume|serve|status> [options]

  setup     create or update the stream (subjects kiosk.>), the roll-up consumer and the bucket
  consume   roll windows up per kiosk, site and hour into the bucket, until stopped (Ctrl-C)
  serve     the fleet dashboard on http://<host>:<port>/ (add --consume to roll up in the same process)
  status    totals per site and the silent kiosks, from the bucket

Options:
  --server <url>            NATS server(s), comma-separated (default nats://127.0.0.1:4222)
  --json                    print one JSON object
setup:
  --replicas <n>            stream, consumer and bucket replicas (3 in a 3-node cluster; default 1)
  --duplicate-window <dur>  JetStream drops a resent window within this time (default 24h)
  --max-age <dur>           raw windows are kept this long (default 7d; roll-ups are kept)
  --max-bytes <size>        stream size limit, oldest dropped first (default 8GiB)
  --ack-wait <dur>          redeliver a window not acknowledged within this (default 30s)
consume:
  --batch <n>               windows per round (default 500)
serve:
  --host <host>             default 127.0.0.1
  --port <n>                default 8080 (0: any free port)
  --consume                 also run the roll-up consumer
serve, status:
  --hours <n>               hours shown, the current one included (default 24)
  --silent-after <dur>      a kiosk with no window for this long is silent (default 5m)

Durations: 90s, 5m, 24h, 7d (or ms). Sizes: 512MiB, 8GiB (or bytes).`;

const OPTIONS = {
  server: { type: 'string', default: 'nats://127.0.0.1:4222' },
  json: { type: 'boolean', default: false },
  replicas: { type: 'string' },
  'duplicate-window': { type: 'string' },
  'max-age': { type: 'string' },
  'max-bytes': { type: 'string' },
  'ack-wait': { type: 'string' },
  batch: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
  consume: { type: 'boolean', default: false },
  hours: { type: 'string' },
  'silent-after': { type: 'string' },
} as const;

/** Which options each subcommand takes (any other is a usage error). */
const TAKES: Record<string, (keyof typeof OPTIONS)[]> = {
  setup: ['server', 'json', 'replicas', 'duplicate-window', 'max-age', 'max-bytes', 'ack-wait'],
  consume: ['server', 'json', 'batch'],
  serve: ['server', 'host', 'port', 'consume', 'hours', 'silent-after'],
  status: ['server', 'json', 'hours', 'silent-after'],
};

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

export const fleetCommand: Command = {
  summary: 'fleet analytics on NATS JetStream: setup, consume, serve (dashboard), status',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    if (!sub || !TAKES[sub]) throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand');
    const { values } = parseCommandLine(rest, { options: OPTIONS });
    for (const flag of Object.keys(values) as (keyof typeof OPTIONS)[])
      if (!TAKES[sub]!.includes(flag) && rest.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`)))
        throw new UsageError(`--${flag} does not apply to '${sub}'`);
    const servers = values.server.split(',').map((s) => s.trim());
    const view = {
      hours: numberOption(values.hours, 'hours', { integer: true, min: 1 }),
      silentAfterMs: duration(values['silent-after'], 'silent-after'),
    };
    // Parsed before connecting, so a bad flag is a usage error even with no server.
    const limits = {
      replicas: numberOption(values.replicas, 'replicas', { integer: true, min: 1 }),
      duplicateWindowMs: duration(values['duplicate-window'], 'duplicate-window'),
      maxAgeMs: duration(values['max-age'], 'max-age'),
      maxBytes: size(values['max-bytes'], 'max-bytes'),
      ackWaitMs: duration(values['ack-wait'], 'ack-wait'),
    };
    const batch = numberOption(values.batch, 'batch', { integer: true, min: 1 });
    const port = numberOption(values.port, 'port', { integer: true, min: 0 })!;

    const nc = await connectFleet(servers);
    try {
      if (sub === 'setup') {
        const defined = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
        const result = await setupFleet(nc, { ...DEFAULT_LIMITS, ...defined });
        const s = result.stream;
        if (values.json) console.log(JSON.stringify(result));
        else
          console.log(
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
            console.error(`jadfer fleet consume: ${JSON.stringify(s)}`);
          },
        });
        console.log(values.json ? JSON.stringify(stats) : `rolled up: ${JSON.stringify(stats)}`);
        return 0;
      }
      const bucket = await openBucket(nc).catch(() => {
        throw new UsageError(`no fleet bucket on ${servers.join(',')}: run 'jadfer fleet setup' first`);
      });
      if (sub === 'status') {
        const fleet = await readFleet(bucket, view);
        if (values.json) console.log(JSON.stringify(fleet));
        else console.log(statusText(fleet));
        return 0;
      }
      const stop = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
      const rollup = values.consume ? runRollup(nc, { signal: stop.signal }) : undefined;
      const server = await serveDashboard(bucket, { host: values.host, port, view });
      console.error(`jadfer fleet: dashboard on ${server.url}`);
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
};

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
