/**
 * fixtures/injected: the kernel's own TCP answering RSTs that Linux does not accept and segments no
 * socket sends (see its README.md). The final states equal `ss` (as kernel-states.test.ts does for
 * fixtures/), and what each capture shows is what the tool reports: no RST that the connection
 * outlives makes it `refused` or `reset`, and each is flagged with a note that says why; a FIN without
 * ACK after a SYN moves nothing and is flagged.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { Report } from '../../src/diagnose/types.js';
import { RST_NOTE, UNEXPECTED_NOTE, type ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { readKernel, type KernelSocket } from './kernel.js';
import { noteTexts } from '../helpers/notes.js';

const DIR = join(import.meta.dirname, '../../fixtures/injected');

const cache = new Map<string, Promise<Report>>();
function report(name: string): Promise<Report> {
  let p = cache.get(name);
  if (!p) cache.set(name, (p = trace(openCapture(join(DIR, `${name}.pcap`)))));
  return p;
}

const rsts = (c: ConnectionRecord) => c.segments.filter((s) => s.flags.includes('R'));
const notesWith = (c: ConnectionRecord, code: string) => noteTexts(c).filter((n) => n.includes(`(${code}`));

describe('final states equal the kernel’s (ss at capture end)', () => {
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith('.kernel.json'))
    .map((f) => f.slice(0, -'.kernel.json'.length));
  it('there are the two recordings', () => expect(names.sort()).toEqual(['odd-segments', 'rst-ignored']));
  it.each(names)('%s', async (name) => {
    const k = readKernel(join(DIR, `${name}.kernel.json`));
    const sockets = [...k.client, ...k.server].filter((s) => s.state !== 'LISTEN');
    const { connections } = await report(name);
    expect(connections.length).toBe(2);
    const used = new Set<KernelSocket>();
    const rows: string[] = [];
    for (const c of connections) {
      for (const side of ['client', 'server'] as const) {
        const me = `${c[side].ip}:${c[side].port}`;
        const peer = c[side === 'client' ? 'server' : 'client'];
        const s = sockets.find((x) => x.local === me && x.peer === `${peer.ip}:${peer.port}`);
        if (s) used.add(s);
        rows.push(`#${c.id} ${side}: tool ${c[side].state} kernel ${s ? s.state : 'CLOSED'}`);
      }
    }
    expect(rows.filter((r) => !/tool (\S+) kernel \1$/.test(r))).toEqual([]);
    expect(sockets.filter((s) => !used.has(s))).toEqual([]);
  });
});

describe('rst-ignored.pcap', () => {
  it('connection 1: the RSTs in SYN-SENT are ignored, the opening is a three-way handshake, not refused', async () => {
    const c = (await report('rst-ignored')).connections[0]!;
    expect(c.open).toMatchObject({ kind: 'three-way', complete: true });
    expect(c.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    expect(c.close.reset).toBeNull();
    const [noAck, badAck] = rsts(c);
    expect([noAck!.flags, noAck!.ack, badAck!.flags, badAck!.ack]).toEqual(['R', null, 'R.', c.client.isn]);
    for (const r of [noAck!, badAck!]) {
      expect(r.analysis).toEqual(['rst-ignored', 'rst-injected']);
      expect([r.client, r.server]).toEqual(['SYN-SENT', 'LISTEN']);
    }
    expect(notesWith(c, RST_NOTE.noAck)).toHaveLength(1);
    expect(notesWith(c, RST_NOTE.badAck)).toHaveLength(1);
    expect(notesWith(c, RST_NOTE.senderWentOn)).toHaveLength(1);
    // Neither endpoint passed through CLOSED on the way.
    expect(c.timeline.filter((t) => t.to === 'CLOSED' && t.packet <= badAck!.packet)).toEqual([]);
  });

  it('connection 2: RSTs out of the window and in it change nothing; each receiver’s challenge ACK follows the in-window one', async () => {
    const c = (await report('rst-ignored')).connections[1]!;
    expect(c.open.kind).toBe('three-way');
    expect(c.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    const r = rsts(c);
    expect(r.map((s) => s.from)).toEqual(['server', 'server', 'server', 'client']);
    for (const s of r) {
      expect(s.analysis).toEqual(['rst-ignored', 'rst-injected']);
      expect([s.client, s.server]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    }
    // Where they fell, against the client's RCV.NXT (the server's next sequence number, after its reply).
    const next = (r[0]!.seq + 1000) >>> 0;
    expect(r.slice(0, 3).map((s) => (s.seq - next) | 0)).toEqual([-1000, 2 ** 30, 1000]);
    expect(notesWith(c, RST_NOTE.outOfWindow)).toHaveLength(2);
    expect(notesWith(c, RST_NOTE.challenge)).toHaveLength(2);
    expect(notesWith(c, RST_NOTE.senderWentOn)).toHaveLength(2);
  });

  it('the summary and the diagnostics: two three-way handshakes, no reset, no [refused] finding', async () => {
    const rep = await report('rst-ignored');
    expect(rep.summary.byOpen).toEqual({ 'three-way': 2 });
    expect(rep.summary.byClose).toEqual({ 'three-segment': 2 });
    expect(rep.diagnostics?.openings.refused).toEqual([]);
    expect(rep.diagnostics?.findings.filter((f) => f.code === 'refused')).toEqual([]);
  });

  it('an ignored RST does not finish the connection: records written as connections finish are the same two', async () => {
    const streamed: ConnectionRecord[] = [];
    await trace(openCapture(join(DIR, 'rst-ignored.pcap')), { keepRecords: false, finishedHold: 0, onRecord: (r) => streamed.push(r) });
    expect(streamed.map((r) => [r.packets, r.open.kind, r.close.kind])).toEqual([
      [16, 'three-way', 'three-segment'],
      [19, 'three-way', 'three-segment'],
    ]);
  });
});

describe('odd-segments.pcap', () => {
  it('connection 1: the FIN without ACK from SYN-SENT moves nothing, is flagged, and the SYN,ACK does not acknowledge it', async () => {
    const c = (await report('odd-segments')).connections[0]!;
    const fin = c.segments.find((s) => s.flags === 'F')!;
    expect(fin.analysis).toContain('unexpected');
    expect([fin.client, fin.server]).toEqual(['SYN-SENT', 'LISTEN']);
    expect(c.timeline.some((t) => t.to === 'FIN-WAIT-1')).toBe(false);
    expect(c.checks.filter((k) => k.id === 'fin-acked')).toEqual([]);
    expect(notesWith(c, UNEXPECTED_NOTE).length).toBe(2);
    expect(c.open.packets).toContain(fin.packet);
    // A segment every state drops decides no check about its sender's sequence space.
    expect(c.checks.filter((k) => k.packet === fin.packet)).toEqual([]);
    expect(c.checks.filter((k) => !k.ok)).toEqual([]);
  });

  it("connection 2: the listener's RST <SEQ=SEG.ACK> shows it never sent the SYN,ACK the client's ACK implied", async () => {
    const c = (await report('odd-segments')).connections[1]!;
    const [syn, data, rst] = c.segments;
    expect([syn!.flags, data!.flags, rst!.flags]).toEqual(['S', 'P.', 'R']);
    // RFC 9293 §3.10.7.2: LISTEN answers any ACK with <SEQ=SEG.ACK><CTL=RST> and stays LISTEN.
    expect(rst!.seq).toBe(data!.ack);
    expect(c.timeline.filter((t) => t.side === 'server').map((t) => [t.packet, t.from, t.to])).toEqual([[rst!.packet, 'LISTEN', 'CLOSED']]);
    expect(data!.server).toBe('LISTEN');
    expect(data!.analysis).toContain('unexpected');
    expect(c.server.isn).toBeNull();
    expect(c.open.kind).not.toBe('three-way');
    expect(c.notes).toContainEqual({ code: 'unexpected-segment', packet: data!.packet, side: 'server', dir: 'received', state: 'LISTEN', event: 'Data' });
    expect(c.checks.filter((k) => !k.ok)).toEqual([]);
  });
});
