/**
 * What the capture did not show, and the evidence for it. The peer's ACKs prove segments no
 * captured packet carried (inferFromAck applies them to both machines, unseen()); a guess that a
 * later segment contradicts is withdrawn (withdrawFin, withdrawSynAck); data retransmitted after
 * the ACK of its FIN shows that ACK was lost (retransmitsAcked); and at the end of the capture,
 * what did not happen is evidence too (missingAnswers, from each endpoint's latest SYN/FIN that
 * noteControl keeps).
 */
import { newSegment, TcpFlag, type Segment } from '../decode/segment.js';
import { classify, type Classified } from './classify.js';
import type { ConnectionTracker } from './connection.js';
import { INFERENCE, type End, type InferenceCode, type Proof } from './endpoint.js';
import { bookSegment, bookUnexpected } from './exchange.js';
import { flat, round6 } from './format.js';
import { applyReceived, applySent, undo } from './machines.js';
import { CHECK_IDS, TcpState, type EndpointRecord, type SegmentRecord, type Side, type Transition } from './model.js';
import { NOTE, type ControlKind, type Note } from './notes.js';
import { step } from './table.js';
import { A } from './analysis.js';
import { seqAdd, seqDiff, seqGe, seqGt } from './seq.js';
import { lastTr, lastVia, setWhy, trFrom, trPacket, trTo } from './timeline.js';

const { Listen, TimeWait } = TcpState;
/** Checks about an endpoint's FIN, none of which a FIN the capture did not show can decide. */
const FIN_CHECKS = ['fin-acked', 'fin-consumes-one', 'no-data-after-fin'].reduce((m, id) => m | (1 << CHECK_IDS.indexOf(id as never)), 0);
/**
 * Silence that shows an endpoint stopped retransmitting its SYN or FIN (so the ACK the capture did
 * not show reached it), and that shows a visible endpoint never answered a SYN: RFC 6298's lower
 * bound for the retransmission timeout (§2.4, 1 s; also the initial RTO, §2.1) and, after a
 * retransmission, three times the last interval (each backoff at most doubles it).
 */
const MIN_RTO = 1;
/** A visible endpoint that leaves a SYN unanswered for this many round trips (and MIN_RTO) never got it. */
const UNANSWERED_RTTS = 10;

// Scratch for a segment the capture did not show but the peer's ACK proves (observe() is never
// re-entered): the segment and its two events.
const VEV: Classified = { sent: 'Ack', received: 'Ack' };
const PROOF: Proof = { code: INFERENCE.unseenData, packet: 0, ack: null, ctl: 0, len: 0, a: 'client', b: 'server' };
const VSEG = newSegment();

/**
 * A FIN inferred from a one-number step of the peer's ACK that nothing else confirms yet (the peer
 * has not sent a FIN of its own): if the endpoint's sequence space later grows past it, it was one
 * byte of data and the inference is withdrawn (withdrawFin).
 */
export interface FinGuess {
  A: End;
  B: End;
  packet: number;
  bits: number;
  saved: [Side | null, Side | null, boolean, boolean, boolean, boolean, boolean, number | null, number, number, number, number];
}
/** A SYN,ACK inferred from an ACK of an unseen ISN (ConnectionTracker.synGuess). */
export interface SynGuess {
  A: End;
  B: End;
  packet: number;
  /** B's ACK: A's ISN + 1. */
  ack: number;
  /** What B's segment was to A's machine had it stayed LISTEN. */
  event: 'Data' | 'Ack';
  saved: [number | null, boolean, number, number | null, number, number, number, number];
}

/**
 * `seg`, sent by B, acknowledges sequence space of A's that the capture never showed A send: the
 * ACK is evidence that A sent it and that B received it. The unseen segment is applied to both
 * machines just before `seg` (unseen()), each transition marked inferred with the code and the
 * packet of the ACK that proves it:
 *   - B sent a SYN and acknowledges an ISN of A's never seen, A waiting in LISTEN: A's SYN,ACK
 *     (ISN = ack - 1);
 *   - one sequence number beyond everything A was seen or shown to send: A's FIN, the only
 *     control that occupies one number on its own. Unless B has sent, or sends now, a FIN of its
 *     own, that stays a guess which A's space growing past it withdraws (one byte of data);
 *   - more: A's data, which shows A synchronized (it acknowledged B's SYN).
 * The unseen segment acknowledges what B was seen to send before `seg`: the capture's assumption
 * that a segment arrives when captured, as for every other one.
 */
