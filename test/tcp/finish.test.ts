/**
 * ConnectionTracker.finish(): the record is the same whether the tracker may go on (a copy, for
 * NDJSON streaming) or is done (`last`: the record takes over the tracker's own lists), and a
 * finished tracker refuses more work instead of corrupting a record already handed out.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { mkSeg, tracker, type Row } from './helpers.js';

const u = (n: number) => n >>> 0;
const X = u(0xfffffffe);
const Y = u(0xfffffff0);
const ROWS: Row[] = [
  ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
  ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
  ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
  ['c', 'P.', u(X + 1), u(Y + 1), 100, 'ESTABLISHED', 'ESTABLISHED'],
  ['s', '.', u(Y + 1), u(X + 101), 0, 'ESTABLISHED', 'ESTABLISHED'],
  ['c', 'F.', u(X + 101), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
  ['s', 'F.', u(Y + 1), u(X + 102), 0, 'TIME-WAIT', 'LAST-ACK'],
  ['c', '.', u(X + 102), u(Y + 2), 0, 'TIME-WAIT', 'CLOSED'],
];

function played(allSegments: boolean) {
  const t = tracker({ allSegments });
  ROWS.forEach(([dir, flags, seq, ack, len], i) => t.observe(mkSeg({ dir, flags, seq, ack, len, packet: i + 1, t: 1e9 + i * 0.01 }), dir === 'c'));
  return t;
}

describe('finish()', () => {
  it.each([false, true])('gives the same record with and without `last` (allSegments %s), TIME-WAIT expiry included', (all) => {
    for (const end of [1e9 + 1, 1e9 + 100]) {
      const copy = played(all).finish(end, 0);
      const t = played(all);
      const first = t.finish(end, 0);
      expect(first).toEqual(copy);
      expect(t.finish(end, 0, true)).toEqual(copy);
    }
  });

  it('a copy is not changed by what the tracker sees later; the last record is final', () => {
    const t = played(false);
    const early = t.finish(1e9 + 1, 0);
    const snapshot = JSON.stringify(early);
    t.observe(mkSeg({ dir: 's', flags: 'F.', seq: u(Y + 1), ack: u(X + 102), packet: 9, t: 1e9 + 2 }), false);
    expect(JSON.stringify(early)).toBe(snapshot);
    const last = t.finish(1e9 + 200, 0, true);
    expect(last.timeline.at(-1)).toMatchObject({ side: 'client', from: 'TIME-WAIT', to: 'CLOSED' });
    expect(() => t.observe(mkSeg({ dir: 'c', flags: '.', seq: u(X + 102), ack: u(Y + 2), packet: 10, t: 1e9 + 3 }), true)).toThrow(/after the last finish/);
    expect(() => t.finish(1e9 + 300, 0)).toThrow(/after the last finish/);
  });

  it('passing checks share one message per side; failing ones carry their numbers', () => {
    const a = played(false).finish(1e9 + 1, 0, true);
    const b = played(false).finish(1e9 + 1, 0, true);
    expect(a.checks.length).toBeGreaterThan(8);
    a.checks.forEach((c, i) => {
      expect(c.ok).toBe(true);
      expect(c.message).toBe(b.checks[i]!.message);
    });
    const bad = tracker();
    bad.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, packet: 1 }), true);
    bad.observe(mkSeg({ dir: 's', flags: 'S.', seq: Y, ack: u(X + 7), packet: 2 }), false);
    const r = bad.finish(1e9 + 1, 0, true);
    expect(r.checks.find((c) => c.id === 'synack-acks-isn')).toMatchObject({ ok: false, actual: u(X + 7), message: expect.stringContaining(String(u(X + 7))) });
  });

  it('kept segments without flags or checks share a frozen empty list, which end-of-capture checks replace', () => {
    const r = played(false).finish(1e9 + 1, 0, true);
    const empty = r.segments.filter((s) => s.analysis.length === 0);
    expect(empty.length).toBeGreaterThan(0);
    expect(Object.isFrozen(empty[0]!.analysis)).toBe(true);
    // The client's FIN (packet 6) lists the end-of-capture no-data-after-fin check.
    expect(r.segments.find((s) => s.packet === 6)!.checks).toContain('no-data-after-fin');
  });

  // What the summary and the diagnostics read of a record (tcp/summary.ts, diagnose/).
  const read = (r: ConnectionRecord) => ({
    id: r.id,
    start: r.start,
    end: r.end,
    client: { ip: r.client.ip, port: r.client.port, state: r.client.state, stateBasis: r.client.stateBasis, segments: r.client.segments },
    server: { ip: r.server.ip, port: r.server.port, state: r.server.state, stateBasis: r.server.stateBasis, segments: r.server.segments },
    open: { kind: r.open.kind, synRetransmits: r.open.synRetransmits },
    close: { kind: r.close.kind, initiator: r.close.initiator },
    zeek: r.zeek.conn_state,
    flags: r.flags,
    keepAlive: r.keepAlive,
    reusedFrom: r.reusedFrom,
    checks: r.checks.map((c) => c.ok),
    waits: r.timeline.filter((t) => t.from === 'TIME-WAIT' || t.to === 'TIME-WAIT' || t.to === 'CLOSE-WAIT').map(({ why: _, ...t }) => t),
  });

  it.each([
    ['TIME-WAIT still held', 1e9 + 1],
    ['TIME-WAIT ran out', 1e9 + 100],
  ])('a lean record (%s) has what the reducers read of the full one, and no more', (_, end) => {
    const full = played(false).finish(end, 0, true);
    const lean = played(false).finish(end, 0, true, 'end', true);
    expect(read(lean)).toEqual(read(full));
    expect(lean.timeline.length).toBeLessThan(full.timeline.length);
    expect(lean.timeline.every((t) => t.from === 'TIME-WAIT' || t.to === 'TIME-WAIT' || t.to === 'CLOSE-WAIT')).toBe(true);
    expect(full.notes.length).toBeGreaterThan(0);
    expect(lean.notes).toEqual([]);
    // A failing check stays failed in the stand-ins.
    const bad = () => {
      const t = tracker();
      t.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, packet: 1 }), true);
      t.observe(mkSeg({ dir: 's', flags: 'S.', seq: Y, ack: u(X + 7), packet: 2 }), false);
      return t;
    };
    expect(read(bad().finish(end, 0, true, 'end', true))).toEqual(read(bad().finish(end, 0, true)));
    expect(
      bad()
        .finish(end, 0, true, 'end', true)
        .checks.some((c) => !c.ok),
    ).toBe(true);
  });

  it('a record that is not the last is never lean (the tracker goes on, and something prints it)', () => {
    const t = played(false);
    expect(t.finish(1e9 + 1, 0, false, 'end', true)).toEqual(played(false).finish(1e9 + 1, 0));
  });
});
