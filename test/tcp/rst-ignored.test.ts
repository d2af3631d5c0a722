/**
 * RSTs that do not end the connection (issue 11, item 3). The receiver judges an RST as RFC 9293
 * §3.10.7 and RFC 5961 §3.2 say and Linux does (classify.ts judgeRst): in SYN-SENT only an RST whose
 * ACK acknowledges the SYN is taken; in a synchronized state only one at RCV.NXT (Linux also takes
 * RCV.NXT - 1 after the peer's FIN, tcp_reset_check; and any in-window one on a request socket);
 * one inside the window draws a challenge ACK, one outside is dropped. An RST the receiver does not
 * take changes none of its state, does not make the opening `refused`, and is flagged `rst-ignored`
 * with a note whose code says why; when its sender then goes on with the connection, the RST was
 * not its abort (`rst-injected`): its sender's CLOSED is taken back and, ignored by both, the RST
 * makes no `reset` close either.
 *
 * Sequence tables as in sequences.test.ts (ISNs near 2^32, so the window arithmetic crosses the wrap).
 * fixtures/injected/rst-ignored.pcap is the kernel's own recording of the same cases (injected.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { judgeRst, newTrack } from '../../src/tcp/classify.js';
import { RST_NOTE, type ConnectionRecord } from '../../src/tcp/model.js';
import { mismatches, mkSeg, play, type Row } from './helpers.js';
import { noteTexts } from '../helpers/notes.js';

const u = (n: number) => n >>> 0;
const X = u(0xfffffffa); // client ISN
const Y = u(0xfffff000); // server ISN

function expectRows(rows: Row[]): ConnectionRecord {
  const p = play(rows);
  expect(mismatches(rows, p)).toEqual([]);
  return p.record;
}

const flagsOf = (r: ConnectionRecord, packet: number) => r.segments.find((s) => s.packet === packet)?.analysis ?? [];
const notesWith = (r: ConnectionRecord, code: string) => noteTexts(r).filter((n) => n.includes(`(${code}`));

/** The rest of a normal connection after the handshake: data both ways, client closes first. */
function rest(c: number, s: number): Row[] {
  return [
    ['c', 'P.', c, s, 100, 'ESTABLISHED', 'ESTABLISHED'],
    ['s', 'P.', s, u(c + 100), 200, 'ESTABLISHED', 'ESTABLISHED'],
    ['c', 'F.', u(c + 100), u(s + 200), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
    ['s', 'F.', u(s + 200), u(c + 101), 0, 'TIME-WAIT', 'LAST-ACK'],
    ['c', '.', u(c + 101), u(s + 201), 0, 'TIME-WAIT', 'CLOSED'],
  ];
}

describe('judgeRst: what the receiver accepts', () => {
  const synSent = () => {
    const r = newTrack('SYN-SENT');
    r.isn = X;
    r.nextSeq = u(X + 1);
    return r;
  };
  const rst = (seq: number, ack: number | null) => mkSeg({ dir: 's', flags: ack === null ? 'R' : 'R.', seq, ack });
  it('SYN-SENT: only an RST whose ACK acknowledges the SYN (RFC 9293 §3.10.7.3)', () => {
    const s = newTrack('LISTEN');
    expect(judgeRst(rst(0, u(X + 1)), s, synSent())).toMatchObject({ accepted: true, why: null });
    expect(judgeRst(rst(0, null), s, synSent())).toMatchObject({ accepted: false, why: RST_NOTE.noAck, expected: u(X + 1), actual: null });
    expect(judgeRst(rst(0, X), s, synSent())).toMatchObject({ accepted: false, why: RST_NOTE.badAck, actual: X });
    expect(judgeRst(rst(0, u(X + 2)), s, synSent())).toMatchObject({ accepted: false, why: RST_NOTE.badAck });
  });
  it('synchronized: RCV.NXT resets; in the window a challenge ACK; outside dropped (RFC 5961 §3.2)', () => {
    const s = newTrack('ESTABLISHED');
    s.nextSeq = u(Y + 1);
    const r = newTrack('ESTABLISHED');
    r.lastAck = u(Y + 1);
    r.windowRaw = 1000;
    expect(judgeRst(rst(u(Y + 1), null), s, r)).toMatchObject({ accepted: true, inWindow: true, why: null });
    expect(judgeRst(rst(u(Y + 500), null), s, r)).toMatchObject({ accepted: false, inWindow: true, why: RST_NOTE.challenge });
    expect(judgeRst(rst(u(Y + 5000), null), s, r)).toMatchObject({ accepted: false, inWindow: false, why: RST_NOTE.outOfWindow });
    expect(judgeRst(rst(Y, null), s, r)).toMatchObject({ accepted: false, inWindow: false, why: RST_NOTE.outOfWindow });
  });
  it('Linux takes RCV.NXT - 1 (the peer’s FIN) in CLOSE-WAIT, LAST-ACK and CLOSING only (tcp_reset_check)', () => {
    const s = newTrack('FIN-WAIT-2');
    s.nextSeq = u(Y + 2); // its FIN at Y+1
    for (const state of ['CLOSE-WAIT', 'LAST-ACK', 'CLOSING'] as const) {
      const r = newTrack(state);
      r.lastAck = u(Y + 2);
      r.windowRaw = 1000;
      expect(judgeRst(rst(u(Y + 1), null), s, r), state).toMatchObject({ accepted: true, inWindow: true });
    }
    const est = newTrack('ESTABLISHED');
    est.lastAck = u(Y + 2);
    est.windowRaw = 1000;
    expect(judgeRst(rst(u(Y + 1), null), s, est)).toMatchObject({ accepted: false, why: RST_NOTE.outOfWindow });
  });
  it('a request socket (SYN-RECEIVED from LISTEN) takes any RST in its window; a simultaneous open’s does not (tcp_check_req)', () => {
    const s = newTrack('ESTABLISHED');
    s.nextSeq = u(X + 1);
    const passive = newTrack('SYN-RECEIVED');
    passive.sentSynAck = true;
    passive.lastAck = u(X + 1);
    passive.windowRaw = 1000;
    expect(judgeRst(rst(u(X + 100), null), s, passive)).toMatchObject({ accepted: true });
    const simultaneous = { ...passive, sentSyn: true };
    expect(judgeRst(rst(u(X + 100), null), s, simultaneous)).toMatchObject({ accepted: false, why: RST_NOTE.challenge });
  });
});

describe('in SYN-SENT', () => {
  // The server's input dropped the first SYN; two RSTs "from the server" reach the client, which
  // retransmits its SYN; the real server answers (fixtures/injected/rst-ignored.pcap, connection 1).
  const rows: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'R', 0x5eed0000, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'R.', 0, X, 0, 'SYN-SENT', 'LISTEN'],
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ...rest(u(X + 1), u(Y + 1)),
  ];
  it('an RST without ACK, or whose ACK is not of the SYN, is ignored: the handshake completes, a three-way opening', () => {
    const r = expectRows(rows);
    expect(r.open).toMatchObject({ kind: 'three-way', complete: true });
    expect(r.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    expect(r.close.reset).toBeNull();
    expect([r.client.state, r.server.state]).toEqual(['TIME-WAIT', 'CLOSED']);
    // Neither endpoint's timeline goes through CLOSED before the end.
    expect(r.timeline.filter((t) => t.to === 'CLOSED' && t.packet < 11)).toEqual([]);
  });
  it('flags both RSTs ignored and injected, with notes that give the code and the numbers', () => {
    const r = expectRows(rows);
    expect(flagsOf(r, 2)).toEqual(['rst-ignored', 'rst-injected']);
    expect(flagsOf(r, 3)).toEqual(['rst-ignored', 'rst-injected']);
    expect(notesWith(r, RST_NOTE.noAck)).toHaveLength(1);
    expect(notesWith(r, RST_NOTE.badAck)[0]).toContain(`its ACK ${X} does not (${u(X + 1)} would`);
    expect(notesWith(r, RST_NOTE.senderWentOn)).toEqual([expect.stringContaining('the RSTs in packets 2, 3 (rst-sender-went-on, packet 5)')]);
    // The rst-in-window check judges the first, as the client did.
    expect(r.checks.find((c) => c.id === 'rst-in-window')).toMatchObject({ ok: false, packet: 2, expected: u(X + 1), actual: null });
  });
  it('does not finish the connection at the ignored RST (a streamed record would lose the rest)', () => {
    const p = play(rows.slice(0, 3));
    expect(p.tr.finished).toBe(false);
    expect(p.tr.resetSeen).toBe(false);
    expect(p.record.open.kind).toBe('incomplete');
  });
  it('an RST whose ACK acknowledges the SYN still refuses it (fixtures/refused.pcap)', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'R.', 0, u(X + 1), 0, 'CLOSED', 'CLOSED'],
    ]);
    expect(r.open.kind).toBe('refused');
    expect(r.close).toMatchObject({ kind: 'reset', reset: { by: 'server', state: 'LISTEN', packet: 2 } });
    expect(flagsOf(r, 2)).toEqual([]);
  });
  it('an ignored RST before the refusing one does not hide the refusal', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'R', 1234, null, 0, 'SYN-SENT', 'CLOSED'],
      ['s', 'R.', 0, u(X + 1), 0, 'CLOSED', 'CLOSED'],
    ]);
    expect(r.open.kind).toBe('refused');
    expect(flagsOf(r, 2)).toEqual(['rst-ignored']);
  });
  it('an accepted RST the client then acts as if it never got (SYN again, handshake) refuses nothing', () => {
    // The tracker alone: trace() starts a new connection at a segment after an RST its receiver took.
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'R.', 0, u(X + 1), 0, 'SYN-SENT', 'LISTEN'],
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(r.open.kind).toBe('three-way');
    expect(r.close.kind).toBe('none');
    expect(flagsOf(r, 2)).toEqual(['rst-ignored', 'rst-injected']);
    expect(notesWith(r, RST_NOTE.notTaken)).toHaveLength(1);
  });
});

