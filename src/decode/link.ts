/**
 * Link-layer decoders, chosen by LINKTYPE_* value from a lookup table (gopacket's
 * `LinkType -> Decoder`): each one finds where the network header starts and says what it is
 * (`cur.net`). Adding a link type is one function and one table entry.
 *
 * Header layouts follow https://www.tcpdump.org/linktypes.html and its per-type pages.
 */
import { u16, u32 } from './bytes.js';
import { type Cursor, type LayerDecoder, Net } from './cursor.js';
import type { SkipReason } from './segment.js';
import { avs, ieee80211, ppi, prism, radiotap } from './wlan.js';

// What an ethertype leads to. A 64 KiB table so the hot path is one indexed load, not a switch.
// 0: not IP.
const E_IPV4 = 1;
const E_IPV6 = 2;
const E_VLAN = 3;
const E_PPPOE = 4;
const E_MPLS = 5;
/** A whole Ethernet header follows (GRE/Geneve transparent Ethernet bridging, RFC 1701 0x6558). */
const E_TEB = 6;
/** A tag of a fixed length and then the next ethertype: 802.1ah I-TAG, VN-Tag, E-Tag. */
const E_PBB = 7;
const E_VNTAG = 8;
const E_ETAG = 9;
const ETHERTYPE = new Uint8Array(65536);
ETHERTYPE[0x0800] = E_IPV4;
ETHERTYPE[0x86dd] = E_IPV6;
// IEEE 802.1Q C-tag, 802.1ad S-tag, and the pre-standard QinQ S-tag: any stack of them.
ETHERTYPE[0x8100] = E_VLAN;
ETHERTYPE[0x88a8] = E_VLAN;
ETHERTYPE[0x9100] = E_VLAN;
// PPPoE session stage (RFC 2516 §5): a 6-byte header, then a PPP protocol field.
ETHERTYPE[0x8864] = E_PPPOE;
// MPLS unicast and multicast (RFC 3032): a label stack; the payload is told by its version nibble.
ETHERTYPE[0x8847] = E_MPLS;
ETHERTYPE[0x8848] = E_MPLS;
ETHERTYPE[0x6558] = E_TEB;
// IEEE 802.1ah provider backbone bridging: a 4-byte I-TAG (I-SID), the customer's MAC addresses,
// then the customer's ethertype (which may be another tag).
ETHERTYPE[0x88e7] = E_PBB;
// Cisco VN-Tag: 4 bytes of tag, then the ethertype (tcpdump print-vntag.c).
ETHERTYPE[0x8926] = E_VNTAG;
// IEEE 802.1BR E-Tag: 6 bytes of tag, then the ethertype.
ETHERTYPE[0x893f] = E_ETAG;

/** PPP protocol numbers (RFC 1661 §2, IANA "PPP DLL Protocol Numbers") mapped to ethertypes. */
export function pppToEthertype(proto: number): number {
  switch (proto) {
    case 0x0021:
      return 0x0800;
    case 0x0057:
      return 0x86dd;
    case 0x0281:
    case 0x0283:
      return 0x8847;
    default:
      return 0;
  }
}

/**
 * Follows an ethertype from `off`: VLAN tags (any number), PPPoE, MPLS labels, down to IP.
 * Every step advances `off` and checks it against `capEnd`, so the loop ends on any input.
 */