export function inferFromAck(x: ConnectionTracker, seg: Segment, B: End, A: End, t: number): void {
  const f = seg.flags;
  const sg = x.synGuess;
  if (sg !== null) {
    x.synGuess = null;
    // The guessed sender's next segment: LISTEN's RST answering the ACK withdraws the SYN,ACK.
    if (sg.A === B && (f & (TcpFlag.RST | TcpFlag.ACK)) === TcpFlag.RST && seg.seq === sg.ack) withdrawSynAck(x, sg, seg.packet);
    else if (sg.A !== B) x.synGuess = sg;
  }
  const g = x.finGuess;
  if (g !== null) {
    if (g.B === B && f & TcpFlag.FIN && !(f & TcpFlag.RST))
      x.finGuess = null; // B closes too: the FIN stands
    else if (g.A === B && seg.payloadLen > 0 && B.t.finSeq !== null && seqGt(seqAdd(seg.seq, seg.payloadLen), B.t.finSeq)) {
      withdrawFin(x, g); // its own data beyond the guessed FIN
    }
  }
  const ack = seg.ack;
  if (ack === null || f & TcpFlag.RST) return;
  const a = A.t;
  const b = B.t;
  if (a.isn === null && !(f & TcpFlag.SYN) && b.sentSyn && b.isn !== null && a.state === Listen && a.nextSeq === null) {
    const saved: SynGuess['saved'] = [a.base, b.synAcked, x.firstSynAckPacket, A.ctlEnd, A.ctlCopies, A.ctlLast, A.ctlPrev, A.ctlPacket];
    unseen(x, A, B, seg, t, INFERENCE.unseenSyn, TcpFlag.SYN, seqAdd(ack, -1), 0, seqAdd(b.isn, 1 + b.synLen));
    x.synGuess = { A, B, packet: seg.packet, ack, event: seg.payloadLen > 0 ? 'Data' : 'Ack', saved };
    return;
  }
  // Each read once: a sequence number read from an End may be a new heap number (endpoint.ts).
  let end = a.nextSeq;
  const isn = a.isn;
  if (isn !== null) end = later(end, seqAdd(isn, 1 + a.synLen));
  const maxAck = b.maxAck;
  if (maxAck !== null) end = later(end, maxAck);
  const finSeq = a.finSeq;
  if (finSeq !== null) end = later(end, seqAdd(finSeq, 1));
  if (end === null) return;
  const gap = seqDiff(ack, end);
  if (gap <= 0 || gap >= 1 << 30) return;
  // Beyond A's FIN: a guessed FIN was a byte of data; a captured one makes the ACK bogus (a check's business).
  const guess = x.finGuess;
  if (finSeq !== null && !(guess !== null && guess.A === A && withdrawFin(x, guess))) return;
  const ackOf = b.nextSeq ?? a.maxAck;
  // A step of more than one number is data, and may end with A's FIN: a FIN riding on A's last
  // data cannot be told from one more byte by the ACK's number. B closing in the very segment that
  // first acknowledges it tells: an application that closes at once has read the end of A's
  // stream (it closes because it read EOF; a kernel ACKs a FIN at once). A guess all the same,
  // and one that stands: B's own FIN is applied after it in the same segment, so it cannot be
  // taken back as a one-number guess is (README, Limits).
  const dataAndFin = gap > 1 && (f & (TcpFlag.FIN | TcpFlag.RST)) === TcpFlag.FIN && b.finSeq === null;
  if (gap > 1 && !dataAndFin) {
    unseen(x, A, B, seg, t, INFERENCE.unseenData, 0, end, gap, ackOf);
    return;
  }
  const sure = (f & TcpFlag.FIN) !== 0 || b.finSeq !== null;
  const saved: FinGuess['saved'] = [
    x.firstFin,
    x.firstCloseSide,
    x.secondFin,
    x.threeSegment,
    x.finsCrossed,
    A.ackedPeerFin,
    B.ackedPeerFin,
    A.ctlEnd,
    A.ctlCopies,
    A.ctlLast,
    A.ctlPrev,
    A.ctlPacket,
  ];
  const bits = FIN_CHECKS & ~A.checked;
  unseen(x, A, B, seg, t, INFERENCE.unseenFin, TcpFlag.FIN, end, gap - 1, ackOf);
  x.finGuess = sure ? null : { A, B, packet: seg.packet, bits, saved };
}

