/**
 * A stream's faces, frame by frame: detection as the scene needs it (face-detection.ts,
 * `detectStream`: each live track followed in its own region, big passes at a lower rate to find
 * new faces) and the tracker. Only confirmed tracks are the frame's faces: a candidate must be found
 * `confirmHits` frames in a row, each time by a look that reached `minDetectionConfidence`, before
 * it is reported, classified, or seen by the analytics.
 */
import type { DetectionStage, DetectionTimings } from './face-detection.js';
import { PassSchedule } from './pipeline/passes.js';
import { FaceTracker, type TrackerOptions } from './pipeline/tracker.js';
import type { Detection, RgbaImage } from './pipeline/types.js';

export class StreamFaces {
  readonly tracker: FaceTracker;
  private readonly passes = new PassSchedule();

  /** Without a detector (`detection` undefined) the frame is one face: nothing to confirm. */
  constructor(
    private readonly detection: DetectionStage | undefined,
    tracking: Partial<TrackerOptions>,
    private readonly maxFaces: number,
  ) {
    this.tracker = new FaceTracker({ ...tracking, ...(detection ? {} : { confirmHits: 1 }) });
  }

  /**
   * This frame's confirmed faces with their track ids, and the ids due for classification. The time
   * spent detecting and tracking is added to `timings`.
   */
  async next(
    image: RgbaImage,
    timestampMs: number,
    timings?: DetectionTimings & { track: number },
  ): Promise<{ tracked: Array<{ id: number; face: Detection }>; needsClassification: number[] }> {
    const input = this.detection?.inputSize;
    const live = this.tracker.live().map((t) => ({
      id: t.id,
      box: t.detection.box,
      score: t.detection.score,
      confirmed: t.state !== 'tentative',
    }));
    const pass =
      input && this.passes.next(image.width, image.height, input.width, input.height, timestampMs, live.length > 0);
    const found = this.detection
      ? await this.detection.detectStream(image, live, pass, timings)
      : { detections: [wholeFrame(image)], lookedFor: () => true };
    const started = performance.now();
    const detections = found.detections.slice(0, this.maxFaces);
    const update = this.tracker.update(detections, timestampMs, found.lookedFor, this.passes.length);
    const tracked = [
      ...update.trackIds.map((id, i) => ({ id, face: detections[i]! })),
      ...update.carried.map((c) => ({ id: c.id, face: c.detection })),
    ]
      .filter((t) => this.tracker.get(t.id)?.state === 'confirmed')
      .slice(0, this.maxFaces);
    if (timings) timings.track += performance.now() - started;
    return { tracked, needsClassification: update.needsClassification };
  }
}

/** With no detector, the frame is one pre-cropped face. */
export function wholeFrame(image: RgbaImage): Detection {
  return { box: { x: 0, y: 0, width: image.width, height: image.height }, score: 1, landmarks: [] };
}
