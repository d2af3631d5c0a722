/**
 * The tool's final endpoint states against the kernel's own: every fixture recorded from Linux
 * (fixtures/README.md) comes with NAME.kernel.json, `ss -tanH state all` in both namespaces just
 * before the capture stopped. A connection with no socket on a side is CLOSED there; LISTEN
 * sockets are not connections. Only the last connection of a 4-tuple is compared (port reuse: the
 * kernel keeps one socket per 4-tuple). Every non-LISTEN kernel socket must also be accounted for.
 * Variants (other link types and file formats of the same packets) must give the same answer.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { readKernel, tracedConnections, type Kernel, type KernelSocket } from './kernel.js';

const DIR = join(import.meta.dirname, '../../fixtures');

const addr = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

const bases = readdirSync(DIR)
  .filter((f) => f.endsWith('.kernel.json'))
  .map((f) => f.slice(0, -'.kernel.json'.length))
  .sort();
const variants = existsSync(join(DIR, 'variants'))
  ? readdirSync(join(DIR, 'variants'))
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .map((f) => ({ file: join('variants', f), base: bases.find((b) => f.startsWith(`${b}.`)) }))
      .filter((v): v is { file: string; base: string } => v.base !== undefined)
  : [];

const connections = tracedConnections(DIR);

/** [connection, side, tool state, kernel state] for every compared endpoint, plus unmatched kernel sockets. */
function compare(conns: ConnectionRecord[], k: Kernel) {
  const sockets = [...k.client, ...k.server].filter((s) => s.state !== 'LISTEN');
  const last = new Map<string, ConnectionRecord>();
  for (const c of conns) last.set([addr(c.client.ip, c.client.port), addr(c.server.ip, c.server.port)].sort().join(' '), c);
  const rows: string[] = [];
  const used = new Set<KernelSocket>();
  for (const c of last.values()) {
    for (const side of ['client', 'server'] as const) {
      const me = c[side];
      const peer = c[side === 'client' ? 'server' : 'client'];
      const s = sockets.find((x) => x.local === addr(me.ip, me.port) && x.peer === addr(peer.ip, peer.port));
      if (s) used.add(s);
      rows.push(`#${c.id} ${side} ${addr(me.ip, me.port)}: tool ${me.state} kernel ${s ? s.state : 'CLOSED'}`);
    }
  }
  const mismatched = rows.filter((r) => {
    const m = / tool (\S+) kernel (\S+)$/.exec(r)!;
    return m[1] !== m[2];
  });
  const unmatched = sockets.filter((s) => !used.has(s)).map((s) => `${s.local} -> ${s.peer} ${s.state}`);
  return { rows, mismatched, unmatched };
}

describe('final states equal the kernel’s (ss at capture end)', () => {
  it('there are fixtures to compare', () => {
    expect(bases.length).toBeGreaterThan(10);
  });
  it.each(bases)('%s', async (name) => {
    const k = readKernel(join(DIR, `${name}.kernel.json`));
    const conns = await connections(`${name}.pcap`);
    expect(conns.length).toBeGreaterThan(0);
    const { rows, mismatched, unmatched } = compare(conns, k);
    expect(rows.length).toBeGreaterThan(0);
    expect(mismatched).toEqual([]);
    expect(unmatched).toEqual([]);
  });
  it.each(variants.map((v) => [v.file, v.base]))('%s (states of %s)', async (file, base) => {
    const k = readKernel(join(DIR, `${base}.kernel.json`));
    const conns = await connections(file);
    // multi-link.pcapng merges two bases; compare the connections the base's kernel file knows about.
    const { mismatched } = compare(conns, k);
    expect(mismatched).toEqual([]);
  });
});

