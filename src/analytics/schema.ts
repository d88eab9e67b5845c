/**
 * The analytics event schema, `jadfer.analytics/v2` (JSON Schema: analytics-schema.json).
 *
 * By default only `window` events exist: counts and sums over a fixed time window, with no
 * per-visitor record and no identifier. `track` events (one per visit) are opt-in
 * (`trackEvents: true`): they are pseudonymous personal data. Neither carries pixels, embeddings,
 * boxes or landmarks. Changing a field's meaning needs a new version.
 */
import type { Label, PerLabel } from '../contract/types.js';

export const ANALYTICS_SCHEMA = 'jadfer.analytics/v2';

/** Upper bounds (ms, exclusive) of the dwell histogram's buckets; one more bucket holds the rest. */
export const DWELL_BUCKETS_MS = [1000, 3000, 10_000, 30_000, 60_000] as const;

/**
 * Totals over one window. Every figure is an integer count or a sum of whole milliseconds, so
 * windows add up exactly (a fleet roll-up is the sum of its windows); means and shares are
 * derived: mean dwell = dwellMs / visitors, share of a label = expressions[label] / visitors,
 * attention = attentionMs / attentionObservedMs.
 */
export interface WindowEvent {
  schema: typeof ANALYTICS_SCHEMA;
  type: 'window';
  /**
   * Epoch ms. Windows are aligned to multiples of `windowMs` (a minute by default); the first
   * window of a session starts when the session does, so no two windows of one source share a start.
   */
  windowStart: number;
  /** Epoch ms, exclusive: the boundary, or the moment of `dispose()` for the last window. */
  windowEnd: number;
  /** Visits that ended in the window. */
  visitors: number;
  /** Their dwell, summed. */
  dwellMs: number;
  /** Visits per dwell bucket (DWELL_BUCKETS_MS), DWELL_BUCKETS_MS.length + 1 entries. */
  dwellHistogram: number[];
  /** Visits per dominant expression (the label longest on top); the counts sum to `visitors`. */
  expressions: PerLabel<number>;
  /** Time faces were turned to the screen, summed over the visits with landmarks. */
  attentionMs: number;
  /** The dwell of the visits with landmarks, summed: the denominator of attention. */
  attentionObservedMs: number;
  /** Faces tracked at the end of the window (a gauge, not a count of visits). */
  watching: number;
}

/**
 * One visit, sent when its track ends (unseen for `trackTimeoutMs`). Opt-in only: a record per
 * person is pseudonymous personal data (GDPR Art. 4(5)) even without an image.
 */
export interface TrackEvent {
  schema: typeof ANALYTICS_SCHEMA;
  type: 'track';
  /** Random per event, so a retried batch can be de-duplicated by the receiver. */
  eventId: string;
  /** Random per `createAnalytics()` call (a page load): never stored, so it does not survive a reload. */
  sessionId: string;
  /** The tracker's number for the face, restarting with each stream. */
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

export type AnalyticsEvent = WindowEvent | TrackEvent;

/** Every field of a window event, and no other (a receiver refuses anything else). */
export const WINDOW_FIELDS = [
  'schema',
  'type',
  'windowStart',
  'windowEnd',
  'visitors',
  'dwellMs',
  'dwellHistogram',
  'expressions',
  'attentionMs',
  'attentionObservedMs',
  'watching',
] as const satisfies readonly (keyof WindowEvent)[];
