import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TcpFlag, type Segment } from '../../src/decode/segment.js';
import { FlowTable, compareEndpoints, flowHash } from '../../src/flow/flow-table.js';
import { orient } from '../../src/flow/orientation.js';

/** A segment between two IPv4 endpoints (a.b.c.d as one word). */
function seg(src: number, srcPort: number, dst: number, dstPort: number, flags: number = TcpFlag.ACK, v: 4 | 6 = 4): Segment {
  return {
    packet: 1,
    tsSec: 0,
    tsNsec: 0,
    ipVersion: v,
    src0: src,
    src1: 0,
    src2: 0,
    src3: 0,
    dst0: dst,
    dst1: 0,
    dst2: 0,
    dst3: 0,
    srcPort,
    dstPort,
    seq: 0,
    ack: flags & TcpFlag.ACK ? 0 : null,
    flags,
    window: 0,
    payloadLen: 0,
    options: null,
    truncated: false,
    ipId: 0,
    tunnel: 0,
    tunnelFlip: 0,
  };
}
const reverse = (s: Segment): Segment => seg(s.dst0, s.dstPort, s.src0, s.srcPort, s.flags, s.ipVersion);

const A = 0xc6120001; // 198.18.0.1
const B = 0xc6120002; // 198.18.0.2

describe('flow key', () => {
  it('hashes both directions of a 4-tuple alike', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffff), fc.nat(0xffffffff), fc.nat(0xffff), (a, ap, b, bp) => {
        const s = seg(a, ap, b, bp);
        const r = reverse(s);
        expect(flowHash(s, compareEndpoints(s) <= 0)).toBe(flowHash(r, compareEndpoints(r) <= 0));
      }),
    );
  });

  it('tells IPv4 from IPv6 with the same words', () => {
    const t = new FlowTable<string>();
    t.lookup(seg(A, 1, B, 2));
    t.insert(seg(A, 1, B, 2), true, 'v4', 0);
    expect(t.lookup(seg(A, 1, B, 2, TcpFlag.ACK, 6))).toBeNull();
  });
});

describe('FlowTable', () => {
  it('finds an entry from either direction and reports the direction', () => {
    const t = new FlowTable<string>();
    const s = seg(B, 40000, A, 80, TcpFlag.SYN);
    expect(t.lookup(s)).toBeNull();
    const e = t.insert(s, true, 'c', 0);
    expect(t.lookup(s)).toBe(e);
    expect(t.fromClient).toBe(true);
    expect(t.lookup(reverse(s))).toBe(e);
    expect(t.fromClient).toBe(false);
    expect(t.size).toBe(1);
  });

  it('keeps entries apart when their hashes collide in a bucket', () => {
    const t = new FlowTable<number>();
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const s = seg(A, 1024 + i, B, 80);
      expect(t.lookup(s)).toBeNull();
      t.insert(s, true, i, 0);
    }
    for (let i = 0; i < n; i++) expect(t.lookup(seg(B, 80, A, 1024 + i))?.value).toBe(i);
    expect(t.size).toBe(n);
  });

  it('evicts the oldest idle entry of each list by its own limit, on capture time', () => {
    const t = new FlowTable<string>();
    const mk = (port: number, now: number, v: string) => {
      const s = seg(A, port, B, 80);
      t.lookup(s);
      return t.insert(s, true, v, now);
    };
    const old = mk(1, 0, 'old');
    const closing = mk(2, 10, 'closing');
    mk(3, 20, 'young');
    t.markClosing(closing);
    t.touch(old, 25); // activity moves it to the young end
    // At t=80: closing idle 70 > 60 is due; active ones (idle 55, 60) are not past 100.
    expect(t.evictDue(80, 100, 60)?.value).toBe('closing');
    expect(t.evictDue(80, 100, 60)).toBeNull();
    // At t=121: 'young' (idle 101) is due, 'old' (touched at 25, idle 96) is not.
    expect(t.evictDue(121, 100, 60)?.value).toBe('young');
    expect(t.evictDue(121, 100, 60)).toBeNull();
    expect(t.evictDue(126, 100, 60)?.value).toBe('old');
    expect(t.size).toBe(0);
    expect(t.lookup(seg(A, 1, B, 80))).toBeNull();
  });

  it('reuse() re-orients the entry for the new connection and reactivates it', () => {
    const t = new FlowTable<string>();
    const s = seg(A, 5000, B, 6000, TcpFlag.SYN);
    t.lookup(s);
    const e = t.insert(s, true, 'first', 0);
    t.markClosing(e);
    // The old server opens the next connection on the same 4-tuple.
    const syn2 = reverse(s);
    expect(t.lookup(syn2)).toBe(e);
    t.reuse(e, syn2, true, 'second');
    expect(t.lookup(syn2)).toBe(e);
    expect(t.fromClient).toBe(true);
    expect(e.value).toBe('second');
    expect(e.closing).toBe(false);
    expect(t.evictDue(1000, 100, 60)?.value).toBe('second');
  });

  it('removeOldest() empties the table one entry at a time: closing entries first, then by activity', () => {
    const fill = () => {
      const t = new FlowTable<number>();
      for (let i = 0; i < 10; i++) {
        const s = seg(A, i + 1, B, 80);
        t.lookup(s);
        const e = t.insert(s, true, i, i);
        if (i % 3 === 0) t.markClosing(e);
      }
      t.touch(t.lookup(seg(A, 2, B, 80))!, 50);
      return t;
    };
    const order: number[] = [];
    const t = fill();
    for (let e = t.removeOldest(); e !== null; e = t.removeOldest()) {
      order.push(e.value);
      expect(t.lookup(seg(A, e.value + 1, B, 80))).toBeNull();
    }
    // Closing entries first, then the active ones by last activity (1 was touched last).
    expect(order).toEqual([0, 3, 6, 9, 2, 4, 5, 7, 8, 1]);
    expect(t.size).toBe(0);
    expect(t.removeOldest()).toBeNull();
  });
});

