/**
 * What ends a connection on its 4-tuple, so that the next segment there belongs to a new one
 * (issue 11, items 2 and 4):
 *   - the RST that aborted it: any later segment but a copy of that RST starts a new connection
 *     (mid-stream, or an opening if it is a SYN), `reusedFrom` naming the old one;
 *   - a new SYN reusing the 4-tuple: a side still in TIME-WAIT is CLOSED from that SYN on (the
 *     kernel's ss shows no socket), with a transition saying why.
 * Both with the tracker held (the default) and with its record written early (finishedHold 0:
 * the FinishedTable path, where only the summary's final state can change).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture, openStream } from '../src/capture/open.js';
import type { ConnectionRecord } from '../src/tcp/model.js';
import { trace, type TraceOptions } from '../src/trace.js';
import { noteTexts } from './helpers/notes.js';

const fx = (name: string) => join(import.meta.dirname, '../fixtures', name);

/** A classic little-endian µs pcap split into its header and records (each with its own header). */
function records(bytes: Buffer): { head: Buffer; recs: Buffer[] } {
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const recs: Buffer[] = [];
  for (let off = 24; off < bytes.length; ) {
    const len = bytes.readUInt32LE(off + 8);
    recs.push(bytes.subarray(off, off + 16 + len));
    off += 16 + len;
  }
  return { head: bytes.subarray(0, 24), recs };
}

/** A copy of record `r` moved `sec` seconds later. */
function shifted(r: Buffer, sec: number): Buffer {
  const c = Buffer.from(r);
  const us = c.readUInt32LE(4) + Math.round((sec % 1) * 1e6);
  c.writeUInt32LE(c.readUInt32LE(0) + Math.floor(sec) + Math.floor(us / 1e6), 0);
  c.writeUInt32LE(us % 1e6, 4);
  return c;
}

async function run(bytes: Buffer, opts: TraceOptions = {}) {
  const final: ConnectionRecord[] = [];
  const report = await trace(
    openStream(
      'x.pcap',
      (async function* () {
        yield new Uint8Array(bytes);
      })(),
    ),
    { ...opts, onRecord: (r) => final.push(r) },
  );
  return { report, final: final.sort((a, b) => a.id - b.id) };
}

const HOLDS: Array<[string, TraceOptions]> = [
  ['tracker held', {}],
  ['record written at once (FinishedTable)', { keepRecords: false, finishedHold: 0 }],
];

