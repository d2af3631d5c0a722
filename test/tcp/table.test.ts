/**
 * The transition table, cell by cell (smoltcp's per-state test banners): one row per arc of
 * RFC 9293's state diagram (§3.3.2, Figure 5), both sides of the segment, then a walk over
 * every cell checking that it is defined and that its sentence agrees with what it does.
 */
import { describe, expect, it } from 'vitest';
import { TcpState } from '../../src/tcp/model.js';
import { RECEIVED_EVENTS, SENT_EVENTS, SHOWS_LOST, TABLE, step, type ReceivedEvent, type SentEvent } from '../../src/tcp/table.js';

type Arc = [from: TcpState, dir: 'sent' | 'received', event: SentEvent | ReceivedEvent, to: TcpState];

function arcs(rows: Arc[]) {
  it.each(rows)('%s, %s %s -> %s', (from, dir, event, to) => {
    const cell = dir === 'sent' ? step(from, 'sent', event as SentEvent) : step(from, 'received', event as ReceivedEvent);
    expect(cell.next).toBe(to);
    expect(cell.why).toMatch(/RFC|Linux/);
  });
}

describe('CLOSED', () => {
  arcs([
    ['CLOSED', 'sent', 'Syn', 'SYN-SENT'], // active OPEN / snd SYN
    ['CLOSED', 'sent', 'Rst', 'CLOSED'], // no TCB: answers with RST
    ['CLOSED', 'received', 'Syn', 'CLOSED'], // no TCB: the SYN is refused
    ['CLOSED', 'received', 'Data', 'CLOSED'],
    ['CLOSED', 'received', 'Rst', 'CLOSED'],
  ]);
});

describe('LISTEN', () => {
  arcs([
    ['LISTEN', 'sent', 'SynAck', 'SYN-RECEIVED'], // rcv SYN / snd SYN,ACK
    ['LISTEN', 'received', 'Syn', 'LISTEN'], // ... shown by the SYN,ACK, not assumed at the SYN
    ['LISTEN', 'sent', 'Syn', 'SYN-SENT'], // SEND / snd SYN
    ['LISTEN', 'sent', 'Rst', 'CLOSED'], // nothing listened: the RFC's CLOSED answers with RST
    ['LISTEN', 'received', 'Rst', 'LISTEN'], // an incoming RST is ignored
    ['LISTEN', 'received', 'Ack', 'LISTEN'], // any ACK is bad in LISTEN
  ]);
});

describe('SYN-SENT', () => {
  arcs([
    ['SYN-SENT', 'received', 'SynAck', 'ESTABLISHED'], // rcv SYN,ACK / snd ACK
    ['SYN-SENT', 'received', 'Syn', 'SYN-RECEIVED'], // rcv SYN / snd SYN,ACK (simultaneous open)
    ['SYN-SENT', 'sent', 'SynAck', 'SYN-RECEIVED'], // ... as shown by its own SYN,ACK
    ['SYN-SENT', 'received', 'SynAckBadAck', 'SYN-SENT'], // unacceptable ACK: RST, stay
    ['SYN-SENT', 'sent', 'RstAnswer', 'SYN-SENT'], // that RST
    ['SYN-SENT', 'received', 'Rst', 'CLOSED'], // refused
    ['SYN-SENT', 'received', 'RstUnacceptable', 'SYN-SENT'],
    ['SYN-SENT', 'sent', 'SynRexmit', 'SYN-SENT'],
    ['SYN-SENT', 'received', 'Data', 'SYN-SENT'], // neither SYN nor RST: drop
    ['SYN-SENT', 'sent', 'Rst', 'CLOSED'],
  ]);
});

