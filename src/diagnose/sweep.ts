/**
 * Counting half-open intervals [from, to) over time: how many are open at once, the peak, and a
 * bucketed series. Used for sockets sitting in TIME-WAIT; pure and independent of TCP.
 */

/** A half-open interval of capture time, seconds. */
export interface Interval {
  from: number;
  to: number;
}

/** The result of a sweep over a set of intervals. */
export interface SweepResult {
  /** Most intervals open at once and the first time that many were open. */
  peak: number;
  peakAt: number;
  /** Intervals open at `window.end`. */
  atEnd: number;
  /** For each of `buckets` equal slices of the window: its start and the most open at once in it. */
  series: Array<{ time: number; count: number }>;
}

/** Sweeps `intervals` (empty ones ignored) over `window`, cut into at most `buckets` slices. */
export function sweep(intervals: readonly Interval[], window: { start: number; end: number }, buckets = 60): SweepResult {
  // All changes at one instant apply together, so an interval ending exactly where another starts
  // never counts twice ([from, to) semantics).
  const times: number[] = [];
  const delta = new Map<number, number>();
  for (const iv of intervals) {
    if (!(iv.to > iv.from)) continue;
    for (const [t, d] of [
      [iv.from, 1],
      [iv.to, -1],
    ] as const) {
      const prev = delta.get(t);
      if (prev === undefined) times.push(t);
      delta.set(t, (prev ?? 0) + d);
    }
  }
  times.sort((a, b) => a - b);

  let count = 0;
  let peak = 0;
  let peakAt = window.start;
  for (const t of times) {
    count += delta.get(t)!;
    if (count > peak) {
      peak = count;
      peakAt = t;
    }
  }

  const span = window.end - window.start;
  const n = span > 0 ? Math.max(1, Math.floor(buckets)) : 1;
  const width = span / n;
  const series: Array<{ time: number; count: number }> = [];
  let i = 0;
  count = 0;
  for (let b = 0; b < n; b++) {
    const bs = window.start + b * width;
    const last = b === n - 1;
    const be = last ? window.end : bs + width;
    while (i < times.length && times[i]! <= bs) count += delta.get(times[i++]!)!;
    let max = count;
    while (i < times.length && (last ? times[i]! <= be : times[i]! < be)) {
      count += delta.get(times[i++]!)!;
      if (count > max) max = count;
    }
    series.push({ time: bs, count: max });
  }
  // The count at the window's end: everything up to and including `end` applied.
  while (i < times.length && times[i]! <= window.end) count += delta.get(times[i++]!)!;
  return { peak, peakAt, atEnd: count, series };
}
