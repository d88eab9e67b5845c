/**
 * Multi-face tracker: stable track ids across frames, a Tentative → Confirmed → Lost
 * lifecycle, per-track smoothing of expression scores, and the classification schedule
 * (which tracks the engine runs the classifier on this frame). The schedule is staggered:
 * a track without a label is classified on the frame it appears; the others are
 * reclassified every `reclassifyEveryMs`, at most `classifyPerFrame` of them per frame,
 * the longest-waiting first, so five faces cost about one classifier run per frame
 * instead of five, and smoothing keeps their labels steady in between.
 *
 * Association is greedy: first by IoU against each track's motion-predicted box, then,
 * for what is left, by centre distance relative to face size (fast motion, or a detector
 * box that jumped). Constant-velocity prediction keeps ids through crossing faces.
 */
import { iou } from './nms.js';
import { DEFAULTS, type TrackingOptions } from '../../contract/options.js';
import { createSmoother, type VectorSmoother } from './smoothing.js';
import type { Box, Detection } from './types.js';

export type TrackState = 'tentative' | 'confirmed' | 'lost';

/** The user-facing part (create's `tracking`, defaults in options.ts) plus the association thresholds. */
export interface TrackerOptions extends Required<TrackingOptions> {
  /** Minimum IoU for a match in the first pass. Default 0.3. */
  iouThreshold: number;
  /** Fallback pass: max centre distance in units of the mean face size. Default 0.6. */
  maxCentreDistance: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  iouThreshold: 0.3,
  maxCentreDistance: 0.6,
  ...DEFAULTS.tracking,
};

export interface Track {
  readonly id: number;
  state: TrackState;
  /** Last matched detection (frame pixels). */
  detection: Detection;
  hits: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Frames since its last detection. */
  unseenFrames: number;
  /** Centre velocity, pixels per ms, for prediction. */
  vx: number;
  vy: number;
  /** Smoothed expression scores; undefined until first classified. */
  scores?: number[];
  lastClassifiedMs?: number;
}

export interface TrackerUpdate {
  /** Live tracks (tentative, confirmed and lost), by id. */
  tracks: Track[];
  /** For each input detection, the id of the track it now belongs to. */
  trackIds: number[];
  /**
   * Live tracks this frame's detection pass could not see (outside its region, or too small for
   * it): not missed, carried with their last detection (not extrapolated: a face the pass could
   * not see is not known to have moved). They are part of the frame's faces.
   */
  carried: Array<{ id: number; detection: Detection }>;
  /** Track ids to classify this frame; the rest reuse `track.scores`. */
  needsClassification: number[];
  /** Ids removed this frame (lost past the timeout, or tentative and missed). */
  removed: number[];
}

const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

/** Distance between two boxes' centres, in units of their mean side. */
function centreDistance(p: Box, q: Box): number {
  const a = centre(p),
    b = centre(q);
  return Math.hypot(a.x - b.x, a.y - b.y) / ((p.width + p.height + q.width + q.height) / 4);
}

export class FaceTracker {
  private readonly options: TrackerOptions;
  private readonly tracks = new Map<number, Track>();
  private readonly smoothers = new Map<number, VectorSmoother>();
  private nextId = 1;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  /**
   * Matches this frame's detections to the tracks. `covers` says which faces the detection pass
   * could have found (default: all); an unmatched track it does not cover is carried, not missed.
   * `cycleFrames`: how many frames it takes every pass to have its turn (PassCycle.length).
   */
  update(
    detections: Detection[],
    timestampMs: number,
    covers: (box: Box) => boolean = () => true,
    cycleFrames = 1,
  ): TrackerUpdate {
    const tracks = [...this.tracks.values()];
    const predicted = tracks.map((t) => this.predict(t, timestampMs));
    const trackOf = new Array<number>(detections.length).fill(-1);
    const usedTrack = new Set<number>();

    // Greedy assignment over candidate pairs sorted best first.
    const assign = (pairs: Array<[cost: number, ti: number, di: number]>) => {
      pairs.sort((a, b) => a[0] - b[0]);
      for (const [, ti, di] of pairs) {
        if (usedTrack.has(ti) || trackOf[di] !== -1) continue;
        usedTrack.add(ti);
        trackOf[di] = ti;
      }
    };
    const iouPairs: Array<[number, number, number]> = [];
    tracks.forEach((_, ti) =>
      detections.forEach((d, di) => {
        const overlap = iou(predicted[ti]!, d.box);
        if (overlap >= this.options.iouThreshold) iouPairs.push([-overlap, ti, di]);
      }),
    );
    assign(iouPairs);
    const distPairs: Array<[number, number, number]> = [];
    tracks.forEach((_, ti) => {
      if (usedTrack.has(ti)) return;
      detections.forEach((d, di) => {
        if (trackOf[di] !== -1) return;
        const dist = centreDistance(predicted[ti]!, d.box);
        if (dist <= this.options.maxCentreDistance) distPairs.push([dist, ti, di]);
      });
    });
    assign(distPairs);

    const trackIds = detections.map((d, di) => {
      const ti = trackOf[di]!;
      return ti >= 0 ? this.hit(tracks[ti]!, d, timestampMs) : this.spawn(d, timestampMs);
    });

    const removed: number[] = [];
    const carried: TrackerUpdate['carried'] = [];
    tracks.forEach((t, ti) => {
      if (usedTrack.has(ti)) return;
      t.unseenFrames++;
      const expired = timestampMs - t.lastSeenMs > this.options.lostTimeoutMs;
      // Another track took the detection at its place: it is a duplicate, not a face to carry.
      const taken = detections.some((d) => centreDistance(predicted[ti]!, d.box) <= this.options.maxCentreDistance);
      // On slow frames the clock alone would drop a face that no pass has yet looked for: it is kept
      // until every pass has had its turn (a face no pass can see still goes, by the clock).
      const due = expired && t.unseenFrames >= cycleFrames;
      if (!due && !taken && t.state !== 'lost' && !covers(predicted[ti]!)) {
        carried.push({ id: t.id, detection: t.detection });
        return;
      }
      if (t.state === 'tentative' || expired) {
        this.tracks.delete(t.id);
        this.smoothers.delete(t.id);
        removed.push(t.id);
      } else {
        t.state = 'lost';
      }
    });

    // Only confirmed tracks are faces to report, so only they are classified.
    const live = [...trackIds, ...carried.map((c) => c.id)].filter((id) => this.tracks.get(id)?.state === 'confirmed');
    return {
      tracks: [...this.tracks.values()],
      trackIds,
      carried,
      needsClassification: this.due(live, timestampMs),
      removed,
    };
  }

