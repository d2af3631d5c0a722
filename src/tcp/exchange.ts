/**
 * What kind of opening and closing a connection had (open.kind, close.kind, who closed first, the
 * handshake RTT, the packets of each exchange), booked one segment at a time from the events the
 * two machines saw. The facts live on the tracker (Exchange); this module is how they are kept.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { RstJudgement } from './classify.js';
import type { End } from './endpoint.js';
import { TcpState, type CloseKind, type OpenKind, type RstNote, type SegmentFlag, type SegmentRecord, type Side } from './model.js';
import type { ReceivedEvent, SentEvent } from './table.js';
import { round6 } from './format.js';
import { seqAdd, seqGe } from './seq.js';
import { NOTE, type Note } from './notes.js';
import { lastTr, type TransitionLog } from './timeline.js';

const { SynSent } = TcpState;

/** Most packet numbers listed in `open.packets` / `close.packets`, and SYN retransmission times. */
export const MAX_PACKETS = 64;

/**
 * The opening and closing facts of one connection (fields of the ConnectionTracker), and its
 * transitions (which RST caused which).
 */
export interface Exchange extends TransitionLog {
  readonly c: End;
  readonly s: End;
  firstSynTime: number | null;
  lastSynTime: number | null;
  synRexmits: number[] | null;
  rttSec: number | null;
  /** The client acknowledged the server's SYN,ACK (the handshake's third segment, whatever it carried). */
  handshakeAcked: boolean;
  /** The server's SYN,ACK was captured before the client's first SYN (capture order is not wire order). */
  synAckFirst: boolean;
  /** Packets of the client's first SYN and the server's first SYN,ACK (0: none). */
  firstSynPacket: number;
  firstSynAckPacket: number;
  /** Why the handshake RTT is not given though the handshake completed (a note code), or null. */
  rttUnknown: 'rtt-reordered' | 'clock-backwards' | null;
  /** Relative time of the latest backwards step of the capture's clock (-1: none). */
  readonly backAt: number;
  readonly openPackets: number[];
  refused: boolean;
  fastOpen: boolean;
  readonly closePackets: number[];
  firstFin: Side | null;
  secondFin: boolean;
  finsCrossed: boolean;
  threeSegment: boolean;
  firstCloseSide: Side | null;
  dataAfterFin: number;
  reset: { by: Side; state: TcpState; packet: number } | null;
  resetSeen: boolean;
  /** RSTs that may yet turn out not to end the connection, and segments no state sends or receives. */
  odd: Oddities | null;
}

