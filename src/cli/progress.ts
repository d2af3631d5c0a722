/**
 * The progress spinner (ora) on stderr: bytes and packets read so far. Shown only on an
 * interactive stderr, only when asked (never with --json/--ndjson or live capture), and only once
 * a read has taken longer than `delayMs`, so short reads print nothing extra at all.
 */
import ora, { type Ora } from 'ora';
import { int } from '../report/format.js';

/** Progress of one read: update with counts, stop when done (idempotent). */
export interface Progress {
  update(bytes: number, packets: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/** Bytes for people: 12.3 MB. */
function bytesText(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/**
 * Whether ora can draw on `stream`. ora counts the lines it must clear as text width / columns
 * (`columns ?? 80`): 0 columns (script(1), serial consoles, some `docker -t` report 0x0) gives
 * Infinity and its clear loop never returns, writing escapes as fast as the terminal takes them.
 * Undefined columns is fine (ora assumes 80), and so is 0 rows (ora only truncates when rows > 1).
 */
function drawable(stream: NodeJS.WritableStream): boolean {
  const columns = (stream as { columns?: number }).columns;
  return columns === undefined || (Number.isFinite(columns) && columns >= 1);
}

/** Starts a spinner for reading `name`, or a no-op when `enabled` is false. */
export function startProgress(name: string, stream: NodeJS.WritableStream, enabled: boolean, delayMs = 300): Progress {
  if (!enabled) return NONE;
  let bytes = 0;
  let packets = 0;
  let spinner: Ora | null = null;
  let stopped = false;
  const text = () => `reading ${name}: ${bytesText(bytes)}, ${int(packets)} packets`;
  // A terminal resized to 0 columns while the spinner runs would hang its next frame: Node sets the
  // new size before it emits 'resize', so stopping here comes before any frame drawn at that size.
  const onResize = () => {
    if (drawable(stream)) return;
    spinner?.stop();
    spinner = null;
  };
  const timer = setTimeout(() => {
    if (stopped || !drawable(stream)) return;
    stream.on('resize', onResize);
    // discardStdin: false — standard input may be the capture itself ('-'). isEnabled: the caller
    // already decided (an interactive stderr), so ora's own guess (which also looks at $CI) is not needed.
    spinner = ora({ text: text(), stream, discardStdin: false, hideCursor: true, isEnabled: true }).start();
  }, delayMs);
  timer.unref();
  return {
    update(b, p) {
      bytes = b;
      packets = p;
      if (spinner) spinner.text = text();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      stream.off('resize', onResize);
      spinner?.stop();
    },
  };
}