  /** New tracks first, all of them; then the labelled tracks that are due, longest waiting first, up to the cap. */
  private due(trackIds: number[], timestampMs: number): number[] {
    const tracks = trackIds.map((id) => this.tracks.get(id)!);
    const unlabelled = tracks.filter((t) => t.lastClassifiedMs === undefined);
    const { reclassifyEveryMs, classifyPerFrame } = this.options;
    const waiting = (t: Track) => timestampMs - t.lastClassifiedMs!;
    const stale = tracks
      .filter((t) => t.lastClassifiedMs !== undefined && waiting(t) >= reclassifyEveryMs)
      .sort((a, b) => waiting(b) - waiting(a) || a.id - b.id)
      .slice(0, reclassifyEveryMs === 0 ? undefined : classifyPerFrame);
    return [...unlabelled, ...stale].map((t) => t.id);
  }

  /** Records fresh classifier scores for a track; returns (and stores) the smoothed vector. */
  setScores(trackId: number, scores: ArrayLike<number>, timestampMs: number): number[] {
    const track = this.tracks.get(trackId);
    if (!track) throw new Error(`unknown track ${trackId}`);
    let smoother = this.smoothers.get(trackId);
    if (!smoother) this.smoothers.set(trackId, (smoother = createSmoother(this.options.smoothing)));
    track.scores = smoother.next(scores, timestampMs);
    track.lastClassifiedMs = timestampMs;
    return track.scores;
  }

  /** Every track still alive (tentative, confirmed and lost), oldest first. */
  live(): Track[] {
    return [...this.tracks.values()];
  }

  get(trackId: number): Track | undefined {
    return this.tracks.get(trackId);
  }

  reset(): void {
    this.tracks.clear();
    this.smoothers.clear();
  }

  /** The track's box moved along its velocity to `timestampMs`. */
  private predict(t: Track, timestampMs: number): Box {
    const dt = timestampMs - t.lastSeenMs;
    const b = t.detection.box;
    return { x: b.x + t.vx * dt, y: b.y + t.vy * dt, width: b.width, height: b.height };
  }

  private hit(t: Track, d: Detection, timestampMs: number): number {
    const dt = timestampMs - t.lastSeenMs;
    // A box that changed size by a fifth or more is another detection pass's view of the face
    // (the whole frame or a zoomed tile frame it differently), not motion.
    const rescaled = Math.abs(Math.log(d.box.width / t.detection.box.width)) > Math.log(1.2);
    if (dt > 0 && !rescaled) {
      const a = centre(t.detection.box),
        b = centre(d.box);
      // Velocity is smoothed so one jittery box does not throw the prediction off.
      t.vx = 0.5 * t.vx + 0.5 * ((b.x - a.x) / dt);
      t.vy = 0.5 * t.vy + 0.5 * ((b.y - a.y) / dt);
    }
    if (t.state === 'lost') {
      t.state = 'confirmed';
      t.vx = t.vy = 0;
    }
    t.detection = d;
    t.lastSeenMs = timestampMs;
    t.unseenFrames = 0;
    t.hits++;
    if (t.state === 'tentative' && t.hits >= this.options.confirmHits) t.state = 'confirmed';
    return t.id;
  }

  private spawn(d: Detection, timestampMs: number): number {
    const track: Track = {
      id: this.nextId++,
      state: this.options.confirmHits <= 1 ? 'confirmed' : 'tentative',
      detection: d,
      hits: 1,
      firstSeenMs: timestampMs,
      lastSeenMs: timestampMs,
      unseenFrames: 0,
      vx: 0,
      vy: 0,
    };
    this.tracks.set(track.id, track);
    return track.id;
  }
}
