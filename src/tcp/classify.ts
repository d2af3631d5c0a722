/**
 * classify(): one captured segment -> the event it is for its sender's machine and the event it is
 * for its receiver's machine. All the sequence-number guards live here (is this SYN a
 * retransmission, does this ACK cover the peer's FIN, is this RST acceptable), so the table in
 * table.ts can be plain data.
 *
 * The per-endpoint `EndpointTrack` is a handful of numbers per direction, never anything per byte.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import { RST_NOTE, type RstNote, type TcpState } from './model.js';
import type { ReceivedEvent, SentEvent } from './table.js';
import { seqAdd, seqGe, seqGt, seqInWindow, seqLe } from './seq.js';

/** What tcp/ remembers about one endpoint, as a sender and as an acknowledger. */
export interface EndpointTrack {
  /** RFC 9293 state. */
  state: TcpState;
  /** True once this endpoint sent any segment. */
  sentAny: boolean;
  /** Its SYN's sequence number (its ISN), null until a SYN from it is captured. */
  isn: number | null;
  /** Payload carried on its SYN (Fast Open). */
  synLen: number;
  /** It sent a SYN without ACK / a SYN,ACK. */
  sentSyn: boolean;
  sentSynAck: boolean;
  /** The peer acknowledged its SYN (an ACK >= ISN+1 was seen). */
  synAcked: boolean;
  /** Base for tcpdump-style relative numbers of its sequence space; null until known. */
  base: number | null;
  /** Highest seq + len (+1 per SYN/FIN) it sent: Wireshark's "next expected sequence number". */
  nextSeq: number | null;
  /** Capture time (s) nextSeq last advanced. */
  nextSeqTime: number;
  /** Sequence number its FIN occupies (seq + payload length), null until a FIN from it is captured. */
  finSeq: number | null;
  /** The peer acknowledged its FIN. */
  finAcked: boolean;
  /** Packet number of its first FIN. */
  finPacket: number;
  /** Highest ACK it sent (acknowledges the peer's space). */
  maxAck: number | null;
  /** ACK of its last ACK-bearing segment, and that segment's time. */
  lastAck: number | null;
  lastAckTime: number;
  /** Window field of its last segment (unscaled), null before any. */
  windowRaw: number | null;
  /** Window scale it announced on its SYN, null if none. */
  wscale: number | null;
  /** Consecutive duplicate ACKs it sent. */
  dupAcks: number;
  /** Its last segment was a keep-alive probe. */
  lastWasKeepAlive: boolean;
  /** The unacceptable ACK of the last SYN,ACK it received (for recognizing its answering RST). */
  badSynAckAck: number | null;
}

/** A fresh track for an endpoint in `state`. */
export function newTrack(state: TcpState): EndpointTrack {
  return {
    state,
    sentAny: false,
    isn: null,
    synLen: 0,
    sentSyn: false,
    sentSynAck: false,
    synAcked: false,
    base: null,
    nextSeq: null,
    nextSeqTime: 0,
    finSeq: null,
    finAcked: false,
    finPacket: 0,
    maxAck: null,
    lastAck: null,
    lastAckTime: 0,
    windowRaw: null,
    wscale: null,
    dupAcks: 0,
    lastWasKeepAlive: false,
    badSynAckAck: null,
  };
}

/** Window scaling is in effect only when both SYNs carried the option (RFC 7323 §2.2). */
export function windowBytes(t: EndpointTrack, peer: EndpointTrack): number | null {
  if (t.windowRaw === null) return null;
  const shift = t.wscale !== null && peer.wscale !== null ? Math.min(t.wscale, 14) : 0;
  return t.windowRaw * 2 ** shift;
}

/**
 * How the receiver would judge an RST (RFC 9293 §3.10.7.3 and §3.10.7.4 with RFC 5961 §3.2), as
 * Linux does (tcp_rcv_synsent_state_process, tcp_validate_incoming, tcp_check_req).
 */
