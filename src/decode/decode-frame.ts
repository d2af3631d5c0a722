/**
 * Frame -> Segment: the decode stage's entry point.
 *
 * The link decoder comes from a table indexed by link type, the network decoder from the code
 * the link layer leaves in the cursor, the transport from the IP protocol table. Every layer
 * reads raw bytes from `frame.buf` after checking them against the captured length, so any
 * input (hostile ones included) gives a Segment or a SkipReason, never an exception.
 *
 * Checksums are not verified: a capture taken on the sending host holds checksums the NIC had
 * not filled in yet (offload), and tcpdump's "incorrect" there is no reason to drop a segment.
 * Tunnels (GRE, VXLAN, Geneve, IP-in-IP) are not followed: their TCP is the tunnel's business.
 *
 * Allocation: a skipped frame allocates nothing (reasons are string constants). `decodeFrame`
 * allocates the Segment (plus its options object when the header carries options), which holds no
 * reference into `frame.buf`, so a caller may keep it; `decodeFrameInto` refills the caller's
 * segment and options objects instead, for a caller that copies what it keeps (trace.ts).
 */
import type { Frame } from '../capture/frame.js';
import { Net, cur, type LayerDecoder } from './cursor.js';
import { decodeIpByVersion, decodeIpv4, decodeIpv6 } from './ip.js';
import { linkDecoder } from './link.js';
import type { Segment, SegmentBuffer, SkipReason, TcpOptions } from './segment.js';
import { decodeTcp } from './tcp.js';

export { isLinkTypeSupported, SUPPORTED_LINK_TYPES } from './link.js';

/** Every SkipReason, in the order a report lists them. */
export const SKIP_REASONS: readonly SkipReason[] = [
  'unsupported-link',
  'non-ip',
  'udp',
  'icmp',
  'other-ip',
  'fragment',
  'truncated',
  'malformed',
];

const notIp: LayerDecoder = () => 'non-ip';

/** Network decoders, indexed by `Net` code (None, IPv4, IPv6, IpByVersion). */
const NET_DECODERS: readonly LayerDecoder[] = [notIp, decodeIpv4, decodeIpv6, decodeIpByVersion];
if (NET_DECODERS[Net.IpByVersion] !== decodeIpByVersion) throw new Error('NET_DECODERS out of step with Net');

/**
 * Decodes one frame down to TCP. Returns a new Segment, or the reason the frame is not one:
 * 'unsupported-link' (the caller counts these per link type), 'non-ip', 'udp', 'icmp' (ICMP and
 * ICMPv6), 'other-ip', 'fragment' (a later IP fragment, or a first one too short for the TCP
 * header), 'truncated' (an IP header or the fixed 20-byte TCP header not captured), 'malformed'
 * (impossible lengths, a data offset below 5).
 */
export function decodeFrame(frame: Frame): Segment | SkipReason {
  return decodeFrameInto(frame, null, null);
}

/**
 * decodeFrame writing into `into` (and `opts`, for the options) instead of new objects: the
 * result is `into` itself, valid until the next call. Null for either means a new object.
 */
export function decodeFrameInto(frame: Frame, into: SegmentBuffer | null, opts: TcpOptions | null): Segment | SkipReason {
  const link = linkDecoder(frame.linkType);
  if (link === undefined) return 'unsupported-link';
  const c = cur;
  const b = frame.buf;
  c.b = b;
  c.off = frame.offset;
  // Never trust the record's lengths further than the buffer really goes.
  let capEnd = frame.offset + frame.capLen;
  if (capEnd > b.length) capEnd = b.length;
  c.capEnd = capEnd;
  c.wireEnd = frame.wireLen > frame.capLen ? frame.offset + frame.wireLen : capEnd;
  c.firstFragment = false;
  c.lengthClamped = false;
  let r = link(c);
  if (r !== null) return r;
  r = NET_DECODERS[c.net](c);
  if (r !== null) return r;
  return decodeTcp(c, frame, into, opts);
}

/** True when `decodeFrame`'s result is a skip reason rather than a segment. */
export function isSkip(r: Segment | SkipReason): r is SkipReason {
  return typeof r === 'string';
}
