import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TcpFlag, type Segment } from '../../src/decode/segment.js';
import { FinishedTable } from '../../src/flow/finished-table.js';
import { FlowTable } from '../../src/flow/flow-table.js';

/** A segment between two endpoints; IPv6 ones use all four words. */
function seg(src: number, srcPort: number, dst: number, dstPort: number, v: 4 | 6 = 4): Segment {
  const w = (x: number, i: number) => (v === 6 ? (x * (i + 3)) >>> 0 : i === 0 ? x : 0);
  return {
    packet: 1,
    tsSec: 0,
    tsNsec: 0,
    ipVersion: v,
    src0: w(src, 0),
    src1: w(src, 1),
    src2: w(src, 2),
    src3: w(src, 3),
    dst0: w(dst, 0),
    dst1: w(dst, 1),
    dst2: w(dst, 2),
    dst3: w(dst, 3),
    srcPort,
    dstPort,
    seq: 0,
    ack: 0,
    flags: TcpFlag.ACK,
    window: 0,
    payloadLen: 0,
    options: null,
    truncated: false,
    ipId: 0,
    tunnel: 0,
    tunnelFlip: 0,
  };
}
const reverse = (s: Segment): Segment => ({
  ...s,
  src0: s.dst0,
  src1: s.dst1,
  src2: s.dst2,
  src3: s.dst3,
  dst0: s.src0,
  dst1: s.src1,
  dst2: s.src2,
  dst3: s.src3,
  srcPort: s.dstPort,
  dstPort: s.srcPort,
});

/** Moves `s`'s 4-tuple from a FlowTable (as trace.ts does) into `t` at `time`, with `value` as its first number. */
function park(t: FinishedTable, s: Segment, clientIsSrc: boolean, value: number, time: number): number {
  const flows = new FlowTable<null>();
  flows.lookup(s);
  const e = flows.insert(s, clientIsSrc, null, time);
  flows.remove(e);
  const slot = t.add(e, time);
  t.payload[slot * t.width] = value;
  // The words carry the value too (negated, as a 32-bit word): they must move with the doubles.
  if (t.intWidth > 0) t.ints[slot * t.intWidth + t.intWidth - 1] = -value | 0;
  return slot;
}

const A = 0xc6120001; // 198.18.0.1 (above 2^31: stored as int32)
const B = 0x0a000002;

describe('FinishedTable', () => {
  it('finds a 4-tuple from either direction, and knows which way the client is', () => {
    const t = new FinishedTable(2);
    const s = seg(A, 40000, B, 80);
    park(t, s, true, 7, 1);
    expect(t.payload[t.lookup(s) * 2]).toBe(7);
    expect(t.fromClient).toBe(true);
    expect(t.payload[t.lookup(reverse(s)) * 2]).toBe(7);
    expect(t.fromClient).toBe(false);
    expect(t.lookup(seg(A, 40001, B, 80))).toBe(-1);
    expect(t.lookup(seg(A, 40000, B, 80, 6))).toBe(-1);
  });

  it('expires oldest first, skips removed entries, and keeps everything across growth', () => {
    const t = new FinishedTable(1, 3, 4);
    const segs = Array.from({ length: 50 }, (_, i) => seg(A + i, 1000 + i, B, 80, i % 2 === 0 ? 4 : 6));
    segs.forEach((s, i) => park(t, s, i % 3 === 0, i, i));
    expect(t.size).toBe(50);
    for (let i = 0; i < 50; i++) expect(t.payload[t.lookup(segs[i]!)]).toBe(i);
    for (let i = 0; i < 50; i++) expect(t.ints[t.lookup(segs[i]!) * 3 + 2]).toBe(-i | 0);
    t.remove(t.lookup(segs[0]!));
    t.remove(t.lookup(segs[1]!));
    t.remove(t.lookup(segs[25]!));
    expect(t.size).toBe(47);
    expect(t.time(t.oldest())).toBe(2);
    const seen: number[] = [];
    t.forEach((slot) => seen.push(t.payload[slot]!));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i).filter((i) => i > 1 && i !== 25));
    expect(t.lookup(segs[25]!)).toBe(-1);
  });

  it('reuses the room of removed entries instead of growing for them (ports reused on a busy server)', () => {
    const t = new FinishedTable(1, 0, 8);
    // 10,000 tuples pass through, at most 4 at once, each removed in the middle (reused) rather
    // than expiring from the head: the arrays must not double for the dead slots.
    const live: Segment[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = seg(A + i, 1000 + (i % 5000), B, 80);
      park(t, s, true, i, i);
      live.push(s);
      if (live.length > 4) t.remove(t.lookup(live.splice(1, 1)[0]!));
    }
    expect(t.size).toBe(4);
    expect(t.capacity).toBe(8);
    for (const s of live) expect(t.lookup(s)).toBeGreaterThanOrEqual(0);
  });

  it('behaves as a map of 4-tuples under any sequence of adds, lookups and expiries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ op: fc.constantFrom('add', 'expire', 'remove'), a: fc.nat(7), p: fc.nat(3), v6: fc.boolean() }), { maxLength: 200 }),
        (ops) => {
          const t = new FinishedTable(1, 1, 2);
          const model = new Map<string, number>(); // key -> value, insertion order = age
          let clock = 0;
          for (const { op, a, p, v6 } of ops) {
            const s = seg(A + a, 5000 + p, B, 443, v6 ? 6 : 4);
            const key = `${v6}/${a}/${p}`;
            if (op === 'add' && !model.has(key)) {
              park(t, s, true, clock, clock);
              model.set(key, clock++);
            } else if (op === 'remove' && model.has(key)) {
              t.remove(t.lookup(s));
              model.delete(key);
            } else if (op === 'expire' && model.size > 0) {
              const [k, v] = model.entries().next().value as [string, number];
              const slot = t.oldest();
              expect(t.payload[slot]).toBe(v);
              t.remove(slot);
              model.delete(k);
            }
            expect(t.size).toBe(model.size);
            for (const [k, v] of model) {
              const [v6s, as, ps] = k.split('/');
              const slot = t.lookup(reverse(seg(A + Number(as), 5000 + Number(ps), B, 443, v6s === 'true' ? 6 : 4)));
              expect(t.payload[slot]).toBe(v);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
