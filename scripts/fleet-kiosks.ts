/**
 * Simulated kiosks for trying `jadfer fleet` without cameras: each runs the real analytics module
 * and NATS sink on a simulated clock and publishes one-minute windows for the past hours (the
 * same known content as the fleet test), then exits once the server acknowledged them.
 *
 *   node --import tsx scripts/fleet-kiosks.ts --server nats://127.0.0.1:4222 [--kiosks 12] [--sites 3] [--hours 6]
 */
import { numberOption, scriptArgs } from '../common/args.js';
import { hourOf } from '../cli/fleet/rollup.js';
import { SimKiosk, WINDOW_MS } from '../test/cli/fleet/kiosks.js';

const USAGE = `Usage: node --import tsx scripts/fleet-kiosks.ts [--server <url>] [--kiosks N] [--sites N] [--hours N]

  --server <url>  NATS server (default nats://127.0.0.1:4222)
  --kiosks N      kiosks (default 12); the last one stops reporting an hour early (a silent kiosk)
  --sites N       sites they are spread over (default 3)
  --hours N       hours of windows, up to now (default 6)`;

const settings = scriptArgs(
  {
    usage: USAGE,
    options: {
      server: { type: 'string', default: 'nats://127.0.0.1:4222' },
      kiosks: { type: 'string' },
      sites: { type: 'string' },
      hours: { type: 'string' },
    },
  },
  ({ values }) => ({
    server: values.server,
    kiosks: numberOption(values.kiosks, 'kiosks', { integer: true, min: 1 }) ?? 12,
    sites: numberOption(values.sites, 'sites', { integer: true, min: 1 }) ?? 3,
    hours: numberOption(values.hours, 'hours', { integer: true, min: 1 }) ?? 6,
  }),
);

const start = hourOf(Date.now()) - (settings.hours - 1) * 3_600_000;
const upTo = Math.floor((Date.now() - start) / WINDOW_MS);
const kiosks = Array.from({ length: settings.kiosks }, (_, index) => ({
  sim: new SimKiosk({
    index,
    site: `site-${index % settings.sites}`,
    start,
    servers: settings.server,
    storage: 'memory',
  }),
  windows: index === settings.kiosks - 1 ? Math.max(1, upTo - 60) : upTo,
}));
for (const { sim, windows } of kiosks) {
  for (let w = 0; w < windows; w++) sim.playWindow(w);
  sim.finish(windows);
}
for (;;) {
  const stats = await Promise.all(kiosks.map((k) => k.sim.sink.stats()));
  if (stats.every((s) => s.buffered === 0)) break;
  const state = kiosks[0]!.sim.sink.state;
  if (!state.connected && state.error) console.error(`waiting for ${settings.server}: ${state.error}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
await Promise.all(kiosks.map((k) => k.sim.analytics.dispose()));
const total = kiosks.reduce((sum, k) => sum + k.windows, 0);
console.log(`${settings.kiosks} kiosks on ${settings.sites} sites published ${total} windows to ${settings.server}`);