/**
 * Applies a segment from A that the capture did not show, proven by B's segment `proof`: A sent it
 * (A's machine), B received it (B's machine), both inferred; the opening/closing facts count it; the
 * tracks learn its ISN or FIN, not what only a captured segment shows (A's next sequence number for
 * the analysis flags, counts, options, checks: the checks about a FIN no capture showed are skipped).
 */
export function unseen(
  x: ConnectionTracker,
  A: End,
  B: End,
  proof: Segment,
  t: number,
  code: InferenceCode,
  ctl: number,
  seq: number,
  len: number,
  ack: number | null,
): void {
  const v = VSEG;
  v.packet = proof.packet;
  v.tsSec = proof.tsSec;
  v.tsNsec = proof.tsNsec;
  v.flags = ctl | (ack === null ? 0 : TcpFlag.ACK);
  v.seq = seq;
  v.ack = ack;
  v.payloadLen = len;
  const ev = classify(v, A.t, B.t, null, VEV);
  const sent = ev.sent;
  const received = ev.received;
  const why = PROOF;
  why.code = code;
  why.packet = proof.packet;
  why.ack = proof.ack;
  why.ctl = ctl;
  why.len = len;
  why.a = A.name;
  why.b = B.name;
  x.evidence = why;
  const senderBefore = A.t.state;
  const receiverBefore = B.t.state;
  const last = lastTr(x, A);
  const basis = A.basis;
  const pending = B.pending;
  applySent(x, A, v, sent, t);
  applyReceived(x, B, v, received, sent, t);
  x.evidence = null;
  // B's own segment acknowledges it: nothing of it awaits B's ACK.
  B.pending = pending;
  if (lastTr(x, A) === last) A.basis = basis;
  A.evidenced++;
  bookSegment(x, v, A, B, sent, t, senderBefore, receiverBefore, false);
  const a = A.t;
  const b = B.t;
  if (ctl & TcpFlag.SYN) {
    a.isn = seq;
    a.synLen = 0;
    if (a.base === null) a.base = seq;
    // No check about a SYN,ACK the capture did not show.
    B.awaitHandshakeAck = false;
    A.awaitSeqAfterSyn = false;
  }
  if (ctl & TcpFlag.FIN) {
    a.finSeq = seqAdd(seq, len);
    a.finAcked = false;
    a.finPacket = proof.packet;
    A.checked |= FIN_CHECKS;
  }
  if (ctl !== 0) {
    A.ctlEnd = seqAdd(seq, len + 1);
    A.ctlCopies = 1;
    A.ctlLast = t;
    A.ctlPrev = t;
    A.ctlPacket = proof.packet;
  }
  if (ack !== null) {
    if (a.maxAck === null || seqGt(ack, a.maxAck)) a.maxAck = ack;
    if (b.isn !== null && !b.synAcked && seqGe(ack, seqAdd(b.isn, 1))) b.synAcked = true;
    if (b.finSeq !== null && !b.finAcked && seqGe(ack, seqAdd(b.finSeq, 1))) b.finAcked = true;
  }
  if (len > 0 && x.firstFin !== null && x.firstFin !== A.name) x.dataAfterFin += len;
}

/**
 * A's sequence space grew past a FIN guessed from a one-number step: it was a byte of data.
 * Withdrawn (both machines' transitions at the guessing packet undone, the tracks and closing facts
 * as they were) when nothing else changed either machine since; otherwise it stands. Returns
 * whether it was withdrawn.
 */
