/**
 * Connections inside tunnels, end to end (issue 12), on fixtures/tunnels: real kernel TCP through
 * VXLAN, GRE (key and sequence numbers), gretap, ipip, sit (6in4), ip6ip6 and ipip6 (4in6),
 * captured on the underlay (fixtures/tunnels/record.sh).
 *
 * vxlan-frag's outer datagrams were fragmented by the kernel: its full-size segments need reassembly.
 *
 * - Every inner TCP segment tshark finds (NAME.tshark.tsv) is traced, with tshark's seq, ack and
 *   length, and nothing else is.
 * - Each endpoint's final state equals the kernel's (`ss` at capture end, NAME.kernel.json).
 * - The record names the tunnel (type, outer addresses as the client sent, id), the ladder shows
 *   it, and the filter selects by it.
 * - One inner 4-tuple in two tunnels is two connections: vxlan.pcap with every frame copied into
 *   a second VNI (43) gives two connections with the same 4-tuple, each with the kernel's states.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { compileFilter } from '../../src/cli/filter.js';
import { openCapture, openStream } from '../../src/capture/open.js';
import type { ConnectionRecord, TunnelHop } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { argv, fakeIO } from '../cli/io.js';
import { readKernel } from './kernel.js';

const DIR = join(import.meta.dirname, '../../fixtures/tunnels');
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.kernel.json'))
  .map((f) => f.slice(0, -'.kernel.json'.length))
  .sort();

/** What each recording's tunnel must be (record.sh: outer 198.18.0.1/2 or 2001:db8::1/2, client first). */
const OUT4 = '198.18.0.1 -> 198.18.0.2';
const OUT6 = '2001:db8::1 -> 2001:db8::2';
const TUNNEL: Record<string, TunnelHop[]> = {
  vxlan: [{ type: 'vxlan', outer: OUT4, id: 42 }],
  'vxlan-frag': [{ type: 'vxlan', outer: OUT4, id: 43 }],
  gre: [{ type: 'gre', outer: OUT4, id: 7 }],
  gretap: [{ type: 'gre', outer: OUT4, id: null }],
  ipip: [{ type: 'ipip', outer: OUT4, id: null }],
  sit: [{ type: '6in4', outer: OUT4, id: null }],
  ip6ip6: [{ type: '6in6', outer: OUT6, id: null }],
  ipip6: [{ type: '4in6', outer: OUT6, id: null }],
};

interface TsharkRow {
  frame: number;
  seq: number;
  ack: number;
  len: number;
}

function tsharkSegments(name: string): TsharkRow[] {
  const lines = readFileSync(join(DIR, `${name}.tshark.tsv`), 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1);
  return lines
    .map((l) => l.split('\t'))
    .filter((f) => f[2] !== '' && f[2] !== undefined)
    .map((f) => ({ frame: Number(f[0]), seq: Number(f[5]), ack: Number(f[6]), len: Number(f[7]) }));
}

const addr = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** [side, tool state, kernel state] per endpoint; a connection with no socket on a side is CLOSED there. */
function states(c: ConnectionRecord, name: string): string[] {
  const k = readKernel(join(DIR, `${name}.kernel.json`));
  const sockets = [...k.client, ...k.server].filter((s) => s.state !== 'LISTEN');
  return (['client', 'server'] as const).map((side) => {
    const me = c[side];
    const peer = c[side === 'client' ? 'server' : 'client'];
    const s = sockets.find((x) => x.local === addr(me.ip, me.port) && x.peer === addr(peer.ip, peer.port));
    return `${side} tool ${me.state} kernel ${s ? s.state : 'CLOSED'}`;
  });
}

