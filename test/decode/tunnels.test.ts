/**
 * Tunnel decoders, one layer stack per case as the RFCs lay them out (tunnel-frames.ts builds
 * them): each must reach the inner TCP segment and report its tunnel path (type, outer addresses,
 * id), or give the skip reason a real decoder gives, counted under the innermost tunnel. The real
 * captures (fixtures/tunnels, the corpora) are checked against tshark in corpus.test.ts and
 * test/tcp/tunnels.test.ts; these cover the header variants no capture here holds.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, newDecodeContext, skipKey, type DecodeContext } from '../../src/decode/decode-frame.js';
import type { Segment } from '../../src/decode/segment.js';
import type { TunnelHop } from '../../src/decode/tunnel-path.js';
import { frame } from './helpers.js';
import { be16, concat, eth, geneve, gre, gtpu, hex, INNER4, INNER6, ipv4, ipv6, overUdp4, tcpSyn, udp, vxlan } from './tunnel-frames.js';

interface Decoded {
  seg: Segment | null;
  skip: string | null;
  hops: TunnelHop[];
}

function dec(bytes: Uint8Array, linkType = 1, ctx: DecodeContext = newDecodeContext(), capLen?: number): Decoded {
  const r = decodeFrame(frame(linkType, bytes, { capLen }), ctx);
  if (typeof r === 'string') return { seg: null, skip: skipKey(r), hops: [] };
  return { seg: r, skip: null, hops: ctx.paths.describe(r.tunnel, r.tunnelFlip) };
}

const OUT4 = '198.18.0.1 -> 198.18.0.2';
const OUT6 = '2001:db8::1 -> 2001:db8::2';
const hop = (type: TunnelHop['type'], id: number | null, outer = OUT4): TunnelHop => ({ type, outer, id });

/** Expects the inner SYN 40000 -> 80 through exactly `hops`. */
function expectInner(d: Decoded, hops: TunnelHop[], ipVersion: 4 | 6 = 4): void {
  expect(d.skip).toBeNull();
  expect(d.seg!.srcPort).toBe(40000);
  expect(d.seg!.dstPort).toBe(80);
  expect(d.seg!.ipVersion).toBe(ipVersion);
  expect(d.seg!.truncated).toBe(false);
  expect(d.seg!.tunnel).toBeGreaterThan(0);
  expect(d.hops).toEqual(hops);
}

const gre4 = (payload: Uint8Array) => eth(0x0800, ipv4(47, '198.18.0.1', '198.18.0.2', payload));