/** Opening and closing facts of this segment (what kind, who first, RTT). */
export function bookSegment(
  x: Exchange,
  seg: Segment,
  S: End,
  R: End,
  sent: SentEvent,
  t: number,
  _senderBefore: TcpState,
  _receiverBefore: TcpState,
  _senderFirst: boolean,
): void {
  const f = seg.flags;
  if (f & TcpFlag.SYN) {
    if (!(f & TcpFlag.ACK)) {
      if (S === x.c) {
        if (x.firstSynTime === null) {
          x.firstSynTime = t;
          x.firstSynPacket = seg.packet;
          if (x.s.t.sentSynAck) x.synAckFirst = true;
        } else if (sent === 'SynRexmit') {
          const list = (x.synRexmits ??= []);
          if (list.length < MAX_PACKETS) list.push(round6(t - x.firstSynTime));
        }
        if (!x.s.t.sentSynAck) x.lastSynTime = t;
        const tfo = seg.options?.fastOpen;
        if (sent === 'Syn' && seg.payloadLen > 0 && tfo !== undefined && tfo.cookie !== '') x.fastOpen = true;
      }
    } else {
      if (S === x.s && x.firstSynAckPacket === 0) x.firstSynAckPacket = seg.packet;
      if (sent === 'SynAck' && R.t.sentSyn) R.awaitHandshakeAck = true;
    }
    if (sent === 'SynAckRexmit') R.owesAck = 'open';
    if (sent === 'Syn' || sent === 'SynAck') S.awaitSeqAfterSyn = true;
  }
  // The handshake's third segment: the client's first acknowledgement of the SYN,ACK, whether a pure
  // ACK, data or a FIN (a FIN captured before the ACK below it still acknowledges the SYN,ACK).
  const ss = x.s.t;
  const ack = seg.ack;
  if (
    S === x.c &&
    !x.handshakeAcked &&
    ss.sentSynAck &&
    ss.isn !== null &&
    !ss.synAcked &&
    ack !== null &&
    !(f & (TcpFlag.SYN | TcpFlag.RST)) &&
    seqGe(ack, seqAdd(ss.isn, 1))
  ) {
    x.handshakeAcked = true;
    const from = x.lastSynTime ?? x.firstSynTime;
    // Not a round trip: a SYN captured after its SYN,ACK, or a clock that went back in between.
    if (x.synAckFirst) x.rttUnknown = 'rtt-reordered';
    else if (from !== null && x.backAt >= from) x.rttUnknown = 'clock-backwards';
    else if (from !== null) x.rttSec = t - from;
  }
  // An RST is booked by bookRst(), which needs its receiver's judgement.
  if (f & TcpFlag.FIN && !(f & TcpFlag.RST)) {
    if (sent === 'Fin' || sent === 'FinAck') {
      S.awaitSeqAfterFin = true;
      if (x.firstFin === null) {
        x.firstFin = S.name;
        if (x.firstCloseSide === null) x.firstCloseSide = S.name;
      } else if (x.firstFin !== S.name && !x.secondFin) {
        x.secondFin = true;
        if (sent === 'FinAck' && !S.ackedPeerFin) x.threeSegment = true;
        else if (!S.ackedPeerFin) x.finsCrossed = true;
      }
      if (sent === 'FinAck') S.ackedPeerFin = true;
    }
    if (sent === 'FinRexmit') R.owesAck = 'close';
  }
  if (sent === 'AckOfFin') S.ackedPeerFin = true;
}

export function openKind(x: Exchange): OpenKind {
  const cs = x.c.t;
  const ss = x.s.t;
  if (!cs.sentSyn && !cs.sentSynAck && !ss.sentSyn && !ss.sentSynAck) return 'mid-stream';
  if (cs.sentSyn && ss.sentSyn) return 'simultaneous';
  if (x.fastOpen) return 'fast-open';
  if (x.refused) return 'refused';
  // Unanswered: SYNs and nothing back; a client that went on to send ACKs got an answer this capture missed.
  if (cs.sentSyn && !ss.sentAny && !x.c.sentNonSyn) return 'unanswered';
  if (cs.sentSyn && ss.sentSynAck && x.handshakeAcked) return 'three-way';
  return 'incomplete';
}

/** How the connection closed (close.kind). */
export function closeKind(x: Exchange): CloseKind {
  if (x.reset) return 'reset';
  if (x.secondFin) return x.finsCrossed ? 'simultaneous' : x.threeSegment ? 'three-segment' : 'four-way';
  return x.firstFin !== null ? 'half-closed' : 'none';
}

/** Appends a packet number to an exchange's list, at most MAX_PACKETS and never twice in a row. */
export function pushCapped(list: number[], packet: number): void {
  if (list.length < MAX_PACKETS && list[list.length - 1] !== packet) list.push(packet);
}

// ---- RSTs that do not end the connection, and segments no state sends or receives -------------

/** Most RSTs and unexpected segments a connection remembers (each beyond is counted in a note). */
export const MAX_ODD = 16;