/** Fixture -> what fixtures/README.md says the capture shows. */
const SHOWS: Record<string, (c: ConnectionRecord[]) => void> = {
  'handshake-client-close': ([c]) => expect([c!.open.kind, c!.close.kind, c!.close.initiator]).toEqual(['three-way', 'three-segment', 'client']),
  'server-close': ([c]) => expect([c!.close.kind, c!.close.initiator]).toEqual(['three-segment', 'server']),
  'three-segment-close': ([c]) => expect(c!.close.kind).toBe('three-segment'),
  'four-way-close': ([c]) => expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'client' }),
  'half-close': ([c]) => expect(c!.close).toMatchObject({ kind: 'four-way', initiator: 'client', dataAfterFin: 2500 }),
  'simultaneous-close': ([c]) => {
    expect(c!.close.kind).toBe('simultaneous');
    for (const side of ['client', 'server']) {
      expect(
        c!.timeline
          .filter((t) => t.side === side)
          .map((t) => t.to)
          .slice(-3),
      ).toEqual(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
    }
  },
  'simultaneous-close-lossy': ([c]) => {
    expect(c!.close.kind).toBe('simultaneous');
    expect(c!.flags.retransmissions).toBe(2);
  },
  'simultaneous-open': ([c]) => {
    expect(c!.open).toMatchObject({ kind: 'simultaneous', complete: true });
    for (const side of ['client', 'server']) {
      expect(
        c!.timeline
          .filter((t) => t.side === side)
          .map((t) => t.to)
          .slice(0, 3),
      ).toEqual(['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
    }
  },
  refused: ([c]) => {
    expect(c!.open.kind).toBe('refused');
    expect(c!.close.reset).toMatchObject({ by: 'server' });
    expect(c!.zeek.conn_state).toBe('REJ');
  },
  unanswered: ([c]) => {
    expect(c!.open.kind).toBe('unanswered');
    expect(c!.open.synRetransmits!.length).toBe(4);
    c!.open.synRetransmits!.forEach((t, i) => expect(t).toBeCloseTo(i + 1, 0));
    expect(c!.server.stateBasis).toBe('unseen');
    expect(c!.zeek.conn_state).toBe('S0');
  },
  'reset-client': ([c]) => expect(c!.close.reset).toMatchObject({ by: 'client', state: 'ESTABLISHED' }),
  'reset-server': ([c]) => expect(c!.close.reset).toMatchObject({ by: 'server', state: 'ESTABLISHED' }),
  'reset-unread': ([c]) => {
    expect(c!.close.reset).toMatchObject({ by: 'client', state: 'ESTABLISHED' });
    expect(c!.checks.filter((x) => x.id === 'rst-in-window').map((x) => x.ok)).toEqual([true]);
  },
  'lost-last-ack': ([c]) => {
    expect(c!.close.kind).toBe('four-way');
    // The server's FIN twice, the client's TIME-WAIT entered once and restarted once.
    expect(c!.segments.filter((s) => s.from === 'server' && s.flags.includes('F')).length).toBe(2);
    expect(c!.timeline.filter((t) => t.side === 'client' && t.to === 'TIME-WAIT').length).toBe(2);
    expect(c!.timeline.filter((t) => t.side === 'server' && t.to === 'CLOSED').length).toBe(1);
  },
  'port-reuse': (cs) => {
    expect(cs.length).toBe(2);
    expect(cs[1]!.reusedFrom).toBe(cs[0]!.id);
    expect(cs[0]!.open.synRetransmits?.length).toBe(1);
  },
  keepalive: ([c]) => {
    expect(c!.keepAlive!.probes).toBe(4);
    expect(c!.keepAlive!.intervalSec!).toBeCloseTo(1, 1);
  },
  'mid-stream': ([c]) => {
    expect(c!.open.kind).toBe('mid-stream');
    expect(c!.client.isn).toBeNull();
  },
  'fast-open': (cs) => {
    expect(cs.map((c) => c.open.kind)).toEqual(['three-way', 'fast-open']);
    expect(cs[0]!.client.options.fastOpenCookie).toBe('');
    expect(cs[1]!.checks.filter((x) => !x.ok)).toEqual([]);
  },
  loss: ([c]) => {
    expect(c!.flags.retransmissions + c!.flags.outOfOrder).toBeGreaterThan(0);
    expect(c!.data.client.bytes).toBeGreaterThanOrEqual(204800);
  },
  'closewait-leak': (cs) => {
    expect(cs.length).toBe(3);
    for (const c of cs) expect([c.close.kind, c.client.state, c.server.state]).toEqual(['half-closed', 'FIN-WAIT-2', 'CLOSE-WAIT']);
  },
  'syn-flood': (cs) => {
    expect(cs.length).toBe(20);
    for (const c of cs) expect(c.open.kind).toBe('incomplete');
  },
  'timewait-pile': (cs) => {
    expect(cs.length).toBe(50);
    for (const c of cs) expect(c.close).toMatchObject({ kind: 'three-segment', initiator: 'server' });
  },
};

describe('what each capture shows (fixtures/README.md)', () => {
  it.each(Object.keys(SHOWS).filter((n) => bases.includes(n)))('%s', async (name) => {
    SHOWS[name]!(await connections(`${name}.pcap`));
  });
});
