/**
 * Per-segment analysis flags with Wireshark's tcp.analysis.* meanings (epan/dissectors/packet-tcp.c,
 * tcp_analyze_sequence_number, and the User's Guide §7.5 "TCP Analysis"), computed from the two
 * endpoint tracks as they were before the segment. A bitmask, so the hot path allocates nothing;
 * `flagNames()` turns it into the model's strings only for the segments that are kept.
 *
 *   keep-alive        len <= 1, no SYN/FIN/RST, seq = next expected seq - 1, sent when the peer had acknowledged
 *                     everything up to next expected (nothing outstanding) and had been silent for about 1 s
 *                     (or had closed its window: Linux probes a zero window with the same segment). RFC 9293 §3.8.4,
 *                     Linux tcp_keepalive_timer / tcp_write_wakeup. tshark checks only the sequence number, so it
 *                     also calls a retransmission of an unacknowledged last byte a keep-alive; here that is a
 *                     retransmission.
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
 *   duplicate         the same frame captured twice (duplicateOf below): no other flag, never analysed or
 *                     applied again. tshark calls the copy a retransmission (or a dup ACK).
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { SegmentFlag } from './model.js';
import type { EndpointTrack } from './classify.js';
import { seqAdd, seqGe, seqGt, seqLe, seqLt } from './seq.js';
import { mix } from '../decode/hash.js';

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
  DUPLICATE: 1 << 10,
  /** Set by the tracker: captured after later sequence space of its sender's (tracker.ts, "reordered"). */
  REORDERED: 1 << 11,
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
  [A.DUPLICATE, 'duplicate'],
  [A.REORDERED, 'reordered'],
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
 * Silence from the peer before a keep-alive probe, seconds: a probe is sent only when nothing was
 * received for the keep-alive time (RFC 9293 §3.8.4), and Linux's smallest TCP_KEEPIDLE and
 * TCP_KEEPINTVL are 1 s, counted in jiffies from the jiffy the last segment arrived in, so the
 * capture can show up to a jiffy (10 ms at HZ=100) less; 0.9 s leaves room for that. A
 * retransmission timer fires sooner (Linux's first RTOs: 200, 400, 800 ms).
 */
export const KEEPALIVE_IDLE_SEC = 0.9;

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
  // A keep-alive probe repeats the last byte the peer acknowledged (seq = SND.NXT - 1): with anything
  // outstanding, or sooner than a keep-alive timer can fire, a segment there is a retransmission.
  if (
    next !== null &&
    len <= 1 &&
    ctl === 0 &&
    seg.seq === seqAdd(next, -1) &&
    acked(r.maxAck, next) &&
    (t - r.lastAckTime >= KEEPALIVE_IDLE_SEC || r.windowRaw === 0)
  ) {
    m |= A.KEEP_ALIVE;
  }

  const sameWindow = s.windowRaw !== null && seg.window === s.windowRaw;
  if (len === 0 && ctl === 0 && seg.ack !== null && next !== null && seg.seq === next && sameWindow && seg.ack === s.lastAck) {
    if (r.lastWasKeepAlive) m |= A.KEEP_ALIVE_ACK;
    else if (seg.window !== 0) m |= A.DUP_ACK;
  }

  if (seg.ack !== null && !(f & TcpFlag.RST) && beyond(seg.ack, r.nextSeq)) m |= A.ACKED_UNSEEN;

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

/**
 * Duplicated frames. A capture on `any`, two taps, a mirror port or a file merged with itself holds
 * some IP datagrams twice: the same segment within microseconds. The copy is not a retransmission
 * (the sender sent it once) and must not reach the state machines again. A copy repeats the segment
 * its sender sent just before (the previous one in that direction) exactly: sequence and
 * acknowledgment numbers, flags, length, window, the timestamps and first SACK block; and:
 *   - IPv4 with a non-zero Identification: the same id, less than DUP_ID_NS apart. A retransmission
 *     is a new datagram, which a stack that numbers its datagrams (Linux per socket, the BSDs,
 *     Windows) gives a new id, and it does not follow its original within 1 ms;
 *   - IPv6 (no id), or an id of 0 (RFC 6864 §4.1 lets an atomic datagram carry any id; Linux puts 0
 *     in its SYN,ACKs and in what it sends without a connected socket, such as RSTs, and two RSTs
 *     can repeat each other exactly): at most DUP_NO_ID_NS apart, sooner than a segment can be
 *     answered and sent again.
 * The time difference is taken either way round: copies from two interfaces may be out of order.
 * Numbers only, one object per connection: nothing is allocated per packet.
 */
export const DUP_ID_NS = 1_000_000;
export const DUP_NO_ID_NS = 10_000;

/**
 * What a duplicate watch remembers of the last segment each side sent (dc*: the client's, ds*: the
 * server's): plain fields, so that a tracker holds them itself (ConnectionTracker), not in three
 * objects of its own. The key is kept as a signed 32-bit number (a small integer, never a heap number).
 */
export interface DupState {
  dcPacket: number;
  dcIpId: number;
  dcKey: number;
  dcSec: number;
  dcNsec: number;
  dsPacket: number;
  dsIpId: number;
  dsKey: number;
  dsSec: number;
  dsNsec: number;
}

/**
 * The packet number of the segment `seg` is a copy of (the previous one its side sent), or 0
 * when it is not a copy, and then `seg` is the one the next segment from that side is compared with.
 */
export function duplicateOf(w: DupState, seg: Segment, fromClient: boolean): number {
  const key = segmentKey(seg) | 0;
  const id = seg.ipId;
  const packet = fromClient ? w.dcPacket : w.dsPacket;
  if (packet !== 0 && key === (fromClient ? w.dcKey : w.dsKey) && id === (fromClient ? w.dcIpId : w.dsIpId)) {
    let dt = (seg.tsSec - (fromClient ? w.dcSec : w.dsSec)) * 1e9 + (seg.tsNsec - (fromClient ? w.dcNsec : w.dsNsec));
    if (dt < 0) dt = -dt;
    if (id > 0 ? dt < DUP_ID_NS : dt <= DUP_NO_ID_NS) return packet;
  }
  if (fromClient) {
    w.dcPacket = seg.packet;
    w.dcIpId = id;
    w.dcKey = key;
    w.dcSec = seg.tsSec;
    w.dcNsec = seg.tsNsec;
  } else {
    w.dsPacket = seg.packet;
    w.dsIpId = id;
    w.dsKey = key;
    w.dsSec = seg.tsSec;
    w.dsNsec = seg.tsNsec;
  }
  return 0;
}

/** A 32-bit digest of the fields two copies of a segment share (see duplicateOf). */
function segmentKey(seg: Segment): number {
  let h = mix(0x2545f491, seg.seq);
  h = mix(h, seg.ack ?? 0);
  h = mix(h, seg.flags | (seg.ack === null ? 0x10000 : 0));
  h = mix(h, seg.payloadLen);
  h = mix(h, seg.window);
  const o = seg.options;
  if (o !== null) {
    h = mix(h, o.tsVal ?? 0);
    h = mix(h, o.tsEcr ?? 0);
    const sack = o.sack;
    if (sack !== undefined && sack.length > 0) {
      h = mix(h, sack[0]![0]);
      h = mix(h, sack[0]![1]);
    }
  }
  return h;
}

// A sequence number of a track is read once (on an End it may be a new heap number at every read).

/** `maxAck` is known and at or beyond `next`. */
function acked(maxAck: number | null, next: number): boolean {
  return maxAck !== null && seqGe(maxAck, next);
}

/** `ack` is beyond `next`, which is known. */
function beyond(ack: number, next: number | null): boolean {
  return next !== null && seqGt(ack, next);
}