describe('an accepted RST ends the connection on its 4-tuple', () => {
  // fixtures/crafted/reset-then-stray.pcap (crafted, fixtures/README.md): refused.pcap's real SYN answered
  // by RST, then a data segment on the same 4-tuple 15.7 s later.
  const stray = readFileSync(fx('crafted/reset-then-stray.pcap'));

  it.each(HOLDS)('a stray data segment after the RST is a new mid-stream connection (%s)', async (_, opts) => {
    const { report, final } = await run(stray, opts);
    expect(final.map((c) => c.id)).toEqual([0, 1]);
    const [old, next] = final as [ConnectionRecord, ConnectionRecord];
    expect(old.open).toMatchObject({ kind: 'refused', complete: false, rttMs: null, packets: [1, 2] });
    expect(old.packets).toBe(2);
    expect([old.client.state, old.server.state]).toEqual(['CLOSED', 'CLOSED']);
    expect(next.reusedFrom).toBe(0);
    expect(next.open.kind).toBe('mid-stream');
    expect(next.open.complete).toBe(false);
    expect(next.packets).toBe(1);
    expect(next.segments.length + next.data.client.segments).toBeGreaterThan(0);
    expect(report.input.warnings).toEqual([]);
  });

  it('no connection of the capture is a completed handshake (the 15.7 s "RTT" is gone)', async () => {
    const report = await trace(openCapture(fx('crafted/reset-then-stray.pcap')));
    expect(report.connections.some((c) => c.open.complete)).toBe(false);
    expect(report.connections.every((c) => c.open.rttMs === null)).toBe(true);
  });

  it.each(HOLDS)('a copy of the RST stays with the old connection; the segment after it does not (%s)', async (_, opts) => {
    const { head, recs } = records(readFileSync(fx('refused.pcap')));
    const [syn, rst] = recs as [Buffer, Buffer];
    const strayRec = records(stray).recs[2]!;
    const { report, final } = await run(Buffer.concat([head, syn, rst, shifted(rst, 0.5), strayRec]), opts);
    // Written at once, the old record does not see the RST's copy: it is counted as late.
    const early = opts.finishedHold === 0;
    expect(final.map((c) => [c.id, c.packets, c.reusedFrom])).toEqual([
      [0, early ? 2 : 3, null],
      [1, 1, 0],
    ]);
    if (early) expect(report.input.warnings.join()).toMatch(/^1 segments came after/);
    else expect(report.input.warnings).toEqual([]);
  });

  it.each(HOLDS)('a SYN after the RST is a new opening, even with the old ISN (%s)', async (_, opts) => {
    const { head, recs } = records(readFileSync(fx('refused.pcap')));
    const [syn, rst] = recs as [Buffer, Buffer];
    const { final } = await run(Buffer.concat([head, syn, rst, shifted(syn, 3)]), opts);
    expect(final.map((c) => [c.id, c.open.kind, c.reusedFrom])).toEqual([
      [0, 'refused', null],
      [1, 'unanswered', 0],
    ]);
  });

  it('an RST the receiver does not accept ends nothing: the connection goes on', async () => {
    // The refused SYN's RST with its ACK moved off the SYN: SYN-SENT drops it (RFC 9293 §3.10.7.3).
    const { head, recs } = records(readFileSync(fx('refused.pcap')));
    const [syn, rst] = recs as [Buffer, Buffer];
    const bad = Buffer.from(rst);
    const ackAt = 16 + 14 + 20 + 8;
    bad.writeUInt32BE((bad.readUInt32BE(ackAt) + 1000) >>> 0, ackAt);
    const strayRec = records(stray).recs[2]!;
    const { final } = await run(Buffer.concat([head, syn, bad, strayRec]));
    expect(final.map((c) => c.id)).toEqual([0]);
    expect(final[0]!.packets).toBe(3);
  });
});

describe('a new SYN on the 4-tuple ends a TIME-WAIT there', () => {
  it.each(HOLDS)('port-reuse.pcap: the first connection’s server is CLOSED at the new SYN (%s)', async (_, opts) => {
    const { report, final } = await run(readFileSync(fx('port-reuse.pcap')), opts);
    const old = final[0]!;
    if (opts.finishedHold === 0) {
      // Written when it finished, before the SYN came: the record keeps its TIME-WAIT as of then,
      // the summary counts the state at the end.
      expect(old.server.state).toBe('TIME-WAIT');
    } else {
      expect([old.client.state, old.server.state]).toEqual(['CLOSED', 'CLOSED']);
      const tr = old.timeline.at(-1)!;
      expect(tr).toMatchObject({ packet: 12, side: 'server', from: 'TIME-WAIT', to: 'CLOSED', code: 'time-wait-reused' });
      expect(tr.time).toBeCloseTo(1.316335, 6);
      expect(tr.why).toMatch(/^TIME-WAIT ended early: a new SYN \(packet 12\) reused the 4-tuple/);
      expect(noteTexts(old).join(' ')).not.toMatch(/until \+61/);
      expect(noteTexts(old).join(' ')).toMatch(/ended early at \+1\.316335 s/);
    }
    // The second connection is the kernel's one socket on the 4-tuple (port-reuse.kernel.json).
    expect(final[1]!.reusedFrom).toBe(0);
    expect([final[1]!.client.state, final[1]!.server.state]).toEqual(['TIME-WAIT', 'CLOSED']);
    // Two servers CLOSED at the end, one client TIME-WAIT (the second connection's) and no other.
    expect(report.summary.finalStates).toMatchObject({ server: { CLOSED: 2 }, client: { CLOSED: 1, 'TIME-WAIT': 1 } });
  });

  it('the held and the written-early runs agree on the summary', async () => {
    const a = await run(readFileSync(fx('port-reuse.pcap')));
    const b = await run(readFileSync(fx('port-reuse.pcap')), { keepRecords: false, finishedHold: 0 });
    expect(b.report.summary).toEqual(a.report.summary);
  });
});