export function withdrawFin(x: ConnectionTracker, g: FinGuess): boolean {
  const { A, B, packet } = g;
  x.finGuess = null;
  // (trPacket is -1 for none.)
  if (trPacket(x, lastTr(x, A)) > packet || trPacket(x, lastTr(x, B)) > packet) return false;
  for (const E of [A, B]) {
    while (trPacket(x, lastTr(x, E)) === packet) undo(x, E, false);
  }
  [
    x.firstFin,
    x.firstCloseSide,
    x.secondFin,
    x.threeSegment,
    x.finsCrossed,
    A.ackedPeerFin,
    B.ackedPeerFin,
    A.ctlEnd,
    A.ctlCopies,
    A.ctlLast,
    A.ctlPrev,
    A.ctlPacket,
  ] = g.saved;
  A.t.finSeq = null;
  A.t.finAcked = false;
  A.checked &= ~g.bits;
  A.awaitSeqAfterFin = false;
  return true;
}

/**
 * A's RST (packet `rst`), `<SEQ=SEG.ACK>` without ACK, answers the ACK of B's that a SYN,ACK of
 * A's was inferred from: that is LISTEN's answer to any ACK (RFC 9293 §3.10.7.2, second), so A was
 * listening and sent no SYN,ACK. A's inferred transitions are undone (it stays LISTEN and the ACK
 * is a segment LISTEN cannot take: flagged `unexpected`), and its track forgets the ISN. B's machine
 * keeps what its own ACK shows it believed (a SYN,ACK received, from wherever it came).
 */
export function withdrawSynAck(x: ConnectionTracker, g: SynGuess, rst: number): void {
  const { A, B, packet } = g;
  while (trPacket(x, lastTr(x, A)) === packet) undo(x, A, false);
  const a = A.t;
  a.isn = null;
  a.synLen = 0;
  [a.base, B.t.synAcked, x.firstSynAckPacket, A.ctlEnd, A.ctlCopies, A.ctlLast, A.ctlPrev, A.ctlPacket] = g.saved;
  A.evidenced--;
  A.awaitSeqAfterSyn = false;
  A.pending = null;
  const tr = lastTr(x, B);
  if (trPacket(x, tr) === packet && lastVia(x, B) !== null) {
    setWhy(
      x,
      tr,
      flat(
        `its ACK in packet ${packet} acknowledges a SYN,ACK of the ${A.name}'s that the capture did not show, so it took one as received; ` +
          `the ${A.name}'s RST <SEQ=SEG.ACK> without ACK in packet ${rst} is LISTEN's answer to an ACK (RFC 9293 §3.10.7.2), so the ${A.name} never sent it`,
      ),
    );
  }
  bookUnexpected(x, packet, A.name, 'received', Listen, g.event);
}

/**
 * S retransmits data that everything it had received acknowledged (the analysis' spurious
 * retransmission): the ACK that took it on from its FIN (FIN-WAIT-2, TIME-WAIT, CLOSED), which
 * covered this data too, never reached it. That transition is undone, as a retransmitted FIN undoes
 * it (SHOWS_LOST); a later ACK of the FIN takes it on again.
 */
export function retransmitsAcked(x: ConnectionTracker, seg: Segment, S: End, mask: number): void {
  if (!(mask & A.SPURIOUS) || seg.flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) return;
  const via = lastVia(x, S);
  if (via === 'AckOfFin' || via === 'FinAck') undo(x, S, true);
}

/** Its latest SYN or FIN (a new one, or another copy): what finish() reads the silence after. */
export function noteControl(seg: Segment, S: End, t: number): void {
  const f = seg.flags;
  if (!(f & (TcpFlag.SYN | TcpFlag.FIN)) || f & TcpFlag.RST) return;
  const end = seqAdd(seg.seq, seg.payloadLen + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0));
  if (S.ctlEnd === end) {
    S.ctlCopies++;
    S.ctlPrev = S.ctlLast;
  } else {
    S.ctlEnd = end;
    S.ctlCopies = 1;
    S.ctlPrev = t;
  }
  S.ctlLast = t;
  S.ctlPacket = seg.packet;
}

/** Silence after an endpoint's last SYN/FIN copy that shows it stopped retransmitting (MIN_RTO). */
export function stopAfter(E: End): number {
  return Math.max(MIN_RTO, 3 * (E.ctlLast - E.ctlPrev));
}

