/**
 * One direction captured (fixtures/one-sided/, recorded by record.sh os-*): each exchange twice,
 * NAME.out.pcap holding only the client's segments and NAME.in.pcap only the server's, with the
 * kernel's own final states (NAME.kernel.json, ss in both namespaces). The missing side's segments
 * are inferred from the captured side's ACKs and from what the captured side did not do; the final
 * states must be the kernel's. A side the tool reports 'unseen' claims nothing and is listed
 * explicitly below; every other side is compared. The markers (a SYN to port 4702 in .out, an RST
 * from port 4701 in .in, 1.5 s after the exchange) are connections of their own, compared too.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { main } from '../../src/cli/main.js';
import { argv, fakeIO } from '../cli/io.js';
import { readKernel, tracedConnections } from './kernel.js';
import { noteTexts } from '../helpers/notes.js';

const DIR = join(import.meta.dirname, '../../fixtures/one-sided');

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.kernel.json'))
  .map((f) => f.slice(0, -'.kernel.json'.length))
  .sort();
const files = names.flatMap((n) => [`${n}.out.pcap`, `${n}.in.pcap`]);

/** Sides the capture cannot show at all (the tool says 'unseen'): file -> "port side" entries. */
const UNSEEN: Record<string, (c: ConnectionRecord) => boolean> = {
  // The server answered with SYN,ACKs the client never received: nothing the client sent shows it.
  'syn-flood.out.pcap': (c) => c.server.port === 4700,
};

const addr = (ip: string, port: number) => `${ip}:${port}`;

const connections = tracedConnections(DIR);

describe('one direction captured: final states equal the kernel’s', () => {
  it('there are one-sided recordings, both directions of each', () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const n of names) expect(readdirSync(DIR)).toEqual(expect.arrayContaining([`${n}.out.pcap`, `${n}.in.pcap`]));
  });

  it.each(files)('%s', async (file) => {
    const k = readKernel(join(DIR, `${file.split('.')[0]}.kernel.json`));
    const sockets = [...k.client, ...k.server].filter((s) => s.state !== 'LISTEN');
    const conns = await connections(file);
    const only = file.endsWith('.out.pcap') ? 'client' : 'server';
    const rows: string[] = [];
    const unseen: string[] = [];
    for (const c of conns) {
      // One direction only: every captured segment is from one side.
      expect(only === 'client' ? c.server.segments : c.client.segments).toBe(0);
      for (const side of ['client', 'server'] as const) {
        const me = c[side];
        const peer = c[side === 'client' ? 'server' : 'client'];
        const s = sockets.find((x) => x.local === addr(me.ip, me.port) && x.peer === addr(peer.ip, peer.port));
        if (me.stateBasis === 'unseen') {
          unseen.push(`${me.port} ${side}`);
          expect(me.state).toBe('CLOSED');
          continue;
        }
        rows.push(`#${c.id} ${side} ${me.port}: tool ${me.state} kernel ${s ? s.state : 'CLOSED'}`);
      }
    }
    const mismatched = rows.filter((r) => {
      const m = / tool (\S+) kernel (\S+)$/.exec(r)!;
      return m[1] !== m[2];
    });
    expect(mismatched).toEqual([]);
    // Unseen: the silent side of the marker of this direction, and only what UNSEEN names.
    const marker = conns.filter((c) => c.server.port === 4701 || c.server.port === 4702);
    expect(marker.length).toBe(1);
    const allowed = UNSEEN[file];
    const expected = conns.flatMap((c) =>
      (['client', 'server'] as const)
        .filter((side) => (marker.includes(c) ? side !== only : (allowed?.(c) ?? false) && side !== only))
        .map((side) => `${c[side].port} ${side}`),
    );
    expect(unseen.sort()).toEqual(expected.sort());
  });
});

