/** Turns per-frame results into visits (tracks), and visits into window totals. */
import type { FaceResult, FrameResult, Label, PerLabel } from '../contract/types.js';
import { isAttentive } from './attention.js';
import { ANALYTICS_SCHEMA, DWELL_BUCKETS_MS, type TrackEvent, type WindowEvent } from './schema.js';

export interface AggregatorOptions {
  /** A track unseen this long has left; its visit ends. */
  trackTimeoutMs: number;
  /** Gaps longer than this (a stalled stream) are not counted as time in an expression. */
  maxFrameGapMs: number;
  /** Build a TrackEvent per visit (opt-in: per-visitor records are personal data). */
  trackEvents: boolean;
  sessionId: string;
  newId: () => string;
}

interface OpenTrack {
  trackId: number;
  firstSeen: number;
  lastSeen: number;
  frames: number;
  scoreSums: PerLabel<number>;
  expressionMs: PerLabel<number>;
  attentionMs: number | null;
  lastLabel?: Label;
  lastAttentive?: boolean;
}

/** What a window adds up: its counts and sums (a fleet roll-up adds these too). */
export type WindowTotals = Omit<WindowEvent, 'schema' | 'type' | 'windowStart' | 'windowEnd' | 'watching'>;

export const emptyTotals = (): WindowTotals => ({
  visitors: 0,
  dwellMs: 0,
  dwellHistogram: new Array<number>(DWELL_BUCKETS_MS.length + 1).fill(0),
  expressions: {},
  attentionMs: 0,
  attentionObservedMs: 0,
});

export class Aggregator {
  private readonly open = new Map<number, OpenTrack>();
  private window = emptyTotals();

  constructor(private readonly options: AggregatorOptions) {}

  get activeTracks(): number {
    return this.open.size;
  }

  /** Feeds one frame; returns the track events (when opted in) of visitors who left. */
  observe(result: FrameResult, now: number): TrackEvent[] {
    for (const face of result.faces) if (face.trackId !== undefined) this.update(face, face.trackId, now);
    return this.expire(now);
  }

  /** Ends the visits unseen for longer than the timeout at `now`. */
  expire(now: number): TrackEvent[] {
    const left: TrackEvent[] = [];
    for (const track of this.open.values()) {
      if (now - track.lastSeen > this.options.trackTimeoutMs) this.close(track, left);
    }
    return left;
  }

  /** Ends every open track (on dispose). */
  closeAll(): TrackEvent[] {
    const left: TrackEvent[] = [];
    for (const track of [...this.open.values()]) this.close(track, left);
    return left;
  }

  /** The totals of the visits that ended since the previous window; starts the next one. */
  closeWindow(windowStart: number, windowEnd: number): WindowEvent {
    const totals = this.window;
    this.window = emptyTotals();
    return { schema: ANALYTICS_SCHEMA, type: 'window', windowStart, windowEnd, ...totals, watching: this.open.size };
  }

  private update(face: FaceResult, trackId: number, now: number): void {
    let track = this.open.get(trackId);
    if (!track) {
      track = { trackId, firstSeen: now, lastSeen: now, frames: 0, scoreSums: {}, expressionMs: {}, attentionMs: null };
      this.open.set(trackId, track);
    }
    const attentive = isAttentive(face);
    const dt = Math.min(now - track.lastSeen, this.options.maxFrameGapMs);
    // The interval since the previous frame is credited to what was seen then.
    if (track.frames > 0 && dt > 0) {
      if (track.lastLabel !== undefined)
        track.expressionMs[track.lastLabel] = (track.expressionMs[track.lastLabel] ?? 0) + dt;
      if (track.lastAttentive !== undefined)
        track.attentionMs = (track.attentionMs ?? 0) + (track.lastAttentive ? dt : 0);
    }
    for (const [label, score] of Object.entries(face.expression.scores))
      track.scoreSums[label] = (track.scoreSums[label] ?? 0) + score;
    track.frames++;
    track.lastSeen = now;
    track.lastLabel = face.expression.label;
    track.lastAttentive = attentive;
  }

  /** Ends a visit: adds it to the window, and to `left` as a track event when opted in. */
  private close(track: OpenTrack, left: TrackEvent[]): void {
    this.open.delete(track.trackId);
    const meanScores = Object.fromEntries(
      Object.entries(track.scoreSums).map(([label, sum]) => [label, sum / track.frames]),
    );
    // Dominant: most time as the top label; a one-frame visit falls back to the mean scores.
    const byTime = Object.entries(track.expressionMs).sort((a, b) => b[1] - a[1])[0];
    const byMean = Object.entries(meanScores).sort((a, b) => b[1] - a[1])[0];
    const dominantExpression = (byTime && byTime[1] > 0 ? byTime[0] : byMean?.[0]) ?? 'unknown';
    const dwellMs = track.lastSeen - track.firstSeen;

    // Whole milliseconds, so that windows (and fleet roll-ups of windows) add up exactly.
    const w = this.window;
    const dwell = Math.round(dwellMs);
    w.visitors++;
    w.dwellMs += dwell;
    const bucket = DWELL_BUCKETS_MS.findIndex((edge) => dwell < edge);
    w.dwellHistogram[bucket === -1 ? DWELL_BUCKETS_MS.length : bucket]!++;
    w.expressions[dominantExpression] = (w.expressions[dominantExpression] ?? 0) + 1;
    if (track.attentionMs !== null) {
      w.attentionMs += Math.min(dwell, Math.round(track.attentionMs));
      w.attentionObservedMs += dwell;
    }

    if (!this.options.trackEvents) return;
    left.push({
      schema: ANALYTICS_SCHEMA,
      type: 'track',
      eventId: this.options.newId(),
      sessionId: this.options.sessionId,
      trackId: track.trackId,
      firstSeen: track.firstSeen,
      lastSeen: track.lastSeen,
      dwellMs,
      frames: track.frames,
      dominantExpression,
      meanScores,
      expressionMs: track.expressionMs,
      attentionMs: track.attentionMs,
      attentionRatio: track.attentionMs === null || dwellMs === 0 ? null : Math.min(1, track.attentionMs / dwellMs),
    });
  }
}
