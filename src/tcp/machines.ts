/**
 * The two endpoint machines of one connection (table.ts's RFC 9293 cells): each segment moves its
 * sender's machine (applySent) and its receiver's (applyReceived), and a later segment may show an
 * earlier assumption wrong: the transition is undone and, when the event only came late, replayed
 * after that segment (crossing SYNs and FINs). Every transition goes to the tracker's timeline and
 * to its endpoint's short history, which undo() reads. The state lives on the tracker
 * (connection.ts); these functions are how it changes.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { ConnectionTracker } from './connection.js';
import { proofWhy, type End, type Pending, type Via } from './endpoint.js';
import { checkTimeWait } from './checks.js';
import { bookUnexpected, rstNotTaken } from './exchange.js';
import { flat, round6 } from './format.js';
import { TcpState } from './model.js';
import { SHOWS_LOST, step, type ReceivedEvent, type SentEvent } from './table.js';
import { seqAdd, seqGe } from './seq.js';
import { addTransition, lastTr, lastVia, popTransition, redate, trPacket, trTo } from './timeline.js';

const { Closed, Listen, Established, CloseWait, TimeWait } = TcpState;
const REXMIT: ReadonlySet<SentEvent> = new Set<SentEvent>(['SynRexmit', 'SynAckRexmit', 'FinRexmit']);

/** Moves `E` to `next` (no-op if unchanged), recording the transition; returns its serial (0: none, timeline.ts). */
export function move(x: ConnectionTracker, E: End, next: TcpState, packet: number, t: number, why: string, via: Via): number {
  if (next === E.t.state) return 0;
  if (x.evidence !== null) {
    why = flat(proofWhy(x.evidence) + why);
    if (via === null) via = 'evidence';
  }
  const tr = addTransition(x, E, packet, round6(t), E.t.state, next, why, via, E.basis, true, true);
  E.t.state = next;
  E.basis = via === null ? 'observed' : 'inferred';
  if (next === TimeWait) {
    E.twStart = t;
    E.twPacket = packet;
    onTimeWait(x, E, packet);
  }
  return tr;
}

export function expiryWhy(x: ConnectionTracker, E: End): string {
  return flat(`the 2·MSL timer (${2 * x.opts.mslSec} s, started at packet ${E.twPacket}) expired: the TCB is deleted (RFC 9293 §3.10.8)`);
}

/** TIME-WAIT -> CLOSED once 2·MSL has passed by time `t`; the entry carries the expiry time and the packet that started the timer. */
export function expire(x: ConnectionTracker, E: End, t: number): void {
  const expiry = E.twStart + 2 * x.opts.mslSec;
  if (t >= expiry) move(x, E, Closed, E.twPacket, expiry, expiryWhy(x, E), 'assumed');
}

/** The transition undo() takes back (scratch: undo is never re-entered). */
const POPPED: Parameters<typeof popTransition>[2] = { serial: 0, packet: 0, from: Closed, via: null, basisBefore: 'observed' };

/** Undoes `E`'s latest transition (it did not happen); `lost` when the event behind it was lost, not late. */
export function undo(x: ConnectionTracker, E: End, lost: boolean): void {
  if (lastVia(x, E) === 'Rst') rstNotTaken(x, lastTr(x, E));
  const tr = POPPED;
  if (!popTransition(x, E, tr)) return;
  const via = tr.via;
  E.t.state = tr.from;
  E.basis = tr.basisBefore;
  const recs = x.records;
  if (recs !== null) for (let k = recs.length - 1; k >= 0 && recs[k]!.packet >= tr.packet; k--) recs[k]![E.name] = tr.from;
  if (lost) {
    if (via === 'AckOfFin' || via === 'FinAck') E.t.finAcked = false;
    if (via === 'AckOfSyn' || via === 'SynAck') E.t.synAcked = false;
  }
  if (E.pending !== null && E.pending.tr === tr.serial) E.pending = null;
}