describe('fixtures/tunnels: kernel TCP inside tunnels', () => {
  it('every tunnel of record.sh is there', () => {
    expect(names).toEqual(Object.keys(TUNNEL).sort());
  });

  it.each(names)('%s: segments as tshark sees them, states as the kernel ended, the tunnel named', async (name) => {
    const report = await trace(openCapture(join(DIR, `${name}.pcap`)), { allSegments: true });
    const want = tsharkSegments(name);
    expect(want.length).toBeGreaterThanOrEqual(8); // a handshake, data both ways, a close
    expect(report.input.tcpSegments).toBe(want.length);
    expect(report.connections).toHaveLength(1);
    const c = report.connections[0]!;
    expect(c.segments.map((s) => [s.packet, s.seq, s.ack ?? want.find((w) => w.frame === s.packet)!.ack, s.len])).toEqual(
      want.map((w) => [w.frame, w.seq, w.ack, w.len]),
    );
    for (const line of states(c, name)) {
      const m = / tool (\S+) kernel (\S+)$/.exec(line)!;
      expect(m[1], line).toBe(m[2]);
    }
    expect(c.client.state).toBe('TIME-WAIT');
    expect(c.open.kind).toBe('three-way');
    expect(c.tunnel).toEqual(TUNNEL[name]);
    // What is not TCP inside the tunnel is counted under it (ARP, neighbour discovery, MLD).
    for (const key of Object.keys(report.input.skipped)) expect(key).toMatch(/^((vxlan|gre|ipip|6in4|6in6|4in6):)?(icmp|non-ip|udp|other-ip)$|^fragment$/);
    // vxlan-frag: the kernel fragmented the outer datagram of each full-size segment; each is
    // reassembled (its first fragment counted as skipped) and no chain is left over.
    if (name === 'vxlan-frag') {
      expect(report.input.skipped.fragment).toBeGreaterThanOrEqual(3);
      expect(report.input.warnings).toEqual([]);
    }
  });

  it('the ladder heading and the filter name the tunnel', async () => {
    const io = fakeIO();
    expect(await main(argv(join(DIR, 'gre.pcap')), io)).toBe(0);
    expect(io.out()).toContain(`via gre key 7 (${OUT4})`);
    const zh = fakeIO();
    expect(await main(argv('--lang', 'zh', join(DIR, 'vxlan.pcap')), zh)).toBe(0);
    expect(zh.out()).toContain(`经由隧道 vxlan vni 42 (${OUT4})`);
    const report = await trace(openCapture(join(DIR, 'vxlan.pcap')));
    const c = report.connections[0]!;
    expect(compileFilter('tunnel vxlan')(c)).toBe(true);
    expect(compileFilter('tunnel gre')(c)).toBe(false);
    expect(compileFilter('tunnel any and vni 42')(c)).toBe(true);
    expect(compileFilter('vni 43')(c)).toBe(false);
    expect(compileFilter('tunnel-id 42')(c)).toBe(true);
    const plain = (await trace(openCapture(join(import.meta.dirname, '../../fixtures/four-way-close.pcap')))).connections[0]!;
    expect(compileFilter('tunnel any')(plain)).toBe(false);
    expect(plain.tunnel).toBeNull();
    expect(() => compileFilter('tunnel ppp')).toThrow(/unknown tunnel type "ppp"/);
  });
});

/** vxlan.pcap with each record followed by a copy whose VXLAN VNI is 43 (classic LE µs pcap). */
function twoVnis(): Uint8Array {
  const src = readFileSync(join(DIR, 'vxlan.pcap'));
  expect(src.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const parts: Buffer[] = [src.subarray(0, 24)];
  for (let off = 24; off < src.length; ) {
    const len = src.readUInt32LE(off + 8);
    const rec = src.subarray(off, off + 16 + len);
    parts.push(rec);
    const d = rec.subarray(16);
    // Ethernet, IPv4 (IHL 5), UDP to 4789: the VNI is bytes 4..6 of the VXLAN header.
    if (d.readUInt16BE(12) === 0x0800 && d[23] === 17 && d.readUInt16BE(14 + 20 + 2) === 4789) {
      const copy = Buffer.from(rec);
      copy[16 + 14 + 20 + 8 + 6] = 43;
      parts.push(copy);
    }
    off += 16 + len;
  }
  return Buffer.concat(parts);
}

describe('one inner 4-tuple in two tunnels is two connections', () => {
  it('VNI 42 and VNI 43 carry the same connection: two records, the same states each', async () => {
    const bytes = twoVnis();
    const report = await trace(
      openStream(
        'two-vnis.pcap',
        (async function* () {
          yield bytes;
        })(),
      ),
    );
    const conns = report.connections;
    expect(conns).toHaveLength(2);
    expect(conns.map((c) => c.tunnel![0]!.id)).toEqual([42, 43]);
    const tuple = (c: ConnectionRecord) => `${addr(c.client.ip, c.client.port)} ${addr(c.server.ip, c.server.port)}`;
    expect(tuple(conns[0]!)).toBe(tuple(conns[1]!));
    for (const c of conns) {
      expect(c.packets).toBe(tsharkSegments('vxlan').length);
      expect([c.client.state, c.server.state]).toEqual(['TIME-WAIT', 'CLOSED']);
      // Each frame once: no copy was taken for a duplicate of the other tunnel's frame.
      expect(c.flags.duplicates).toBe(0);
      expect(c.flags.retransmissions).toBe(0);
    }
  });
});