describe('in a synchronized state', () => {
  const open: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
  ];
  it('RSTs outside the window and inside it but not at RCV.NXT change nothing; the connection closes normally', () => {
    const r = expectRows([
      ...open,
      // States as read back at the end: the server's data (row 8) shows it went on, so its RSTs were not its abort.
      ['s', 'R', u(Y + 1 - 1000), null, 0, 'ESTABLISHED', 'ESTABLISHED'], // left of the window: dropped
      ['s', 'R', u(Y + 1 + 2 ** 30), null, 0, 'ESTABLISHED', 'ESTABLISHED'], // far right: dropped
      ['s', 'R', u(Y + 1 + 1000), null, 0, 'ESTABLISHED', 'ESTABLISHED'], // in the window: challenge ACK
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'], // the challenge ACK
      ...rest(u(X + 1), u(Y + 1)),
    ]);
    expect(r.open.kind).toBe('three-way');
    expect(r.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    expect(r.close.reset).toBeNull();
    expect([r.client.state, r.server.state]).toEqual(['TIME-WAIT', 'CLOSED']);
    for (const p of [4, 5, 6]) expect(flagsOf(r, p), `packet ${p}`).toEqual(['rst-ignored', 'rst-injected']);
    expect(notesWith(r, RST_NOTE.outOfWindow)).toHaveLength(2);
    expect(notesWith(r, RST_NOTE.challenge)).toHaveLength(1);
    expect(r.timeline.filter((t) => t.side === 'server' && t.packet < 10 && t.to === 'CLOSED')).toEqual([]);
    expect(r.checks.find((c) => c.id === 'rst-in-window')).toMatchObject({ ok: false, packet: 4, expected: u(Y + 1), actual: u(Y + 1 - 1000) });
  });
  it('an in-window RST passes rst-in-window and says it only draws a challenge ACK', () => {
    const r = play([...open, ['s', 'R', u(Y + 1 + 1000), null, 0, 'ESTABLISHED', 'CLOSED']]).record;
    expect(r.checks.find((c) => c.id === 'rst-in-window')).toMatchObject({ ok: true, expected: u(Y + 1), actual: u(Y + 1001) });
    expect(r.checks.find((c) => c.id === 'rst-in-window')!.message).toContain('challenge ACK');
  });
  it('one at RCV.NXT resets (RFC 5961 §3.2)', () => {
    const r = expectRows([...open, ['s', 'R', u(Y + 1), null, 0, 'CLOSED', 'CLOSED']]);
    expect(r.close).toMatchObject({ kind: 'reset', initiator: 'server', reset: { by: 'server', state: 'ESTABLISHED', packet: 4 } });
    expect(flagsOf(r, 4)).toEqual([]);
  });
  it('an ignored RST its sender never goes on after is still its abort: close reset, the receiver unchanged, not finished', () => {
    const p = play([...open, ['s', 'R', u(Y + 1 + 1000), null, 0, 'ESTABLISHED', 'CLOSED']]);
    expect(p.record.close).toMatchObject({ kind: 'reset', reset: { by: 'server', packet: 4 } });
    expect([p.record.client.state, p.record.server.state]).toEqual(['ESTABLISHED', 'CLOSED']);
    expect(flagsOf(p.record, 4)).toEqual(['rst-ignored']);
    expect(p.tr.finished).toBe(false);
  });
  it('Linux takes an RST at the FIN’s number in CLOSE-WAIT (tcp_reset_check), not in ESTABLISHED', () => {
    const fin: Row[] = [
      ...open,
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 2), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['c', 'R', u(X + 1), null, 0, 'CLOSED', 'CLOSED'],
    ];
    const r = expectRows(fin);
    expect(r.close).toMatchObject({ kind: 'reset', reset: { by: 'client', state: 'FIN-WAIT-2' } });
    expect(flagsOf(r, 6)).toEqual([]);
    const est = expectRows([...open, ['c', 'R', X, null, 0, 'CLOSED', 'ESTABLISHED']]);
    expect(flagsOf(est, 4)).toEqual(['rst-ignored']);
  });
  it('a request socket takes an in-window RST: SYN-RECEIVED → CLOSED', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', 'R', u(X + 1 + 500), null, 0, 'CLOSED', 'CLOSED'],
    ]);
    expect(r.close.kind).toBe('reset');
    expect(flagsOf(r, 3)).toEqual([]);
  });
});
