// The roll-up's pure parts: what a window message must look like to be counted, and idempotence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyToKioskHour, applyToSiteHour, parseWindow, type KioskWindow } from '../../../cli/fleet/rollup.js';

const T0 = Date.UTC(2026, 11, 7, 14, 0);
const window = {
  schema: 'jadfer.analytics/v2',
  type: 'window',
  windowStart: T0,
  windowEnd: T0 + 60_000,
  visitors: 2,
  dwellMs: 4000,
  dwellHistogram: [0, 1, 1, 0, 0, 0],
  expressions: { neutral: 1, überrascht: 1 },
  attentionMs: 1000,
  attentionObservedMs: 4000,
  watching: 1,
};
const body = (patch: Record<string, unknown>) => JSON.stringify({ ...window, ...patch });

test('a valid window parses, with any model label', () => {
  const parsed = parseWindow('kiosk.paris-3.door_1.agg', JSON.stringify(window));
  assert.ok(!('error' in parsed), JSON.stringify(parsed));
  assert.equal(parsed.site, 'paris-3');
  assert.equal(parsed.kiosk, 'door_1');
});

test('anything else is refused with a reason', () => {
  const refused: [string, string | Uint8Array][] = [
    ['kiosk.paris.door.track', JSON.stringify(window)],
    ['kiosk.paris.door.agg.extra', JSON.stringify(window)],
    ['other.paris.door.agg', JSON.stringify(window)],
    ['kiosk.paris.door.agg', 'not json'],
    ['kiosk.paris.door.agg', '[1,2]'],
    ['kiosk.paris.door.agg', body({ schema: 'jadfer.analytics/v1' })],
    ['kiosk.paris.door.agg', body({ type: 'track' })],
    ['kiosk.paris.door.agg', body({ visitors: 1.5 })],
    ['kiosk.paris.door.agg', body({ dwellMs: -1 })],
    ['kiosk.paris.door.agg', body({ dwellHistogram: [1, 2] })],
    ['kiosk.paris.door.agg', body({ windowEnd: T0 + 3_600_000 + 60_000 })], // crosses the hour
    ['kiosk.paris.door.agg', body({ windowEnd: T0 - 1 })],
    ['kiosk.paris.door.agg', body({ expressions: { neutral: 'many' } })],
    ['kiosk.paris.door.agg', JSON.stringify(window).replace('"neutral"', '"__proto__"')], // an own key, as JSON.parse makes it
    ['kiosk.paris.door.agg', body({ expressions: { constructor: 1 } })],
    ['kiosk.paris.door.agg', body({ deviceId: 'abc' })],
    ['kiosk.paris.door.agg', body({ pad: 'x'.repeat(20_000) })],
  ];
  for (const [subject, data] of refused) {
    const parsed = parseWindow(subject, data);
    assert.ok('error' in parsed, `${subject} ${String(data).slice(0, 80)} was accepted`);
  }
});

test('applying the same windows again, or an older site snapshot, changes nothing', () => {
  const w = (n: number): KioskWindow => ({
    site: 's',
    kiosk: 'k',
    window: { ...(window as KioskWindow['window']), windowStart: T0 + n * 60_000, windowEnd: T0 + (n + 1) * 60_000 },
  });
  const once = applyToKioskHour(null, [w(0), w(1)])!;
  assert.equal(once.totals.windows, 2);
  assert.equal(applyToKioskHour(once, [w(1), w(0)]), null, 'already applied, in any order');
  const twice = applyToKioskHour(once, [w(1), w(2), w(2)])!;
  assert.equal(twice.totals.windows, 3);
  assert.equal(twice.totals.visitors, 6);
  const site = applyToSiteHour(null, 's', T0, [twice])!;
  assert.equal(
    applyToSiteHour(site, 's', T0, [once]),
    null,
    'an older kiosk-hour version does not replace a newer one',
  );
  assert.deepEqual(site.totals, twice.totals);
});
