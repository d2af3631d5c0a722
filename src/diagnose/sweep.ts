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
 * The merge's distinct times and net changes, reused by every sweep (grown, never shrunk): the
 * TIME-WAIT diagnostics sweep once per host and per tuple, hundreds of thousands of small groups
 * on a busy capture. Nothing outside sweepArrays() holds them.
 */
let scratchTimes = new Float64Array(64);
let scratchDelta = new Int32Array(64);
/** Most intervals whose merge buffers are kept between sweeps (1.5 MB). */
const SCRATCH_KEPT = 65536;

/**
 * sweep() over intervals given as two parallel arrays (the first `n` entries; empty intervals
 * ignored). Reorders the arrays in place, and allocates nothing but the result (and its series).
 * Sorting two typed arrays numerically and merging them costs a fraction of a Map of times: tens
 * of thousands of TIME-WAIT sockets sweep in milliseconds.
 */
export function sweepArrays(from: Float64Array, to: Float64Array, n: number, window: { start: number; end: number }, buckets = 60): SweepResult {
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
  return merged(from, to, m, window, buckets);
}

/**
 * The sweep of `m` non-empty intervals, in phases that are functions of their own, each running
 * its loops on every call, with no shortcut for one interval: V8 optimised the sweep while one
 * branch had not run yet, and each later call taking it bailed out of the optimised code without
 * discarding it (thousands of deoptimisations in the TIME-WAIT diagnostics of the short
 * benchmark, where most groups hold one interval).
 */
function merged(from: Float64Array, to: Float64Array, m: number, window: { start: number; end: number }, buckets: number): SweepResult {
  sortPrefix(from, m);
  sortPrefix(to, m);
  let times = scratchTimes;
  let delta = scratchDelta;
  if (times.length < 2 * m) {
    times = new Float64Array(2 * m);
    delta = new Int32Array(2 * m);
    // Kept for the next sweep up to a size; a busy server's one big sweep is not held after it.
    if (m <= SCRATCH_KEPT) {
      scratchTimes = times;
      scratchDelta = delta;
    }
  }
  const k = mergeTimes(from, to, m, times, delta);
  const peak = peakOf(times, delta, k, window.start);
  if (buckets === 0) {
    // No series wanted (a host that will not be listed): only the count at the end.
    return { peak, peakAt: peakTime, atEnd: countUpTo(times, delta, k, 0, window.end), series: [] };
  }
  const peakAt = peakTime;
  const series = seriesOf(times, delta, k, window, buckets);
  return { peak, peakAt, atEnd: seriesEndCount, series };
}

/**
 * Merges sorted starts and ends into distinct times with their net change; returns how many. All
 * changes at one instant apply together, so an interval ending exactly where another starts never
 * counts twice ([from, to) semantics).
 */
function mergeTimes(starts: Float64Array, ends: Float64Array, m: number, times: Float64Array, delta: Int32Array): number {
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
  return k;
}

/** When peakOf()'s peak was first reached (a second result without an object per call). */
let peakTime = 0;

/** The most open at once over the `k` changes, and (in `peakTime`) the first time it was reached; `start` when none. */
function peakOf(times: Float64Array, delta: Int32Array, k: number, start: number): number {
  let count = 0;
  let peak = 0;
  let peakAt = start;
  for (let x = 0; x < k; x++) {
    count += delta[x]!;
    if (count > peak) {
      peak = count;
      peakAt = times[x]!;
    }
  }
  peakTime = peakAt;
  return peak;
}

/** `count` plus the changes from index `i` at times up to and including `end`. */
function countUpTo(times: Float64Array, delta: Int32Array, k: number, i: number, end: number): number {
  let count = 0;
  for (let x = i; x < k && times[x]! <= end; x++) count += delta[x]!;
  return count;
}

/** The count at the window's end, seriesOf()'s second result. */
let seriesEndCount = 0;

/** For each of `buckets` slices of the window, the most open at once; the count at its end in `seriesEndCount`. */
function seriesOf(
  times: Float64Array,
  delta: Int32Array,
  k: number,
  window: { start: number; end: number },
  buckets: number,
): Array<{ time: number; count: number }> {
  const span = window.end - window.start;
  const nb = span > 0 ? Math.max(1, Math.floor(buckets)) : 1;
  const width = span / nb;
  const series: Array<{ time: number; count: number }> = [];
  let i = 0;
  let count = 0;
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
  seriesEndCount = count;
  return series;
}

/** Sorts the first `m` entries of `a` numerically in place unless they already are (TIME-WAIT entries mostly arrive in order). */
function sortPrefix(a: Float64Array, m: number): void {
  for (let i = 1; i < m; i++) {
    if (!(a[i - 1]! <= a[i]!)) {
      (m === a.length ? a : a.subarray(0, m)).sort();
      return;
    }
  }
}
