/**
 * GRE (IP protocol 47, and GRE-in-UDP on port 4754, RFC 8086) and what rides in it.
 *
 * Header (RFC 2784 §2.1, RFC 2890 §2): flags C (checksum), R (routing, RFC 1701), K (key), S
 * (sequence number), then the protocol type (an ethertype). Optional fields follow in that order:
 * checksum + reserved (4 bytes, when C or R), key (4, K), sequence number (4, S), and with R a list
 * of source route entries ending with a null one (RFC 1701 §2.1). Version 1 is PPTP's enhanced GRE
 * (RFC 2637 §4.1): key field = payload length + call id, optional sequence and acknowledgment
 * numbers, protocol 0x880b (PPP).
 *
 * Protocol types followed: IPv4, IPv6, MPLS, transparent Ethernet bridging (0x6558: gretap, RFC
 * 1701), PPP (0x880b), WCCP redirection (0x883e: an optional 4-byte redirect header, then IPv4),
 * ERSPAN type I and II (0x88be, without / with a sequence number, as Wireshark tells them apart)
 * and type III (0x22eb).
 */
import { u16, u32 } from './bytes.js';
import { Net, type Cursor } from './cursor.js';
import { enterInner } from './inner.js';
import { fromEthertype, fromPppProtocol } from './link.js';
import type { SkipReason } from './segment.js';
import { pushHop, Tun } from './tunnel-path.js';
import { isArubaGre, wlanData } from './wlan.js';

const F_C = 0x8000;
const F_R = 0x4000;
const F_K = 0x2000;
const F_S = 0x1000;
/** PPTP: acknowledgment number present (RFC 2637 §4.1). */
const F_A = 0x0080;

/**
 * The GRE header at `p`, payload ending at `end`; `type` is Tun.Gre or Tun.GreUdp. Pushes the hop
 * and points the cursor at the payload; a protocol it does not follow is 'non-ip' (in the tunnel).
 */
export function decodeGre(c: Cursor, p: number, end: number, type: number): SkipReason | null {
  const b = c.b;
  if (p + 4 > c.capEnd) return 'truncated';
  const fv = u16(b, p);
  const proto = u16(b, p + 2);
  const ver = fv & 7;
  let q = p + 4;
  let key = 0;
  let hasKey = false;
  if (ver === 0) {
    if (fv & (F_C | F_R)) q += 4;
    if (fv & F_K) {
      if (q + 4 > c.capEnd) return 'truncated';
      key = u32(b, q);
      hasKey = true;
      q += 4;
    }
    if (fv & F_S) q += 4;
    if (fv & F_R) {
      // Source route entries: address family (2), offset (1), length (1), then length bytes.
      for (;;) {
        if (q + 4 > c.capEnd) return 'truncated';
        const len = b[q + 3];
        const af = u16(b, q);
        q += 4 + len;
        if (af === 0 && len === 0) break;
      }
    }
  } else if (ver === 1) {
    // PPTP: the key field is always there; call id as the key.
    if (q + 4 > c.capEnd) return 'truncated';
    key = u16(b, q + 2);
    hasKey = true;
    q += 4;
    if (fv & F_S) q += 4;
    if (fv & F_A) q += 4;
  } else {
    return 'malformed';
  }
  if (q > end) return 'malformed';
  if (q > c.capEnd) return 'truncated';

  if (proto === 0x88be || proto === 0x22eb) return erspan(c, q, end, proto, (fv & F_S) !== 0);
  if (!pushHop(c, type, key, hasKey)) return 'too-deep';
  switch (proto) {
    case 0x880b:
      // PPP; RFC 1662 address and control bytes when present.
      enterInner(c, Net.None, q, end);
      if (q + 2 <= c.capEnd && b[q] === 0xff && b[q + 1] === 0x03) q += 2;
      return fromPppProtocol(c, q);
    case 0x883e:
      // WCCP (draft-wilson-wrec-wccp-v2 §4.12): a 4-byte redirect header unless IPv4 follows at once.
      if (q < c.capEnd && b[q] >> 4 !== 4) q += 4;
      return enterInner(c, Net.IPv4, q, end);
    default:
      enterInner(c, Net.None, q, end);
      // Aruba access points tunnel their clients' 802.11 frames to the controller (wlan.ts).
      if (isArubaGre(proto)) return wlanData(c, q);
      return fromEthertype(c, proto, q);
  }
}

/**
 * ERSPAN (draft-foschiano-erspan-03): type I has no header of its own; type II an 8-byte header
 * (version 1, VLAN, CoS, encapsulation, truncated bit, 10-bit session id, index); type III a
 * 12-byte one (version 2, ..., session id, timestamp, SGT, P, frame type FT, hardware id, D, Gra,
 * O) plus an 8-byte platform subheader when O is set. The mirrored frame is Ethernet, or IP when
 * type III's FT is 2.
 */
function erspan(c: Cursor, q: number, end: number, proto: number, seq: boolean): SkipReason | null {
  const b = c.b;
  let session = 0;
  let hasSession = false;
  let ip = false;
  if (proto === 0x88be && seq) {
    if (q + 8 > c.capEnd) return 'truncated';
    session = u16(b, q + 2) & 0x3ff;
    hasSession = true;
    q += 8;
  } else if (proto === 0x22eb) {
    if (q + 12 > c.capEnd) return 'truncated';
    session = u16(b, q + 2) & 0x3ff;
    hasSession = true;
    const ft = (b[q + 10] >> 2) & 0x1f;
    ip = ft === 2;
    const o = b[q + 11] & 1;
    q += o ? 20 : 12;
  }
  if (!pushHop(c, Tun.Erspan, session, hasSession)) return 'too-deep';
  if (ip) return enterInner(c, Net.IpByVersion, q, end);
  enterInner(c, Net.None, q, end);
  if (q + 14 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(b, q + 12), q + 14);
}
