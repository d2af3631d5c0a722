/**
 * The progress spinner (ora) on stderr: bytes and packets read so far, and, when the input's size
 * is known (a regular file), the share read and the time left at the pace so far. Shown only on an
 * interactive stderr (whatever stdout carries: text, --json, --ndjson; never for live capture), and
 * only once a read has taken longer than `delayMs`, so short reads print nothing extra at all.
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

/** A time left for people: 45 s, 3 min 20 s, 1 h 05 min. */
export function etaText(sec: number): string {
  const s = Math.max(1, Math.round(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
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

/**
 * Starts a spinner for reading `name`, or a no-op when `enabled` is false. `totalBytes`: the
 * input's size when known, for the share read and the time left (after a second of reading, at the
 * pace so far); `now` is the clock in ms (tests).
 */
export function startProgress(
  name: string,
  stream: NodeJS.WritableStream,
  enabled: boolean,
  delayMs = 300,
  totalBytes: number | null = null,
  now: () => number = () => performance.now(),
): Progress {
  if (!enabled) return NONE;
  let bytes = 0;
  let packets = 0;
  let spinner: Ora | null = null;
  let stopped = false;
  const t0 = now();
  const text = () => {
    const counts = `${int(packets)} ${packets === 1 ? 'packet' : 'packets'}`;
    if (totalBytes === null || totalBytes <= 0) return `reading ${name}: ${bytesText(bytes)}, ${counts}`;
    const share = Math.min(1, bytes / totalBytes);
    const elapsed = (now() - t0) / 1000;
    const left = elapsed >= 1 && bytes > 0 && share < 1 ? `, about ${etaText((elapsed * (totalBytes - bytes)) / bytes)} left` : '';
    return `reading ${name}: ${bytesText(bytes)} of ${bytesText(totalBytes)} (${Math.floor(share * 100)}%), ${counts}${left}`;
  };
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
