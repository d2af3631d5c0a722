/**
 * The TCP segment record: the only thing decode/ hands to flow/ and tcp/.
 *
 * A plain object (no views, no references into the capture buffer). Addresses are 32-bit words,
 * never strings: the flow table keys on numbers and only the report formats an address, once per
 * connection. `decodeFrame` builds a new one per TCP packet, which a caller may keep; the trace's
 * hot path uses `decodeFrameInto`, which refills one `SegmentBuffer` per packet (a segment is
 * about 250 bytes, a sixth of what a 2 M packet trace allocated), so tcp/ copies what it keeps
 * and holds no reference to a segment or its options after `observe()` returns.
 */

/** TCP flag bits as they sit in the header's low 9 bits (RFC 9293 §3.1, RFC 3168, RFC 3540). */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
} as const;

/** Options carried by a segment (RFC 9293 §3.2, RFC 7323, RFC 2018, RFC 7413). */
export interface TcpOptions {
  /** Maximum segment size (kind 2). */
  mss?: number;
  /** Window scale shift count (kind 3). */
  wscale?: number;
  /** SACK permitted (kind 4). */
  sackPermitted?: boolean;
  /** SACK blocks (kind 5) as [left, right) pairs of raw sequence numbers. */
  sack?: Array<[number, number]>;
  /** Timestamps (kind 8). */
  tsVal?: number;
  tsEcr?: number;
  /**
   * TCP Fast Open (kind 34, or the experimental kind 254 with magic 0xF989): present when the
   * option is. `cookie` is the cookie in hex, '' for a cookie request.
   */
  fastOpen?: { cookie: string };
  /** Option kinds this decoder does not interpret, by number. */
  unknown?: number[];
  /**
   * True when an option had an impossible length. A length below 2 or running past the header
   * stops the parse there (later option bytes are not read); a well-framed option of a known
   * kind with the wrong length for that kind is ignored and the parse goes on. Both as Linux's
   * tcp_parse_options does.
   */
  malformed?: boolean;
}

/** One decoded TCP segment. */
export interface Segment {
  /** 1-based packet number of the frame that carried it. */
  readonly packet: number;
  /** Capture time, split as in `Frame`. */
  readonly tsSec: number;
  readonly tsNsec: number;
  readonly ipVersion: 4 | 6;
  /**
   * IPv4's Identification field (0..65535), -1 for IPv6 (no such field outside a fragment
   * header). Two captured copies of one datagram carry the same id: tcp/ tells a frame captured
   * twice from a retransmission with it.
   */
  readonly ipId: number;
  /**
   * Source and destination address as four big-endian 32-bit words (unsigned).
   * IPv4 uses word 0 only; words 1..3 are 0.
   */
  readonly src0: number;
  readonly src1: number;
  readonly src2: number;
  readonly src3: number;
  readonly dst0: number;
  readonly dst1: number;
  readonly dst2: number;
  readonly dst3: number;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number (unsigned 32-bit). */
  readonly seq: number;
  /** Acknowledgment number, or null when the ACK flag is clear (the field is then meaningless). */
  readonly ack: number | null;
  /** `TcpFlag` bits. */
  readonly flags: number;
  /** Window field as sent (not scaled). */
  readonly window: number;
  /** TCP payload bytes, from the IP lengths (not the captured length). */
  readonly payloadLen: number;
  /**
   * Parsed options, or null when the header has none (also when it holds only NOP/EOL padding,
   * or the snaplen cut it before the first whole option: nothing to report).
   */
  readonly options: TcpOptions | null;
  /**
   * True when the snaplen cut the TCP header's options or payload. Also true for a first IP
   * fragment, whose payloadLen is only that fragment's share (later fragments are not decoded),
   * and when the IP header claimed more bytes than the frame had on the wire or than the link
   * header declared (PPPoE's length): payloadLen then counts what the smallest length allows.
   */
  readonly truncated: boolean;
  /**
   * The tunnels the segment came through, as an id of the run's TunnelPaths (decode/tunnel-path.ts):
   * 0 when it came through none. The same tunnels give the same id in both directions; flow/ keys
   * on it, so one inner 4-tuple in two tunnels is two connections.
   */
  readonly tunnel: number;
  /** Bit i set: hop i's outer addresses run against the path's canonical order (TunnelPaths.describe). */
  readonly tunnelFlip: number;
}

/**
 * Why a frame is not a TCP segment ('too-deep': more than MAX_HOPS tunnels nested). Returned as a string constant so a skip allocates nothing.
 * 'unsupported-link' is counted per link type by the caller.
 */
export type SkipReason = 'unsupported-link' | 'non-ip' | 'udp' | 'icmp' | 'other-ip' | 'fragment' | 'truncated' | 'malformed' | 'too-deep';

/** A Segment that decode/ may fill again and again (`decodeFrameInto`): the same fields, writable. */
export type SegmentBuffer = { -readonly [K in keyof Segment]: Segment[K] };

/** A fresh segment with every field present (one hidden class for fresh and reused segments alike). */
export function newSegment(): SegmentBuffer {
  return {
    packet: 0,
    tsSec: 0,
    tsNsec: 0,
    ipVersion: 4,
    ipId: -1,
    src0: 0,
    src1: 0,
    src2: 0,
    src3: 0,
    dst0: 0,
    dst1: 0,
    dst2: 0,
    dst3: 0,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: null,
    flags: 0,
    window: 0,
    payloadLen: 0,
    options: null,
    truncated: false,
    tunnel: 0,
    tunnelFlip: 0,
  };
}
