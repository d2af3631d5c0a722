/**
 * One direction captured: the peer's ACKs are evidence of what it received and sent, and what does
 * not happen is evidence too (connection.ts, "evidence"). Sequence tables of one endpoint's segments
 * only; the kernel recordings of the same exchanges are in one-sided.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { play, type Row } from './helpers.js';
import { SummaryCounter } from '../../src/tcp/summary.js';
import { noteTexts } from '../helpers/notes.js';

const u = (n: number) => n >>> 0;
const X = u(0xffffffc0); // client ISN (the client's space wraps past 0)
const Y = u(0x10000); // server ISN

const sideSteps = (r: ReturnType<typeof play>['record'], side: 'client' | 'server') =>
  r.timeline.filter((t) => t.side === side).map((t) => `${t.from}>${t.to}@${t.packet}`);

describe('the server’s segments only: its ACKs prove the client’s', () => {
  it('an ACK of 53 bytes the capture never showed: the client’s data carried the ACK of the SYN, so the server is ESTABLISHED', () => {
    const rows: Row[] = [
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['s', '.', u(Y + 1), u(X + 54), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ];
    const p = play(rows);
    expect(p.states).toEqual(rows.map((r) => [r[5], r[6]]));
    expect(p.record.server).toMatchObject({ state: 'ESTABLISHED', stateBasis: 'inferred' });
    const est = p.record.timeline.find((t) => t.side === 'server' && t.to === 'ESTABLISHED')!;
    expect(est.packet).toBe(2);
    expect(est.why).toMatch(/^inferred \(ack-covers-unseen-data, packet 2\): the server's ACK \d+ in packet 2 covers 53 bytes of the client's/);
  });

  it('a FIN+ACK one past everything the client was shown to send acknowledges its FIN: CLOSE-WAIT → LAST-ACK, a three-segment close the client began', () => {
    const rows: Row[] = [
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['s', '.', u(Y + 1), u(X + 101), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', 'P.', u(Y + 1), u(X + 101), 200, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', 'F.', u(Y + 201), u(X + 102), 0, 'TIME-WAIT', 'LAST-ACK'],
    ];
    const p = play(rows);
    expect(p.states).toEqual(rows.map((r) => [r[5], r[6]]));
    expect(sideSteps(p.record, 'server')).toEqual(['LISTEN>SYN-RECEIVED@1', 'SYN-RECEIVED>ESTABLISHED@2', 'ESTABLISHED>CLOSE-WAIT@4', 'CLOSE-WAIT>LAST-ACK@4']);
    expect(sideSteps(p.record, 'client').slice(-2)).toEqual(['ESTABLISHED>FIN-WAIT-1@4', 'FIN-WAIT-1>TIME-WAIT@4']);
    const fin = p.record.timeline.find((t) => t.to === 'FIN-WAIT-1')!;
    expect(fin.why).toMatch(/^inferred \(ack-covers-unseen-fin, packet 4\)/);
    expect(p.record.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    // No check about a FIN no capture showed.
    expect(p.record.checks.filter((c) => c.side === 'client' && c.id.startsWith('fin'))).toEqual([]);
    expect(p.record.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a pure ACK one past the client’s space is its FIN until the space grows past it: then it was one byte of data, withdrawn', () => {
    const rows: Row[] = [
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['s', '.', u(Y + 1), u(X + 11), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', '.', u(Y + 1), u(X + 12), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 20), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ];
    const p = play(rows);
    // States after each segment as kept: the guess is undone on the kept segments too.
    expect(p.states.map(([c, s]) => `${c}|${s}`)).toEqual([
      'ESTABLISHED|SYN-RECEIVED',
      'ESTABLISHED|ESTABLISHED',
      'ESTABLISHED|ESTABLISHED',
      'ESTABLISHED|ESTABLISHED',
    ]);
    expect(p.record.timeline.some((t) => t.to === 'FIN-WAIT-1' || t.to === 'CLOSE-WAIT')).toBe(false);
    expect(p.record.close.kind).toBe('none');
    expect([p.record.client.state, p.record.server.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  });

  it('a pure ACK one past the client’s space, then the server’s own FIN: the guess stands (CLOSE-WAIT → LAST-ACK)', () => {
    const p = play([
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['s', '.', u(Y + 1), u(X + 101), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', '.', u(Y + 1), u(X + 102), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['s', 'F.', u(Y + 1), u(X + 102), 0, 'TIME-WAIT', 'LAST-ACK'],
    ]);
    expect(p.record.close).toMatchObject({ kind: 'four-way', initiator: 'client' });
    expect(sideSteps(p.record, 'server').slice(-2)).toEqual(['ESTABLISHED>CLOSE-WAIT@3', 'CLOSE-WAIT>LAST-ACK@4']);
  });

  it('a SYN,ACK retransmitted to the end of the capture: no ACK of it got through, the client is not taken to have received it', () => {
    const p = play(
      [
        ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
        ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
        ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ],
      { dt: 1, endAfter: 0.5 },
    );
    expect(p.record.client).toMatchObject({ state: 'SYN-SENT', stateBasis: 'inferred' });
    expect(p.record.server).toMatchObject({ state: 'SYN-RECEIVED', stateBasis: 'observed' });
    expect(noteTexts(p.record).join(' ')).toMatch(/SYN-SENT \(inferred: retransmitted-unanswered, packet 3\)/);
    expect(p.states[2]).toEqual(['SYN-SENT', 'SYN-RECEIVED']);
  });

  it('a FIN not retransmitted while the capture went on past the RTO: the unseen ACK of it arrived (LAST-ACK → CLOSED)', () => {
    const rows: Row[] = [
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['s', '.', u(Y + 1), u(X + 101), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['s', 'F.', u(Y + 1), u(X + 102), 0, 'TIME-WAIT', 'LAST-ACK'],
    ];
    // The capture ends at its last packet: as of then the ACK had not come.
    expect(play(rows).record.server.state).toBe('LAST-ACK');
    // It goes on 1.5 s more (other connections): the server would have retransmitted by then.
    const p = play(rows, { endAfter: 1.5 });
    expect(p.record.server).toMatchObject({ state: 'CLOSED', stateBasis: 'inferred' });
    const last = p.record.timeline[p.record.timeline.length - 1]!;
    expect(last).toMatchObject({ side: 'server', from: 'LAST-ACK', to: 'CLOSED', packet: 3 });
    expect(last.why).toMatch(/^inferred \(no-retransmission-after, packet 3\)/);
  });
});

describe('the client’s segments only: its ACKs prove the server’s', () => {
  it('an ACK of a server ISN never seen: the server’s SYN,ACK (SYN-RECEIVED → ESTABLISHED), its ISN still not reported as captured', () => {
    const rows: Row[] = [
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'P.', u(X + 1), u(Y + 1), 100, 'ESTABLISHED', 'ESTABLISHED'],
    ];
    const p = play(rows);
    expect(p.states).toEqual(rows.map((r) => [r[5], r[6]]));
    expect(sideSteps(p.record, 'server')).toEqual(['LISTEN>SYN-RECEIVED@2', 'SYN-RECEIVED>ESTABLISHED@2']);
    expect(p.record.timeline.find((t) => t.side === 'server')!.why).toMatch(/^inferred \(ack-covers-unseen-syn, packet 2\)/);
    expect(p.record.server).toMatchObject({ state: 'ESTABLISHED', stateBasis: 'inferred', isn: null, segments: 0 });
    expect(p.record.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('an ACK covering a server FIN never seen, after its own FIN: the server went CLOSE-WAIT → LAST-ACK → CLOSED, the client to TIME-WAIT', () => {
    const rows: Row[] = [
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'P.', u(X + 1), u(Y + 1), 100, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', '.', u(X + 101), u(Y + 201), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 101), u(Y + 201), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['c', '.', u(X + 102), u(Y + 202), 0, 'TIME-WAIT', 'CLOSED'],
    ];
    const p = play(rows);
    expect(p.states).toEqual(rows.map((r) => [r[5], r[6]]));
    expect(sideSteps(p.record, 'server').slice(-3)).toEqual(['ESTABLISHED>CLOSE-WAIT@5', 'CLOSE-WAIT>LAST-ACK@6', 'LAST-ACK>CLOSED@6']);
    expect(p.record.timeline.find((t) => t.to === 'LAST-ACK')!.why).toMatch(/^inferred \(ack-covers-unseen-fin, packet 6\)/);
    expect(p.record.server.stateBasis).toBe('inferred');
    expect(p.record.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
  });

  it('data the server sent after the client’s FIN (seen only in the client’s ACKs) counts as data after the FIN', () => {
    const p = play([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['c', '.', u(X + 2), u(Y + 501), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['c', '.', u(X + 2), u(Y + 502), 0, 'TIME-WAIT', 'CLOSED'],
    ]);
    expect(p.record.close).toMatchObject({ initiator: 'client', dataAfterFin: 500 });
  });

  it('a client that sent nothing for many RTTs after a SYN,ACK never got it (both directions captured)', () => {
    const p = play(
      [
        ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
        ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ],
      { dt: 0.001, endAfter: 2 },
    );
    expect(p.record.client).toMatchObject({ state: 'SYN-SENT', stateBasis: 'inferred' });
    expect(noteTexts(p.record).join(' ')).toMatch(/SYN-SENT \(inferred: unanswered-for-rtts, packet 2\)/);
  });
});

describe('retransmitting what the peer acknowledged', () => {
  it('data retransmitted after the ACK of its FIN (both captured): that ACK never reached it, FIN-WAIT-2 is undone', () => {
    const rows: Row[] = [
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'P.', u(X + 1), u(Y + 1), 100, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 101), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      // Undone: the kept segments show it never left FIN-WAIT-1 (as for a lost ACK of a retransmitted FIN).
      ['s', '.', u(Y + 1), u(X + 102), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['c', 'P.', u(X + 1), u(Y + 1), 100, 'FIN-WAIT-1', 'CLOSE-WAIT'],
    ];
    const p = play(rows, { dt: 0.5 });
    expect(p.record.timeline.some((t) => t.to === 'FIN-WAIT-2')).toBe(false);
    expect(p.record.segments[6]!.analysis).toContain('spurious-retransmission');
    expect(p.states).toEqual(rows.map((r) => [r[5], r[6]]));
    expect(p.record.client.state).toBe('FIN-WAIT-1');
  });
});

describe('the summary counts how final states are known', () => {
  it('inferred and unseen states apart from observed ones', () => {
    const one = play([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]).record;
    const lone = play([['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN']]).record;
    const s = new SummaryCounter();
    s.add(one);
    s.add({ ...lone, id: 1 });
    expect(s.result().finalStates.server).toEqual({ ESTABLISHED: 1, CLOSED: 1 });
    expect(s.totals().finalBasis.server).toEqual({ ESTABLISHED: [1, 0], CLOSED: [0, 1] });
    // A record folded before its end states (parked) keeps its bases for them.
    const t = new SummaryCounter();
    t.add({ ...one, id: 7 }, false);
    t.addFinalStates(7, 'CLOSED', 'ESTABLISHED');
    // (the client's ESTABLISHED came from the SYN,ACK its own ACK proves, inferred too)
    expect(t.totals().finalBasis).toEqual({ client: { CLOSED: [1, 0] }, server: { ESTABLISHED: [1, 0] } });
  });
});

describe('a FIN riding on the last data (fixtures/one-sided/fin-with-data: the kernel put the server’s FIN on its reply)', () => {
  it('the client’s segments only: its FIN that first acknowledges the server’s data covers that data and the server’s FIN (LAST-ACK, not FIN-WAIT-1)', () => {
    const rows: Row[] = [
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'P.', u(X + 1), u(Y + 1), 100, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 101), u(Y + 202), 0, 'LAST-ACK', 'TIME-WAIT'],
    ];
    const p = play(rows);
    expect(p.states).toEqual(rows.map((r) => [r[5], r[6]]));
    expect(p.record.close).toMatchObject({ kind: 'three-segment', initiator: 'server' });
    const fin = p.record.timeline.find((t) => t.side === 'server' && t.to === 'FIN-WAIT-1')!;
    expect(fin.why).toMatch(/^inferred \(ack-covers-unseen-fin, packet 4\): the client's ACK \d+ in packet 4 covers 200 bytes and a FIN of the server's/);
  });
});