export function fromEthertype(c: Cursor, type: number, off: number): SkipReason | null {
  const b = c.b;
  const end = c.capEnd;
  for (;;) {
    switch (ETHERTYPE[type]) {
      case E_IPV4:
        c.net = Net.IPv4;
        c.off = off;
        return null;
      case E_IPV6:
        c.net = Net.IPv6;
        c.off = off;
        return null;
      case E_VLAN:
        // TCI (2 bytes) then the inner ethertype.
        if (off + 4 > end) return 'truncated';
        type = u16(b, off + 2);
        off += 4;
        break;
      case E_PPPOE: {
        if (off + 8 > end) return 'truncated';
        pppoeLength(c, off);
        let proto = b[off + 6];
        // Protocol-field compression (RFC 1661 §6.5): an odd first byte is a 1-byte protocol.
        if (proto & 1) off += 7;
        else {
          proto = u16(b, off + 6);
          off += 8;
        }
        type = pppToEthertype(proto);
        break;
      }
      case E_MPLS:
        return fromMpls(c, off);
      case E_TEB:
        if (off + 14 > end) return 'truncated';
        type = u16(b, off + 12);
        off += 14;
        break;
      case E_PBB:
        if (off + 18 > end) return 'truncated';
        type = u16(b, off + 16);
        off += 18;
        break;
      case E_VNTAG:
        if (off + 6 > end) return 'truncated';
        type = u16(b, off + 4);
        off += 6;
        break;
      case E_ETAG:
        if (off + 8 > end) return 'truncated';
        type = u16(b, off + 6);
        off += 8;
        break;
      default:
        // An 802.3 length field (<= 1500) followed by LLC/SNAP with OUI 0 carries an ethertype (RFC 1042).
        if (type <= 1500 && type !== 0) {
          if (off + 8 > end) return 'truncated';
          if (b[off] === 0xaa && b[off + 1] === 0xaa && b[off + 2] === 0x03 && b[off + 3] === 0 && b[off + 4] === 0 && b[off + 5] === 0) {
            type = u16(b, off + 6);
            off += 8;
            break;
          }
        }
        c.net = Net.None;
        return null;
    }
  }
}

/**
 * A PPPoE session header at `off` (RFC 2516 §4: version/type, code, session id, then the length
 * of the payload that follows the 6-byte header, PPP protocol field included). Nothing of the
 * frame beyond that payload belongs to it (Ethernet padding, a trailer), so the frame's end is
 * lowered to it: the IP layer then believes no total length beyond what PPPoE declared.
 */
function pppoeLength(c: Cursor, off: number): void {
  const payloadEnd = off + 6 + u16(c.b, off + 4);
  if (payloadEnd < c.wireEnd) c.wireEnd = payloadEnd;
}

/** MPLS label stack (RFC 3032 §2.1): 4-byte entries until the bottom-of-stack bit; then IP by version. */
export function fromMpls(c: Cursor, off: number): SkipReason | null {
  const b = c.b;
  for (;;) {
    if (off + 4 > c.capEnd) return 'truncated';
    const bottom = b[off + 2] & 1;
    off += 4;
    if (bottom) break;
  }
  c.off = off;
  // RFC 4385 pseudowires start with a 0 nibble (control word): not IP.
  c.net = Net.IpByVersion;
  return null;
}

/** LINKTYPE_ETHERNET (1): dst, src, ethertype (or 802.3 length). */
export function ethernet(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 14 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(c.b, o + 12), o + 14);
}

/** LINKTYPE_LINUX_SLL (113): 16-byte cooked header, protocol (an ethertype for IP) at 14. */
function linuxSll(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 16 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(c.b, o + 14), o + 16);
}

/** LINKTYPE_LINUX_SLL2 (276): 20-byte cooked header, protocol first. */
function linuxSll2(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 20 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(c.b, o), o + 20);
}

/** LINKTYPE_IPOIB (242): 40 bytes of addresses, ethertype, 2 reserved bytes (tcpdump print-ipoib.c). */
function ipoib(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 44 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(c.b, o + 40), o + 44);
}

/** BSD address families that mean IPv6: NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30 (libpcap's list). */
function afToNet(af: number): number {
  if (af === 2) return Net.IPv4;
  if (af === 24 || af === 28 || af === 30) return Net.IPv6;
  return Net.None;
}

/**
 * LINKTYPE_NULL (0): a 4-byte address family in the capturing machine's byte order, which the
 * file does not record. The values are small, so whichever end holds the non-zero byte tells.
 */
function bsdNull(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 4 > c.capEnd) return 'truncated';
  const b = c.b;
  let af = 0;
  if (b[o + 1] === 0 && b[o + 2] === 0 && b[o + 3] === 0) af = b[o];
  else if (b[o] === 0 && b[o + 1] === 0 && b[o + 2] === 0) af = b[o + 3];
  c.net = afToNet(af);
  c.off = o + 4;
  return null;
}

/** LINKTYPE_LOOP (108): like NULL, but the address family is in network byte order. */
function bsdLoop(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 4 > c.capEnd) return 'truncated';
  c.net = afToNet(u32(c.b, o));
  c.off = o + 4;
  return null;
}

