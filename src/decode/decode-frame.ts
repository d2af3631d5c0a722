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
 *
 * Tunnels are followed (ip.ts, udp-tunnels.ts, gre.ts): a tunnel decoder points the cursor at the
 * inner packet and the network layer runs again on it, at most MAX_HOPS times ('too-deep' beyond).
 * The segment then carries the id of its tunnel path (tunnel-path.ts) from the context's
 * TunnelPaths, and a skip inside a tunnel is counted under the innermost tunnel (`skipKey`).
 *
 * Allocation: a skipped frame allocates nothing (reasons are string constants). `decodeFrame`
 * allocates the Segment (plus its options object when the header carries options), which holds no
 * reference into `frame.buf`, so a caller may keep it; `decodeFrameInto` refills the caller's
 * segment and options objects instead, for a caller that copies what it keeps (trace.ts).
 */
import type { Frame } from '../capture/frame.js';
import { MAX_HOPS, Net, cur, type LayerDecoder } from './cursor.js';
import { decodeIpByVersion, decodeIpv4, decodeIpv6 } from './ip.js';
import { linkDecoder } from './link.js';
import { Reassembler } from './reassembly.js';
import type { Segment, SegmentBuffer, SkipReason, TcpOptions } from './segment.js';
import { decodeTcp } from './tcp.js';
import { innermostType, TUNNEL_TYPES, TunnelPaths } from './tunnel-path.js';

export { isLinkTypeSupported, SUPPORTED_LINK_TYPES } from './link.js';

/** Every SkipReason, in the order a report lists them. */
export const SKIP_REASONS: readonly SkipReason[] = ['unsupported-link', 'non-ip', 'udp', 'icmp', 'other-ip', 'fragment', 'truncated', 'malformed', 'too-deep'];

/**
 * What a run keeps from frame to frame: the tunnel paths its segments came through and the
 * fragment reassembler (null: fragments are not reassembled, as `decodeFrame` without a context).
 */
export interface DecodeContext {
  paths: TunnelPaths;
  reasm: Reassembler | null;
}

/** A context for one run (one capture): new tunnel paths and a new reassembler. */
export function newDecodeContext(): DecodeContext {
  return { paths: new TunnelPaths(), reasm: new Reassembler() };
}

/** Used when the caller gives no context: tunnels are followed, fragments not reassembled. */
const STATELESS: DecodeContext = { paths: new TunnelPaths(), reasm: null };

/** `skipped` keys inside a tunnel, e.g. 'vxlan:non-ip': made once, so counting one allocates nothing. */
const TUNNEL_SKIP_KEYS: ReadonlyArray<Readonly<Record<string, string>>> = TUNNEL_TYPES.map((t) =>
  Object.fromEntries(SKIP_REASONS.map((r) => [r, t === '' ? r : `${t}:${r}`])),
);

/**
 * The key under which the last decoded frame's skip reason `r` is counted: `r` itself, or
 * prefixed with the innermost tunnel the frame was inside ('vxlan:non-ip', 'gre:udp').
 */
export function skipKey(r: SkipReason): string {
  return TUNNEL_SKIP_KEYS[innermostType(cur)]![r]!;
}

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
export function decodeFrame(frame: Frame, ctx: DecodeContext = STATELESS): Segment | SkipReason {
  return decodeFrameInto(frame, null, null, ctx);
}

/**
 * decodeFrame writing into `into` (and `opts`, for the options) instead of new objects: the
 * result is `into` itself, valid until the next call. Null for either means a new object.
 */
export function decodeFrameInto(frame: Frame, into: SegmentBuffer | null, opts: TcpOptions | null, ctx: DecodeContext = STATELESS): Segment | SkipReason {
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
  c.depth = 0;
  c.reassembled = 0;
  c.reasm = ctx.reasm;
  c.now = frame.tsSec + frame.tsNsec / 1e9;
  let r = link(c);
  if (r !== null) return r;
  // One pass per encapsulation: each tunnel decoder pushes a hop (at most MAX_HOPS), so this ends.
  for (let pass = 0; ; pass++) {
    c.inner = false;
    r = NET_DECODERS[c.net](c);
    if (r !== null) return r;
    if (!c.inner) break;
    if (pass > MAX_HOPS) return 'too-deep';
  }
  const seg = decodeTcp(c, frame, into, opts);
  if (typeof seg !== 'string') {
    const s = seg as SegmentBuffer;
    if (c.depth === 0) {
      s.tunnel = 0;
      s.tunnelFlip = 0;
    } else {
      s.tunnel = ctx.paths.intern(c);
      s.tunnelFlip = ctx.paths.flip;
    }
  }
  return seg;
}

/** True when `decodeFrame`'s result is a skip reason rather than a segment. */
export function isSkip(r: Segment | SkipReason): r is SkipReason {
  return typeof r === 'string';
}
