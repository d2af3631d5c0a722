/**
 * Segments a state cannot send or receive (issue 11, item 7): they are flagged `unexpected`, with a
 * note naming the state and the segment (code `unexpected-segment`), and never forced into an arc.
 * The table marks those cells (`unexpected`) and keeps the state in them. A segment with neither
 * SYN, RST nor ACK (classify.ts: `NoAck`) is one in every state: only a SYN may lack the ACK bit,
 * every state drops such a segment (RFC 9293 §3.10.7.2-4), so its FIN closes nothing, occupies no
 * FIN sequence number and is never "acknowledged". fixtures/injected/odd-segments.pcap shows one
 * reaching a Linux listener (injected.test.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { classify, newTrack } from '../../src/tcp/classify.js';
import { TcpState, UNEXPECTED_NOTE, type ConnectionRecord } from '../../src/tcp/model.js';
import { RECEIVED_EVENTS, SENT_EVENTS, step, TABLE } from '../../src/tcp/table.js';
import { trace } from '../../src/trace.js';
import { mismatches, mkSeg, play, type Row } from './helpers.js';
import { noteTexts } from '../helpers/notes.js';

const u = (n: number) => n >>> 0;
const X = u(0xfffffffc);
const Y = 5000;

function expectRows(rows: Row[]): ConnectionRecord {
  const p = play(rows);
  expect(mismatches(rows, p)).toEqual([]);
  return p.record;
}
const flagsOf = (r: ConnectionRecord, packet: number) => r.segments.find((s) => s.packet === packet)?.analysis ?? [];
const unexpectedNotes = (r: ConnectionRecord) => noteTexts(r).filter((n) => n.includes(`(${UNEXPECTED_NOTE})`));

describe('the table', () => {
  const states = Object.values(TcpState);
  it('a segment without ACK (NoAck) keeps every state, sent or received, and is unexpected in all of them', () => {
    for (const s of states) {
      expect(step(s, 'sent', 'NoAck'), s).toMatchObject({ next: s, unexpected: true });
      expect(step(s, 'received', 'NoAck'), s).toMatchObject({ next: s, unexpected: true });
    }
  });
  it('every unexpected cell keeps its state', () => {
    for (const s of states) {
      for (const e of SENT_EVENTS) if (TABLE[s].sent[e].unexpected) expect(TABLE[s].sent[e].next, `${s} sent ${e}`).toBe(s);
      for (const e of RECEIVED_EVENTS) if (TABLE[s].received[e].unexpected) expect(TABLE[s].received[e].next, `${s} received ${e}`).toBe(s);
    }
  });
  it('marks the pairs RFC 9293 has no arc for: LISTEN sending anything but SYN,ACK/RST, LISTEN and SYN-SENT receiving what they drop or reset, CLOSED sending', () => {
    for (const e of ['AckOfSyn', 'Ack', 'Data', 'Fin', 'FinAck', 'FinRexmit', 'AckOfFin'] as const) {
      expect(step('LISTEN', 'sent', e).unexpected, `LISTEN sent ${e}`).toBe(true);
      expect(step('LISTEN', 'received', e).unexpected, `LISTEN received ${e}`).toBe(true);
      expect(step('SYN-SENT', 'received', e).unexpected, `SYN-SENT received ${e}`).toBe(true);
      expect(step('CLOSED', 'sent', e).unexpected, `CLOSED sent ${e}`).toBe(true);
    }
  });
  it('keeps the arcs of the RFC and the inferences from a missed segment unflagged', () => {
    expect(step('LISTEN', 'sent', 'SynAck')).toMatchObject({ next: 'SYN-RECEIVED' });
    expect(step('LISTEN', 'sent', 'SynAck').unexpected).toBeUndefined();
    expect(step('SYN-SENT', 'received', 'Syn').unexpected).toBeUndefined();
    // A FIN with ACK from SYN-SENT: it had received a SYN,ACK the capture missed.
    expect(step('SYN-SENT', 'sent', 'Fin')).toMatchObject({ next: 'FIN-WAIT-1' });
    expect(step('SYN-SENT', 'sent', 'Fin').unexpected).toBeUndefined();
    expect(step('ESTABLISHED', 'received', 'Fin')).toMatchObject({ next: 'CLOSE-WAIT' });
    expect(step('ESTABLISHED', 'received', 'Fin').unexpected).toBeUndefined();
  });
});

describe('classify', () => {
  it('a FIN, data or nothing without the ACK bit is NoAck for both sides; a SYN and an RST are not', () => {
    const s = newTrack('SYN-SENT');
    const r = newTrack('LISTEN');
    for (const flags of ['F', 'P', '', 'FP', 'U']) {
      expect(classify(mkSeg({ dir: 'c', flags, seq: X, len: flags.includes('P') ? 5 : 0 }), s, r, null), flags).toEqual({ sent: 'NoAck', received: 'NoAck' });
    }
    expect(classify(mkSeg({ dir: 'c', flags: 'S', seq: X }), s, r, null).sent).toBe('Syn');
    expect(classify(mkSeg({ dir: 'c', flags: 'F.', seq: X, ack: 1 }), s, r, null).sent).toBe('Fin');
  });
});

describe('a FIN without ACK from SYN-SENT', () => {
  // A scanner's SYN, a FIN without ACK at the SYN's own number, the SYN again, the listener's SYN,ACK
  // (fixtures/injected/odd-segments.pcap, connection 1).
  const rows: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['c', 'F', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
  ];
  it('changes no state: no FIN-WAIT-1, no arc', () => {
    const r = expectRows(rows);
    expect(r.timeline.map((t) => `${t.side} ${t.from}>${t.to}`).sort()).toEqual([
      'client CLOSED>SYN-SENT',
      'client SYN-SENT>ESTABLISHED',
      'server LISTEN>SYN-RECEIVED',
    ]);
  });
  it('is flagged unexpected and kept in the opening, with notes naming the states', () => {
    const r = expectRows(rows);
    expect(flagsOf(r, 2)).toContain('unexpected');
    expect(r.open.packets).toContain(2);
    expect(r.close).toMatchObject({ kind: 'none', initiator: null, packets: [] });
    expect(unexpectedNotes(r)).toEqual([
      expect.stringMatching(/^Packet 2 \(unexpected-segment\): the client in SYN-SENT sent a segment that state cannot send: .*RFC 9293/),
      expect.stringMatching(/^Packet 2 \(unexpected-segment\): the server in LISTEN received a segment that state cannot receive: .*RFC 9293 §3\.10\.7\.2/),
    ]);
  });
  it('is not a FIN of the connection: the SYN,ACK does not acknowledge it, no FIN check at all', () => {
    const r = expectRows(rows);
    expect(r.checks.filter((c) => c.id === 'fin-acked' || c.id === 'fin-consumes-one' || c.id === 'no-data-after-fin')).toEqual([]);
    expect(r.segments.find((s) => s.packet === 4)!.checks).not.toContain('fin-acked');
  });
});

describe('segments without ACK in other states', () => {
  const open: Row[] = [
    ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
    ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
  ];
  it('a FIN without ACK in ESTABLISHED is dropped: no CLOSE-WAIT, no half-close; the real FIN closes', () => {
    const r = expectRows([
      ...open,
      ['c', 'F', u(X + 1), null, 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
      ['c', '.', u(X + 2), u(Y + 2), 0, 'TIME-WAIT', 'CLOSED'],
    ]);
    expect(flagsOf(r, 4)).toContain('unexpected');
    expect(flagsOf(r, 5)).not.toContain('unexpected');
    expect(r.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  });
  it('data without ACK is kept and flagged, not folded', () => {
    const r = expectRows([...open, ['c', 'P', u(X + 1), null, 10, 'ESTABLISHED', 'ESTABLISHED']]);
    expect(flagsOf(r, 4)).toContain('unexpected');
    expect(r.close.packets).toEqual([4]);
  });
  it('a lone FIN without ACK (a FIN scan) is mid-stream, flagged, and closes nothing', () => {
    // The server sent nothing: CLOSED, unseen (finish()).
    const r = expectRows([['c', 'F', X, null, 0, 'ESTABLISHED', 'CLOSED']]);
    expect(r.open.kind).toBe('mid-stream');
    expect(r.close).toMatchObject({ kind: 'none', initiator: null });
    expect(flagsOf(r, 1)).toEqual(['unexpected']);
  });
});

describe('a CLOSED endpoint’s segment that crossed the one that closed it is not unexpected', () => {
  it('the server’s ACK sent before the client’s last ACK reached it: LAST-ACK, its ACK, then CLOSED', () => {
    const r = expectRows([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
      ['c', 'F.', u(X + 1), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', 'F.', u(Y + 1), u(X + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
      ['c', '.', u(X + 2), u(Y + 2), 0, 'TIME-WAIT', 'LAST-ACK'],
      ['s', '.', u(Y + 2), u(X + 2), 0, 'TIME-WAIT', 'CLOSED'],
    ]);
    expect(flagsOf(r, 7)).not.toContain('unexpected');
    expect(r.timeline.filter((t) => t.side === 'server' && t.to === 'CLOSED')).toEqual([
      expect.objectContaining({ packet: 7, from: 'LAST-ACK', why: expect.stringContaining('packet 6 reached it only after it sent this segment') }),
    ]);
  });
  it('fixtures/corpus/tcpdump/tcp/ssh.pcap: the server’s duplicate ACK (packet 54) after the client’s last ACK', async () => {
    const [c] = (await trace(openCapture(join(import.meta.dirname, '../../fixtures/corpus/tcpdump/tcp/ssh.pcap')), { allSegments: true })).connections;
    expect(c!.segments.find((s) => s.packet === 54)!.analysis).not.toContain('unexpected');
    expect([c!.client.state, c!.server.state]).toEqual(['TIME-WAIT', 'CLOSED']);
  });
});

describe('real captures', () => {
  const root = join(import.meta.dirname, '../../fixtures');
  const flagged = async (file: string) => {
    const out: string[] = [];
    const r = await trace(openCapture(join(root, file)), { allSegments: true });
    for (const c of r.connections) for (const s of c.segments) if (s.analysis.includes('unexpected')) out.push(`${file} #${c.id} ${s.packet} [${s.flags}]`);
    return out;
  };
  it('no segment of the kernel recordings is unexpected', async () => {
    const files = readdirSync(root).filter((f) => f.endsWith('.pcap'));
    expect(files.length).toBeGreaterThan(20);
    const all = (await Promise.all(files.map(flagged))).flat();
    expect(all).toEqual([]);
  });
  it('in the tcpdump corpus only segments without an ACK bit are (the fuzzed *oobr files, and one with no flags at all)', async () => {
    const dir = 'corpus/tcpdump/tcp';
    const all = (await Promise.all(readdirSync(join(root, dir)).map((f) => flagged(`${dir}/${f}`)))).flat();
    expect(all.length).toBeGreaterThan(0);
    // geneve-gcp.pcap (traced since tunnels are followed): inside GCP's Geneve, one TCP segment with
    // no flag set (tcpdump: "Flags [none]"), which no state sends or accepts.
    for (const x of all) expect(x).toMatch(/([-_]oobr\.pcap #\d+ \d+ \[[^.]*\]|geneve-gcp\.pcap #0 1 \[none\])$/);
  });
});
