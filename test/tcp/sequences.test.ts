/**
 * Whole exchanges played as sequence tables (gopacket testCheckFSM style): each row is one
 * segment [dir, flags, seq, ack, len] and the states both endpoints must be in after it.
 * One table per row of ARCHITECTURE.md's "What the state machine must get right", with ISNs
 * near 2^32 so every table also crosses the sequence-number wrap.
 */
import { describe, expect, it } from 'vitest';
import { mismatches, mkSeg, play, tracker, type Row } from './helpers.js';
import { noteTexts } from '../helpers/notes.js';

/** Unsigned 32-bit: ISNs below are picked so that +1, +small cross 2^32. */
const u = (n: number) => n >>> 0;
const X = u(0xfffffffe); // client ISN: X+1 = 0xffffffff, X+2 = 0
const Y = u(0xfffffff0); // server ISN

function expectRows(rows: Row[], opts: Parameters<typeof play>[1] = {}) {
  const p = play(rows, opts);
  expect(mismatches(rows, p)).toEqual([]);
  return p.record;
}

describe('three-way handshake and four-way close', () => {
  const rows: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ['c', 'P.', u(X + 1), u(Y + 1), 100, 'ESTABLISHED', 'ESTABLISHED'],
    ['s', '.', u(Y + 1), u(X + 101), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ['s', 'P.', u(Y + 1), u(X + 101), 20, 'ESTABLISHED', 'ESTABLISHED'],
    ['c', '.', u(X + 101), u(Y + 21), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ['c', 'F.', u(X + 101), u(Y + 21), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
    ['s', '.', u(Y + 21), u(X + 102), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
    ['s', 'F.', u(Y + 21), u(X + 102), 0, 'TIME-WAIT', 'LAST-ACK'],
    ['c', '.', u(X + 102), u(Y + 22), 0, 'TIME-WAIT', 'CLOSED'],
  ];
  it('walks both endpoints through every state of the normal life cycle, across the 2^32 wrap', () => {
    const r = expectRows(rows);
    expect(r.open).toMatchObject({ kind: 'three-way', complete: true, packets: [1, 2, 3] });
    expect(r.close).toMatchObject({ kind: 'four-way', initiator: 'client', dataAfterFin: 0, packets: [8, 9, 10, 11] });
    expect(r.client).toMatchObject({ state: 'TIME-WAIT', stateBasis: 'observed', isn: X });
    expect(r.server).toMatchObject({ state: 'CLOSED', stateBasis: 'inferred', isn: Y });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.zeek).toEqual({ conn_state: 'SF', history: 'ShADadFf', records: null });
  });
  it('confirms a state inferred from a received ACK once that endpoint sends data, and not before', () => {
    // The server's ESTABLISHED comes from the client's ACK (row 3); its 20 bytes (row 6) prove it, since
    // data waits in SYN-RECEIVED (RFC 9293 §3.10.2). A pure ACK (row 5) proves nothing.
    expect(expectRows(rows.slice(0, 5)).server).toMatchObject({ state: 'ESTABLISHED', stateBasis: 'inferred' });
    expect(expectRows(rows.slice(0, 6)).server).toMatchObject({ state: 'ESTABLISHED', stateBasis: 'observed' });
  });
  it('gives relative numbers from each ISN, through the wrap', () => {
    const r = expectRows(rows);
    const fin = r.segments.find((s) => s.packet === 8)!;
    expect(fin).toMatchObject({ flags: 'F.', relSeq: 101, relAck: 21 });
    expect(r.segments.find((s) => s.packet === 2)).toMatchObject({ flags: 'S.', relSeq: 0, relAck: 1 });
  });
  it('keeps only the opening and closing segments unless all are asked for', () => {
    const t = tracker();
    rows.forEach(([dir, flags, seq, ack, len], i) => t.observe(mkSeg({ dir, flags, seq, ack, len, packet: i + 1, t: 1e9 + i }), dir === 'c'));
    const r = t.finish(1e9 + 20, 0);
    expect(r.segments.map((s) => s.packet)).toEqual([1, 2, 3, 8, 9, 10, 11]);
    expect(r.data.client).toEqual({ segments: 2, bytes: 100, retransmissions: 0, firstPacket: 4, lastPacket: 7 });
    expect(r.data.server).toEqual({ segments: 2, bytes: 20, retransmissions: 0, firstPacket: 5, lastPacket: 6 });
    // finish() is pure: a second call gives the same record.
    expect(t.finish(1e9 + 20, 0)).toEqual(r);
  });
});

describe('data on the SYN', () => {
  it('without Fast Open is a violation (syn-no-data fails)', () => {
    const r = expectRows([
      ['c', 'S', X, null, 5, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', 'P.', u(X + 1), u(Y + 1), 5, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.open.kind).toBe('three-way');
    expect(r.checks.find((c) => c.id === 'syn-no-data')).toMatchObject({ ok: false, expected: 0, actual: 5, side: 'client' });
  });
  it('with a Fast Open cookie is not (open.kind fast-open, the SYN-ACK acks the data)', () => {
    const r = expectRows(
      [
        ['c', 'S', X, null, 5, 'SYN-SENT', 'LISTEN'],
        ['s', 'S.', Y, u(X + 6), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
        ['c', '.', u(X + 6), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ],
      { options: { 1: { fastOpen: { cookie: 'a1b2c3d4e5f60708' } } } },
    );
    expect(r.open.kind).toBe('fast-open');
    expect(r.client.options.fastOpenCookie).toBe('a1b2c3d4e5f60708');
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.checks.find((c) => c.id === 'synack-acks-isn')).toMatchObject({ ok: true, expected: u(X + 6), actual: u(X + 6) });
  });
});

describe('simultaneous open', () => {
  it('SYN crossing SYN: both SYN-SENT -> SYN-RECEIVED -> ESTABLISHED', () => {
    const r = expectRows([
      // The server never listened: its own SYN shows an active OPEN from CLOSED (RFC 9293 §3.5 figure 7).
      ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
      ['s', 'S', Y, null, 0, 'SYN-RECEIVED', 'SYN-RECEIVED'],
      ['c', 'S.', X, u(Y + 1), 0, 'SYN-RECEIVED', 'ESTABLISHED'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.open).toMatchObject({ kind: 'simultaneous', complete: true });
    const path = (side: string) => r.timeline.filter((t) => t.side === side).map((t) => t.to);
    expect(path('client')).toEqual(['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
    expect(path('server')).toEqual(['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
    // The server's SYN-RECEIVED is dated from its own SYN (packet 2), after which the client's SYN reached it.
    expect(r.timeline.find((t) => t.side === 'server' && t.to === 'SYN-RECEIVED')!.why).toMatch(/packet 1 reached it only after/);
    // Both started CLOSED and went through an active OPEN; nobody was ever LISTEN.
    expect(r.timeline.filter((t) => t.to === 'SYN-SENT').map((t) => [t.side, t.from])).toEqual([
      ['client', 'CLOSED'],
      ['server', 'CLOSED'],
    ]);
    expect(r.timeline.some((t) => t.from === 'LISTEN' || t.to === 'LISTEN')).toBe(false);
  });
  it('each side’s SYN,ACK answering the crossing SYN is not a retransmission of its own SYN (same ISN)', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
      ['s', 'S', Y, null, 0, 'SYN-RECEIVED', 'SYN-RECEIVED'],
      ['c', 'S.', X, u(Y + 1), 0, 'SYN-RECEIVED', 'ESTABLISHED'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.segments.map((s) => s.analysis)).toEqual([[], [], [], []]);
    expect(r.flags.retransmissions).toBe(0);
  });
  it('a SYN,ACK repeated after the first one in a simultaneous open still is a retransmission', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
      ['s', 'S', Y, null, 0, 'SYN-RECEIVED', 'SYN-RECEIVED'],
      ['c', 'S.', X, u(Y + 1), 0, 'SYN-RECEIVED', 'ESTABLISHED'],
      ['c', 'S.', X, u(Y + 1), 0, 'SYN-RECEIVED', 'ESTABLISHED'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.segments.map((s) => s.analysis)).toEqual([[], [], [], ['retransmission'], []]);
  });
  it('a retransmitted SYN in a simultaneous open still is a retransmission', () => {
    const r = play([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
      ['s', 'S', Y, null, 0, 'SYN-RECEIVED', 'SYN-RECEIVED'],
      ['s', 'S', Y, null, 0, 'SYN-RECEIVED', 'SYN-RECEIVED'],
    ]).record;
    expect(r.segments[2]!.analysis).toEqual(['retransmission']);
  });
});

describe('a listener is assumed only until the endpoint shows otherwise', () => {
  it('a plain three-way handshake keeps the server LISTEN before its SYN,ACK', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ]);
    expect(r.timeline.find((t) => t.side === 'server')).toMatchObject({ from: 'LISTEN', to: 'SYN-RECEIVED' });
  });
});

describe('refused and unanswered openings', () => {
  it('RST,ACK answering the SYN: refused, both CLOSED, Zeek REJ', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'R.', 0, u(X + 1), 0, 'CLOSED', 'CLOSED'],
    ]);
    expect(r.open.kind).toBe('refused');
    expect(r.close).toMatchObject({ kind: 'reset', initiator: 'server', reset: { by: 'server', state: 'LISTEN', packet: 2 } });
    expect(r.checks.find((c) => c.id === 'rst-in-window')).toMatchObject({ ok: true, expected: u(X + 1), actual: u(X + 1) });
    expect(r.zeek.conn_state).toBe('REJ');
  });
  it('SYNs retransmitted with no answer: client stuck in SYN-SENT, server unseen and CLOSED', () => {
    const p = play(
      [
        ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
        ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
        ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
      ],
      { dt: 1 },
    );
    const r = p.record;
    expect(r.open).toMatchObject({ kind: 'unanswered', complete: false, synRetransmits: [1, 2], packets: [1, 2, 3] });
    expect(r.client).toMatchObject({ state: 'SYN-SENT', stateBasis: 'observed' });
    expect(r.server).toMatchObject({ state: 'CLOSED', stateBasis: 'unseen' });
    expect(r.timeline.every((t) => t.side === 'client')).toBe(true);
    expect(r.flags.retransmissions).toBe(2);
    expect(r.zeek.conn_state).toBe('S0');
    expect(noteTexts(r).join(' ')).toMatch(/server sent no segment/);
  });
});

describe('closing variants', () => {
  const open: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
  ];
  it('three-segment close: the passive side ACKs and FINs in one segment', () => {
    const r = expectRows([
      ...open,
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
      ['c', '.', u(X + 2), u(Y + 2), 0, 'TIME-WAIT', 'CLOSED'],
    ]);
    expect(r.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  });
  it('server-initiated four-way close puts the server in TIME-WAIT', () => {
    const r = expectRows([
      ...open,
      ['s', 'F.', u(Y + 1), u(X + 1), 0, 'CLOSE-WAIT', 'FIN-WAIT-1'],
      ['c', '.', u(X + 1), u(Y + 2), 0, 'CLOSE-WAIT', 'FIN-WAIT-2'],
      ['c', 'F.', u(X + 1), u(Y + 2), 0, 'LAST-ACK', 'TIME-WAIT'],
      ['s', '.', u(Y + 2), u(X + 2), 0, 'CLOSED', 'TIME-WAIT'],
    ]);
    expect(r.close).toMatchObject({ kind: 'four-way', initiator: 'server' });
    expect(r.checks.find((c) => c.id === 'time-wait-side')).toMatchObject({ ok: true, side: 'server' });
  });
  it('half-close: the CLOSE-WAIT side keeps sending after the first FIN', () => {
    const r = expectRows([
      ...open,
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 2), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['s', 'P.', u(Y + 1), u(X + 2), 1000, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['c', '.', u(X + 2), u(Y + 1001), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['s', 'P.', u(Y + 1001), u(X + 2), 500, 'FIN-WAIT-2', 'CLOSE-WAIT'],
    ]);
    expect(r.close).toMatchObject({ kind: 'half-closed', initiator: 'client', dataAfterFin: 1500 });
    expect(r.client.state).toBe('FIN-WAIT-2');
    expect(r.server.state).toBe('CLOSE-WAIT');
    expect(r.checks.find((c) => c.id === 'no-data-after-fin' && c.side === 'client')).toMatchObject({ ok: true });
  });
  it('simultaneous close: FINs cross, both FIN-WAIT-1 -> CLOSING -> TIME-WAIT', () => {
    const r = expectRows([
      ...open,
      // Shown after the fact: the server's FIN (next row) does not ACK this one, so it had not arrived yet.
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'ESTABLISHED'],
      ['s', 'F.', u(Y + 1), u(X + 1), 0, 'CLOSING', 'CLOSING'],
      ['c', '.', u(X + 2), u(Y + 2), 0, 'CLOSING', 'TIME-WAIT'],
      ['s', '.', u(Y + 2), u(X + 2), 0, 'TIME-WAIT', 'TIME-WAIT'],
    ]);
    expect(r.close).toMatchObject({ kind: 'simultaneous', initiator: 'client' });
    const path = (side: string) => r.timeline.filter((t) => t.side === side).map((t) => t.to);
    expect(path('client')).toEqual(['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
    expect(path('server')).toEqual(['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
    expect(r.checks.filter((c) => c.id === 'time-wait-side').map((c) => [c.side, c.ok])).toEqual([
      ['server', true],
      ['client', true],
    ]);
  });
  it('lost last ACK: LAST-ACK retransmits its FIN, TIME-WAIT acks again and restarts 2·MSL', () => {
    const r = expectRows([
      ...open,
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
      ['c', '.', u(X + 2), u(Y + 2), 0, 'TIME-WAIT', 'LAST-ACK'], // taken as CLOSED until the FIN comes again
      ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
      ['c', '.', u(X + 2), u(Y + 2), 0, 'TIME-WAIT', 'CLOSED'],
    ]);
    // The first ACK's LAST-ACK -> CLOSED was undone: only one such transition, at the second ACK.
    expect(r.timeline.filter((t) => t.side === 'server' && t.to === 'CLOSED').map((t) => t.packet)).toEqual([8]);
    // TIME-WAIT restarted at the retransmitted FIN.
    expect(r.timeline.filter((t) => t.side === 'client' && t.to === 'TIME-WAIT').map((t) => t.packet)).toEqual([5, 7]);
    expect(noteTexts(r).join(' ')).toMatch(/after packet 7/);
    expect(r.close.packets).toEqual([4, 5, 6, 7, 8]);
    expect(r.flags.retransmissions).toBe(1);
  });
  it('TIME-WAIT expires 2·MSL after it began when the capture lasts that long', () => {
    const p = play(
      [
        ...open,
        ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
        ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
        ['c', '.', u(X + 2), u(Y + 2), 0, 'TIME-WAIT', 'CLOSED'],
      ],
      { msl: 1, endAfter: 2.5 },
    );
    const r = p.record;
    expect(r.client.state).toBe('CLOSED');
    const last = r.timeline[r.timeline.length - 1]!;
    expect(last).toMatchObject({ side: 'client', from: 'TIME-WAIT', to: 'CLOSED', packet: 5 });
    expect(last.time).toBeCloseTo(0.04 + 2, 6);
    expect(noteTexts(p.record).join(' ')).toMatch(/TIME-WAIT expired/);
    // 1.5 s later than packet 5 is not yet 2·MSL: still TIME-WAIT.
    expect(p.tr.finish(1_700_000_001, 540_000_000).client.state).toBe('TIME-WAIT');
  });
});

describe('abort', () => {
  const est: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ['c', 'P.', u(X + 1), u(Y + 1), 10, 'ESTABLISHED', 'ESTABLISHED'],
  ];
  it('RST from the client at RCV.NXT closes both', () => {
    const r = expectRows([...est, ['c', 'R.', u(X + 11), u(Y + 1), 0, 'CLOSED', 'CLOSED']]);
    expect(r.close).toMatchObject({ kind: 'reset', initiator: 'client', reset: { by: 'client', state: 'ESTABLISHED', packet: 5 } });
    expect(r.zeek.conn_state).toBe('RSTO');
  });
  it('RST from the server after unread data (its data never read): RSTR', () => {
    const r = expectRows([...est, ['s', 'R.', u(Y + 1), u(X + 11), 0, 'CLOSED', 'CLOSED']]);
    expect(r.close.reset).toEqual({ by: 'server', state: 'ESTABLISHED', packet: 5 });
    expect(r.zeek.conn_state).toBe('RSTR');
  });
  it('an RST outside the window leaves the receiver alone and fails rst-in-window', () => {
    const r = expectRows([...est, ['c', 'R', u(X + 5_000_000), null, 0, 'CLOSED', 'ESTABLISHED']]);
    expect(r.checks.find((c) => c.id === 'rst-in-window')).toMatchObject({ ok: false, expected: u(X + 11), actual: u(X + 5_000_000) });
  });
  it('RST after the client FIN-WAIT-2 / server CLOSE-WAIT', () => {
    const r = expectRows([
      ...est,
      ['c', 'F.', u(X + 11), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 12), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['s', 'R.', u(Y + 1), u(X + 12), 0, 'CLOSED', 'CLOSED'],
    ]);
    expect(r.close).toMatchObject({ kind: 'reset', initiator: 'client', reset: { by: 'server', state: 'CLOSE-WAIT' } });
  });
});

describe('keep-alive', () => {
  it('seq = next - 1 with 0 or 1 byte is a probe, not a retransmission; its ACK is a keep-alive ACK', () => {
    const rows: Row[] = [
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', '.', u(X), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', '.', u(Y + 1), u(X + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', '.', u(X), u(Y + 1), 1, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', '.', u(Y + 1), u(X + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ];
    const p = play(rows, { dt: 75 });
    expect(mismatches(rows, p)).toEqual([]);
    const r = p.record;
    expect(r.segments[3]!.analysis).toEqual(['keep-alive']);
    expect(r.segments[4]!.analysis).toEqual(['keep-alive-ack']);
    expect(r.segments[5]!.analysis).toEqual(['keep-alive']);
    expect(r.keepAlive).toEqual({ probes: 2, intervalSec: 150 });
    expect(r.flags).toMatchObject({ keepAlives: 2, retransmissions: 0, dupAcks: 0 });
  });
});

describe('mid-stream start', () => {
  it('both sides ESTABLISHED (inferred) from the first segment; relative numbers from the first seq seen', () => {
    const r = expectRows(
      [
        ['c', 'P.', X, Y, 50, 'ESTABLISHED', 'ESTABLISHED'],
        ['s', '.', Y, u(X + 50), 0, 'ESTABLISHED', 'ESTABLISHED'],
        ['s', 'F.', Y, u(X + 50), 0, 'CLOSE-WAIT', 'FIN-WAIT-1'],
      ],
      { heuristic: 'well-known-port' },
    );
    expect(r.open).toEqual({ kind: 'mid-stream', complete: false, rttMs: null, packets: [], heuristic: 'well-known-port', synRetransmits: null });
    expect(r.client).toMatchObject({ stateBasis: 'inferred', isn: null });
    expect(r.segments[0]).toMatchObject({ relSeq: 1, relAck: 1 });
    expect(noteTexts(r).join(' ')).toMatch(/No SYN from the client was captured/);
    expect(r.zeek.history.startsWith('D')).toBe(true);
  });
});

describe('lost handshake segments', () => {
  it('lost SYN,ACK: the client retransmits its SYN, so its ESTABLISHED is undone until the SYN,ACK comes again', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'SYN-SENT', 'SYN-RECEIVED'], // never reached the client: it sends its SYN again
      ['c', 'S', X, null, 0, 'SYN-SENT', 'SYN-RECEIVED'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.timeline.filter((t) => t.side === 'client').map((t) => [t.packet, t.to])).toEqual([
      [1, 'SYN-SENT'],
      [4, 'ESTABLISHED'],
    ]);
  });
  it('lost final ACK: the server retransmits its SYN,ACK, so its ESTABLISHED is undone', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'], // never reached the server
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.timeline.filter((t) => t.side === 'server').map((t) => [t.packet, t.to])).toEqual([
      [2, 'SYN-RECEIVED'],
      [5, 'ESTABLISHED'],
    ]);
    expect(r.open.packets).toEqual([1, 2, 3, 4, 5]);
  });
  it('SYN not captured: the SYN,ACK receiver is taken as SYN-SENT (inferred), open.kind incomplete', () => {
    const r = expectRows([
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.open.kind).toBe('incomplete');
    expect(r.client.isn).toBeNull();
    expect(r.segments[1]).toMatchObject({ relSeq: 1, relAck: 1 });
    expect(r.zeek.history).toBe('^hA');
  });
  it('a retransmitted FIN dates the receiver’s CLOSE-WAIT from the copy that got through', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'ESTABLISHED'],
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 2), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
    ]);
    const cw = r.timeline.find((t) => t.to === 'CLOSE-WAIT')!;
    expect(cw.packet).toBe(5);
    expect(cw.why).toMatch(/the copy in packet 4 had not arrived/);
  });
});