/** One RST, with what may yet show that it did not end the connection. */
interface RstEntry {
  packet: number;
  by: Side;
  /** Its sender's state before it. */
  senderState: TcpState;
  /** The receiver's judgement when it does not accept it (RST_NOTE), null when it does. */
  judged: RstNote | null;
  /** What the judgement compared (for the note). */
  expected: number | null;
  actual: number | null;
  /** Its receiver accepted it ('Rst' event), and the transition that caused (its serial, timeline.ts; 0: none). */
  taken: boolean;
  receiverTr: number;
  /** The receiver's later segments showed it had not taken it (SHOWS_LOST). */
  notTaken: boolean;
  /** The transition it caused in its sender (0: none). */
  senderTr: number;
  /** An RST answering an unacceptable SYN,ACK from SYN-SENT: not an abort by design. */
  answer: boolean;
  /** Packet of its sender's next segment that was not an RST (0: none yet). */
  wentOnAt: number;
  /** It could be the connection's reset (both FINs were not yet acknowledged). */
  canReset: boolean;
}

/** A segment a state cannot send or receive (a cell marked `unexpected` in table.ts). */
interface UnexpectedEntry {
  packet: number;
  side: Side;
  dir: 'sent' | 'received';
  state: TcpState;
  /** The table's event (its cell's `why` says why the state cannot take it). */
  event: SentEvent | ReceivedEvent;
}

/** The RSTs and unexpected segments of one connection (made at the first of either). */
export class Oddities {
  readonly rsts: RstEntry[] = [];
  moreRsts = 0;
  readonly unexpected: UnexpectedEntry[] = [];
  moreUnexpected = 0;
  /** The last packet an unexpected cell was applied for (the tracker keeps that segment). */
  lastUnexpected = 0;
  /** RSTs per side whose sender has not been seen to go on yet. */
  open: Record<Side, number> = { client: 0, server: 0 };
  /** The RST that made the opening 'refused', and the one that decided close.initiator (0: none). */
  refusedAt = 0;
  closeSideAt = 0;
}

/**
 * Books an RST from S to R (after both machines applied it): the receiver's judgement (`received`,
 * `rst`) decides whether it refused the opening and whether the connection counts as reset; what
 * comes later (rstSenderWentOn, rstNotTaken) may still show it ended nothing.
 */
export function bookRst(
  x: Exchange,
  seg: Segment,
  S: End,
  R: End,
  sent: SentEvent,
  received: ReceivedEvent,
  rst: RstJudgement | null,
  senderBefore: TcpState,
  receiverBefore: TcpState,
): void {
  const o = (x.odd ??= new Oddities());
  const taken = received === 'Rst';
  const p = seg.packet;
  if (taken) x.resetSeen = true;
  if (x.firstCloseSide === null) {
    x.firstCloseSide = S.name;
    o.closeSideAt = p;
  }
  const canReset = !(x.c.t.finAcked && x.s.t.finAcked);
  if (x.reset === null && canReset) x.reset = { by: S.name, state: senderBefore, packet: p };
  // Refused: the server's RST, its first answer, accepted by the client in SYN-SENT (RFC 9293 §3.10.7.3).
  if (S === x.s && taken && receiverBefore === SynSent && !S.t.sentSyn && !S.t.sentSynAck && !S.sentNonSyn) {
    x.refused = true;
    o.refusedAt = p;
  }
  if (receiverBefore === SynSent || senderBefore === SynSent || senderBefore === TcpState.SynReceived || receiverBefore === TcpState.SynReceived) {
    pushCapped(x.openPackets, p);
  }
  if (o.rsts.length >= MAX_ODD) {
    o.moreRsts++;
    return;
  }
  o.rsts.push({
    packet: p,
    by: S.name,
    senderState: senderBefore,
    // An endpoint without a connection (LISTEN; CLOSED, unless only by an RST of its own that may
    // turn out not to be its) discards an RST whatever its numbers.
    judged:
      received === 'RstUnacceptable' && receiverBefore !== TcpState.Listen && (receiverBefore !== TcpState.Closed || closedByOwnRst(x, o, R))
        ? (rst?.why ?? null)
        : null,
    expected: rst?.expected ?? null,
    actual: rst?.actual ?? null,
    taken,
    receiverTr: R.t.state !== receiverBefore ? lastTr(x, R) : 0,
    notTaken: false,
    senderTr: S.t.state !== senderBefore ? lastTr(x, S) : 0,
    answer: sent === 'RstAnswer',
    wentOnAt: 0,
    canReset,
  });
  if (sent !== 'RstAnswer') o.open[S.name]++;
}

