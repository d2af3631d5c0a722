/**
 * What kind of opening and closing a connection had (open.kind, close.kind, who closed first, the
 * handshake RTT, the packets of each exchange), booked one segment at a time from the events the
 * two machines saw. The facts live on the tracker (Exchange); this module is how they are kept.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { End } from './endpoint.js';
import { TcpState, type CloseKind, type OpenKind, type Side } from './model.js';
import type { SentEvent } from './table.js';
import { round6 } from './format.js';

const { SynSent } = TcpState;

/** Most packet numbers listed in `open.packets` / `close.packets`, and SYN retransmission times. */
export const MAX_PACKETS = 64;

/** The opening and closing facts of one connection (fields of the ConnectionTracker). */
export interface Exchange {
  readonly c: End;
  readonly s: End;
  firstSynTime: number | null;
  lastSynTime: number | null;
  synRexmits: number[] | null;
  rttSec: number | null;
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
}

/** Opening and closing facts of this segment (what kind, who first, RTT). */
export function bookSegment(x: Exchange, seg: Segment, S: End, R: End, sent: SentEvent, t: number, senderBefore: TcpState, receiverBefore: TcpState, senderFirst: boolean): void {
  const f = seg.flags;
  if (f & TcpFlag.SYN) {
    if (!(f & TcpFlag.ACK)) {
      if (S === x.c) {
        if (x.firstSynTime === null) x.firstSynTime = t;
        else if (sent === 'SynRexmit') {
          const list = (x.synRexmits ??= []);
          if (list.length < MAX_PACKETS) list.push(round6(t - x.firstSynTime));
        }
        if (!x.s.t.sentSynAck) x.lastSynTime = t;
        const tfo = seg.options?.fastOpen;
        if (sent === 'Syn' && seg.payloadLen > 0 && tfo !== undefined && tfo.cookie !== '') x.fastOpen = true;
      }
    } else if (sent === 'SynAck' && R.t.sentSyn) R.awaitHandshakeAck = true;
    if (sent === 'SynAckRexmit') R.owesAck = 'open';
    if (sent === 'Syn' || sent === 'SynAck') S.awaitSeqAfterSyn = true;
  }
  if (sent === 'AckOfSyn' && S === x.c && x.rttSec === null && x.s.t.sentSynAck) {
    const from = x.lastSynTime ?? x.firstSynTime;
    if (from !== null) x.rttSec = t - from;
  }
  if (f & TcpFlag.RST) {
    x.resetSeen = true;
    if (x.firstCloseSide === null) x.firstCloseSide = S.name;
    if (x.reset === null && !(x.c.t.finAcked && x.s.t.finAcked)) {
      x.reset = { by: S.name, state: senderBefore, packet: seg.packet };
    }
    if (S === x.s && senderFirst && receiverBefore === SynSent) x.refused = true;
    if (receiverBefore === SynSent || senderBefore === SynSent || senderBefore === TcpState.SynReceived || receiverBefore === TcpState.SynReceived) {
      pushCapped(x.openPackets, seg.packet);
    }
  } else if (f & TcpFlag.FIN) {
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
  if (cs.sentSyn && ss.sentSynAck && x.rttSec !== null) return 'three-way';
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