describe('probation', () => {
  /** A table of `n` entries, entry i inserted at time i (on probation when `onProbation(i)`). */
  function table(n: number, onProbation: (i: number) => boolean) {
    const t = new FlowTable<number>();
    for (let i = 0; i < n; i++) {
      const s = seg(A, 1000 + i, B, 80);
      t.lookup(s);
      t.insert(s, true, i, i, onProbation(i));
    }
    return t;
  }
  const drain = (t: FlowTable<number>, reserve: number) => {
    const out: number[] = [];
    for (let e = t.removeOldestOpen(reserve); e !== null; e = t.removeOldestOpen(reserve)) out.push(e.value);
    return out;
  };

  it('a full table gives up entries on probation first, the least recently active first', () => {
    const t = table(6, (i) => i % 2 === 1);
    expect(t.probationCount).toBe(3);
    t.touch(t.lookup(seg(A, 1001, B, 80))!, 10);
    expect(drain(t, 0)).toEqual([3, 5, 1, 0, 2, 4]);
    expect(t.size).toBe(0);
  });

  it('below its reserve, probation stays and the least recently active confirmed entry goes', () => {
    const t = table(6, (i) => i >= 4);
    // Two on probation, reserve 2: probation goes first; reserve 3: the active ones do, then probation.
    expect(t.removeOldestOpen(2)?.value).toBe(4);
    const u = table(6, (i) => i >= 4);
    expect(drain(u, 3)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('confirm() moves an entry off probation; markClosing() and reuse() move it between lists', () => {
    const t = table(3, () => true);
    const e0 = t.lookup(seg(A, 1000, B, 80))!;
    t.confirm(e0);
    expect([e0.probation, t.probationCount]).toEqual([false, 2]);
    t.confirm(e0); // a no-op off probation
    expect(t.probationCount).toBe(2);
    const e1 = t.lookup(seg(A, 1001, B, 80))!;
    t.markClosing(e1);
    expect([e1.probation, e1.closing, t.probationCount, t.closingCount]).toEqual([false, true, 1, 1]);
    t.reuse(e1, seg(A, 1001, B, 80, TcpFlag.SYN), true, 10, true);
    expect([e1.probation, e1.closing, t.probationCount, t.closingCount]).toEqual([true, false, 2, 0]);
    // e1, reused, is on probation again: it goes before the confirmed e0.
    expect(drain(t, 0)).toEqual([2, 10, 0]);
  });

  it('probation and active share the idle limit: the older head is due first', () => {
    const t = table(4, (i) => i % 2 === 0);
    expect(t.evictDue(102.5, 100, 60)?.value).toBe(0);
    expect(t.evictDue(102.5, 100, 60)?.value).toBe(1);
    expect(t.evictDue(102.5, 100, 60)?.value).toBe(2);
    expect(t.evictDue(102.5, 100, 60)).toBeNull();
    expect(t.evictDue(104, 100, 60)?.value).toBe(3);
  });

  it('removeOldest() empties closing, then probation, then active entries', () => {
    const t = table(6, (i) => i < 3);
    t.markClosing(t.lookup(seg(A, 1005, B, 80))!);
    const out: number[] = [];
    for (let e = t.removeOldest(); e !== null; e = t.removeOldest()) out.push(e.value);
    expect(out).toEqual([5, 0, 1, 2, 3, 4]);
  });
});

describe('orient', () => {
  it.each([
    ['SYN: its sender is the client', seg(A, 40000, B, 80, TcpFlag.SYN), true, null],
    ['SYN-ACK: its receiver is the client', seg(B, 80, A, 40000, TcpFlag.SYN | TcpFlag.ACK), false, null],
    ['mid-stream, well-known port is the server', seg(B, 443, A, 2000), false, 'well-known-port'],
    ['mid-stream, ephemeral port is the client', seg(A, 45000, B, 8080), true, 'ephemeral-port'],
    ['mid-stream, both registered: lower port serves', seg(A, 5432, B, 6000), false, 'lower-port-is-server'],
    ['mid-stream, same port: first sender', seg(A, 179, B, 179), true, 'first-sender'],
  ])('%s', (_name, s, clientIsSrc, heuristic) => {
    expect(orient(s)).toEqual({ clientIsSrc, heuristic });
  });
});
