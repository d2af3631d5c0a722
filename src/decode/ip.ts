/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) decoders: addresses, where the TCP header starts, and
 * where the IP payload ends *according to the IP header* (`cur.l4End`). The payload length the
 * segment reports is computed from that end, never from the captured length, so Ethernet
 * padding is not counted and a snaplen-cut frame still reports what was on the wire.
 *
 * TCP goes on to the TCP decoder; a tunnel (GRE, IP-in-IP, a UDP tunnel) points the cursor at
 * its inner packet (`cur.inner`); everything else returns a skip reason chosen from a protocol table.
 *
 * Fragments: a fragment of a TCP datagram is handled as it always was (a first fragment holds the
 * whole TCP header and is decoded, marked truncated; a later one is 'fragment'). A fragment of
 * anything else (a UDP, GRE or IP-in-IP datagram: what tunnels travel in) goes to the run's
 * reassembler (reassembly.ts) when there is one, and the frame that completes the datagram is
 * decoded as the whole datagram.
 */
import { u16, u32 } from './bytes.js';
import { Net, type Cursor } from './cursor.js';
import { decodeGre } from './gre.js';
import { enterInner } from './inner.js';
import type { SkipReason } from './segment.js';
import { pushHop, Tun } from './tunnel-path.js';
import { decodeUdp } from './udp-tunnels.js';

// What a protocol / next-header number leads to.
// 0: anything else (other-ip).
const P_TCP = 1;
const P_UDP = 2;
const P_ICMP = 3;
/** IPv6 extension headers with the generic (length + 1) * 8 layout: hop-by-hop, routing, destination options. */
const P_EXT = 4;
const P_FRAG = 5;
/** Authentication Header (RFC 4302 §2.2): length in 4-byte units minus 2, in IPv4 and IPv6 alike. */
const P_AH = 6;
const P_GRE = 7;
/** IPv4 (4) and IPv6 (41) inside IP: RFC 2003, RFC 4213 §3.5, RFC 2473. */
const P_IP4 = 8;
const P_IP6 = 9;
const PROTO = new Uint8Array(256);
PROTO[6] = P_TCP;
PROTO[47] = P_GRE;
PROTO[4] = P_IP4;
PROTO[41] = P_IP6;
PROTO[17] = P_UDP;
PROTO[1] = P_ICMP;
PROTO[58] = P_ICMP;
PROTO[51] = P_AH;
// IPv6 only (RFC 8200 §4): in IPv4 these numbers are not extension headers.
const PROTO6 = PROTO.slice();
PROTO6[0] = P_EXT;
PROTO6[43] = P_EXT;
PROTO6[60] = P_EXT;
PROTO6[44] = P_FRAG;

/**
 * Walks from next-header `nh` at `p` to TCP, through IPv6 extension headers and AH.
 * Every step moves `p` forward and checks it against `capEnd`, so it ends on any input.
 */
function toTcp(c: Cursor, table: Uint8Array, nh: number, p: number, end: number): SkipReason | null {
  const b = c.b;
  for (;;) {
    switch (table[nh]) {
      case P_TCP:
        c.l4Off = p;
        // An IP length beyond what the wire carried, or beyond the payload length a link header
        // declared (PPPoE), is not believed: the smallest length any layer declares wins, the
        // header may be damaged. Wireshark clamps the same way ("IPv4 total length exceeds packet
        // length"); the segment is then marked truncated.
        if (end > c.wireEnd) {
          end = c.wireEnd;
          c.lengthClamped = true;
        }
        c.l4End = end;
        return null;
      case P_UDP:
        return decodeUdp(c, p, end);
      case P_GRE:
        if (c.firstFragment) return 'fragment';
        return decodeGre(c, p, end, Tun.Gre);
      case P_IP4:
      case P_IP6: {
        if (c.firstFragment) return 'fragment';
        const v6 = table[nh] === P_IP6;
        const type = c.ipVersion === 4 ? (v6 ? Tun.SixIn4 : Tun.Ipip) : v6 ? Tun.SixIn6 : Tun.FourIn6;
        if (!pushHop(c, type, 0, false)) return 'too-deep';
        return enterInner(c, v6 ? Net.IPv6 : Net.IPv4, p, end);
      }
      case P_ICMP:
        return 'icmp';
      case P_EXT:
        if (p + 2 > c.capEnd) return 'truncated';
        nh = b[p];
        p += (b[p + 1] + 1) << 3;
        break;
      case P_AH:
        if (p + 2 > c.capEnd) return 'truncated';
        nh = b[p];
        p += (b[p + 1] + 2) << 2;
        break;
      case P_FRAG: {
        // RFC 8200 §4.5: offset in 8-byte units in the top 13 bits, M flag in bit 0.
        if (p + 8 > c.capEnd) return 'truncated';
        const offM = u16(b, p + 2);
        if (offM & 0xfff9 && b[p] !== 6 && c.reasm !== null && c.reassembled < 2) {
          // Not TCP: reassembled (see the module comment); a completed datagram is decoded anew.
          return c.reasm.ipv6(c, c.off, p, end) ? decodeIpv6(c) : 'fragment';
        }
        if (offM & 0xfff8) return 'fragment';
        if (offM & 1) c.firstFragment = true;
        nh = b[p];
        p += 8;
        break;
      }
      default:
        return 'other-ip';
    }
    // An extension header running past the payload the IPv6 header announced.
    if (p > end) return 'malformed';
  }
}