describe('port reuse', () => {
  it('a new ISN after the close starts a new connection; a retransmitted SYN never does', () => {
    const t = tracker();
    const rows: Array<[Parameters<typeof mkSeg>[0], boolean]> = [
      [{ dir: 'c', flags: 'S', seq: X }, true],
      [{ dir: 's', flags: 'S.', seq: Y, ack: u(X + 1) }, false],
      [{ dir: 'c', flags: '.', seq: u(X + 1), ack: u(Y + 1) }, true],
      [{ dir: 'c', flags: 'F.', seq: u(X + 1), ack: u(Y + 1) }, true],
      [{ dir: 's', flags: 'F.', seq: u(Y + 1), ack: u(X + 2) }, false],
      [{ dir: 'c', flags: '.', seq: u(X + 2), ack: u(Y + 2) }, true],
    ];
    rows.forEach(([s, fc], i) => t.observe(mkSeg({ ...s, packet: i + 1, t: 100 + i }), fc));
    expect(t.startsNewConnection(mkSeg({ dir: 'c', flags: 'S', seq: X, t: 110 }), true, 5)).toBe(false);
    expect(t.startsNewConnection(mkSeg({ dir: 'c', flags: 'S', seq: 12345, t: 110 }), true, 5)).toBe(true);
    expect(t.startsNewConnection(mkSeg({ dir: 'c', flags: 'S.', seq: 12345, ack: 1, t: 110 }), true, 5)).toBe(false);
    expect(t.finished).toBe(true);
  });
  it('a live connection is not split by a new-ISN SYN unless it went quiet for an MSL', () => {
    const t = tracker();
    t.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, packet: 1, t: 100 }), true);
    t.observe(mkSeg({ dir: 's', flags: 'S.', seq: Y, ack: u(X + 1), packet: 2, t: 100.1 }), false);
    t.observe(mkSeg({ dir: 'c', flags: '.', seq: u(X + 1), ack: u(Y + 1), packet: 3, t: 100.2 }), true);
    const syn = mkSeg({ dir: 'c', flags: 'S', seq: 777, t: 105 });
    expect(t.finished).toBe(false);
    expect(t.startsNewConnection(syn, true, 4.8)).toBe(false);
    expect(t.startsNewConnection(syn, true, 31)).toBe(true);
    // An abandoned attempt (SYN-SENT) with a new ISN is a new attempt.
    const u1 = tracker();
    u1.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, packet: 1, t: 100 }), true);
    expect(u1.startsNewConnection(mkSeg({ dir: 'c', flags: 'S', seq: 777, t: 101 }), true, 1)).toBe(true);
  });
});

