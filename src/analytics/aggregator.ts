/** Turns per-frame results into per-visitor aggregates (tracks) and window summaries. */
import type { FaceResult, FrameResult, Label, PerLabel } from '../contract/types.js';
import { isAttentive } from './attention.js';
import { ANALYTICS_SCHEMA, type SummaryEvent, type TrackEvent } from './schema.js';

export interface AggregatorOptions {
  /** A track unseen this long has left; its event is emitted. */
  trackTimeoutMs: number;
  /** Gaps longer than this (a stalled stream) are not counted as time in an expression. */
  maxFrameGapMs: number;
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

export class Aggregator {
  private readonly open = new Map<number, OpenTrack>();
  private ended: TrackEvent[] = [];

  constructor(private readonly options: AggregatorOptions) {}

  get activeTracks(): number {
    return this.open.size;
  }

  /** Feeds one frame; returns the track events of visitors who left. */
  observe(result: FrameResult, now: number): TrackEvent[] {
    for (const face of result.faces) if (face.trackId !== undefined) this.update(face, face.trackId, now);
    const left: TrackEvent[] = [];
    for (const track of this.open.values()) {
      if (now - track.lastSeen > this.options.trackTimeoutMs) left.push(this.close(track));
    }
    return left;
  }

  /** Ends every open track (on flush or dispose). */
  closeAll(): TrackEvent[] {
    return [...this.open.values()].map((track) => this.close(track));
  }

  /** The summary of tracks that ended since the last call. */
  summarize(windowStart: number, windowEnd: number): SummaryEvent {
    const visitors = this.ended;
    this.ended = [];
    const share: PerLabel<number> = {};
    for (const v of visitors) share[v.dominantExpression] = (share[v.dominantExpression] ?? 0) + 1 / visitors.length;
    const attentive = visitors.filter((v) => v.attentionRatio !== null);
    return {
      schema: ANALYTICS_SCHEMA,
      type: 'summary',
      eventId: this.options.newId(),
      sessionId: this.options.sessionId,
      windowStart,
      windowEnd,
      visitors: visitors.length,
      activeTracks: this.open.size,
      meanDwellMs: visitors.length ? visitors.reduce((sum, v) => sum + v.dwellMs, 0) / visitors.length : 0,
      expressionShare: share,
      meanAttentionRatio: attentive.length
        ? attentive.reduce((sum, v) => sum + v.attentionRatio!, 0) / attentive.length
        : null,
    };
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

  private close(track: OpenTrack): TrackEvent {
    this.open.delete(track.trackId);
    const meanScores = Object.fromEntries(
      Object.entries(track.scoreSums).map(([label, sum]) => [label, sum / track.frames]),
    );
    // Dominant: most time as the top label; a one-frame visit falls back to the mean scores.
    const byTime = Object.entries(track.expressionMs).sort((a, b) => b[1] - a[1])[0];
    const byMean = Object.entries(meanScores).sort((a, b) => b[1] - a[1])[0];
    const dwellMs = track.lastSeen - track.firstSeen;
    const event: TrackEvent = {
      schema: ANALYTICS_SCHEMA,
      type: 'track',
      eventId: this.options.newId(),
      sessionId: this.options.sessionId,
      trackId: track.trackId,
      firstSeen: track.firstSeen,
      lastSeen: track.lastSeen,
      dwellMs,
      frames: track.frames,
      dominantExpression: (byTime && byTime[1] > 0 ? byTime[0] : byMean?.[0]) ?? 'unknown',
      meanScores,
      expressionMs: track.expressionMs,
      attentionMs: track.attentionMs,
      attentionRatio: track.attentionMs === null || dwellMs === 0 ? null : Math.min(1, track.attentionMs / dwellMs),
    };
    this.ended.push(event);
    return event;
  }
}
