/**
 * Simulated kiosks for the fleet test and bench: the real analytics module (createAnalytics +
 * createNatsSink) fed with face results of known content on an injected clock, so an hour of
 * one-minute windows takes milliseconds and the expected roll-ups are known exactly.
 */
import { createAnalytics, type Analytics } from '../../../src/analytics/index.js';
import { createNatsSink, type NatsSink, type NatsSinkOptions } from '../../../src/analytics/nats.js';
import { DWELL_BUCKETS_MS } from '../../../src/analytics/schema.js';
import type { FaceResult, FrameResult } from '../../../src/contract/types.js';
import { addTotals, emptyTotals, type Totals } from '../../../cli/fleet/rollup.js';

export const LABELS = ['neutral', 'happiness', 'surprise'] as const;
export const WINDOW_MS = 60_000;

interface Visit {
  dwellMs: number;
  label: string;
  frontal: boolean;
}

/** Window `w` of kiosk `k`: 0–3 visits of whole seconds (0–14 s), each with one expression, facing the screen or not. */
export function plan(k: number, w: number): Visit[] {
  return Array.from({ length: (k + w) % 4 }, (_, i) => ({
    dwellMs: 1000 * ((k * 7 + w * 3 + i) % 15),
    label: LABELS[(k + w + i) % LABELS.length]!,
    frontal: (k + w + i) % 3 !== 0,
  }));
}

/** What window `w` of kiosk `k` must add to its roll-up. */
export function expected(k: number, w: number): Totals {
  const totals = emptyTotals();
  const visits = plan(k, w);
  const histogram = new Array<number>(DWELL_BUCKETS_MS.length + 1).fill(0);
  const expressions: Record<string, number> = {};
  for (const v of visits) {
    const bucket = DWELL_BUCKETS_MS.findIndex((edge) => v.dwellMs < edge);
    histogram[bucket === -1 ? DWELL_BUCKETS_MS.length : bucket]!++;
    expressions[v.label] = (expressions[v.label] ?? 0) + 1;
  }
  return addTotals(totals, {
    visitors: visits.length,
    dwellMs: visits.reduce((sum, v) => sum + v.dwellMs, 0),
    dwellHistogram: histogram,
    expressions,
    attentionMs: visits.reduce((sum, v) => sum + (v.frontal ? v.dwellMs : 0), 0),
    attentionObservedMs: visits.reduce((sum, v) => sum + v.dwellMs, 0),
  });
}

function face(trackId: number, label: string, frontal: boolean): FaceResult {
  return {
    box: { x: 80, y: 80, width: 80, height: 80 },
    score: 0.9,
    landmarks: [
      { x: 100, y: 110 },
      { x: 140, y: 110 },
      { x: frontal ? 120 : 140, y: 130 },
      { x: 120, y: 150 },
    ],
    expression: { label, scores: Object.fromEntries(LABELS.map((l) => [l, l === label ? 0.8 : 0.1])) },
    trackId,
  };
}

const frame = (faces: FaceResult[]): FrameResult =>
  ({ faces, timestamp: 0, latencyMs: 1, backend: 'wasm', dropped: 0, droppedTotal: 0, index: 0 }) as FrameResult;

export interface SimKioskOptions extends Omit<NatsSinkOptions, 'site' | 'kiosk'> {
  index: number;
  site: string;
  /** Epoch ms of window 0's start (a window boundary). */
  start: number;
}

export class SimKiosk {
  readonly sink: NatsSink;
  readonly analytics: Analytics;
  readonly kiosk: string;
  private clock: number;

  constructor(readonly options: SimKioskOptions) {
    this.kiosk = `k${options.index}`;
    this.clock = options.start;
    this.sink = createNatsSink({ ...options, site: options.site, kiosk: this.kiosk });
    this.analytics = createAnalytics({ sink: this.sink, now: () => this.clock, trackTimeoutMs: 1500 });
  }

  /** Plays window `w` (one frame a second while someone is there); its first frame closes window w-1. */
  playWindow(w: number): void {
    const at = (t: number, faces: FaceResult[]) => {
      this.clock = this.options.start + w * WINDOW_MS + t;
      this.analytics.observe(frame(faces));
    };
    at(0, []);
    plan(this.options.index, w).forEach((visit, i) => {
      const begin = 1000 + i * 16_000;
      for (let t = 0; t <= visit.dwellMs; t += 1000) at(begin + t, [face(w * 10 + i, visit.label, visit.frontal)]);
      at(begin + visit.dwellMs + 2000, []); // unseen for longer than the timeout: the visit ends
    });
  }

  /** Closes the last window played (at the next boundary) and lets the sink try to send it. */
  finish(windows: number): void {
    this.clock = this.options.start + windows * WINDOW_MS;
    this.analytics.observe(frame([]));
  }
}
