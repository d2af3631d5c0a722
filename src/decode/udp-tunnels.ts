/**
 * Tunnels carried in UDP, chosen by port as tshark and Zeek choose them (the destination port
 * first, then the source port: Teredo and GTP-U answers come from the well-known port):
 *
 * - VXLAN, 4789 (RFC 7348 §5): flags (I = 0x08), 3 reserved bytes, 24-bit VNI, 1 reserved; Ethernet.
 * - Geneve, 6081 (RFC 8926 §3.4): version, options length (4-byte words), O/C bits, protocol type
 *   (an ethertype; 0x6558 is Ethernet), 24-bit VNI, reserved, then the options.
 * - GRE-in-UDP, 4754 (RFC 8086): a GRE header (gre.ts).
 * - Teredo, 3544 (RFC 4380 §5.1.1): an optional authentication indicator (0x0001, id length,
 *   auth length, client id, auth value, 8-byte nonce, confirmation byte), an optional origin
 *   indicator (0x0000, 6 bytes), then IPv6. A bubble is an IPv6 header with no payload (next
 *   header 59): counted as 'other-ip' inside the tunnel. Anything that is not IPv6 is plain UDP.
 * - AYIYA, 5072 (draft-massar-v6ops-ayiya §6): identity length (log2) and type, signature length
 *   (4-byte words) and hash method, authentication method and opcode, next header (4 or 41),
 *   epoch time; then identity, signature and the packet. Opcode 1 (forward) carries a packet.
 * - GTP-U v1, 2152 (3GPP TS 29.281 §5): flags (version 1, PT 1, E, S, PN), message type (255 =
 *   G-PDU, user data), length, TEID; with any of E/S/PN, sequence number, N-PDU number and the
 *   next extension header type; extension headers (length in 4-byte words, the last byte the next
 *   type) until type 0; then IP, told by its version.
 */
import { u16, u32 } from './bytes.js';
import { Net, type Cursor } from './cursor.js';
import { decodeGre } from './gre.js';
import { enterInner } from './inner.js';
import { fromEthertype } from './link.js';
import type { SkipReason } from './segment.js';
import { pushHop, Tun } from './tunnel-path.js';

const U_VXLAN = 1;
const U_GENEVE = 2;
const U_GRE = 3;
const U_TEREDO = 4;
const U_AYIYA = 5;
const U_GTPU = 6;
/** What a UDP port leads to (0: plain UDP): one indexed load per port. */
const PORT = new Uint8Array(65536);
PORT[4789] = U_VXLAN;
PORT[6081] = U_GENEVE;
PORT[4754] = U_GRE;
PORT[3544] = U_TEREDO;
PORT[5072] = U_AYIYA;
PORT[2152] = U_GTPU;

/**
 * The UDP header at `p` with the IP payload ending at `end`: a tunnel's inner packet (the cursor
 * then points at it), or 'udp'.
 */
export function decodeUdp(c: Cursor, p: number, end: number): SkipReason | null {
  // A later fragment never gets here; a first fragment that was not reassembled holds only part
  // of the inner packet, and a UDP header cut by the snaplen cannot be followed.
  if (c.firstFragment || p + 8 > c.capEnd) return 'udp';
  const b = c.b;
  const ulen = u16(b, p + 4);
  if (ulen >= 8 && p + ulen < end) end = p + ulen;
  const q = p + 8;
  let kind = PORT[u16(b, p + 2)];
  if (kind === 0) kind = PORT[u16(b, p)];
  switch (kind) {
    case U_VXLAN:
      return vxlan(c, q, end);
    case U_GENEVE:
      return geneve(c, q, end);
    case U_GRE:
      return decodeGre(c, q, end, Tun.GreUdp);
    case U_TEREDO:
      return teredo(c, q, end);
    case U_AYIYA:
      return ayiya(c, q, end);
    case U_GTPU:
      return gtpu(c, q, end);
    default:
      return 'udp';
  }
}