export interface RstJudgement {
  /** Exact match (or an acceptable ACK in SYN-SENT): the receiver resets. */
  accepted: boolean;
  /** Within the receive window (the `rst-in-window` check). */
  inWindow: boolean;
  /** The reference the RST was compared with (RCV.NXT, or ISS+1 in SYN-SENT); null when unknown. */
  expected: number | null;
  /** The RST field that was compared (SEG.SEQ, or SEG.ACK in SYN-SENT). */
  actual: number | null;
  /** Why it is not accepted (null when it is): the code of its note (RST_NOTE). */
  why?: RstNote | null;
}

function judged(out: RstJudgement, accepted: boolean, inWindow: boolean, expected: number | null, actual: number | null, why: RstNote | null): RstJudgement {
  out.accepted = accepted;
  out.inWindow = inWindow;
  out.expected = expected;
  out.actual = actual;
  out.why = accepted ? null : why;
  return out;
}

/**
 * Judges an RST from `s` arriving at `r`. `out` is filled and returned, so the per-packet path can
 * reuse one object.
 *   - SYN-SENT: acceptable only with an ACK that acknowledges the SYN (SND.UNA < SEG.ACK =< SND.NXT);
 *     without ACK, or with another, it is dropped (RFC 9293 §3.10.7.3, first and second).
 *   - SYN-RECEIVED entered from LISTEN: Linux's request socket resets on any RST inside the window
 *     (tcp_check_req); RFC 9293 §3.10.7.4's exact-match rule applies to full sockets.
 *   - Otherwise: accepted at RCV.NXT (RFC 5961 §3.2); inside the window but elsewhere it only draws
 *     a challenge ACK, outside it is dropped. Linux also accepts RCV.NXT - 1 (the peer's FIN) in
 *     CLOSE-WAIT, LAST-ACK and CLOSING (tcp_reset_check: stacks that send the RST at their FIN's
 *     number after closing).
 */
export function judgeRst(
  seg: Segment,
  s: EndpointTrack,
  r: EndpointTrack,
  out: RstJudgement = { accepted: false, inWindow: false, expected: null, actual: null, why: null },
): RstJudgement {
  if (r.state === 'SYN-SENT' && r.isn !== null) {
    // SYN-SENT: "If the ACK bit is set ... the RST is acceptable if the ACK field acknowledges the SYN."
    const expected = seqAdd(r.isn, 1 + r.synLen);
    const ok = seg.ack !== null && seqGt(seg.ack, r.isn) && r.nextSeq !== null && seqLe(seg.ack, r.nextSeq);
    return judged(out, ok, ok, expected, seg.ack, seg.ack === null ? RST_NOTE.noAck : RST_NOTE.badAck);
  }
  // RCV.NXT as the receiver knows it: what the sender has sent, if delivered; else the receiver's own last ACK.
  const rcvNxt = s.nextSeq ?? r.lastAck;
  if (rcvNxt === null) return judged(out, true, true, null, seg.seq, null);
  const exact = seg.seq === rcvNxt || seg.seq === r.lastAck;
  const wnd = Math.max(windowBytes(r, s) ?? 1, 1);
  const inWindow = exact || seqInWindow(seg.seq, rcvNxt, wnd);
  if (!exact && (r.state === 'CLOSE-WAIT' || r.state === 'LAST-ACK' || r.state === 'CLOSING')) {
    const finSeq = seqAdd(rcvNxt, -1);
    if (seg.seq === finSeq || (r.lastAck !== null && seg.seq === seqAdd(r.lastAck, -1))) {
      return judged(out, true, true, seg.seq, seg.seq, null);
    }
  }
  const passive = r.state === 'SYN-RECEIVED' && !r.sentSyn;
  const accepted = exact || (passive && inWindow);
  return judged(out, accepted, inWindow, rcvNxt, seg.seq, inWindow ? RST_NOTE.challenge : RST_NOTE.outOfWindow);
}