/** IPv4: a 20..60-byte header (IHL), total length, fragment field, protocol. */
export function decodeIpv4(c: Cursor): SkipReason | null {
  const b = c.b;
  const o = c.off;
  if (o + 20 > c.capEnd) return 'truncated';
  const vihl = b[o];
  if (vihl >> 4 !== 4) return 'malformed';
  const hl = (vihl & 15) << 2;
  if (hl < 20) return 'malformed';
  if (o + hl > c.capEnd) return 'truncated';
  let total = u16(b, o + 2);
  // Total length 0: a TSO / BIG TCP packet captured before segmentation (Linux leaves tot_len 0
  // for GSO packets over 64 KiB). The wire length is the only length there is; tcpdump and
  // Wireshark use it too.
  if (total === 0) total = c.wireEnd - o;
  if (total < hl) return 'malformed';
  // RFC 791: fragment offset in the low 13 bits, MF = 0x2000. Only the first fragment holds the TCP header.
  const frag = u16(b, o + 6);
  c.firstFragment = (frag & 0x2000) !== 0;
  c.ipVersion = 4;
  c.ipId = u16(b, o + 4);
  c.src0 = u32(b, o + 12);
  c.dst0 = u32(b, o + 16);
  c.src1 = c.src2 = c.src3 = 0;
  c.dst1 = c.dst2 = c.dst3 = 0;
  if (frag & 0x3fff && b[o + 9] !== 6 && c.reasm !== null && c.reassembled < 2) {
    // Not TCP: reassembled (see the module comment); a completed datagram is decoded anew.
    return c.reasm.ipv4(c, o, hl, total, frag) ? decodeIpv4(c) : 'fragment';
  }
  // Any later fragment is 'fragment', whatever it carries (the same rule as for IPv6).
  if ((frag & 0x1fff) !== 0) return 'fragment';
  return toTcp(c, PROTO, b[o + 9], o + hl, o + total);
}

/**
 * The Jumbo Payload option (RFC 2675) in a hop-by-hop header at `p`, or -1. Linux BIG TCP
 * (IPv6 GSO packets over 64 KiB) sets the payload length to 0 and carries this option.
 */
function jumboLength(b: Uint8Array, p: number, capEnd: number): number {
  const end = Math.min(p + ((b[p + 1] + 1) << 3), capEnd);
  let q = p + 2;
  while (q < end) {
    const type = b[q];
    if (type === 0) {
      q++; // Pad1
      continue;
    }
    if (q + 2 > end) break;
    const len = b[q + 1];
    if (type === 0xc2 && len === 4 && q + 6 <= end) return u32(b, q + 2);
    q += 2 + len;
  }
  return -1;
}

/** IPv6: the fixed 40-byte header, then extension headers to TCP. */
export function decodeIpv6(c: Cursor): SkipReason | null {
  const b = c.b;
  const o = c.off;
  if (o + 40 > c.capEnd) return 'truncated';
  if (b[o] >> 4 !== 6) return 'malformed';
  const nh = b[o + 6];
  const plen = u16(b, o + 4);
  let end = o + 40 + plen;
  if (plen === 0) {
    // RFC 2675 jumbogram; without the option (a GSO packet captured before segmentation), the
    // wire length is the only length there is.
    const jumbo = nh === 0 && o + 42 <= c.capEnd ? jumboLength(b, o + 40, c.capEnd) : -1;
    end = jumbo >= 0 ? o + 40 + jumbo : c.wireEnd;
  }
  c.ipVersion = 6;
  c.ipId = -1;
  c.src0 = u32(b, o + 8);
  c.src1 = u32(b, o + 12);
  c.src2 = u32(b, o + 16);
  c.src3 = u32(b, o + 20);
  c.dst0 = u32(b, o + 24);
  c.dst1 = u32(b, o + 28);
  c.dst2 = u32(b, o + 32);
  c.dst3 = u32(b, o + 36);
  return toTcp(c, PROTO6, nh, o + 40, end);
}

/** Raw IP: the version nibble says which (RFC 791 / RFC 8200, both put it in the first 4 bits). */
export function decodeIpByVersion(c: Cursor): SkipReason | null {
  if (c.off >= c.capEnd) return 'truncated';
  const v = c.b[c.off] >> 4;
  if (v === 4) return decodeIpv4(c);
  if (v === 6) return decodeIpv6(c);
  return 'non-ip';
}