export function applySent(x: ConnectionTracker, S: End, seg: Segment, ev: SentEvent, t: number): void {
  const f = seg.flags;
  // A SYN/FIN the sender received earlier and this segment does not acknowledge reached it only
  // afterwards (the two crossed) or not at all (lost). Either way it had not arrived when this
  // segment left: undo it, apply this segment, then apply it again as arriving later. If it was
  // lost, the peer retransmits it and the retransmission re-dates the transition (applyReceived),
  // or, if no copy is ever acknowledged, finish() does not assume it arrived.
  let replay: Pending | null = null;
  const p = S.pending;
  if (p !== null) {
    if (f & TcpFlag.RST) S.pending = null;
    else if (seg.ack !== null && seqGe(seg.ack, p.end)) {
      S.pending = null;
      if (p.tr !== 0 && lastTr(x, S) === p.tr) S.basis = 'observed';
    } else if (p.tr === 0) {
      S.pending = null;
      replay = p;
    } else if (lastTr(x, S) === p.tr) {
      undo(x, S, false);
      replay = p;
    } else S.pending = null;
  }
  // Retransmitting what an ACK had acknowledged: that ACK never arrived.
  const lost = SHOWS_LOST[ev];
  let undone = false;
  if (lost !== undefined) {
    const via = lastVia(x, S);
    if (via !== undefined && via !== null && via !== 'assumed' && via !== 'evidence' && lost.includes(via)) {
      undo(x, S, true);
      undone = true;
    }
  }
  // A CLOSED endpoint sends nothing but RSTs (RFC 9293 §3.10.7.1): one that sends more after the
  // peer's segment that closed it (the last ACK, a FIN) sent it before that segment reached it (the
  // two crossed). Undo, apply this segment, then that one again as arriving later.
  let lateEv: ReceivedEvent | null = null;
  let latePacket = 0;
  if (S.t.state === Closed && !(f & TcpFlag.RST) && replay === null && !undone) {
    const via = lastVia(x, S);
    if (via !== undefined && via !== null && via !== 'assumed' && via !== 'evidence' && via !== 'Rst') {
      latePacket = trPacket(x, lastTr(x, S));
      undo(x, S, false);
      lateEv = via;
    }
  }
  // LISTEN was only assumed when the peer's SYN came first. An endpoint whose first segment is a
  // SYN of its own did an active OPEN from CLOSED (RFC 9293 §3.5 figure 7: simultaneous open has
  // no listener; Linux cannot send a SYN from a listening socket): it never listened.
  if (ev === 'Syn' && S.t.state === Listen && !S.t.sentAny && S.histN === 0) neverListened(x, S);
  const cell = step(S.t.state, 'sent', ev);
  if (cell.unexpected && x.evidence === null) bookUnexpected(x, seg.packet, S.name, 'sent', S.t.state, ev);
  const moved = move(x, S, cell.next, seg.packet, t, cell.why, null);
  // A state taken from what this endpoint received (e.g. ESTABLISHED from the peer's ACK of its SYN)
  // is confirmed when it then sends new data: RFC 9293 §3.10.2 queues data until ESTABLISHED, so
  // only ESTABLISHED and CLOSE-WAIT send it. A pure ACK proves nothing (it may answer anything).
  if (
    moved === 0 &&
    replay === null &&
    !undone &&
    S.pending === null &&
    S.basis === 'inferred' &&
    seg.payloadLen > 0 &&
    ev === 'Data' &&
    (S.t.state === Established || S.t.state === CloseWait)
  ) {
    S.basis = 'observed';
  }
  if (replay !== null) {
    // Its own retransmission over the peer's SYN/FIN: that copy was lost or is crossing.
    const overIt = REXMIT.has(ev);
    if (overIt) S.lostEnd = replay.end;
    const from = S.t.state;
    const c2 = step(from, 'received', replay.event);
    const why = `packet ${replay.packet} reached it only after it sent this segment, whose ACK does not cover it: ${c2.why}`;
    // The same SYN/FIN, still unacknowledged: its Pending now names the replayed transition.
    replay.tr = move(x, S, c2.next, seg.packet, t, why, replay.event);
    replay.from = from;
    replay.why = c2.why;
    replay.lossy = replay.lossy || overIt;
    S.pending = replay;
  }
  if (lateEv !== null) {
    const c2 = step(S.t.state, 'received', lateEv);
    move(x, S, c2.next, seg.packet, t, `packet ${latePacket} reached it only after it sent this segment (they crossed): ${c2.why}`, lateEv);
  }
}

/** `E` was taken as LISTEN from the start, but its own SYN shows it was CLOSED: rewrite what was kept. */
export function neverListened(x: ConnectionTracker, E: End): void {
  E.t.state = Closed;
  if (x.records !== null) for (const r of x.records) if (r[E.name] === Listen) r[E.name] = Closed;
}

export function applyReceived(x: ConnectionTracker, R: End, seg: Segment, ev: ReceivedEvent, sent: SentEvent, t: number): void {
  const f = seg.flags;
  const control = (f & (TcpFlag.SYN | TcpFlag.FIN)) !== 0 && !(f & TcpFlag.RST);
  const end = control ? seqAdd(seg.seq, seg.payloadLen + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0)) : 0;
  const p = R.pending;
  if (control && REXMIT.has(sent) && p !== null && p.end === end && p.tr !== 0 && lastTr(x, R) === p.tr) {
    // The first copy drew no ACK: take it as lost and date the receiver's transition from this copy.
    const old = p.packet;
    const recs = x.records;
    const at = trPacket(x, p.tr);
    if (recs !== null) for (let k = recs.length - 1; k >= 0 && recs[k]!.packet >= at; k--) recs[k]![R.name] = p.from;
    redate(x, p.tr, seg.packet, round6(t), `${p.why} (the copy in packet ${old} had not arrived)`);
    p.packet = seg.packet;
    if (trTo(x, p.tr) === TimeWait) {
      R.twStart = t;
      R.twPacket = seg.packet;
    }
    return;
  }
  const from = R.t.state;
  const cell = step(from, 'received', ev);
  if (cell.unexpected && x.evidence === null) bookUnexpected(x, seg.packet, R.name, 'received', from, ev);
  const tr = move(x, R, cell.next, seg.packet, t, cell.why, ev);
  if (cell.restart2msl && from === TimeWait) {
    R.twStart = t;
    R.twPacket = seg.packet;
    addTransition(x, R, seg.packet, round6(t), TimeWait, TimeWait, cell.why, null, R.basis, false, false);
  }
  if (control && !(p !== null && p.end === end)) {
    R.pending = { event: ev, packet: seg.packet, end, tr, from, why: cell.why, lossy: R.lostEnd === end };
  }
}

/** The "active closer enters TIME-WAIT" check, when an endpoint first enters TIME-WAIT. */
export function onTimeWait(x: ConnectionTracker, E: End, packet: number): void {
  checkTimeWait(x, E, packet, x.firstFin, x.finsCrossed);
}