/** What each one-sided capture shows beyond the final states. */
const SHOWS: Record<string, (c: ConnectionRecord[]) => void> = {
  // The case: the server's FIN+ACK acknowledges the client's FIN, which the capture never showed.
  'client-close.in.pcap': ([c]) => {
    expect(c!.close).toMatchObject({ kind: 'three-segment', initiator: 'client' });
    const server = c!.timeline.filter((t) => t.side === 'server').map((t) => t.to);
    expect(server).toEqual(['SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
    expect(c!.timeline.find((t) => t.side === 'client' && t.to === 'FIN-WAIT-1')!.why).toMatch(/^inferred \(ack-covers-unseen-fin, packet \d+\)/);
    // SYN-RECEIVED -> ESTABLISHED when it acknowledged the request, not before, not never.
    expect(c!.timeline.find((t) => t.side === 'server' && t.to === 'ESTABLISHED')!.why).toMatch(/ack-covers-unseen-data/);
    expect(c!.timeline.find((t) => t.side === 'server' && t.to === 'CLOSED')!.why).toMatch(/^inferred \(no-retransmission-after/);
  },
  // The client's ACK covers the server's FIN, never seen: the server went CLOSE-WAIT -> LAST-ACK.
  'client-close.out.pcap': ([c]) => {
    const server = c!.timeline.filter((t) => t.side === 'server').map((t) => `${t.from}>${t.to}`);
    expect(server).toEqual(['LISTEN>SYN-RECEIVED', 'SYN-RECEIVED>ESTABLISHED', 'ESTABLISHED>CLOSE-WAIT', 'CLOSE-WAIT>LAST-ACK', 'LAST-ACK>CLOSED']);
    expect(c!.server).toMatchObject({ isn: null, segments: 0, stateBasis: 'inferred' });
  },
  'four-way-close.in.pcap': ([c]) => expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'client' }),
  'half-close.in.pcap': ([c]) => expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'client', dataAfterFin: 2500 }),
  'half-close.out.pcap': ([c]) => expect(c!.close).toMatchObject({ initiator: 'client', dataAfterFin: 2500 }),
  'server-close.in.pcap': ([c]) => expect(c!.close).toMatchObject({ kind: 'three-segment', initiator: 'server' }),
  'server-close.out.pcap': ([c]) => expect(c!.close).toMatchObject({ kind: 'three-segment', initiator: 'server' }),
  'lost-last-ack.in.pcap': ([c]) => {
    // The retransmitted FIN re-dates the client's TIME-WAIT; the silence after it ends LAST-ACK.
    expect(c!.flags.retransmissions).toBe(1);
    expect(c!.server.state).toBe('CLOSED');
  },
  'closewait-leak.in.pcap': (cs) => {
    for (const c of cs.slice(0, 3)) expect([c.close.kind, c.close.initiator]).toEqual(['half-closed', 'client']);
  },
  'syn-flood.in.pcap': (cs) => {
    for (const c of cs.slice(0, 20)) expect(noteTexts(c).join(' ')).toMatch(/stays SYN-SENT \(inferred: retransmitted-unanswered/);
  },
};

describe('what each one-sided capture shows', () => {
  it.each(Object.keys(SHOWS))('%s', async (file) => {
    SHOWS[file]!(await connections(file));
  });
});

describe('--summary marks states that were not observed', () => {
  it('inferred (*) and never seen (?), with the legend', async () => {
    const io = fakeIO({ env: {} });
    expect(await main(argv('--no-color', '--summary', join(DIR, 'syn-flood.in.pcap')), io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/client {2}SYN-SENT\* 20 · CLOSED\? 1/);
    expect(out).toMatch(/server {2}SYN-RECEIVED 20 · CLOSED 1/);
    // The legend may wrap at the width (80 in a pipe).
    expect(out.replace(/\s+/g, ' ')).toMatch(/\* inferred from the other side’s segments · \? never seen in the capture/);
  });
});

describe('a public capture cut to one direction (fixtures/one-sided/ssh-client-only.pcap)', () => {
  it('the client’s segments of the tcpdump corpus’s ssh.pcap end where the whole capture does', async () => {
    const whole = (await trace(openCapture(join(DIR, '../corpus/tcpdump/tcp/ssh.pcap')))).connections;
    const cut = await connections('ssh-client-only.pcap');
    expect(cut.length).toBe(1);
    expect(cut[0]!.server.segments).toBe(0);
    expect([cut[0]!.client.state, cut[0]!.server.state]).toEqual([whole[0]!.client.state, whole[0]!.server.state]);
    expect([cut[0]!.client.state, cut[0]!.server.state]).toEqual(['TIME-WAIT', 'CLOSED']);
    // The server's FIN is known only from the client's ACK of it.
    expect(cut[0]!.timeline.find((t) => t.side === 'server' && t.to === 'LAST-ACK')!.why).toMatch(/^inferred \(ack-covers-unseen-fin/);
    expect(cut[0]!.close.initiator).toBe(whole[0]!.close.initiator);
  });
});
