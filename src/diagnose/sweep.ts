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

/** Sweeps `intervals` (empty ones ignored) over `window`, cut into at most `buckets` slices (0: no series). */
export function sweep(intervals: readonly Interval[], window: { start: number; end: number }, buckets = 60): SweepResult {
  const from = new Float64Array(intervals.length);
  const to = new Float64Array(intervals.length);
  for (let i = 0; i < intervals.length; i++) {
    from[i] = intervals[i]!.from;
    to[i] = intervals[i]!.to;
  }
  return sweepArrays(from, to, intervals.length, window, buckets);
}

/**
 * sweep() over intervals given as two parallel arrays (the first `n` entries; empty intervals
 * ignored). Reorders the arrays in place. Sorting two typed arrays numerically and merging them
 * costs a fraction of a Map of times: tens of thousands of TIME-WAIT sockets sweep in milliseconds.
 */
export function sweepArrays(
  from: Float64Array,
  to: Float64Array,
  n: number,
  window: { start: number; end: number },
  buckets = 60,
): SweepResult {
  // Keep the non-empty intervals (a NaN end is empty too), compacted to the front.
  let m = 0;
  for (let i = 0; i < n; i++) {
    const f = from[i]!;
    const t = to[i]!;
    if (!(t > f)) continue;
    from[m] = f;
    to[m] = t;
    m++;
  }
  const starts = sorted(from.subarray(0, m));
  const ends = sorted(to.subarray(0, m));

  // Merge into distinct times with their net change. All changes at one instant apply together, so
  // an interval ending exactly where another starts never counts twice ([from, to) semantics).
  const times = new Float64Array(2 * m);
  const delta = new Int32Array(2 * m);
  let k = 0;
  for (let i = 0, j = 0; i < m || j < m; ) {
    const t = j >= m || (i < m && starts[i]! < ends[j]!) ? starts[i]! : ends[j]!;
    let d = 0;
    while (i < m && starts[i] === t) {
      d++;
      i++;
    }
    while (j < m && ends[j] === t) {
      d--;
      j++;
    }
    times[k] = t;
    delta[k] = d;
    k++;
  }

  let count = 0;
  let peak = 0;
  let peakAt = window.start;
  for (let x = 0; x < k; x++) {
    count += delta[x]!;
    if (count > peak) {
      peak = count;
      peakAt = times[x]!;
    }
  }

  const span = window.end - window.start;
  if (buckets === 0) {
    // No series wanted (a host that will not be listed): only the count at the end.
    count = 0;
    for (let x = 0; x < k && times[x]! <= window.end; x++) count += delta[x]!;
    return { peak, peakAt, atEnd: count, series: [] };
  }
  const nb = span > 0 ? Math.max(1, Math.floor(buckets)) : 1;
  const width = span / nb;
  const series: Array<{ time: number; count: number }> = [];
  let i = 0;
  count = 0;
  for (let b = 0; b < nb; b++) {
    const bs = window.start + b * width;
    const last = b === nb - 1;
    const be = last ? window.end : bs + width;
    while (i < k && times[i]! <= bs) count += delta[i++]!;
    let max = count;
    while (i < k && (last ? times[i]! <= be : times[i]! < be)) {
      count += delta[i++]!;
      if (count > max) max = count;
    }
    series.push({ time: bs, count: max });
  }
  // The count at the window's end: everything up to and including `end` applied.
  while (i < k && times[i]! <= window.end) count += delta[i++]!;
  return { peak, peakAt, atEnd: count, series };
}

/** Sorts `a` numerically in place unless it already is (TIME-WAIT entries mostly arrive in order). */
function sorted(a: Float64Array): Float64Array {
  for (let i = 1; i < a.length; i++) if (!(a[i - 1]! <= a[i]!)) return a.sort();
  return a;
}
