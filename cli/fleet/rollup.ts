/**
 * Fleet roll-ups: what the consumer keeps per kiosk and hour, per site and hour, and per kiosk
 * (last heard). Pure functions; consumer.ts does the I/O.
 *
 * Exactly once: JetStream delivers at least once (a consumer that dies between writing the
 * key-value entry and acking the message gets the message again), so every update is
 * idempotent instead. A kiosk-hour entry records the window starts it has applied (at most
 * 60 an hour with minute windows) and skips a window it already holds, whatever the order; a
 * site-hour entry holds each kiosk's kiosk-hour totals and replaces them only with a newer
 * version (more windows); the last-heard entry keeps a maximum. Writes are compare-and-set on
 * the entry's revision, so concurrent consumers never lose an update.
 */
import { emptyTotals as emptyWindowTotals } from '../../src/analytics/aggregator.js';
import { ANALYTICS_SCHEMA, DWELL_BUCKETS_MS, WINDOW_FIELDS, type WindowEvent } from '../../src/analytics/schema.js';

export const HOUR_MS = 3_600_000;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Any model's label (1–64 characters, no control characters), but not a name that reaches Object.prototype. */
const LABEL = /^(?!(?:__proto__|constructor|prototype)$)[^\u0000-\u001f\u007f]{1,64}$/u;
/** Kiosk-hour entries refuse windows beyond this (3,600 one-second windows): bounds an entry's size. */
export const MAX_WINDOWS_PER_HOUR = 3600;

export interface Totals {
  windows: number;
  visitors: number;
  dwellMs: number;
  dwellHistogram: number[];
  expressions: Record<string, number>;
  attentionMs: number;
  attentionObservedMs: number;
}

export interface KioskHour {
  site: string;
  kiosk: string;
  /** Epoch ms of the hour's start (UTC). */
  hour: number;
  totals: Totals;
  /** windowStart of every window applied. */
  applied: number[];
}

export interface SiteHour {
  site: string;
  hour: number;
  totals: Totals;
  /** The latest kiosk-hour totals seen from each kiosk of the site. */
  kiosks: Record<string, Totals>;
}

export interface KioskLast {
  site: string;
  kiosk: string;
  /** The end of the latest window received (epoch ms). */
  lastWindowEnd: number;
}

export interface KioskWindow {
  site: string;
  kiosk: string;
  window: WindowEvent;
}

export const emptyTotals = (): Totals => ({ windows: 0, ...emptyWindowTotals() });

export function addTotals(into: Totals, add: Omit<Totals, 'windows'> & { windows?: number }): Totals {
  into.windows += add.windows ?? 1;
  into.visitors += add.visitors;
  into.dwellMs += add.dwellMs;
  add.dwellHistogram.forEach((n, i) => (into.dwellHistogram[i] = (into.dwellHistogram[i] ?? 0) + n));
  for (const [label, n] of Object.entries(add.expressions))
    into.expressions[label] = (into.expressions[label] ?? 0) + n;
  into.attentionMs += add.attentionMs;
  into.attentionObservedMs += add.attentionObservedMs;
  return into;
}

export const hourOf = (epochMs: number) => Math.floor(epochMs / HOUR_MS) * HOUR_MS;

/** `2026120714` for 2026-12-07 14:00 UTC: sorts as time, and is a valid key token. */
export const hourToken = (hour: number) => new Date(hour).toISOString().slice(0, 13).replace(/[-T]/g, '');

export const keys = {
  kioskHour: (site: string, kiosk: string, hour: number) => `kh.${site}.${kiosk}.${hourToken(hour)}`,
  siteHour: (site: string, hour: number) => `sh.${site}.${hourToken(hour)}`,
  last: (site: string, kiosk: string) => `last.${site}.${kiosk}`,
};

const isCount = (n: unknown, max = 1e12): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= max;

/**
 * A message from `kiosk.<site>.<kiosk>.agg` as a window, or the reason it is refused. Anything a
 * kiosk (or an attacker with publish rights) sends is checked: names, the schema's fields and
 * types, integer counts, a window inside one hour.
 */
