/**
 * Which endpoint of a new connection is the client.
 *
 * The client is the first SYN's sender (RFC 9293 §3.5: the active opener). A capture that starts
 * mid-stream has no SYN, so the choice falls to a heuristic, and the heuristic's name is kept so
 * the report can say the orientation was guessed (Zeek records the same doubt as a `^` in history;
 * gopacket admits its guess "might be wrong").
 */
import { TcpFlag, type Segment } from '../decode/segment.js';

/** How the client was chosen; null means a SYN decided it. */
export type OrientationHeuristic = 'well-known-port' | 'ephemeral-port' | 'lower-port-is-server' | 'first-sender';

/** Linux's default ephemeral range (net.ipv4.ip_local_port_range) and IANA's (RFC 6335 §6). */
function isEphemeral(port: number): boolean {
  return port >= 32768;
}

/** Result of `orient`: whether the segment's source is the client, and why. */
export interface Orientation {
  clientIsSrc: boolean;
  heuristic: OrientationHeuristic | null;
}

const BY_SYN: Orientation = { clientIsSrc: true, heuristic: null };
const BY_SYNACK: Orientation = { clientIsSrc: false, heuristic: null };

/** Decides the client of a connection from its first captured segment. */
export function orient(seg: Segment): Orientation {
  const syn = (seg.flags & TcpFlag.SYN) !== 0;
  const ackFlag = (seg.flags & TcpFlag.ACK) !== 0;
  if (syn && !ackFlag) return BY_SYN;
  if (syn && ackFlag) return BY_SYNACK;
  const s = seg.srcPort;
  const d = seg.dstPort;
  // Services listen on well-known ports (< 1024); clients almost never bind one.
  if (s < 1024 !== d < 1024) return { clientIsSrc: d < 1024, heuristic: 'well-known-port' };
  // Clients get ephemeral ports from the kernel; registered service ports (1024-32767) sit below them.
  if (isEphemeral(s) !== isEphemeral(d)) return { clientIsSrc: isEphemeral(s), heuristic: 'ephemeral-port' };
  if (s !== d) return { clientIsSrc: s > d, heuristic: 'lower-port-is-server' };
  return { clientIsSrc: true, heuristic: 'first-sender' };
}