function fill(out: Classified, sent: SentEvent, received: ReceivedEvent): Classified {
  out.sent = sent;
  out.received = received;
  return out;
}

/** The two readings of one segment. */
export interface Classified {
  sent: SentEvent;
  received: ReceivedEvent;
}

/**
 * Classifies `seg`, sent by `s` to `r`, from both tracks as they were before the segment.
 * `rst` is the RST judgement when the segment is an RST (computed by the caller once, reused for the check).
 * `out` is filled and returned, so the per-packet path can reuse one object.
 */
export function classify(
  seg: Segment,
  s: EndpointTrack,
  r: EndpointTrack,
  rst: RstJudgement | null,
  out: Classified = { sent: 'Ack', received: 'Ack' },
): Classified {
  const f = seg.flags;
  const ack = seg.ack;
  if (f & TcpFlag.RST) {
    // RFC 9293 §3.10.7.3: SYN-SENT answers an unacceptable ACK with <SEQ=SEG.ACK><CTL=RST> and stays.
    const answer = s.state === 'SYN-SENT' && s.badSynAckAck !== null && seg.seq === s.badSynAckAck && ack === null;
    return fill(out, answer ? 'RstAnswer' : 'Rst', rst === null || rst.accepted ? 'Rst' : 'RstUnacceptable');
  }
  if (f & TcpFlag.SYN) {
    if (f & TcpFlag.ACK) {
      const sent: SentEvent = s.sentSynAck && seg.seq === s.isn ? 'SynAckRexmit' : 'SynAck';
      // SYN-SENT/SYN-RECEIVED acceptability: SND.UNA < SEG.ACK =< SND.NXT (RFC 9293 §3.10.7.3, §3.3.1).
      const acceptable = r.isn === null || (ack !== null && seqGt(ack, r.isn) && (r.nextSeq === null || seqLe(ack, r.nextSeq)));
      return fill(out, sent, acceptable ? 'SynAck' : 'SynAckBadAck');
    }
    const rexmit = s.isn !== null && seg.seq === s.isn;
    return rexmit ? fill(out, 'SynRexmit', 'SynRexmit') : fill(out, 'Syn', 'Syn');
  }
  // Only a SYN may lack the ACK bit: any other segment without it is dropped by every state (RFC 9293
  // §3.10.7.2-4), so its FIN closes nothing and it acknowledges nothing.
  if (!(f & TcpFlag.ACK)) return fill(out, 'NoAck', 'NoAck');
  const acksPeerFin = ack !== null && !r.finAcked && covers(ack, r.finSeq);
  if (f & TcpFlag.FIN) {
    const finAt = seqAdd(seg.seq, seg.payloadLen);
    const rexmit = s.finSeq !== null && seqLe(finAt, s.finSeq);
    // The sender cares that it is repeating itself; the receiver cares whether its own FIN is acknowledged.
    const sent: SentEvent = rexmit ? 'FinRexmit' : acksPeerFin ? 'FinAck' : 'Fin';
    const received: ReceivedEvent = acksPeerFin ? 'FinAck' : rexmit ? 'FinRexmit' : 'Fin';
    return fill(out, sent, received);
  }
  if (ack !== null && !r.synAcked && covers(ack, r.isn)) {
    return fill(out, 'AckOfSyn', 'AckOfSyn');
  }
  if (acksPeerFin) return fill(out, 'AckOfFin', 'AckOfFin');
  return seg.payloadLen > 0 ? fill(out, 'Data', 'Data') : fill(out, 'Ack', 'Ack');
}

/** `ack` covers the control segment at `at` (known): at + 1 or beyond. `at` is read once (on an End it may be a new heap number at every read). */
function covers(ack: number, at: number | null): boolean {
  return at !== null && seqGe(ack, seqAdd(at, 1));
}