describe('UDP tunnels', () => {
  it('VXLAN (RFC 7348): VNI, inner Ethernet, inner IPv4 and IPv6', () => {
    expectInner(dec(overUdp4(4789, vxlan(42, eth(0x0800, INNER4)))), [hop('vxlan', 42)]);
    expectInner(dec(overUdp4(4789, vxlan(0xabcdef, eth(0x86dd, INNER6)))), [hop('vxlan', 0xabcdef)], 6);
    // Inner addresses are the segment's, not the outer ones.
    const s = dec(overUdp4(4789, vxlan(42, eth(0x0800, INNER4)))).seg!;
    expect([s.src0, s.dst0]).toEqual([0xc6130001, 0xc6130002]);
  });
  it('VXLAN without the I flag is not VXLAN; inner ARP is non-ip in the tunnel; cut headers', () => {
    expect(dec(overUdp4(4789, vxlan(42, eth(0x0800, INNER4), 0x00))).skip).toBe('udp');
    expect(dec(overUdp4(4789, vxlan(42, eth(0x0806, new Uint8Array(28))))).skip).toBe('vxlan:non-ip');
    const f = overUdp4(4789, vxlan(42, eth(0x0800, INNER4)));
    expect(dec(f, 1, newDecodeContext(), 14 + 20 + 8 + 4).skip).toBe('truncated');
    expect(dec(f, 1, newDecodeContext(), 14 + 20 + 8 + 8 + 10).skip).toBe('vxlan:truncated');
  });
  it('the UDP length bounds the inner packet (trailing bytes in the IP payload are not the tunnel’s)', () => {
    const inner = eth(0x0800, INNER4);
    const u = udp(50000, 4789, vxlan(7, inner));
    const f = eth(0x0800, ipv4(17, '198.18.0.1', '198.18.0.2', concat(u, new Uint8Array(6))));
    expectInner(dec(f), [hop('vxlan', 7)]);
  });
  it('Geneve (RFC 8926): options skipped, protocol 0x6558 (Ethernet) or an ethertype; outer IPv6', () => {
    const opts = hex('0103 0102 00000000'); // one option: class 0x0103, type 1, length 2 words
    expectInner(dec(overUdp4(6081, geneve(5001, 0x6558, eth(0x0800, INNER4), opts))), [hop('geneve', 5001)]);
    expectInner(dec(overUdp4(6081, geneve(9, 0x0800, INNER4))), [hop('geneve', 9)]);
    const v6outer = eth(0x86dd, ipv6(17, 1, 2, udp(1234, 6081, geneve(3, 0x86dd, INNER6))));
    expectInner(dec(v6outer), [hop('geneve', 3, OUT6)], 6);
    // Options running past the datagram.
    expect(dec(overUdp4(6081, concat(hex('3f00 6558 000001 00'), new Uint8Array(8)))).skip).toBe('geneve:malformed');
  });
  it('GRE-in-UDP (RFC 8086, port 4754)', () => {
    expectInner(dec(overUdp4(4754, gre(0x2000, 0x0800, [99], INNER4))), [hop('gre-udp', 99)]);
  });
  it('Teredo (RFC 4380): plain, origin indication, authentication + origin; a bubble; not IPv6', () => {
    expectInner(dec(overUdp4(3544, INNER6)), [hop('teredo', null)], 6);
    const origin = hex('0000 f185 3f57fefd');
    expectInner(dec(overUdp4(3544, concat(origin, INNER6))), [hop('teredo', null)], 6);
    // id length 2, auth length 3: 0x0001, 2, 3, id (2), auth (3), nonce (8), confirmation (1).
    const auth = concat(hex('0001 02 03'), hex('aabb'), hex('ccddee'), hex('0102030405060708'), hex('00'));
    expectInner(dec(overUdp4(3544, concat(auth, origin, INNER6))), [hop('teredo', null)], 6);
    // A bubble: IPv6 with no next header and no payload (answers from port 3544 too).
    expect(dec(overUdp4(40000, ipv6(59, 1, 2, new Uint8Array(0)), 3544)).skip).toBe('teredo:other-ip');
    expect(dec(overUdp4(3544, hex('4500'))).skip).toBe('udp');
  });
  it('AYIYA (port 5072): identity, signature, next header 41 / 4; non-forward opcodes', () => {
    // idlen 4 (16 bytes), id type 1; siglen 5 (20 bytes), hash 2; auth 2, opcode 1; next header; epoch.
    const head = (nh: number, opcode = 1) => concat(new Uint8Array([0x41, 0x52, 0x20 | opcode, nh]), hex('5f5e1000'), new Uint8Array(16), new Uint8Array(20));
    expectInner(dec(overUdp4(5072, concat(head(41), INNER6))), [hop('ayiya', null)], 6);
    expectInner(dec(overUdp4(5072, concat(head(4), INNER4))), [hop('ayiya', null)]);
    expect(dec(overUdp4(5072, concat(head(41, 0), INNER6))).skip).toBe('ayiya:non-ip');
  });
  it('GTP-U v1 (TS 29.281): TEID, extension headers, IPv4 and IPv6 inside; signalling is not user data', () => {
    expectInner(dec(overUdp4(2152, gtpu(0x12345678, INNER4), 2152)), [hop('gtp-u', 0x12345678)]);
    // PDU session container (0x85), one 4-byte word: length 1, 2 bytes of content, next type 0.
    expectInner(dec(overUdp4(2152, gtpu(7, INNER6, [hex('01 0009 00')], 0x85))), [hop('gtp-u', 7)], 6);
    // Two extension headers, the first 8 bytes long.
    expectInner(dec(overUdp4(2152, gtpu(7, INNER4, [hex('02 000000 000000 85'), hex('01 0009 00')], 0x40))), [hop('gtp-u', 7)]);
    const echo = concat(hex('32 01 0004 00000000'), hex('0001 0000'));
    expect(dec(overUdp4(2152, echo)).skip).toBe('gtp-u:non-ip');
    // An extension header of length 0 would never end.
    expect(dec(overUdp4(2152, gtpu(7, INNER4, [hex('00 0000 00')], 0x85))).skip).toBe('gtp-u:malformed');
  });
  it('other UDP stays udp', () => {
    expect(dec(overUdp4(53, hex('0000 0100 0001 0000 0000 0000'), 5353)).skip).toBe('udp');
  });
});

