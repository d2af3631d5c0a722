/** Wrap-aware sequence arithmetic: examples at the wrap, and fast-check properties over all of 2^32. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax } from '../../src/tcp/seq.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ahead = fc.integer({ min: 1, max: 2 ** 31 - 1 }); // 0 < n < 2^31

describe('examples at the 2^32 wrap', () => {
  it('0xffffffff + 1 = 0 and 0 comes after 0xffffffff', () => {
    expect(seqAdd(0xffffffff, 1)).toBe(0);
    expect(seqAdd(0, -1)).toBe(0xffffffff);
    expect(seqLt(0xffffffff, 0)).toBe(true);
    expect(seqGt(0, 0xffffffff)).toBe(true);
    expect(seqDiff(5, 0xfffffffb)).toBe(10);
    expect(seqDiff(0xfffffffb, 5)).toBe(-10);
    expect(seqMax(0xfffffff0, 3)).toBe(3);
  });
  it('window test across the wrap', () => {
    expect(seqInWindow(2, 0xfffffff0, 100)).toBe(true);
    expect(seqInWindow(0xffffffef, 0xfffffff0, 100)).toBe(false);
    expect(seqInWindow(0xfffffff0 + 100 - 2 ** 32, 0xfffffff0, 100)).toBe(false);
    expect(seqInWindow(7, 7, 0)).toBe(false);
  });
});

describe('properties', () => {
  it('seqLt(a, a + n) for every a and 0 < n < 2^31, across the wrap', () => {
    fc.assert(
      fc.property(u32, ahead, (a, n) => {
        const b = seqAdd(a, n);
        return seqLt(a, b) && seqLe(a, b) && seqGt(b, a) && seqGe(b, a) && !seqLt(b, a) && seqDiff(b, a) === n;
      }),
    );
  });
  it('a number is neither before nor after itself', () => {
    fc.assert(fc.property(u32, (a) => !seqLt(a, a) && !seqGt(a, a) && seqLe(a, a) && seqGe(a, a) && seqDiff(a, a) === 0));
  });
  it('seqAdd stays an unsigned 32-bit integer and inverts with seqDiff', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (a, n) => {
        const b = seqAdd(a, n);
        return Number.isInteger(b) && b >= 0 && b <= 0xffffffff && seqDiff(b, a) === n;
      }),
    );
  });
  it('seqInWindow(lo + k, lo, len) iff 0 <= k < len', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 0, max: 2 ** 30 }), (lo, k, len) => {
        return seqInWindow(seqAdd(lo, k), lo, len) === k < len;
      }),
    );
  });
});
