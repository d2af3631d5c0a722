/**
 * Wrap-aware 32-bit sequence arithmetic (RFC 9293 §3.4: "the sequence number space ranges from 0
 * to 2**32 - 1 ... all arithmetic dealing with sequence numbers must be performed modulo 2**32").
 *
 * Comparisons take the signed 32-bit difference, as smoltcp's `SeqNumber` (`wrapping_sub`) and
 * gopacket's `Sequence.Difference` do: `a` is before `b` when `b - a` (mod 2^32) lies in
 * (0, 2^31). Every value in and out is an unsigned 32-bit integer held in a JS number.
 */

/** Signed distance `a - b` in sequence space, in [-2^31, 2^31). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** `a + n` modulo 2^32, as an unsigned 32-bit number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** `a` comes strictly before `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` comes before `b` or equals it. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a` comes strictly after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a` comes after `b` or equals it. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return ((a - b) | 0) >= 0 ? a : b;
}

/** `lo <= x < lo + len` in sequence space (RFC 9293 §3.4 window test); len 0 means empty. */
export function seqInWindow(x: number, lo: number, len: number): boolean {
  const d = (x - lo) >>> 0;
  return d < len;
}