describe('GRE (RFC 2784, 2890, 1701) and ERSPAN', () => {
  it('plain, keyed, keyed with sequence, checksum + key + sequence', () => {
    expectInner(dec(gre4(gre(0x0000, 0x0800, [], INNER4))), [hop('gre', null)]);
    expectInner(dec(gre4(gre(0x2000, 0x0800, [7], INNER4))), [hop('gre', 7)]);
    expectInner(dec(gre4(gre(0x3000, 0x0800, [7, 1], INNER4))), [hop('gre', 7)]);
    expectInner(dec(gre4(gre(0xb000, 0x86dd, [0, 0xfffffffe, 5], INNER6))), [hop('gre', 0xfffffffe)], 6);
  });
  it('source routing entries (RFC 1701): skipped up to the null entry', () => {
    // R set: checksum/offset word, then one SRE (AF 0x0800, offset 0, length 4, one address) and the null SRE.
    const sre = hex('0800 00 04 c6120003 0000 00 00');
    expectInner(dec(gre4(gre(0x4000, 0x0800, [0], INNER4, sre))), [hop('gre', null)]);
  });
  it('transparent Ethernet bridging (gretap, 0x6558), MPLS, PPTP (version 1, PPP)', () => {
    expectInner(dec(gre4(gre(0x2000, 0x6558, [3], eth(0x0800, INNER4)))), [hop('gre', 3)]);
    expectInner(dec(gre4(gre(0x0000, 0x8847, [], concat(hex('00064140'), INNER4)))), [hop('gre', null)]);
    // PPTP: flags K + S + version 1, protocol 0x880b, payload length, call id 0x4242, sequence; PPP ff03 0021.
    const pptp = concat(hex('3001 880b'), be16(4 + INNER4.length), hex('4242 00000001 ff03 0021'), INNER4);
    expectInner(dec(gre4(pptp)), [hop('gre', 0x4242)]);
    expect(dec(gre4(gre(0x0000, 0x0806, [], new Uint8Array(28)))).skip).toBe('gre:non-ip');
    expect(dec(gre4(hex('0005 0800'))).skip).toBe('malformed'); // version 5 does not exist
  });
  it('WCCP redirection (0x883e): with and without the redirect header', () => {
    expectInner(dec(gre4(gre(0, 0x883e, [], concat(hex('0000 0000'), INNER4)))), [hop('gre', null)]);
    expectInner(dec(gre4(gre(0, 0x883e, [], INNER4))), [hop('gre', null)]);
  });
  it('ERSPAN type I (no header), II (session id), III (with and without the platform subheader; IP frame type)', () => {
    const mirrored = eth(0x0800, INNER4);
    expectInner(dec(gre4(gre(0x0000, 0x88be, [], mirrored))), [hop('erspan', null)]);
    // Type II: version 1, VLAN 0; CoS/En/T and session id 341; index.
    const ii = concat(hex('1000 0155 00000000'), mirrored);
    expectInner(dec(gre4(gre(0x1000, 0x88be, [9], ii))), [hop('erspan', 341)]);
    // Type III: version 2, session 20; timestamp; SGT; P/FT/HW id; D/Gra/O.
    const iii = (o: boolean, ft = 0, inner = mirrored) =>
      concat(hex('2000 0014 00000000 0000'), new Uint8Array([ft << 2, o ? 1 : 0]), o ? new Uint8Array(8) : new Uint8Array(0), inner);
    expectInner(dec(gre4(gre(0x1000, 0x22eb, [1], iii(false)))), [hop('erspan', 20)]);
    expectInner(dec(gre4(gre(0x1000, 0x22eb, [1], iii(true)))), [hop('erspan', 20)]);
    expectInner(dec(gre4(gre(0x1000, 0x22eb, [1], iii(false, 2, INNER4)))), [hop('erspan', 20)]);
  });
});

