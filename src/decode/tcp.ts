/**
 * The TCP header (RFC 9293 §3.1) at `cur.l4Off`, written into a `Segment`: a new one, or the
 * caller's reused buffer (then its options object is reused too, see parseTcpOptions).
 */
import type { Frame } from '../capture/frame.js';
import { u16, u32 } from './bytes.js';
import type { Cursor } from './cursor.js';
import { newSegment, type Segment, type SegmentBuffer, type SkipReason, type TcpOptions } from './segment.js';
import { parseTcpOptions } from './tcp-options.js';

/** Length of the fixed TCP header in bytes (RFC 9293 §3.1: data offset 5). */
export const TCP_HEADER_LEN = 20;
const FLG_ACK = 0x010;

/**
 * Fills the segment for the TCP header the IP layer found, or says why it cannot. `into` and
 * `opts` are reused when given (the hot path); otherwise the segment and its options are new.
 */
export function decodeTcp(c: Cursor, frame: Frame, into: SegmentBuffer | null = null, opts: TcpOptions | null = null): Segment | SkipReason {
  const b = c.b;
  const o = c.l4Off;
  // Bytes of TCP header + payload according to the IP header.
  const ipLen = c.l4End - o;
  // A first fragment too short for the whole TCP header: the rest is in a later fragment.
  if (ipLen < TCP_HEADER_LEN) return c.firstFragment ? 'fragment' : 'malformed';
  if (o + TCP_HEADER_LEN > c.capEnd) return 'truncated';
  const hdrLen = (b[o + 12] >> 4) << 2;
  // RFC 9293 §3.1: the data offset counts 32-bit words and the header is at least 5 of them.
  if (hdrLen < TCP_HEADER_LEN) return 'malformed';
  if (hdrLen > ipLen) return c.firstFragment ? 'fragment' : 'malformed';
  // Captured bytes of this segment; anything past l4End is link padding, not TCP.
  const capEnd = c.capEnd < c.l4End ? c.capEnd : c.l4End;
  const flags = ((b[o + 12] & 1) << 8) | b[o + 13];
  const seg = into ?? newSegment();
  seg.packet = frame.index;
  seg.tsSec = frame.tsSec;
  seg.tsNsec = frame.tsNsec;
  seg.ipVersion = c.ipVersion;
  seg.ipId = c.ipId;
  seg.src0 = c.src0;
  seg.src1 = c.src1;
  seg.src2 = c.src2;
  seg.src3 = c.src3;
  seg.dst0 = c.dst0;
  seg.dst1 = c.dst1;
  seg.dst2 = c.dst2;
  seg.dst3 = c.dst3;
  seg.srcPort = u16(b, o);
  seg.dstPort = u16(b, o + 2);
  seg.seq = u32(b, o + 4);
  seg.ack = flags & FLG_ACK ? u32(b, o + 8) : null;
  seg.flags = flags;
  seg.window = u16(b, o + 14);
  seg.payloadLen = ipLen - hdrLen;
  seg.options = hdrLen > TCP_HEADER_LEN ? parseTcpOptions(b, o + TCP_HEADER_LEN, o + hdrLen, capEnd, opts) : null;
  // The snaplen cut the options or payload (payloadLen still counts what was sent); or this is
  // a first IP fragment (payloadLen is only this fragment's share; the rest is not decoded);
  // or the IP header claimed more than the wire carried (payloadLen counts what was carried).
  seg.truncated = c.capEnd < c.l4End || c.firstFragment || c.lengthClamped;
  return seg;
}
