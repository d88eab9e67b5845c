/**
 * The analytics event schema, `jadfer.analytics/v1`. Only aggregates: no pixels, no
 * embeddings, no landmarks, no boxes. Changing a field's meaning needs a new version.
 */
import type { Label, PerLabel } from '../contract/types.js';

export const ANALYTICS_SCHEMA = 'jadfer.analytics/v1';

/** One person's visit, sent when their track ends (unseen for `trackTimeoutMs`). */
export interface TrackEvent {
  schema: typeof ANALYTICS_SCHEMA;
  type: 'track';
  /** Unique per event, so a retried batch can be de-duplicated by the receiver. */
  eventId: string;
  /** Identifies this SDK instance (random per session, not per person or device). */
  sessionId: string;
  trackId: number;
  /** Epoch ms. */
  firstSeen: number;
  lastSeen: number;
  dwellMs: number;
  frames: number;
  dominantExpression: Label;
  /** Mean score per label over the frames of the track. */
  meanScores: PerLabel<number>;
  /** Time (ms) spent with each label as the top expression. */
  expressionMs: PerLabel<number>;
  /** Time (ms) the face was turned to the screen; null when landmarks were unavailable. */
  attentionMs: number | null;
  /** attentionMs / dwellMs, or null. */
  attentionRatio: number | null;
}

/** Totals over a reporting window, sent every `summaryEveryMs`. */
export interface SummaryEvent {
  schema: typeof ANALYTICS_SCHEMA;
  type: 'summary';
  eventId: string;
  sessionId: string;
  windowStart: number;
  windowEnd: number;
  /** Tracks that ended in the window. */
  visitors: number;
  /** Tracks visible at the end of the window. */
  activeTracks: number;
  meanDwellMs: number;
  /** Share of visitors per dominant expression (sums to 1 when visitors > 0). */
  expressionShare: PerLabel<number>;
  /** Mean attention ratio of the visitors with landmarks, or null. */
  meanAttentionRatio: number | null;
}

export type AnalyticsEvent = TrackEvent | SummaryEvent;