describe('SYN-RECEIVED', () => {
  arcs([
    ['SYN-RECEIVED', 'received', 'AckOfSyn', 'ESTABLISHED'], // rcv ACK of SYN
    ['SYN-RECEIVED', 'received', 'SynAck', 'ESTABLISHED'], // simultaneous open's crossing SYN,ACK
    ['SYN-RECEIVED', 'sent', 'Fin', 'FIN-WAIT-1'], // CLOSE / snd FIN
    ['SYN-RECEIVED', 'received', 'Rst', 'CLOSED'], // rcv RST (the listener returns to LISTEN; this connection is gone)
    ['SYN-RECEIVED', 'sent', 'SynAckRexmit', 'SYN-RECEIVED'],
    ['SYN-RECEIVED', 'received', 'Ack', 'SYN-RECEIVED'],
    ['SYN-RECEIVED', 'received', 'Fin', 'CLOSE-WAIT'],
    ['SYN-RECEIVED', 'sent', 'Rst', 'CLOSED'],
  ]);
});

describe('ESTABLISHED', () => {
  arcs([
    ['ESTABLISHED', 'sent', 'Fin', 'FIN-WAIT-1'], // CLOSE / snd FIN
    ['ESTABLISHED', 'received', 'Fin', 'CLOSE-WAIT'], // rcv FIN / snd ACK
    ['ESTABLISHED', 'received', 'Rst', 'CLOSED'],
    ['ESTABLISHED', 'sent', 'Rst', 'CLOSED'], // ABORT
    ['ESTABLISHED', 'received', 'RstUnacceptable', 'ESTABLISHED'],
    ['ESTABLISHED', 'received', 'Syn', 'ESTABLISHED'], // challenge ACK
    ['ESTABLISHED', 'sent', 'Data', 'ESTABLISHED'],
    ['ESTABLISHED', 'received', 'Data', 'ESTABLISHED'],
  ]);
});

describe('FIN-WAIT-1', () => {
  arcs([
    ['FIN-WAIT-1', 'received', 'AckOfFin', 'FIN-WAIT-2'], // rcv ACK of FIN
    ['FIN-WAIT-1', 'received', 'Fin', 'CLOSING'], // rcv FIN / snd ACK
    ['FIN-WAIT-1', 'received', 'FinAck', 'TIME-WAIT'], // rcv FIN + ACK of FIN
    ['FIN-WAIT-1', 'received', 'Data', 'FIN-WAIT-1'], // half-close: the peer still sends
    ['FIN-WAIT-1', 'sent', 'FinRexmit', 'FIN-WAIT-1'],
    ['FIN-WAIT-1', 'received', 'Rst', 'CLOSED'],
    ['FIN-WAIT-1', 'sent', 'Rst', 'CLOSED'],
  ]);
});

describe('FIN-WAIT-2', () => {
  arcs([
    ['FIN-WAIT-2', 'received', 'Fin', 'TIME-WAIT'], // rcv FIN / snd ACK
    ['FIN-WAIT-2', 'received', 'Data', 'FIN-WAIT-2'],
    ['FIN-WAIT-2', 'sent', 'Ack', 'FIN-WAIT-2'],
    ['FIN-WAIT-2', 'received', 'Rst', 'CLOSED'],
    ['FIN-WAIT-2', 'sent', 'Rst', 'CLOSED'],
  ]);
});

describe('CLOSE-WAIT', () => {
  arcs([
    ['CLOSE-WAIT', 'sent', 'Fin', 'LAST-ACK'], // CLOSE / snd FIN
    ['CLOSE-WAIT', 'sent', 'FinAck', 'LAST-ACK'], // three-segment close: ACK and FIN together
    ['CLOSE-WAIT', 'sent', 'Data', 'CLOSE-WAIT'], // half-close in use
    ['CLOSE-WAIT', 'received', 'FinRexmit', 'CLOSE-WAIT'],
    ['CLOSE-WAIT', 'received', 'Rst', 'CLOSED'],
    ['CLOSE-WAIT', 'sent', 'Rst', 'CLOSED'],
  ]);
});

describe('CLOSING', () => {
  arcs([
    ['CLOSING', 'received', 'AckOfFin', 'TIME-WAIT'], // rcv ACK of FIN
    ['CLOSING', 'received', 'FinAck', 'TIME-WAIT'],
    ['CLOSING', 'received', 'Ack', 'CLOSING'],
    ['CLOSING', 'received', 'Rst', 'CLOSED'],
  ]);
});

