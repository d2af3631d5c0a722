/** Per-segment analysis flags, with Wireshark's tcp.analysis.* meanings (see src/tcp/analysis.ts). */
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { mkSeg, tracker, type SegSpec } from './helpers.js';

const X = 0xffffff00;
const Y = 7000;
const T0 = 1_700_000_000;

/** Plays specs (times in seconds after T0) with every segment kept; returns the record. */
function run(specs: Array<Omit<SegSpec, 't' | 'packet'> & { at: number }>): ConnectionRecord {
  const tr = tracker({ allSegments: true });
  specs.forEach((s, i) => tr.observe(mkSeg({ ...s, t: T0 + s.at, packet: i + 1 }), s.dir === 'c'));
  return tr.finish(T0 + 100, 0);
}
const add = (a: number, n: number) => (a + n) >>> 0;

/** Handshake with a 100 ms RTT (SYN at 0, SYN-ACK at 0.05, ACK at 0.1). */
const hs = [
  { dir: 'c' as const, flags: 'S', seq: X, at: 0 },
  { dir: 's' as const, flags: 'S.', seq: Y, ack: add(X, 1), at: 0.05 },
  { dir: 'c' as const, flags: '.', seq: add(X, 1), ack: Y + 1, at: 0.1 },
];
const flagsOf = (r: ConnectionRecord) => r.segments.map((s) => s.analysis);

describe('retransmission family', () => {
  it('the same data again after an RTO is a retransmission; data acked already is spurious too', () => {
    const r = run([
      ...hs,
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 100, at: 1 },
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 100, at: 1.5 },
      { dir: 's', flags: '.', seq: Y + 1, ack: add(X, 101), at: 1.6 },
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 100, at: 2 },
    ]);
    expect(flagsOf(r).slice(3)).toEqual([[], ['retransmission'], [], ['retransmission', 'spurious-retransmission']]);
    expect(r.flags.retransmissions).toBe(2);
    expect(r.data.client.retransmissions).toBe(2);
    expect(r.zeek.history).toBe('ShADTa');
  });
  it('a segment filling a hole within the RTT is out-of-order; the one after the hole is previous-segment-not-captured', () => {
    const r = run([
      ...hs,
      { dir: 'c', flags: 'P.', seq: add(X, 101), ack: Y + 1, len: 100, at: 1 },
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 100, at: 1.001 },
    ]);
    // The tracker's own verdict agrees: it filled the hole at once, so it went first on the wire.
    expect(flagsOf(r).slice(3)).toEqual([['previous-segment-not-captured'], ['out-of-order', 'reordered']]);
    expect(r.flags).toMatchObject({ lostSegments: 1, outOfOrder: 1, retransmissions: 0, reordered: 1 });
  });
  it('three duplicate ACKs then the missing segment within 20 ms: dup-ack x3 and a (fast) retransmission', () => {
    const d = (at: number) => ({ dir: 's' as const, flags: '.', seq: Y + 1, ack: add(X, 101), at });
    const r = run([
      ...hs,
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 100, at: 1 },
      { dir: 'c', flags: 'P.', seq: add(X, 101), ack: Y + 1, len: 100, at: 1.0001 },
      { dir: 'c', flags: 'P.', seq: add(X, 201), ack: Y + 1, len: 100, at: 1.0002 },
      d(1.05),
      d(1.051),
      d(1.052),
      d(1.053),
      { dir: 'c', flags: 'P.', seq: add(X, 101), ack: Y + 1, len: 100, at: 1.06 },
    ]);
    expect(flagsOf(r).slice(6)).toEqual([[], ['dup-ack'], ['dup-ack'], ['dup-ack'], ['retransmission']]);
    expect(r.flags.dupAcks).toBe(3);
  });
  it('SYN and FIN retransmissions count (they occupy sequence space)', () => {
    const r = run([
      { dir: 'c', flags: 'S', seq: X, at: 0 },
      { dir: 'c', flags: 'S', seq: X, at: 1 },
      { dir: 's', flags: 'S.', seq: Y, ack: add(X, 1), at: 1.05 },
      { dir: 'c', flags: '.', seq: add(X, 1), ack: Y + 1, at: 1.1 },
      { dir: 'c', flags: 'F.', seq: add(X, 1), ack: Y + 1, at: 2 },
      { dir: 'c', flags: 'F.', seq: add(X, 1), ack: Y + 1, at: 3 },
    ]);
    expect(flagsOf(r)).toEqual([[], ['retransmission'], [], [], [], ['retransmission']]);
  });
});

describe('windows, keep-alives, unseen data', () => {
  it('zero window advertised, then a one-byte window probe', () => {
    const r = run([
      ...hs,
      { dir: 's', flags: '.', seq: Y + 1, ack: add(X, 1), win: 0, at: 1 },
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 1, at: 2 },
    ]);
    expect(flagsOf(r).slice(3)).toEqual([['zero-window'], ['window-probe']]);
    expect(r.flags.zeroWindows).toBe(1);
    expect(r.zeek.history).toContain('w');
  });
  it('a keep-alive is seq = next - 1, not a retransmission', () => {
    const r = run([...hs, { dir: 'c', flags: '.', seq: X, ack: Y + 1, at: 60 }, { dir: 's', flags: '.', seq: Y + 1, ack: add(X, 1), at: 60.05 }]);
    expect(flagsOf(r).slice(3)).toEqual([['keep-alive'], ['keep-alive-ack']]);
    expect(r.keepAlive).toEqual({ probes: 1, intervalSec: null });
  });
  it('an ACK for bytes never seen is acked-unseen (a Zeek content gap on the other side)', () => {
    const r = run([...hs, { dir: 's', flags: '.', seq: Y + 1, ack: add(X, 501), at: 1 }]);
    expect(flagsOf(r)[3]).toEqual(['acked-unseen-segment']);
    expect(r.flags.ackedUnseen).toBe(1);
    expect(r.zeek.history).toBe('ShAaG');
  });
  it('a plain ACK and a window update are not dup ACKs', () => {
    const r = run([
      ...hs,
      { dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 10, at: 1 },
      { dir: 's', flags: '.', seq: Y + 1, ack: add(X, 11), at: 1.01 },
      { dir: 's', flags: '.', seq: Y + 1, ack: add(X, 11), win: 1000, at: 1.02 },
    ]);
    expect(flagsOf(r).slice(3)).toEqual([[], [], []]);
  });
});