describe('RST in any state, from either side', () => {
  const syn: Row = ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'];
  const synAck: Row = ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'];
  const ack: Row = ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'];
  const cFin: Row = ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'];
  const sAckFin: Row = ['s', '.', u(Y + 1), u(X + 2), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'];
  const sFin: Row = ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'];
  // [name, rows to get there, client's next seq, server's next seq]
  const at: Array<[string, Row[], number, number]> = [
    ['SYN-SENT / LISTEN', [syn], u(X + 1), Y],
    ['ESTABLISHED / SYN-RECEIVED', [syn, synAck], u(X + 1), u(Y + 1)],
    ['ESTABLISHED / ESTABLISHED', [syn, synAck, ack], u(X + 1), u(Y + 1)],
    ['FIN-WAIT-1 / CLOSE-WAIT', [syn, synAck, ack, cFin], u(X + 2), u(Y + 1)],
    ['FIN-WAIT-2 / CLOSE-WAIT', [syn, synAck, ack, cFin, sAckFin], u(X + 2), u(Y + 1)],
    ['TIME-WAIT / LAST-ACK', [syn, synAck, ack, cFin, sAckFin, sFin], u(X + 2), u(Y + 2)],
    [
      'CLOSING / CLOSING',
      [syn, synAck, ack, ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'ESTABLISHED'], ['s', 'F.', u(Y + 1), u(X + 1), 0, 'CLOSING', 'CLOSING']],
      u(X + 2),
      u(Y + 2),
    ],
    // Crossed SYNs: the server's own SYN shows it was CLOSED, not listening, before it.
    [
      'SYN-RECEIVED / SYN-RECEIVED (crossed SYNs)',
      [
        ['c', 'S', X, null, 0, 'SYN-SENT', 'CLOSED'],
        ['s', 'S', Y, null, 0, 'SYN-RECEIVED', 'SYN-RECEIVED'],
      ],
      u(X + 1),
      u(Y + 1),
    ],
  ];
  for (const [name, rows, cNext, sNext] of at) {
    const [before] = name.split(' / ');
    const cState = rows[rows.length - 1]![5];
    const sState = rows[rows.length - 1]![6];
    it(`${name}: the client's RST closes both (a listener ignores it)`, () => {
      // A server that never sent anything is unseen: its column reads CLOSED throughout.
      const seen = rows.map((x): Row => (sState === 'LISTEN' ? [x[0], x[1], x[2], x[3], x[4], x[5], 'CLOSED'] : x));
      const r = expectRows([...seen, ['c', 'R.', cNext, sNext, 0, 'CLOSED', 'CLOSED']]);
      expect(r.close.reset).toMatchObject({ by: 'client', state: cState });
      expect(r.client.state).toBe('CLOSED');
      expect(r.server.state).toBe('CLOSED');
      expect(r.server.stateBasis).toBe(sState === 'LISTEN' ? 'unseen' : 'inferred');
      expect(r.checks.find((c) => c.id === 'rst-in-window')?.ok ?? true).toBe(true);
      expect(before).toBe(cState);
    });
    it(`${name}: the server's RST closes both`, () => {
      const r = expectRows([...rows, ['s', 'R.', sNext, cNext, 0, 'CLOSED', 'CLOSED']]);
      expect(r.close.reset).toMatchObject({ by: 'server', state: sState });
      expect([r.client.state, r.server.state]).toEqual(['CLOSED', 'CLOSED']);
      expect(r.checks.find((c) => c.id === 'rst-in-window')).toMatchObject({ ok: true });
      expect(r.zeek.conn_state).toMatch(/^(REJ|RSTR|RSTRH|SF|RSTO)$/);
    });
  }
});