describe('IP in IP (RFC 2003, 4213, 2473)', () => {
  it('ipip, 6in4, 4in6, 6in6', () => {
    expectInner(dec(eth(0x0800, ipv4(4, '198.18.0.1', '198.18.0.2', INNER4))), [hop('ipip', null)]);
    expectInner(dec(eth(0x0800, ipv4(41, '198.18.0.1', '198.18.0.2', INNER6))), [hop('6in4', null)], 6);
    expectInner(dec(eth(0x86dd, ipv6(4, 1, 2, INNER4))), [hop('4in6', null, OUT6)]);
    expectInner(dec(eth(0x86dd, ipv6(41, 1, 2, INNER6))), [hop('6in6', null, OUT6)], 6);
  });
  it('an inner IP length beyond the outer one is not believed (truncated), and a cut inner header is truncated in the tunnel', () => {
    const lying = ipv4(6, '198.19.0.1', '198.19.0.2', tcpSyn(40000, 80, 1, new Uint8Array(10)), { total: 200 });
    const d = dec(eth(0x0800, ipv4(4, '198.18.0.1', '198.18.0.2', lying)));
    expect(d.seg!.truncated).toBe(true);
    expect(d.seg!.payloadLen).toBe(10);
    const f = eth(0x0800, ipv4(4, '198.18.0.1', '198.18.0.2', INNER4));
    expect(dec(f, 1, newDecodeContext(), 14 + 20 + 10).skip).toBe('ipip:truncated');
  });
  it('nesting: at most 8 tunnels, then too-deep', () => {
    let p = INNER4;
    for (let i = 0; i < 8; i++) p = ipv4(4, '198.18.0.1', '198.18.0.2', p);
    const d = dec(eth(0x0800, p));
    expect(d.hops).toHaveLength(8);
    expect(dec(eth(0x0800, ipv4(4, '198.18.0.1', '198.18.0.2', p))).skip).toBe('ipip:too-deep');
  });
  it('nested: GRE/ERSPAN II carrying a VXLAN frame (Arkime gre-erspan-vxlan.pcap’s stack)', () => {
    const vx = eth(0x0800, ipv4(17, '172.16.27.131', '172.16.27.121', udp(1, 4789, vxlan(0, eth(0x0800, INNER4)))));
    const d = dec(gre4(gre(0x1000, 0x88be, [1], concat(hex('1000 0014 00000000'), vx))));
    expectInner(d, [hop('erspan', 20), hop('vxlan', 0, '172.16.27.131 -> 172.16.27.121')]);
  });
});

describe('frame formats', () => {
  it('802.1ah PBB (I-TAG and customer addresses), VN-Tag, E-Tag', () => {
    const pbb = eth(0x88a8, concat(hex('0064 88e7'), hex('00 000064'), hex('020000000012 020000000011 0800'), INNER4));
    expect(dec(pbb).seg!.dstPort).toBe(80);
    expect(dec(eth(0x8926, concat(hex('80010002 0800'), INNER4))).seg!.dstPort).toBe(80);
    expect(dec(eth(0x893f, concat(hex('000000010000 0800'), INNER4))).seg!.dstPort).toBe(80);
    expect(dec(eth(0x893f, hex('0000'))).skip).toBe('truncated');
  });
  it('FDDI (link type 10): frame control, addresses, LLC/SNAP', () => {
    const f = concat(hex('50 020000000002 020000000001 aaaa03 000000 0800'), INNER4);
    expect(dec(f, 10).seg!.dstPort).toBe(80);
    expect(dec(concat(hex('50 020000000002 020000000001 424203 000000 0800'), INNER4), 10).skip).toBe('non-ip');
  });
  it('NFLOG (link type 239): TLVs in either byte order, the payload TLV is the packet', () => {
    const tlvLe = (type: number, v: Uint8Array) => {
      const len = 4 + v.length;
      const pad = new Uint8Array((4 - (len % 4)) % 4);
      return concat(new Uint8Array([len & 255, len >> 8, type & 255, type >> 8]), v, pad);
    };
    const tlvBe = (type: number, v: Uint8Array) => {
      const len = 4 + v.length;
      const pad = new Uint8Array((4 - (len % 4)) % 4);
      return concat(be16(len), be16(type), v, pad);
    };
    const head = hex('02 00 0000');
    expect(dec(concat(head, tlvLe(1, hex('0800 03 00')), tlvLe(10, hex('41')), tlvLe(9, INNER4)), 239).seg!.dstPort).toBe(80);
    expect(dec(concat(head, tlvBe(1, hex('0800 03 00')), tlvBe(9, INNER4)), 239).seg!.dstPort).toBe(80);
    expect(dec(concat(hex('0a 00 0000'), tlvLe(9, INNER6)), 239).seg!.ipVersion).toBe(6);
    expect(dec(concat(head, tlvLe(1, hex('0800 03 00'))), 239).skip).toBe('non-ip');
  });
  it('Juniper Ethernet (link type 178): magic, extension TLVs, then Ethernet', () => {
    const f = concat(hex('4d4743 80 0004 01020304'), eth(0x0800, INNER4));
    expect(dec(f, 178).seg!.dstPort).toBe(80);
    expect(dec(concat(hex('4d4743 00'), eth(0x0800, INNER4)), 178).seg!.dstPort).toBe(80);
    expect(dec(concat(hex('000000 00'), eth(0x0800, INNER4)), 178).skip).toBe('malformed');
  });
});

