/**
 * Builders for tunnel test frames: each layer laid out as its RFC draws it, lengths filled in, so a
 * test reads as the stack it decodes. Checksums are left 0 (the decoder does not verify them).
 */
import { concat, hex } from './helpers.js';

const be16 = (n: number) => new Uint8Array([(n >> 8) & 255, n & 255]);
const be32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** IPv4 address text to 4 bytes. */
export function v4(a: string): Uint8Array {
  return new Uint8Array(a.split('.').map(Number));
}

/** A 20-byte TCP SYN header (data offset 5, window 64240) and `data` bytes. */
export function tcpSyn(sport: number, dport: number, seq = 1000, data = new Uint8Array(0)): Uint8Array {
  return concat(be16(sport), be16(dport), be32(seq), be32(0), hex('5002 faf0 0000 0000'), data);
}

/** An IPv4 header (IHL 5) around `payload`; `frag` is the flags/offset word (MF 0x2000, offset in 8-byte units). */
export function ipv4(proto: number, src: string, dst: string, payload: Uint8Array, opts: { id?: number; frag?: number; total?: number } = {}): Uint8Array {
  const total = opts.total ?? 20 + payload.length;
  return concat(
    hex('45 00'),
    be16(total),
    be16(opts.id ?? 0x1234),
    be16(opts.frag ?? 0x4000),
    new Uint8Array([64, proto]),
    hex('0000'),
    v4(src),
    v4(dst),
    payload,
  );
}

/** 16 bytes of an IPv6 address 2001:db8::N. */
export function v6(n: number): Uint8Array {
  const b = new Uint8Array(16);
  b.set([0x20, 0x01, 0x0d, 0xb8]);
  b[15] = n;
  return b;
}

/** An IPv6 header around `payload`. */
export function ipv6(nh: number, src: number, dst: number, payload: Uint8Array): Uint8Array {
  return concat(hex('60000000'), be16(payload.length), new Uint8Array([nh, 64]), v6(src), v6(dst), payload);
}

/** A UDP header around `payload`. */
export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return concat(be16(sport), be16(dport), be16(8 + payload.length), hex('0000'), payload);
}

/** An Ethernet header (dst 02:..:02, src 02:..:01) with `type`, around `payload`. */
export function eth(type: number, payload: Uint8Array): Uint8Array {
  return concat(hex('020000000002 020000000001'), be16(type), payload);
}

/** The inner IPv4 TCP SYN most tests carry: 198.19.0.1:40000 -> 198.19.0.2:80. */
export const INNER4 = ipv4(6, '198.19.0.1', '198.19.0.2', tcpSyn(40000, 80));
/** The same over IPv6: 2001:db8::11 -> 2001:db8::12. */
export const INNER6 = ipv6(6, 0x11, 0x12, tcpSyn(40000, 80));

/** VXLAN header (RFC 7348): I flag, 24-bit VNI. */
export function vxlan(vni: number, inner: Uint8Array, flags = 0x08): Uint8Array {
  return concat(new Uint8Array([flags, 0, 0, 0, (vni >> 16) & 255, (vni >> 8) & 255, vni & 255, 0]), inner);
}

/** Geneve header (RFC 8926) with `opts` (a multiple of 4 bytes). */
export function geneve(vni: number, proto: number, inner: Uint8Array, opts: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(new Uint8Array([opts.length >> 2, 0]), be16(proto), new Uint8Array([(vni >> 16) & 255, (vni >> 8) & 255, vni & 255, 0]), opts, inner);
}

/** A GRE header (RFC 2784/2890): `fields` are the optional words in order (checksum, key, seq). */
export function gre(flags: number, proto: number, fields: number[], inner: Uint8Array, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(be16(flags), be16(proto), ...fields.map(be32), tail, inner);
}

/** GTP-U v1 G-PDU (3GPP TS 29.281) with optional extension headers (each a whole header incl. its length and next type). */
export function gtpu(teid: number, inner: Uint8Array, ext: Uint8Array[] = [], firstExt = 0): Uint8Array {
  const opt = ext.length > 0 || firstExt !== 0;
  const body = concat(opt ? concat(hex('0000 00'), new Uint8Array([firstExt])) : new Uint8Array(0), ...ext, inner);
  return concat(new Uint8Array([opt ? 0x34 : 0x30, 0xff]), be16(body.length), be32(teid), body);
}

/** The outer Ethernet + IPv4 (198.18.0.1 -> 198.18.0.2) + UDP to `dport` around a tunnel payload. */
export function overUdp4(dport: number, payload: Uint8Array, sport = 50000): Uint8Array {
  return eth(0x0800, ipv4(17, '198.18.0.1', '198.18.0.2', udp(sport, dport, payload)));
}

export { be16, be32, concat, hex };