/**
 * Missing answers at the end of the capture (item 14 of the state rules): what did not happen is
 * evidence too. Returns E's state and basis.
 *   - E's receipt of the peer's SYN/FIN (assumed when it was captured) is withdrawn when the peer
 *     kept retransmitting it to the end of the capture and E is not in the capture (no ACK of it
 *     got through), or when E is in the capture and sent nothing for many RTTs after a SYN or
 *     SYN,ACK (an endpoint answers one at once).
 *   - E's SYN/FIN that no captured segment acknowledges was acknowledged when the peer is not in
 *     the capture and E stopped retransmitting it long before the capture ended.
 * `timeline`, `segments` and `notes` are the record's (copies unless it is the last finish()).
 */
export function missingAnswers(
  x: ConnectionTracker,
  E: End,
  P: End,
  state: TcpState,
  basis: EndpointRecord['stateBasis'],
  endRel: number,
  timeline: Transition[],
  segments: SegmentRecord[],
  notes: Note[],
): [TcpState, EndpointRecord['stateBasis']] {
  const p = E.pending;
  if (p !== null && p.tr !== 0 && lastTr(x, E) === p.tr && state === trTo(x, p.tr) && P.ctlEnd === p.end) {
    const quiet = endRel - P.ctlLast;
    const synLike = p.event === 'Syn' || p.event === 'SynRexmit' || p.event === 'SynAck';
    const what: ControlKind = p.event === 'SynAck' ? 'SYN,ACK' : synLike ? 'SYN' : 'FIN';
    let note: Note | null = null;
    if (!E.t.sentAny && P.ctlCopies >= 2 && quiet < stopAfter(P)) {
      note = { code: NOTE.retransmittedUnanswered, side: E.name, stays: p.from, packet: P.ctlPacket, what, copies: P.ctlCopies };
    } else if (E.t.sentAny && synLike && quiet >= Math.max(MIN_RTO, UNANSWERED_RTTS * (x.rttSec ?? 0))) {
      note = { code: NOTE.unansweredForRtts, side: E.name, stays: p.from, packet: P.ctlPacket, what, quietSec: round6(quiet) };
    }
    if (note !== null) {
      const at = trPacket(x, p.tr);
      const from = trFrom(x, p.tr);
      const to = trTo(x, p.tr);
      const i = timeline.findIndex((y) => y.packet === at && y.side === E.name && y.from === from && y.to === to);
      if (i >= 0) timeline.splice(i, 1);
      for (const r of segments) if (r.packet >= at) r[E.name] = p.from;
      notes.push(note);
      return [p.from, 'inferred'];
    }
  }
  const t = E.t;
  if (!P.t.sentAny && t.sentAny && E.ctlEnd !== null) {
    const fin = t.finSeq !== null && !t.finAcked && E.ctlEnd === seqAdd(t.finSeq, 1);
    const syn = !fin && t.isn !== null && !t.synAcked && (t.sentSyn || t.sentSynAck) && E.ctlEnd === seqAdd(t.isn, 1 + t.synLen);
    const quiet = endRel - E.ctlLast;
    if ((fin || syn) && quiet >= stopAfter(E)) {
      const cell = step(state, 'received', fin ? 'AckOfFin' : 'AckOfSyn');
      if (cell.next !== state && cell.next !== TimeWait) {
        const what: ControlKind = fin ? 'FIN' : t.sentSynAck ? 'SYN,ACK' : 'SYN';
        const because = `the ${E.name} did not retransmit its ${what} (packet ${E.ctlPacket}) in the ${round6(quiet)} s the capture went on after it, so the ${P.name}'s ACK of it, which this capture (without the ${P.name}'s segments) cannot show, reached it (RFC 6298 §5)`;
        timeline.push({
          packet: E.ctlPacket,
          time: round6(E.ctlLast),
          side: E.name,
          from: state,
          to: cell.next,
          why: flat(`inferred (${INFERENCE.notRetransmitted}, packet ${E.ctlPacket}): ${because}; ${cell.why}`),
          code: null,
        });
        for (const r of segments) if (r.packet >= E.ctlPacket) r[E.name] = cell.next;
        notes.push({ code: NOTE.notRetransmitted, side: E.name, state: cell.next, from: state, packet: E.ctlPacket, what, quietSec: round6(quiet) });
        return [cell.next, 'inferred'];
      }
    }
  }
  return [state, basis];
}

/** The later of two sequence numbers (`a` may be unknown). */
function later(a: number | null, b: number): number {
  return a === null || seqGt(b, a) ? b : a;
}
