/**
 * Capture order is not wire order (issue 11 item 5): fixtures/reordered/ holds kernel recordings
 * with whole frames moved (a SYN,ACK captured before its SYN, with the clock going back and without;
 * a FIN captured before the data below it). The states, checks and kinds must be those of the
 * recording in wire order (and so the kernel's `ss`); the RTT is not computed from a reordered pair;
 * the reordered segments are flagged and counted, and durations are never negative.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { readKernel } from './kernel.js';

const FIX = join(import.meta.dirname, '../../fixtures');

async function one(file: string): Promise<ConnectionRecord> {
  const r = await trace(openCapture(join(FIX, file)));
  expect(r.connections).toHaveLength(1);
  return r.connections[0]!;
}

/** The packet number in the wire-order recording of each packet of the reordered one. */
const HANDSHAKE = [2, 1, 3, 4, 5, 6, 7, 8, 9, 10];

/** What must not depend on capture order: checks by id, side and verdict, kinds, final states. */
function facts(c: ConnectionRecord, map: (p: number) => number = (p) => p) {
  return {
    open: c.open.kind,
    close: c.close.kind,
    initiator: c.close.initiator,
    client: [c.client.state, c.client.isn],
    server: [c.server.state, c.server.isn],
    checks: c.checks.map((k) => `${k.id} ${k.side} ${k.ok}`).sort(),
    // The state changes, each with the packet of the wire-order recording that caused it.
    timeline: c.timeline.map((t) => `${t.side} ${t.from}>${t.to} @${map(t.packet)}`).sort(),
  };
}

describe('a SYN,ACK captured before its SYN', () => {
  it.each(['handshake-reorder.pcap', 'handshake-reorder.strict.pcap'])('%s: the record of the wire-order recording, but no RTT', async (file) => {
    const c = await one(`reordered/${file}`);
    const orig = await one('handshake-client-close.pcap');
    const f = facts(c, (p) => HANDSHAKE[p - 1]!);
    const o = facts(orig);
    expect(f.open).toBe('three-way');
    expect(f).toEqual({ ...o, timeline: f.timeline });
    // The client is ESTABLISHED on the SYN,ACK (packet 1 here), never on its own SYN (packet 2).
    const client = c.timeline.filter((t) => t.side === 'client');
    expect(client.map((t) => [t.packet, t.to])).toEqual([
      [1, 'SYN-SENT'],
      [1, 'ESTABLISHED'],
      [8, 'FIN-WAIT-1'],
      [9, 'TIME-WAIT'],
    ]);
    expect(c.segments.find((s) => s.packet === 2)).toMatchObject({ client: 'ESTABLISHED', analysis: ['reordered'] });
    // Not a round trip: the capture shows the SYN after its answer (the original's RTT was 0.047 ms).
    expect(c.open.rttMs).toBeNull();
    expect(orig.open.rttMs).toBeGreaterThan(0);
    expect(c.flags.reordered).toBe(1);
    expect(c.flags.retransmissions).toBe(0);
    expect(c.notes).toContainEqual({ code: 'rtt-reordered', synPacket: 2, synAckPacket: 1 });
    expect(c.notes).toContainEqual({ code: 'reordered', segments: 1, firstPacket: 2 });
    // The kernel's own states (recorded for the source capture).
    const k = readKernel(join(FIX, 'handshake-client-close.kernel.json'));
    expect(k.client.find((s) => s.local.endsWith(':41001'))?.state).toBe(c.client.state);
    expect(k.server.some((s) => s.local.endsWith(':4700') && s.peer.endsWith(':41001'))).toBe(false);
    expect(c.server.state).toBe('CLOSED');
  });

  it('with the clock going back 33 µs at the SYN: no negative time anywhere, and a note says so', async () => {
    const c = await one('reordered/handshake-reorder.pcap');
    for (const s of c.segments) expect(s.time).toBeGreaterThanOrEqual(0);
    for (const t of c.timeline) expect(t.time).toBeGreaterThanOrEqual(0);
    expect(c.notes).toContainEqual({ code: 'clock-backwards', steps: 1, firstPacket: 2, backSec: 0.000033 });
    const strict = await one('reordered/handshake-reorder.strict.pcap');
    expect(strict.notes.map((n) => n.code)).not.toContain('clock-backwards');
  });
});

describe('a FIN captured before the data below it', () => {
  it('checks in sequence space: the SYN consumed one (no false "SYN counts 1 ✗"), the handshake ACK is the one at ISN + 1', async () => {
    const c = await one('reordered/fin-before-data.pcap');
    const orig = await one('half-close.pcap');
    expect(c.checks.filter((k) => !k.ok)).toEqual([]);
    expect(facts(c).checks).toEqual(facts(orig).checks);
    const syn = c.checks.find((k) => k.id === 'syn-consumes-one' && k.side === 'client')!;
    expect([syn.packet, syn.actual! - c.client.isn!]).toEqual([4, 1]);
    const hs = c.checks.find((k) => k.id === 'handshake-ack-acks-isn')!;
    expect(hs.actual! - c.server.isn!).toBe(1);
    expect([c.open.kind, c.close.kind, c.client.state, c.server.state]).toEqual([orig.open.kind, orig.close.kind, orig.client.state, orig.server.state]);
    // The data (packet 5) filled the hole the FIN left at once: reordered, as tshark says
    // (tcp.analysis.out_of_order on frame 5), not a retransmission.
    expect(c.flags.reordered).toBe(1);
    expect(c.flags.retransmissions).toBe(0);
    expect(c.notes).toContainEqual({ code: 'reordered', segments: 1, firstPacket: 5 });
  });

  it('a hole filled later than an RTT (3 ms at least) is a retransmission of what the capture point lost, not reordering', async () => {
    // fixtures/loss.pcap: SACK-driven retransmissions fill holes 0.2 s and more later.
    const r = await trace(openCapture(join(FIX, 'loss.pcap')));
    expect(r.connections[0]!.flags.reordered).toBe(0);
  });
});

describe('a clock that goes back (fixtures/crafted/clock-back.pcap: the server FIN stamped 100 s early)', () => {
  it('no negative time, duration or note number; TIME-WAIT runs from the step, as the kernel kept it', async () => {
    const c = await one('crafted/clock-back.pcap');
    const numbers: number[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'number') numbers.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk({ segments: c.segments, timeline: c.timeline, notes: c.notes, open: c.open, keepAlive: c.keepAlive });
    expect(numbers.filter((n) => n < 0)).toEqual([]);
    // The source recording's kernel kept the client in TIME-WAIT (60 s): a TIME-WAIT started 100 s
    // "before" the capture's end expired at once before this rule (+-39.99 s).
    expect(c.client.state).toBe(readKernel(join(FIX, 'handshake-client-close.kernel.json')).client.find((s) => s.local.endsWith(':41001'))!.state);
    expect(c.notes).toContainEqual(expect.objectContaining({ code: 'time-wait-until', side: 'client', twPacket: 9 }));
    expect(c.notes).toContainEqual({ code: 'clock-backwards', steps: 1, firstPacket: 9, backSec: 99.999787 });
    expect(c.open.rttMs).toBeGreaterThan(0);
  });
});
