/**
 * One line on stderr that says what is going on (loading the models, image 3 of 120), rewritten in place. Only when
 * stderr is a terminal: a pipe or a log file gets none of it, so redirected output stays clean.
 */
export class ProgressLine {
  private shown = false;
  private last = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    readonly enabled = stream.isTTY === true,
  ) {}

  /** Shows `text`; `force` skips the throttle (a new phase), else at most ten updates a second. */
  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && this.shown && now - this.last < 100) return;
    this.last = now;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    this.stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  /** Removes the line, before other output or at the end. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

/** "1.2 MB" */
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