describe('LAST-ACK', () => {
  arcs([
    ['LAST-ACK', 'received', 'AckOfFin', 'CLOSED'], // rcv ACK of FIN
    ['LAST-ACK', 'sent', 'FinRexmit', 'LAST-ACK'], // the lost last ACK case
    ['LAST-ACK', 'received', 'Ack', 'LAST-ACK'],
    ['LAST-ACK', 'received', 'Rst', 'CLOSED'],
  ]);
});

describe('TIME-WAIT', () => {
  arcs([
    ['TIME-WAIT', 'received', 'FinRexmit', 'TIME-WAIT'], // ACK it, restart 2·MSL
    ['TIME-WAIT', 'sent', 'Ack', 'TIME-WAIT'],
    ['TIME-WAIT', 'received', 'Rst', 'CLOSED'], // Linux drops the socket (tcp_rfc1337=0)
    ['TIME-WAIT', 'received', 'RstUnacceptable', 'TIME-WAIT'],
  ]);
  it('a FIN reaching TIME-WAIT restarts the 2·MSL timer; nothing else does', () => {
    for (const e of RECEIVED_EVENTS) {
      const restart = step('TIME-WAIT', 'received', e).restart2msl === true;
      expect(restart, e).toBe(e === 'Fin' || e === 'FinAck' || e === 'FinRexmit');
    }
  });
});

describe('the whole table', () => {
  const states = Object.values(TcpState);
  it('has every state, both directions, every event (and nothing else)', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...states].sort());
    for (const s of states) {
      expect(Object.keys(TABLE[s].sent).sort()).toEqual([...SENT_EVENTS].sort());
      expect(Object.keys(TABLE[s].received).sort()).toEqual([...RECEIVED_EVENTS].sort());
    }
  });

  const cells: Array<[TcpState, 'sent' | 'received', string]> = [];
  for (const s of states) {
    for (const e of SENT_EVENTS) cells.push([s, 'sent', e]);
    for (const e of RECEIVED_EVENTS) cells.push([s, 'received', e]);
  }
  it(`every one of the ${cells.length} cells has a known next state and a sentence that agrees with it`, () => {
    const bad: string[] = [];
    for (const [s, d, e] of cells) {
      const cell = (TABLE[s][d] as Record<string, { next: TcpState; why: string }>)[e]!;
      const where = `${s} ${d} ${e}`;
      if (!states.includes(cell.next)) bad.push(`${where}: next ${cell.next}`);
      if (typeof cell.why !== 'string' || cell.why.length < 20) bad.push(`${where}: why too short`);
      if (!/RFC \d+|Linux/.test(cell.why)) bad.push(`${where}: cites nothing`);
      if (cell.next !== s && /changes nothing|no change\b|is kept/.test(cell.why)) bad.push(`${where}: changes state but says it does not`);
      if (cell.next === s && /→/.test(cell.why)) bad.push(`${where}: keeps the state but draws an arrow`);
    }
    expect(bad).toEqual([]);
  });

  it('RST: an accepted one closes every state but LISTEN and CLOSED-already; an unacceptable one changes nothing', () => {
    for (const s of states) {
      expect(step(s, 'received', 'RstUnacceptable').next, s).toBe(s);
      const want = s === 'LISTEN' ? 'LISTEN' : 'CLOSED';
      expect(step(s, 'received', 'Rst').next, s).toBe(want);
      // Sending an RST is an ABORT from anywhere (LISTEN included: nothing was listening).
      expect(step(s, 'sent', 'Rst').next, s).toBe('CLOSED');
    }
  });

  it('the lost-ACK undo list only names events that exist', () => {
    for (const [sent, recv] of Object.entries(SHOWS_LOST)) {
      expect(SENT_EVENTS).toContain(sent);
      for (const r of recv!) expect(RECEIVED_EVENTS).toContain(r);
    }
  });
});
