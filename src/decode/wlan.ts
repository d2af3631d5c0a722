/**
 * IEEE 802.11 data frames (IEEE Std 802.11-2020 §9.2.4, §9.3.2) down to the ethertype of their
 * 802.2 LLC/SNAP header (RFC 1042), as Zeek's IEEE802_11 analyzer and Wireshark's 802.11 dissector
 * read them: on a monitor-mode capture (LINKTYPE_IEEE802_11, and behind radiotap, PPI, Prism and
 * AVS headers) and inside Aruba's GRE (protocol types 0x8200-0x83f0, an access point's frames
 * tunnelled to its controller).
 *
 * Management and control frames, data subtypes without a body (null function, CF-Ack/Poll) and
 * protected (encrypted) bodies carry no readable IP: `net` None, counted `non-ip`. An A-MSDU's
 * first subframe is decoded (one frame, one segment: the decoder returns one).
 */
import { u16 } from './bytes.js';
import { type Cursor, Net } from './cursor.js';
import { fromEthertype } from './link.js';
import type { SkipReason } from './segment.js';

/** Frame control: type data (2) in bits 2-3; subtype bit 2 (4): no body; bit 3 (8): QoS. */
const TYPE_DATA = 2;
const SUBTYPE_NO_BODY = 4;
const SUBTYPE_QOS = 8;
/** Frame control flags (second byte): To DS and From DS both set: a fourth address; protected; +HTC/order. */
const DS_BOTH = 3;
const PROTECTED = 0x40;
const ORDER = 0x80;

/** The 802.11 frame at `o` (capEnd bounds it): its body's LLC/SNAP ethertype, then on down. */
export function wlanData(c: Cursor, o: number): SkipReason | null {
  const b = c.b;
  if (o + 24 > c.capEnd) return 'truncated';
  const fc = b[o]!;
  const flags = b[o + 1]!;
  const subtype = fc >> 4;
  if (((fc >> 2) & 3) !== TYPE_DATA || (subtype & SUBTYPE_NO_BODY) !== 0 || (flags & PROTECTED) !== 0) {
    c.net = Net.None;
    return null;
  }
  let h = o + 24 + ((flags & DS_BOTH) === DS_BOTH ? 6 : 0);
  let amsdu = false;
  if (subtype & SUBTYPE_QOS) {
    if (h + 2 > c.capEnd) return 'truncated';
    amsdu = (b[h]! & 0x80) !== 0;
    h += 2;
    // A QoS data frame with the order bit carries a 4-byte HT/VHT/HE control field (§9.2.4.1.10).
    if (flags & ORDER) h += 4;
  }
  // A-MSDU subframe header: destination, source, length (§9.3.2.2.2).
  if (amsdu) h += 14;
  if (h + 8 > c.capEnd) return 'truncated';
  // LLC/SNAP: DSAP AA, SSAP AA, UI (03), OUI 00-00-00 (RFC 1042) or 00-00-F8 (802.1H bridge tunnel).
  if (b[h] !== 0xaa || b[h + 1] !== 0xaa || b[h + 2] !== 0x03 || b[h + 3] !== 0 || b[h + 4] !== 0 || (b[h + 5] !== 0 && b[h + 5] !== 0xf8)) {
    c.net = Net.None;
    return null;
  }
  return fromEthertype(c, u16(b, h + 6), h + 8);
}

/** Little-endian 16 bits (radiotap and PPI lengths). */
function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

/** LINKTYPE_IEEE802_11 (105): the frame itself. */
export function ieee80211(c: Cursor): SkipReason | null {
  return wlanData(c, c.off);
}

/** LINKTYPE_IEEE802_11_RADIOTAP (127): a radiotap header whose length is its little-endian bytes 2-3. */
export function radiotap(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 4 > c.capEnd) return 'truncated';
  const len = u16le(c.b, o + 2);
  if (len < 8) return 'malformed';
  return wlanData(c, o + len);
}

/** LINKTYPE_PPI (192): a PPI header (length little-endian at 2, the inner link type at 4), then 802.11 or Ethernet. */
export function ppi(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 8 > c.capEnd) return 'truncated';
  const b = c.b;
  const len = u16le(b, o + 2);
  if (len < 8) return 'malformed';
  const dlt = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
  if (dlt === 105) return wlanData(c, o + len);
  if (dlt === 1) {
    if (o + len + 14 > c.capEnd) return 'truncated';
    return fromEthertype(c, u16(b, o + len + 12), o + len + 14);
  }
  return 'unsupported-link';
}

/** LINKTYPE_IEEE802_11_PRISM (119): a Prism monitor header (its length, host order, at 4: 144 on Linux), then 802.11. */
export function prism(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 8 > c.capEnd) return 'truncated';
  const b = c.b;
  const le = b[o + 4]! | (b[o + 5]! << 8);
  const len = le !== 0 && le < 0x1000 ? le : u16(b, o + 6);
  if (len < 8) return 'malformed';
  return wlanData(c, o + len);
}

/** LINKTYPE_IEEE802_11_AVS (163): an AVS header (big-endian length at 4), then 802.11. */
export function avs(c: Cursor): SkipReason | null {
  const o = c.off;
  if (o + 8 > c.capEnd) return 'truncated';
  const len = u16(c.b, o + 6);
  if (len < 8) return 'malformed';
  return wlanData(c, o + len);
}

/** Aruba's GRE protocol types for tunnelled 802.11 frames: 0x8200 to 0x83f0 in steps of 0x10 (Zeek, Wireshark). */
export function isArubaGre(proto: number): boolean {
  return proto >= 0x8200 && proto <= 0x83f0 && (proto & 0xf) === 0;
}