/**
 * S sent a segment that is not an RST (packet `packet`) after RSTs of its own: they were not its
 * abort (an endpoint that resets has no connection left to send from), so they were injected by
 * another host. Returns true when S's latest transition is one such an RST caused: the caller
 * takes it back.
 */
export function rstSenderWentOn(x: Exchange, S: End, packet: number): boolean {
  const o = x.odd;
  if (o === null || o.open[S.name] === 0) return false;
  o.open[S.name] = 0;
  let undo = false;
  for (const e of o.rsts) {
    if (e.by !== S.name || e.wentOnAt !== 0 || e.answer) continue;
    e.wentOnAt = packet;
    if (e.senderTr !== 0 && lastTr(x, S) === e.senderTr) undo = true;
  }
  settle(x, o);
  return undo;
}

/**
 * Whether an endpoint is CLOSED only by an RST of its own that its peer did not take and after which
 * it has sent nothing yet: its next segment may show the RST was not its abort, so the connection is
 * not over.
 */
export function abortPending(x: Exchange): boolean {
  const o = x.odd;
  return o !== null && (closedByOwnRst(x, o, x.c) || closedByOwnRst(x, o, x.s));
}

/** `E` is CLOSED only by an RST of its own that its peer did not take, and has sent nothing since. */
function closedByOwnRst(x: TransitionLog, o: Oddities, E: End): boolean {
  for (const e of o.rsts) {
    if (e.by === E.name && e.wentOnAt === 0 && e.senderTr !== 0 && ignoredBy(e) && lastTr(x, E) === e.senderTr) return true;
  }
  return false;
}

/** R's transition `tr`, caused by an RST it was taken to accept, was undone: R had not taken it. */
export function rstNotTaken(x: Exchange, tr: number): void {
  const o = x.odd;
  if (o === null) return;
  const e = o.rsts.find((r) => r.receiverTr === tr);
  if (e === undefined) return;
  e.notTaken = true;
  settle(x, o);
}

/** The receiver did not take it: not acceptable, or its later segments showed it never arrived. */
function ignoredBy(e: RstEntry): boolean {
  return e.judged !== null || e.notTaken;
}

/** Neither endpoint's connection ended by it: ignored by its receiver, and its sender went on (or it was an answer). */
function endsNothing(e: RstEntry): boolean {
  return ignoredBy(e) && (e.wentOnAt !== 0 || e.answer);
}

/** Re-derives the facts an RST decided (reset, refused, who closed first) once one turns out to end nothing. */
function settle(x: Exchange, o: Oddities): void {
  const at = (p: number) => o.rsts.find((e) => e.packet === p);
  if (x.reset !== null) {
    const e = at(x.reset.packet);
    if (e !== undefined && endsNothing(e)) {
      const next = o.rsts.find((r) => r.canReset && !endsNothing(r));
      x.reset = next === undefined ? null : { by: next.by, state: next.senderState, packet: next.packet };
    }
  }
  if (o.refusedAt !== 0) {
    const e = at(o.refusedAt);
    if (e !== undefined && (e.notTaken || endsNothing(e))) {
      x.refused = false;
      o.refusedAt = 0;
    }
  }
  if (o.closeSideAt !== 0) {
    const e = at(o.closeSideAt);
    if (e !== undefined && endsNothing(e)) {
      // Whoever closed first among what still counts: the first FIN, or the first RST that ends something.
      const rst = o.rsts.find((r) => !endsNothing(r));
      const fin = x.firstFin === null ? null : x.firstFin === 'client' ? x.c.t.finPacket : x.s.t.finPacket;
      if (rst !== undefined && (fin === null || rst.packet < fin)) {
        x.firstCloseSide = rst.by;
        o.closeSideAt = rst.packet;
      } else {
        x.firstCloseSide = x.firstFin;
        o.closeSideAt = 0;
      }
    }
  }
  x.resetSeen = o.moreRsts > 0 || o.rsts.some((e) => e.taken && !e.notTaken);
}

