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

/** Starts a spinner for reading `name`, or a no-op when `enabled` is false. */
export function startProgress(name: string, stream: NodeJS.WritableStream, enabled: boolean, delayMs = 300): Progress {
  if (!enabled) return NONE;
  let bytes = 0;
  let packets = 0;
  let spinner: Ora | null = null;
  let stopped = false;
  const text = () => `reading ${name}: ${bytesText(bytes)}, ${int(packets)} packets`;
  const timer = setTimeout(() => {
    if (stopped) return;
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
      spinner?.stop();
    },
  };
}
