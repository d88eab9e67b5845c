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
    const width = Math.max(20, (this.stream.columns || 80) - 1); // 0 where the terminal does not say
    const shown = printable(text);
    this.stream.write(`\r\x1b[2K${shown.length > width ? `${shown.slice(0, width - 1)}…` : shown}`);
    this.shown = true;
  }

  /** Removes the line, before other output or at the end. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

/**
 * Text as the terminal should show it: control characters (a file named with an escape sequence could retitle the
 * terminal or hide lines) written as `\xNN`. Newlines and tabs stay.
 */
export const printable = (text: string) =>
  text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** "1.2 MB" */
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
