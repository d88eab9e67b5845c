/** What the dashboard and `jadfer fleet status` show, read from the roll-up bucket. */
import type { KV } from '@nats-io/kv';
import {
  addTotals,
  emptyTotals,
  HOUR_MS,
  hourOf,
  hourToken,
  type KioskLast,
  type SiteHour,
  type Totals,
} from './rollup.js';

export interface FleetView {
  /** Epoch ms when read. */
  now: number;
  /** Hour starts (epoch ms) covered, oldest first. */
  hours: number[];
  /** The fleet's totals over those hours. */
  totals: Totals;
  /** Per site: totals over the hours, and one Totals per hour (aligned with `hours`). */
  sites: { site: string; totals: Totals; series: Totals[] }[];
  kiosks: { site: string; kiosk: string; lastWindowEnd: number; silent: boolean }[];
}

export interface ViewOptions {
  /** How many hours back, the current one included (default 24). */
  hours?: number;
  /** A kiosk whose last window ended longer ago than this is silent (default 5 minutes). */
  silentAfterMs?: number;
  now?: number;
}

async function values<T>(bucket: KV, filter: string): Promise<T[]> {
  const found: string[] = [];
  for await (const key of await bucket.keys(filter)) found.push(key);
  const entries = await Promise.all(found.map((key) => bucket.get(key)));
  return entries.filter((e) => e && e.operation === 'PUT').map((e) => e!.json<T>());
}

export async function readFleet(bucket: KV, options: ViewOptions = {}): Promise<FleetView> {
  const now = options.now ?? Date.now();
  const count = options.hours ?? 24;
  const silentAfterMs = options.silentAfterMs ?? 5 * 60_000;
  const hours = Array.from({ length: count }, (_, i) => hourOf(now) - (count - 1 - i) * HOUR_MS);
  const wanted = new Set(hours.map(hourToken));
  const siteHours = (await values<SiteHour>(bucket, 'sh.>')).filter((e) => wanted.has(hourToken(e.hour)));
  const sites = new Map<string, Totals[]>();
  for (const entry of siteHours) {
    const series = sites.get(entry.site) ?? hours.map(() => emptyTotals());
    series[hours.indexOf(entry.hour)] = entry.totals;
    sites.set(entry.site, series);
  }
  const totals = emptyTotals();
  const bySite = [...sites]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([site, series]) => {
      const siteTotals = series.reduce((sum, t) => addTotals(sum, t), emptyTotals());
      addTotals(totals, siteTotals);
      return { site, totals: siteTotals, series };
    });
  const kiosks = (await values<KioskLast>(bucket, 'last.>'))
    .map((k) => ({ ...k, silent: now - k.lastWindowEnd > silentAfterMs }))
    .sort((a, b) => a.lastWindowEnd - b.lastWindowEnd || a.kiosk.localeCompare(b.kiosk));
  return { now, hours, totals, sites: bySite, kiosks };
}
