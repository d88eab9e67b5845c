/**
 * One instance's calls into its engine, one at a time: `analyze()` and every stream's frames share it.
 * ONNX Runtime's sessions must not run concurrently (in Node, two streams and an analyze() on one instance
 * crashed inside ORT), and a call's time limit must count its own run, not the calls queued before it (a
 * burst of analyze() calls in the browser timed out while waiting, and each timeout restarted the engine).
 * A full queue refuses at once with E_BUSY instead of piling calls up.
 */
import { JadferError } from '../contract/errors.js';

/** Calls that may wait behind the running one; the next is refused with E_BUSY. */
export const MAX_WAITING_CALLS = 32;

export class RunQueue {
  private running = false;
  private readonly waiting: { start: () => void; refuse: (error: JadferError) => void }[] = [];

  constructor(private readonly maxWaiting = MAX_WAITING_CALLS) {}

  /** Runs `task` when the calls before it are done; its time starts then (E_BUSY when the queue is full). */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new JadferError(
          'E_BUSY',
          `${this.maxWaiting} calls are already waiting for this instance's engine; try again when one has finished`,
          { details: { waiting: this.waiting.length } },
        );
      }
      await new Promise<void>((start, refuse) => this.waiting.push({ start, refuse }));
    }
    this.running = true;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running = false;
    }
  }

  /** Refuses every waiting call (dispose()). */
  close(error: JadferError): void {
    for (const call of this.waiting.splice(0)) call.refuse(error);
  }
}
