/**
 * The size of V8's young generation during a trace in this thread.
 *
 * V8 grows the young generation's semi-spaces while many objects survive a scavenge, up to 16 MiB
 * each on a 64-bit machine: 32 MiB of a trace's resident memory that holds no live data (a trace
 * keeps its connections, which are promoted, and allocates short-lived strings and records).
 * Half that costs nothing measurable on the benchmark's short capture and takes 17-30 MiB off the
 * peak RSS of every mode (2026-12-07, 2 alternating pairs each, previous build first: `--json`
 * 20.3/20.2 s, 221 MiB → 20.7/19.3 s, 192-199 MiB; text 25.9/24.3 s, 219-226 MiB → 24.0/28.3 s
 * wall, 29.4/28.3 s CPU instead of 33.4/31.6, 193 MiB; `--ndjson` 12.1/11.5 s, 161-167 MiB →
 * 11.6/11.4 s, 144-145 MiB; `--summary` 7.3/7.4 s, 196-200 MiB → 8.0/7.5 s, 170-178 MiB). A quarter
 * (4 MiB semi-spaces) made `--summary` 15% slower.
 *
 * The maximum is fixed when the heap is made (`--max-semi-space-size` on node's command line,
 * which a package's bin cannot pass portably; `v8.setFlagsFromString` is too late for it), but the
 * growth factor is read at every growth. bin/tcptrace.js starts watching the size before the CLI's
 * modules load, and the factor is set so that the next growth lands on 16 MiB (from 4 MiB: 4), then
 * to 1 once it is there. Two growths can come back to back (a scavenge, then a mark-compact), and
 * from 8 MiB the second one reaches V8's maximum: the young generation is then as it always was.
 * Should a V8 ignore the flag, the same.
 *
 * Process-wide: V8 flags hold for every isolate, so a worker could not grow its own young
 * generation under the cap. `--threads` lets it grow as V8 does by default (`uncapYoungGeneration`).
 */
import v8 from 'node:v8';

/** The young generation's size kept (both semi-spaces, as `new_space` reports it), bytes. */
export const YOUNG_GENERATION_BYTES = 16 * 1024 * 1024;
/** How often the size is looked at while it grows, ms (timers run between two chunks of a read). */
const GROWING_POLL_MS = 1;
/** How often once it is there: V8 may shrink it while little is allocated (an idle live capture). */
const HELD_POLL_MS = 500;

/** The young generation's size now (`new_space`), bytes; 0 if V8 does not say. */
function youngGenerationSize(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}

/**
 * The growth factor that takes a young generation of `size` bytes to at most `target` in one
 * growth (V8 multiplies the size by it), and 1, no growth, once it is there.
 */
export function growthFactor(size: number, target: number): number {
  return size <= 0 || size >= target ? 1 : Math.floor(target / size);
}

/** V8's own growth factor. */
const V8_GROWTH_FACTOR = 2;

let timer: NodeJS.Timeout | null = null;
let pollMs = 0;
let factor = 0;

function setFactor(f: number): void {
  if (f === factor) return;
  factor = f;
  v8.setFlagsFromString(`--semi-space-growth-factor=${f}`);
}

function poll(every: number): void {
  if (timer !== null && every === pollMs) return;
  if (timer !== null) clearInterval(timer);
  pollMs = every;
  timer = setInterval(look, every);
  // Never what keeps the process alive.
  timer.unref();
}

function look(): void {
  const size = youngGenerationSize();
  if (size === 0) {
    // No new_space in this V8: nothing to watch.
    uncapYoungGeneration();
    return;
  }
  const f = growthFactor(size, YOUNG_GENERATION_BYTES);
  setFactor(f);
  poll(f === 1 ? HELD_POLL_MS : GROWING_POLL_MS);
}

/**
 * Keeps this process's young generation at YOUNG_GENERATION_BYTES from now on (until uncapped).
 * Only bin/tcptrace.js calls it, for the real process: main() called in-process (the tests) leaves
 * the host's heap alone.
 */
export function capYoungGeneration(): void {
  look();
}

/** Lets the young generation grow as V8 grows it (before starting workers). */
export function uncapYoungGeneration(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  setFactor(V8_GROWTH_FACTOR);
}
