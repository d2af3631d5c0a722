/**
 * Sequence space of one direction as a line: `unwrap` turns 32-bit sequence numbers relative to the
 * ISN into offsets that keep growing across wrap-around, and `ByteRanges` is the set of offsets seen
 * so far (sorted, merged intervals; appending at the end, the usual case, is O(1)).
 */

const TWO32 = 2 ** 32;

/** Offsets of one direction's relative sequence numbers, unwrapped around the last one seen. */
export class Unwrapper {
  private last = 0;

  /** The offset of relative sequence number `rel` (0 … 2³²−1) nearest the previous offset. */
  unwrap(rel: number): number {
    const base = this.last - (((this.last % TWO32) + TWO32) % TWO32);
    let off = base + rel;
    if (off - this.last > TWO32 / 2) off -= TWO32;
    else if (this.last - off > TWO32 / 2) off += TWO32;
    this.last = off;
    return off;
  }
}

/** A set of half-open intervals [start, end) of sequence offsets. */
export class ByteRanges {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Adds [start, end) and returns how many of its bytes were already in the set. */
  add(start: number, end: number): number {
    if (end <= start) return 0;
    const s = this.starts;
    const e = this.ends;
    const n = s.length;
    if (n === 0 || start > e[n - 1]!) {
      s.push(start);
      e.push(end);
      return 0;
    }
    // First interval that ends at or after `start` (binary search: they are sorted and disjoint).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    let overlap = 0;
    let k = lo;
    let newStart = start;
    let newEnd = end;
    while (k < n && s[k]! <= end) {
      overlap += Math.max(0, Math.min(end, e[k]!) - Math.max(start, s[k]!));
      newStart = Math.min(newStart, s[k]!);
      newEnd = Math.max(newEnd, e[k]!);
      k++;
    }
    s.splice(lo, k - lo, newStart);
    e.splice(lo, k - lo, newEnd);
    return overlap;
  }
}