export function parseWindow(subject: string, data: Uint8Array | string): KioskWindow | { error: string } {
  const [prefix, site, kiosk, kind, ...rest] = subject.split('.');
  if (prefix !== 'kiosk' || kind !== 'agg' || rest.length || !NAME.test(site ?? '') || !NAME.test(kiosk ?? ''))
    return { error: `not a window subject: ${subject.slice(0, 200)}` };
  if (data.length > 16_384) return { error: `${data.length} bytes: too large for a window` };
  let w: Record<string, unknown>;
  try {
    w = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return { error: 'not an object' };
  if (w.schema !== ANALYTICS_SCHEMA || w.type !== 'window')
    return { error: `not a ${ANALYTICS_SCHEMA} window: ${String(w.schema)}/${String(w.type)}` };
  const start = w.windowStart;
  const end = w.windowEnd;
  if (
    !isCount(start, 8.64e15) ||
    !isCount(end, 8.64e15) ||
    end < start ||
    hourOf(start) !== hourOf(end - 1 < start ? start : end - 1)
  )
    return { error: 'windowStart/windowEnd must be epoch ms within one hour' };
  for (const key of ['visitors', 'dwellMs', 'attentionMs', 'attentionObservedMs', 'watching'])
    if (!isCount(w[key])) return { error: `${key} must be a non-negative integer` };
  const histogram = w.dwellHistogram;
  if (
    !Array.isArray(histogram) ||
    histogram.length !== DWELL_BUCKETS_MS.length + 1 ||
    !histogram.every((n) => isCount(n))
  )
    return { error: `dwellHistogram must hold ${DWELL_BUCKETS_MS.length + 1} counts` };
  const expressions = w.expressions as Record<string, unknown>;
  if (typeof expressions !== 'object' || expressions === null || Array.isArray(expressions))
    return { error: 'expressions must be an object' };
  const labels = Object.keys(expressions);
  if (labels.length > 64 || !labels.every((l) => LABEL.test(l) && isCount(expressions[l])))
    return { error: 'expressions must map labels to counts' };
  const known = new Set<string>(WINDOW_FIELDS);
  const extra = Object.keys(w).find((key) => !known.has(key));
  if (extra) return { error: `unexpected field ${extra.slice(0, 64)}` };
  return { site: site!, kiosk: kiosk!, window: w as unknown as WindowEvent };
}

/** Applies windows to a kiosk-hour entry (null: none yet); returns the new entry, or null when all were applied already. */
export function applyToKioskHour(entry: KioskHour | null, windows: KioskWindow[]): KioskHour | null {
  const [first] = windows;
  if (!first) return null;
  const next: KioskHour = entry
    ? structuredClone(entry)
    : {
        site: first.site,
        kiosk: first.kiosk,
        hour: hourOf(first.window.windowStart),
        totals: emptyTotals(),
        applied: [],
      };
  const applied = new Set(next.applied);
  let changed = false;
  for (const { window } of windows) {
    if (applied.has(window.windowStart) || applied.size >= MAX_WINDOWS_PER_HOUR) continue;
    applied.add(window.windowStart);
    next.applied.push(window.windowStart);
    addTotals(next.totals, window);
    changed = true;
  }
  return changed ? next : null;
}

/** Puts kiosks' newer kiosk-hour totals into a site-hour entry; null when nothing is newer. */
export function applyToSiteHour(
  entry: SiteHour | null,
  site: string,
  hour: number,
  kioskHours: KioskHour[],
): SiteHour | null {
  const next: SiteHour = entry ? structuredClone(entry) : { site, hour, totals: emptyTotals(), kiosks: {} };
  let changed = false;
  for (const kh of kioskHours) {
    const held = next.kiosks[kh.kiosk];
    if (held && held.windows >= kh.totals.windows) continue;
    next.kiosks[kh.kiosk] = kh.totals;
    changed = true;
  }
  if (!changed) return null;
  next.totals = Object.values(next.kiosks).reduce((sum, t) => addTotals(sum, t), emptyTotals());
  return next;
}

export function applyToLast(entry: KioskLast | null, site: string, kiosk: string, windowEnd: number): KioskLast | null {
  if (entry && entry.lastWindowEnd >= windowEnd) return null;
  return { site, kiosk, lastWindowEnd: windowEnd };
}