/** LINKTYPE_RAW (101, and DLT 12/14 written into old files): IP with no link header. */
function rawIp(c: Cursor): SkipReason | null {
  c.net = Net.IpByVersion;
  return null;
}

/** LINKTYPE_IPV4 (228). */
function rawIpv4(c: Cursor): SkipReason | null {
  c.net = Net.IPv4;
  return null;
}

/** LINKTYPE_IPV6 (229). */
function rawIpv6(c: Cursor): SkipReason | null {
  c.net = Net.IPv6;
  return null;
}

/** A PPP protocol field at `off` (1 or 2 bytes, RFC 1661 §2 and §6.5), then the ethertype path. */
export function fromPppProtocol(c: Cursor, off: number): SkipReason | null {
  const b = c.b;
  if (off + 1 > c.capEnd) return 'truncated';
  let proto = b[off];
  if (proto & 1) off += 1;
  else {
    if (off + 2 > c.capEnd) return 'truncated';
    proto = u16(b, off);
    off += 2;
  }
  const type = pppToEthertype(proto);
  if (type === 0) {
    c.net = Net.None;
    return null;
  }
  return fromEthertype(c, type, off);
}

/**
 * LINKTYPE_PPP (9): PPP, with the RFC 1662 address/control bytes 0xff 0x03 when present.
 */
function ppp(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 2 > c.capEnd) return 'truncated';
  const b = c.b;
  const start = b[o] === 0xff && b[o + 1] === 0x03 ? o + 2 : o;
  return fromPppProtocol(c, start);
}

/**
 * LINKTYPE_PPP_HDLC (50): RFC 1662 framing (first byte 0xff), or Cisco HDLC framing (first byte
 * 0x0f or 0x8f, RFC 1547 §4.3.1) whose protocol field is an ethertype.
 */
function pppHdlc(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 2 > c.capEnd) return 'truncated';
  const a = c.b[o];
  if (a === 0x0f || a === 0x8f) return cHdlc(c);
  return fromPppProtocol(c, o + 2);
}

/** LINKTYPE_C_HDLC (104): Cisco HDLC: address, control, ethertype. */
function cHdlc(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 4 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(c.b, o + 2), o + 4);
}

/** LINKTYPE_PPP_ETHER (51): a PPPoE header (RFC 2516) without the Ethernet header. */
function pppEther(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 6 > c.capEnd) return 'truncated';
  pppoeLength(c, o);
  return fromPppProtocol(c, o + 6);
}

/**
 * LINKTYPE_ARCNET_LINUX (129): source, destination, a 2-byte offset, the ARCnet protocol ID;
 * RFC 1201 types add a split flag and sequence ID (tcpdump print-arcnet.c). Linux hands over
 * reassembled packets, so there are no ARCnet fragments to skip.
 */
function arcnetLinux(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 5 > c.capEnd) return 'truncated';
  switch (c.b[o + 4]) {
    case 240: // ARCTYPE_IP_OLD (RFC 1051): no split flag
      c.net = Net.IPv4;
      c.off = o + 5;
      return null;
    case 212: // ARCTYPE_IP (RFC 1201)
      c.net = Net.IPv4;
      break;
    case 196: // ARCTYPE_INET6 (RFC 2497)
      c.net = Net.IPv6;
      break;
    default:
      c.net = Net.None;
      return null;
  }
  if (o + 8 > c.capEnd) return 'truncated';
  c.off = o + 8;
  return null;
}

/**
 * LINKTYPE_FDDI (10): frame control, destination, source (13 bytes), then 802.2 LLC; IP rides in
 * SNAP (RFC 1042, RFC 1390) with the ethertype last.
 */
function fddi(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 21 > c.capEnd) return 'truncated';
  const b = c.b;
  if (b[o + 13] !== 0xaa || b[o + 14] !== 0xaa || b[o + 15] !== 0x03) {
    c.net = Net.None;
    return null;
  }
  return fromEthertype(c, u16(b, o + 19), o + 21);
}

/**
 * LINKTYPE_NFLOG (239): Linux NFLOG (libpcap's pcap/nflog.h): family, version, resource id, then
 * TLVs (length and type in the capturing host's byte order, each padded to 4 bytes); the packet is
 * the NFULA_PAYLOAD (9) TLV's value, an IP packet of the family (AF_INET 2, AF_INET6 10).
 */