describe('unseen endpoints and bounded memory', () => {
  it('a one-way mid-stream capture: the silent side is unseen, CLOSED, with no timeline of its own', () => {
    const p = play([
      ['c', 'P.', X, Y, 100, 'ESTABLISHED', 'CLOSED'],
      ['c', 'P.', u(X + 100), Y, 100, 'ESTABLISHED', 'CLOSED'],
      ['c', 'F.', u(X + 200), Y, 0, 'FIN-WAIT-1', 'CLOSED'],
    ]);
    expect(p.states).toEqual([
      ['ESTABLISHED', 'CLOSED'],
      ['ESTABLISHED', 'CLOSED'],
      ['FIN-WAIT-1', 'CLOSED'],
    ]);
    const r = p.record;
    expect(r.server).toMatchObject({ state: 'CLOSED', stateBasis: 'unseen', segments: 0 });
    expect(r.timeline.some((t) => t.side === 'server')).toBe(false);
    // Its FIN is never acknowledged, but nobody could have: no failing fin-acked for an unseen peer.
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  });
  it('keeps at most MAX_EXCHANGE_SEGMENTS opening/closing segments and counts the rest', () => {
    const t = tracker();
    for (let i = 0; i < 200; i++) t.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, packet: i + 1, t: 1e9 + i }), true);
    const r = t.finish(1e9 + 300, 0);
    expect(r.segments.length).toBe(64);
    expect(r.open.packets.length).toBe(64);
    expect(r.open.synRetransmits!.length).toBe(64);
    expect(r.packets).toBe(200);
    expect(r.flags.retransmissions).toBe(199);
    expect(noteTexts(r).join(' ')).toMatch(/136 more opening\/closing segments/);
  });
  it('data between opening and closing is folded, not kept, however long the connection', () => {
    const t = tracker();
    t.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, packet: 1 }), true);
    t.observe(mkSeg({ dir: 's', flags: 'S.', seq: Y, ack: u(X + 1), packet: 2 }), false);
    let seq = u(X + 1);
    for (let i = 0; i < 10_000; i++) {
      t.observe(mkSeg({ dir: 'c', flags: 'P.', seq, ack: u(Y + 1), len: 1000, packet: 3 + 2 * i }), true);
      seq = u(seq + 1000);
      t.observe(mkSeg({ dir: 's', flags: '.', seq: u(Y + 1), ack: seq, packet: 4 + 2 * i }), false);
    }
    const r = t.finish(1e9 + 1, 0);
    expect(r.segments.map((s) => s.packet)).toEqual([1, 2, 3]);
    expect(r.data.client).toMatchObject({ segments: 9_999, bytes: 9_999_000, retransmissions: 0 });
    expect(r.data.server).toMatchObject({ segments: 10_000, bytes: 0 });
    expect(r.client.bytes).toBe(10_000_000);
    expect(r.timeline.length).toBe(4);
  });
});