/**
 * Books a segment that the state `state` of `side` cannot send or receive (`dir`), with the table's
 * event (report/ words the cell's reason): the tracker flags and keeps it; nothing changed.
 */
export function bookUnexpected(x: Exchange, packet: number, side: Side, dir: 'sent' | 'received', state: TcpState, event: SentEvent | ReceivedEvent): void {
  const o = (x.odd ??= new Oddities());
  o.lastUnexpected = packet;
  if (o.unexpected.length >= MAX_ODD) o.moreUnexpected++;
  else o.unexpected.push({ packet, side, dir, state, event });
}

/** Which exchange an unexpected segment is kept in: the opening while either side is still in it. */
export function unexpectedExchange(senderBefore: TcpState, receiverBefore: TcpState): 'open' | 'close' {
  const opening = (s: TcpState) => s === TcpState.Listen || s === SynSent || s === TcpState.SynReceived;
  return opening(senderBefore) || opening(receiverBefore) ? 'open' : 'close';
}

/** Adds `flag` to the kept segment `packet` (a new list: lists are shared between segments and copies). */
function flagSegment(segments: SegmentRecord[], packet: number, flag: SegmentFlag): void {
  for (let k = segments.length - 1; k >= 0; k--) {
    const r = segments[k]!;
    if (r.packet < packet) return;
    if (r.packet === packet && !r.analysis.includes(flag)) r.analysis = [...r.analysis, flag];
  }
}

/**
 * The facts of the connection's RSTs and unexpected segments on the record: each segment's flags
 * (`rst-ignored`, `rst-injected`, `unexpected`) on the kept `segments`, and one note each, opening
 * with its code. `segments` and `notes` are the record's own.
 */
export function oddFacts(o: Oddities, segments: SegmentRecord[], notes: Note[]): void {
  const rsts = o.rsts;
  for (let i = 0; i < rsts.length; i++) {
    const e = rsts[i]!;
    const ignored = ignoredBy(e);
    if (ignored) flagSegment(segments, e.packet, 'rst-ignored');
    if (e.wentOnAt !== 0) flagSegment(segments, e.packet, 'rst-injected');
    if (e.judged !== null) {
      notes.push({ code: NOTE.rstIgnored, by: e.by, packet: e.packet, judged: e.judged, expected: e.expected, actual: e.actual });
    } else if (e.notTaken) {
      notes.push({ code: NOTE.rstNotTaken, by: e.by, packet: e.packet });
    }
    // One note for the RSTs its sender went on after with the same segment, after the last of them.
    const run = rsts.filter((r) => r.by === e.by && r.wentOnAt === e.wentOnAt);
    if (e.wentOnAt !== 0 && run[run.length - 1] === e) {
      notes.push({ code: NOTE.rstSenderWentOn, by: e.by, packets: run.map((r) => r.packet), wentOnAt: e.wentOnAt, nothingReset: run.every(ignoredBy) });
    }
  }
  if (o.moreRsts > 0) notes.push({ code: NOTE.moreRsts, count: o.moreRsts, limit: MAX_ODD });
  for (const u of o.unexpected) {
    flagSegment(segments, u.packet, 'unexpected');
    notes.push({ code: NOTE.unexpected, packet: u.packet, side: u.side, dir: u.dir, state: u.state, event: u.event });
  }
  if (o.moreUnexpected > 0) notes.push({ code: NOTE.moreUnexpected, count: o.moreUnexpected, limit: MAX_ODD });
}