function vxlan(c: Cursor, q: number, end: number): SkipReason | null {
  if (q + 8 > c.capEnd) return 'truncated';
  const b = c.b;
  // RFC 7348: the I flag must be set for a valid VNI; without it this is not VXLAN.
  if ((b[q] & 0x08) === 0) return 'udp';
  const vni = (b[q + 4] << 16) | (b[q + 5] << 8) | b[q + 6];
  if (!pushHop(c, Tun.Vxlan, vni, true)) return 'too-deep';
  enterInner(c, Net.None, q + 8, end);
  if (q + 22 > c.capEnd) return 'truncated';
  return fromEthertype(c, u16(b, q + 20), q + 22);
}

function geneve(c: Cursor, q: number, end: number): SkipReason | null {
  if (q + 8 > c.capEnd) return 'truncated';
  const b = c.b;
  if (b[q] >> 6 !== 0) return 'udp'; // only version 0 is defined
  const optLen = (b[q] & 0x3f) << 2;
  const proto = u16(b, q + 2);
  const vni = (b[q + 4] << 16) | (b[q + 5] << 8) | b[q + 6];
  if (!pushHop(c, Tun.Geneve, vni, true)) return 'too-deep';
  const inner = q + 8 + optLen;
  if (inner > end) return 'malformed';
  enterInner(c, Net.None, inner, end);
  return fromEthertype(c, proto, inner);
}

function teredo(c: Cursor, q: number, end: number): SkipReason | null {
  const b = c.b;
  const cap = c.capEnd;
  if (q + 2 <= cap && b[q] === 0 && b[q + 1] === 1) {
    if (q + 4 > cap) return 'udp';
    q += 13 + b[q + 2] + b[q + 3];
  }
  if (q + 2 <= cap && b[q] === 0 && b[q + 1] === 0) q += 8;
  // Only an IPv6 header makes it Teredo (tshark's heuristic does the same).
  if (q + 40 > cap || q + 40 > end || b[q] >> 4 !== 6) return 'udp';
  if (!pushHop(c, Tun.Teredo, 0, false)) return 'too-deep';
  return enterInner(c, Net.IPv6, q, end);
}

function ayiya(c: Cursor, q: number, end: number): SkipReason | null {
  const b = c.b;
  if (q + 8 > c.capEnd) return 'udp';
  const idLen = 1 << (b[q] >> 4);
  const sigLen = (b[q + 1] >> 4) << 2;
  const opcode = b[q + 2] & 0x0f;
  const nh = b[q + 3];
  if (!pushHop(c, Tun.Ayiya, 0, false)) return 'too-deep';
  const inner = q + 8 + idLen + sigLen;
  if (inner > end) return 'malformed';
  if (opcode !== 1) return 'non-ip';
  return enterInner(c, nh === 4 ? Net.IPv4 : nh === 41 ? Net.IPv6 : Net.None, inner, end);
}

function gtpu(c: Cursor, q: number, end: number): SkipReason | null {
  const b = c.b;
  if (q + 8 > c.capEnd) return 'udp';
  const flags = b[q];
  // Version 1, protocol type GTP (not GTP'); anything else is not GTP-U.
  if (flags >> 5 !== 1 || (flags & 0x10) === 0) return 'udp';
  const teid = u32(b, q + 4);
  if (!pushHop(c, Tun.GtpU, teid, true)) return 'too-deep';
  // The length field counts what follows the 8 mandatory bytes.
  const msgEnd = q + 8 + u16(b, q + 2);
  if (msgEnd < end) end = msgEnd;
  if (b[q + 1] !== 0xff) return 'non-ip'; // not a G-PDU: signalling (echo, error indication, ...)
  let p = q + 8;
  if (flags & 0x07) {
    if (p + 4 > c.capEnd) return 'truncated';
    let next = b[p + 3];
    p += 4;
    while (next !== 0) {
      if (p + 1 > c.capEnd) return 'truncated';
      const len = b[p] << 2;
      if (len === 0) return 'malformed';
      if (p + len > c.capEnd) return 'truncated';
      next = b[p + len - 1];
      p += len;
    }
  }
  if (p > end) return 'malformed';
  return enterInner(c, Net.IpByVersion, p, end);
}