function nflog(c: Cursor): SkipReason | null {
  const o = c.off;
  const b = c.b;
  const end = c.capEnd;
  if (o + 4 > end) return 'truncated';
  const family = b[o];
  let p = o + 4;
  // The byte order is the capturing host's and not recorded: the one whose first length is sane.
  const le = p + 4 <= end && (b[p] | (b[p + 1] << 8)) >= 4 && (b[p] | (b[p + 1] << 8)) <= end - p;
  while (p + 4 <= end) {
    const len = le ? b[p] | (b[p + 1] << 8) : u16(b, p);
    const type = (le ? b[p + 2] | (b[p + 3] << 8) : u16(b, p + 2)) & 0x7fff;
    if (len < 4) return 'malformed';
    if (type === 9) {
      c.off = p + 4;
      // The payload ends with its TLV: what follows is another attribute, not IP.
      if (p + len < c.wireEnd) c.wireEnd = p + len;
      if (p + len < c.capEnd) c.capEnd = p + len;
      c.net = family === 2 ? Net.IPv4 : family === 10 ? Net.IPv6 : Net.None;
      return null;
    }
    p += (len + 3) & ~3;
  }
  return p > end ? 'truncated' : 'non-ip';
}

/**
 * LINKTYPE_JUNIPER_ETHER (178): Juniper's header (tcpdump print-juniper.c): "MGC", a flags byte,
 * and with flag 0x80 a 2-byte length of extension TLVs that follow; then the Ethernet frame, or
 * with flag 0x02 (no L2 header) a 4-byte protocol word and IP.
 */
function juniperEther(c: Cursor): SkipReason | null {
  const o = c.off;
  const b = c.b;
  if (o + 4 > c.capEnd) return 'truncated';
  if (b[o] !== 0x4d || b[o + 1] !== 0x47 || b[o + 2] !== 0x43) return 'malformed';
  const flags = b[o + 3];
  let p = o + 4;
  if (flags & 0x80) {
    if (p + 2 > c.capEnd) return 'truncated';
    p += 2 + u16(b, p);
  }
  if (flags & 0x02) {
    c.off = p + 4;
    c.net = Net.IpByVersion;
    return null;
  }
  c.off = p;
  return ethernet(c);
}

/** The link-layer table, indexed by LINKTYPE_* value. */
const LINK_DECODERS: Array<LayerDecoder | undefined> = new Array<LayerDecoder | undefined>(277).fill(undefined);
LINK_DECODERS[0] = bsdNull;
LINK_DECODERS[1] = ethernet;
LINK_DECODERS[9] = ppp;
LINK_DECODERS[10] = fddi;
LINK_DECODERS[12] = rawIp;
LINK_DECODERS[14] = rawIp;
LINK_DECODERS[50] = pppHdlc;
LINK_DECODERS[51] = pppEther;
LINK_DECODERS[101] = rawIp;
LINK_DECODERS[104] = cHdlc;
LINK_DECODERS[105] = ieee80211;
LINK_DECODERS[108] = bsdLoop;
LINK_DECODERS[113] = linuxSll;
LINK_DECODERS[119] = prism;
LINK_DECODERS[127] = radiotap;
LINK_DECODERS[129] = arcnetLinux;
LINK_DECODERS[163] = avs;
LINK_DECODERS[178] = juniperEther;
LINK_DECODERS[192] = ppi;
LINK_DECODERS[228] = rawIpv4;
LINK_DECODERS[229] = rawIpv6;
LINK_DECODERS[239] = nflog;
LINK_DECODERS[242] = ipoib;
LINK_DECODERS[276] = linuxSll2;

/** The decoder for a link type, or undefined when the type is not supported. */
export function linkDecoder(linkType: number): LayerDecoder | undefined {
  return LINK_DECODERS[linkType];
}

/** True when decodeFrame understands this LINKTYPE_* value. */
export function isLinkTypeSupported(linkType: number): boolean {
  return Number.isInteger(linkType) && linkType >= 0 && LINK_DECODERS[linkType] !== undefined;
}

/** Every supported LINKTYPE_* value, ascending. */
export const SUPPORTED_LINK_TYPES: readonly number[] = LINK_DECODERS.flatMap((d, i) => (d ? [i] : []));
