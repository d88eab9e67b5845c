/** One figure for a loading bar: the engine reports each file's download; this adds them up. */
import type { FileProgress, ProgressEvent } from '../contract/types.js';

export class OverallProgress {
  private readonly files = new Map<FileProgress['stage'], { loaded: number; total: number }>();
  private overall = 0;

  /** `stages`: the files create() downloads (no detector file with `detector: 'none'`). */
  constructor(private readonly stages: readonly FileProgress['stage'][]) {}

  /**
   * The event with `overall`: bytes loaded over bytes expected, once every file has started (its size
   * is known by then: from the server, the card or the runtime build). A file whose size stays unknown
   * counts as what has arrived. Never decreasing: a fallback runtime's download does not move it back.
   */
  add(event: FileProgress): ProgressEvent {
    this.files.set(event.stage, { loaded: event.loaded, total: event.total });
    if (this.stages.every((stage) => this.files.has(stage))) {
      let loaded = 0;
      let total = 0;
      for (const file of this.files.values()) {
        loaded += file.loaded;
        total += Math.max(file.total, file.loaded);
      }
      if (total > 0) this.overall = Math.max(this.overall, Math.min(1, loaded / total));
    }
    return { ...event, overall: this.overall };
  }
}