describe('TIME-WAIT expiry during the capture', () => {
  it('a segment arriving after 2·MSL finds the endpoint CLOSED, not in TIME-WAIT', () => {
    const t = tracker({ mslSec: 1, allSegments: true });
    const rows: Array<[Parameters<typeof mkSeg>[0], boolean]> = [
      [{ dir: 'c', flags: 'S', seq: X, t: 100 }, true],
      [{ dir: 's', flags: 'S.', seq: Y, ack: u(X + 1), t: 100.1 }, false],
      [{ dir: 'c', flags: '.', seq: u(X + 1), ack: u(Y + 1), t: 100.2 }, true],
      [{ dir: 'c', flags: 'F.', seq: u(X + 1), ack: u(Y + 1), t: 100.3 }, true],
      [{ dir: 's', flags: 'F.', seq: u(Y + 1), ack: u(X + 2), t: 100.4 }, false],
      // The last ACK is lost on its way; the server retransmits its FIN 3 s later, after 2·MSL = 2 s.
      [{ dir: 'c', flags: '.', seq: u(X + 2), ack: u(Y + 2), t: 100.5 }, true],
      [{ dir: 's', flags: 'F.', seq: u(Y + 1), ack: u(X + 2), t: 103.4 }, false],
      [{ dir: 'c', flags: 'R', seq: u(X + 2), t: 103.5 }, true],
    ];
    rows.forEach(([sp, fc], i) => t.observe(mkSeg({ ...sp, packet: i + 1 }), fc));
    const r = t.finish(104, 0);
    const exp = r.timeline.find((x) => x.side === 'client' && x.from === 'TIME-WAIT' && x.to === 'CLOSED')!;
    expect(exp).toMatchObject({ packet: 5 });
    expect(exp.time).toBeCloseTo(2.4, 6);
    expect(r.segments[6]!.client).toBe('CLOSED');
    expect([r.client.state, r.server.state]).toEqual(['CLOSED', 'CLOSED']);
    // Its RST answers a segment for a connection it no longer has (RFC 9293 §3.10.7.1).
    expect(r.timeline.filter((x) => x.side === 'server').map((x) => x.to)).toEqual(['SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  });
});
