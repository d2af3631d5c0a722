/**
 * Per-segment analysis flags with Wireshark's tcp.analysis.* meanings (epan/dissectors/packet-tcp.c,
 * tcp_analyze_sequence_number, and the User's Guide §7.5 "TCP Analysis"), computed from the two
 * endpoint tracks as they were before the segment. A bitmask, so the hot path allocates nothing;
 * `flagNames()` turns it into the model's strings only for the segments that are kept.
 *
 *   keep-alive        len <= 1, no SYN/FIN/RST, seq = next expected seq - 1 (RFC 9293 §3.8.4)
 *   keep-alive-ack    len 0, same window, seq = next expected, ack = last ack, the peer's last segment was a keep-alive
 *   zero-window       window 0, no SYN/FIN/RST
 *   window-probe      len 1, seq = next expected, the peer's last window was 0
 *   prev. not capt.   seq > next expected (a gap in this direction), not an RST
 *   dup-ack           len 0, window unchanged and non-zero, seq = next expected, ack = last ack, no SYN/FIN/RST
 *   acked-unseen      ack > the peer's next expected seq (it acknowledges bytes the capture never saw)
 *   retransmission    (len > 0 or SYN or FIN), seq < next expected, not a keep-alive or window probe; split into
 *                     out-of-order (arrived within the handshake RTT, 3 ms if unknown, of the highest segment and does not
 *                     end at it) and spurious (everything in it was already acknowledged); fast retransmissions
 *                     (>= 2 dup ACKs, seq = their ack, < 20 ms after the last ACK) count as retransmissions.
 *                     As tshark 4.0 (checked against fixtures/*.tshark.tsv): more than one byte at next - 1
 *                     follows a window probe and is new data, not a retransmission. Unlike tshark, the
 *                     SYN,ACK an endpoint sends after its own SYN in a simultaneous open (same ISN) is not one.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { SegmentFlag } from './model.js';
import type { EndpointTrack } from './classify.js';
import { seqAdd, seqGt, seqLe, seqLt } from './seq.js';

/** Bits of the analysis mask. */
export const A = {
  RETRANSMISSION: 1 << 0,
  OUT_OF_ORDER: 1 << 1,
  DUP_ACK: 1 << 2,
  KEEP_ALIVE: 1 << 3,
  KEEP_ALIVE_ACK: 1 << 4,
  ZERO_WINDOW: 1 << 5,
  WINDOW_PROBE: 1 << 6,
  LOST_SEGMENT: 1 << 7,
  ACKED_UNSEEN: 1 << 8,
  SPURIOUS: 1 << 9,
} as const;

const NAMES: Array<[number, SegmentFlag]> = [
  [A.RETRANSMISSION, 'retransmission'],
  [A.SPURIOUS, 'spurious-retransmission'],
  [A.OUT_OF_ORDER, 'out-of-order'],
  [A.DUP_ACK, 'dup-ack'],
  [A.KEEP_ALIVE, 'keep-alive'],
  [A.KEEP_ALIVE_ACK, 'keep-alive-ack'],
  [A.ZERO_WINDOW, 'zero-window'],
  [A.WINDOW_PROBE, 'window-probe'],
  [A.LOST_SEGMENT, 'previous-segment-not-captured'],
  [A.ACKED_UNSEEN, 'acked-unseen-segment'],
];

/** The model's names for the bits set in `mask`. */
export function flagNames(mask: number): SegmentFlag[] {
  const out: SegmentFlag[] = [];
  if (mask === 0) return out;
  for (const [bit, name] of NAMES) if (mask & bit) out.push(name);
  return out;
}

const CONTROL = TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST;
const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;

/**
 * Analysis flags of `seg` sent by `s` to `r` at time `t` (seconds). `oooSec` is the out-of-order
 * threshold (Wireshark: the handshake RTT when known, else 3 ms).
 */
export function analyze(seg: Segment, s: EndpointTrack, r: EndpointTrack, t: number, oooSec: number): number {
  const f = seg.flags;
  const len = seg.payloadLen;
  const ctl = f & CONTROL;
  const next = s.nextSeq;
  let m = 0;

  if (len === 1 && next !== null && seg.seq === next && r.windowRaw === 0 && ctl === 0) m |= A.WINDOW_PROBE;
  if (seg.window === 0 && ctl === 0) m |= A.ZERO_WINDOW;
  if (next !== null && !(f & TcpFlag.RST) && seqGt(seg.seq, next)) m |= A.LOST_SEGMENT;
  if (next !== null && len <= 1 && ctl === 0 && seg.seq === seqAdd(next, -1)) m |= A.KEEP_ALIVE;

  const sameWindow = s.windowRaw !== null && seg.window === s.windowRaw;
  if (
    len === 0 &&
    ctl === 0 &&
    seg.ack !== null &&
    next !== null &&
    seg.seq === next &&
    s.lastAck !== null &&
    seg.ack === s.lastAck &&
    sameWindow
  ) {
    if (r.lastWasKeepAlive) m |= A.KEEP_ALIVE_ACK;
    else if (seg.window !== 0) m |= A.DUP_ACK;
  }

  if (seg.ack !== null && r.nextSeq !== null && !(f & TcpFlag.RST) && seqGt(seg.ack, r.nextSeq)) m |= A.ACKED_UNSEEN;

  // Simultaneous open (RFC 9293 §3.5 figure 7): an endpoint in SYN-SENT that receives the peer's
  // crossing SYN answers with a SYN,ACK carrying its own ISN again. That is a new segment of the
  // handshake, not a retransmission of its SYN (tshark flags it; we deliberately do not). A SYN,ACK
  // after an earlier SYN,ACK from the same endpoint still is a retransmission.
  const crossingSynAck = (f & SYN_ACK) === SYN_ACK && s.sentSyn && !s.sentSynAck && seg.seq === s.isn;
  const occupies = !crossingSynAck && (len > 0 || (f & (TcpFlag.SYN | TcpFlag.FIN)) !== 0);
  const notAdvanced = next !== null && seqLt(seg.seq, next) && !(len > 1 && seg.seq === seqAdd(next, -1));
  if (occupies && !(f & TcpFlag.RST) && notAdvanced && !(m & (A.KEEP_ALIVE | A.WINDOW_PROBE))) {
    const end = seqAdd(seg.seq, len + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0));
    const fast = r.dupAcks >= 2 && r.lastAck === seg.seq && t - r.lastAckTime < 0.02;
    if (!fast && t - s.nextSeqTime < oooSec && end !== next) m |= A.OUT_OF_ORDER;
    else {
      m |= A.RETRANSMISSION;
      if (len > 0 && r.lastAck !== null && seqLe(seqAdd(seg.seq, len), r.lastAck)) m |= A.SPURIOUS;
    }
  }
  return m;
}