describe('tunnel paths: the key of a connection inside a tunnel', () => {
  const vx = (vni: number, outerSrc: string, outerDst: string, inner: Uint8Array) =>
    eth(0x0800, ipv4(17, outerSrc, outerDst, udp(50000, 4789, vxlan(vni, eth(0x0800, inner)))));
  const back = ipv4(6, '198.19.0.2', '198.19.0.1', tcpSyn(80, 40000));

  it('the same tunnel both ways is one path; the flip says which way each frame went', () => {
    const ctx = newDecodeContext();
    const a = dec(vx(42, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!;
    const [ta, fa] = [a.tunnel, a.tunnelFlip];
    const b = dec(vx(42, '198.18.0.2', '198.18.0.1', back), 1, ctx).seg!;
    expect(b.tunnel).toBe(ta);
    expect(b.tunnelFlip).not.toBe(fa);
    expect(ctx.paths.describe(ta, fa)).toEqual([hop('vxlan', 42)]);
    expect(ctx.paths.describe(b.tunnel, b.tunnelFlip)).toEqual([hop('vxlan', 42, '198.18.0.2 -> 198.18.0.1')]);
  });
  it('another VNI, other outer addresses or another tunnel type is another path', () => {
    const ctx = newDecodeContext();
    const ids = [
      dec(vx(42, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel,
      dec(vx(43, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel,
      dec(vx(42, '198.18.0.1', '198.18.0.3', INNER4), 1, ctx).seg!.tunnel,
      dec(overUdp4(6081, geneve(42, 0x6558, eth(0x0800, INNER4))), 1, ctx).seg!.tunnel,
      dec(eth(0x0800, INNER4), 1, ctx).seg!.tunnel,
    ];
    expect(new Set(ids).size).toBe(5);
    expect(ids[4]).toBe(0);
  });
  it('a way back with its own id (OVS Geneve, GRE ikey/okey) completes the path waiting for it', () => {
    const ctx = newDecodeContext();
    const a = dec(vx(11, '198.18.0.2', '198.18.0.1', INNER4), 1, ctx).seg!;
    const b = dec(vx(10, '198.18.0.1', '198.18.0.2', back), 1, ctx).seg!;
    expect(b.tunnel).toBe(a.tunnel);
    // Each way shows its own id.
    expect(ctx.paths.describe(a.tunnel, a.tunnelFlip)).toEqual([hop('vxlan', 11, '198.18.0.2 -> 198.18.0.1')]);
    expect(ctx.paths.describe(b.tunnel, b.tunnelFlip)).toEqual([hop('vxlan', 10)]);
    // Learned once: both ways now hit at once, and another id either way is another path.
    expect(dec(vx(11, '198.18.0.2', '198.18.0.1', INNER4), 1, ctx).seg!.tunnel).toBe(a.tunnel);
    expect(dec(vx(10, '198.18.0.1', '198.18.0.2', back), 1, ctx).seg!.tunnel).toBe(a.tunnel);
    expect(dec(vx(12, '198.18.0.1', '198.18.0.2', back), 1, ctx).seg!.tunnel).not.toBe(a.tunnel);
  });
  it('two tenants between the same endpoints: each way back goes to the path with the same id', () => {
    const ctx = newDecodeContext();
    const t42 = dec(vx(42, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel;
    const t43 = dec(vx(43, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel;
    expect(t43).not.toBe(t42);
    expect(dec(vx(43, '198.18.0.2', '198.18.0.1', back), 1, ctx).seg!.tunnel).toBe(t43);
    expect(dec(vx(42, '198.18.0.2', '198.18.0.1', back), 1, ctx).seg!.tunnel).toBe(t42);
    // A third id back, with no path waiting for it by that id and two candidates: a path of its own.
    const c = newDecodeContext();
    const x = dec(vx(1, '198.18.0.1', '198.18.0.2', INNER4), 1, c).seg!.tunnel;
    const y = dec(vx(2, '198.18.0.1', '198.18.0.2', INNER4), 1, c).seg!.tunnel;
    const z = dec(vx(3, '198.18.0.2', '198.18.0.1', back), 1, c).seg!.tunnel;
    expect(new Set([x, y, z]).size).toBe(3);
  });
  it('tunnels without ids, and hops seen one way only (a mirror session), still match both ways', () => {
    const ctx = newDecodeContext();
    const a = dec(eth(0x0800, ipv4(4, '198.18.0.1', '198.18.0.2', INNER4)), 1, ctx).seg!;
    expect(dec(eth(0x0800, ipv4(4, '198.18.0.2', '198.18.0.1', back)), 1, ctx).seg!.tunnel).toBe(a.tunnel);
    // ERSPAN from the switch to the collector, carrying both ways of an inner GRE tunnel.
    const mirror = (outer: Uint8Array) => gre4(gre(0x1000, 0x88be, [1], concat(hex('1000 0014 00000000'), eth(0x0800, outer))));
    const m1 = dec(mirror(ipv4(47, '198.18.5.1', '198.18.5.2', gre(0x2000, 0x0800, [5], INNER4))), 1, ctx).seg!;
    const m2 = dec(mirror(ipv4(47, '198.18.5.2', '198.18.5.1', gre(0x2000, 0x0800, [5], back))), 1, ctx).seg!;
    expect(m2.tunnel).toBe(m1.tunnel);
    expect(ctx.paths.describe(m2.tunnel, m2.tunnelFlip)).toEqual([hop('erspan', 20), hop('gre', 5, '198.18.5.2 -> 198.18.5.1')]);
  });
  it('GTP-U: each direction has its own TEID, and both are one path (the first packet’s TEID is shown)', () => {
    const ctx = newDecodeContext();
    const up = dec(eth(0x0800, ipv4(17, '198.18.0.1', '198.18.0.2', udp(2152, 2152, gtpu(0x1111, INNER4)))), 1, ctx).seg!;
    const down = dec(eth(0x0800, ipv4(17, '198.18.0.2', '198.18.0.1', udp(2152, 2152, gtpu(0x2222, back)))), 1, ctx).seg!;
    expect(down.tunnel).toBe(up.tunnel);
    expect(ctx.paths.describe(up.tunnel, up.tunnelFlip)).toEqual([hop('gtp-u', 0x1111)]);
  });
  it('bounded: past two generations of paths the oldest are forgotten, and ids are never reused', async () => {
    const { TunnelPaths } = await import('../../src/decode/tunnel-path.js');
    const ctx: DecodeContext = { paths: new TunnelPaths(4), reasm: null };
    const seen = new Set<number>();
    for (let vni = 0; vni < 20; vni++) seen.add(dec(vx(vni, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel);
    expect(seen.size).toBe(20);
    expect(ctx.paths.size).toBeLessThanOrEqual(8);
    // A recent path keeps its id; a forgotten one comes back with a new id.
    expect(dec(vx(19, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel).toBe(20);
    expect(dec(vx(0, '198.18.0.1', '198.18.0.2', INNER4), 1, ctx).seg!.tunnel).toBe(21);
  });
});

/**
 * 802.11 data frames (decode/wlan.ts): crafted, since no kernel here makes monitor-mode or Aruba
 * captures (fixtures/arkime/80211http.pcap, a real radiotap capture, is checked against tshark in
 * tunnel-counts.test.ts). `fc` and `flags` are the two frame-control bytes.
 */
function wlan(fc: number, flags: number, body: Uint8Array, opts: { qos?: number; fourth?: boolean } = {}): Uint8Array {
  const addrs = new Uint8Array(opts.fourth ? 30 : 24).fill(0x02);
  addrs[0] = fc;
  addrs[1] = flags;
  const qos = opts.qos === undefined ? new Uint8Array(0) : new Uint8Array([opts.qos, 0]);
  return concat(addrs, qos, body);
}
const snap = (type: number, payload: Uint8Array) => concat(hex('aaaa03 000000'), be16(type), payload);

describe('802.11 data frames', () => {
  it('a QoS data frame to the DS inside Aruba GRE (0x8200) reaches the TCP, as a GRE hop', () => {
    expectInner(dec(gre4(gre(0x0000, 0x8200, [], wlan(0x88, 0x01, snap(0x0800, INNER4), { qos: 0 })))), [hop('gre', null)]);
    expectInner(dec(gre4(gre(0x0000, 0x83f0, [], wlan(0x08, 0x02, snap(0x86dd, INNER6))))), [hop('gre', null)], 6);
    // Not an Aruba type (low nibble set): an ethertype like any other, and not IP.
    expect(dec(gre4(gre(0x0000, 0x8201, [], wlan(0x08, 0x02, snap(0x0800, INNER4))))).skip).toBe('gre:non-ip');
  });

  it('monitor-mode link types: plain, radiotap, PPI; four addresses, HT control, A-MSDU', () => {
    const plain = (f: Uint8Array) => dec(f, 105);
    const ok = (d: Decoded) => {
      expect(d.skip).toBeNull();
      expect(d.seg!.dstPort).toBe(80);
    };
    ok(plain(wlan(0x08, 0x01, snap(0x0800, INNER4))));
    ok(plain(wlan(0x88, 0x03, snap(0x0800, INNER4), { qos: 0, fourth: true })));
    // Order bit on a QoS frame: 4 bytes of HT control before the LLC header.
    ok(plain(wlan(0x88, 0x81, concat(hex('00000000'), snap(0x0800, INNER4)), { qos: 0 })));
    // A-MSDU: a 14-byte subframe header (DA, SA, length) before the first subframe's LLC.
    ok(plain(wlan(0x88, 0x01, concat(new Uint8Array(12), be16(8 + INNER4.length), snap(0x0800, INNER4)), { qos: 0x80 })));
    // Radiotap: version 0, pad, length 12 (little-endian), present flags, 4 bytes of fields.
    ok(dec(concat(hex('00 00 0c00 00000000 00000000'), wlan(0x08, 0x01, snap(0x0800, INNER4))), 127));
    // PPI: version, flags, length 8 (LE), DLT 105 (LE).
    ok(dec(concat(hex('00 00 0800 69000000'), wlan(0x08, 0x01, snap(0x0800, INNER4))), 192));
  });

  it('frames without readable IP are not-IP, cut ones truncated, never a segment', () => {
    // Protected (WEP/WPA): the body is ciphertext.
    expect(dec(wlan(0x08, 0x41, snap(0x0800, INNER4)), 105).skip).toBe('non-ip');
    // Null function (subtype 4), a beacon (management), an ACK (control).
    expect(dec(wlan(0x48, 0x01, new Uint8Array(0)), 105).skip).toBe('non-ip');
    expect(dec(wlan(0x80, 0x00, new Uint8Array(40)), 105).skip).toBe('non-ip');
    expect(dec(wlan(0xd4, 0x00, new Uint8Array(0)), 105).skip).toBe('non-ip');
    // Not SNAP (e.g. a raw 802.2 frame).
    expect(dec(wlan(0x08, 0x01, concat(hex('424203'), INNER4)), 105).skip).toBe('non-ip');
    expect(dec(wlan(0x08, 0x01, snap(0x0800, INNER4)).subarray(0, 20), 105).skip).toBe('truncated');
    expect(dec(concat(hex('00 00 0400'), wlan(0x08, 0x01, snap(0x0800, INNER4))), 127).skip).toBe('malformed');
  });
});
