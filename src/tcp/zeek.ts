/**
 * Zeek's view of a connection, for conn.log compatibility: Zeek's own coarse per-endpoint machine
 * (TCP_ENDPOINT_INACTIVE ... RESET, src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc
 * UpdateStateMachine), its history letters (update_history, ScaledHistoryEntry) and its
 * conn_state() (scripts/base/protocols/conn/main.zeek), transcribed so users can diff our output
 * against conn.log. It runs beside the RFC 9293 machine, which it does not influence.
 *
 * History letters (main.zeek): s SYN w/o ACK, h SYN+ACK, a pure ACK, d payload, f FIN, r RST,
 * t retransmitted payload, w zero window, g content gap, i FIN+RST, q SYN+FIN or SYN+RST,
 * ^ direction flipped; upper case from the originator. a/d/i/q at most once per direction;
 * s/h/f/r again when their sequence number differs from the last of that kind; t/w/g at 1, 10, 100, ...
 * Not produced: c (checksums are not verified), x (no analysis limits), and g only approximated by
 * "ACKed unseen segment" (Zeek reports a content gap when acknowledged data was never seen).
 */
import { TcpFlag } from '../decode/segment.js';
import type { ZeekConnState } from './model.js';

/** Zeek's endpoint states (analyzer::tcp::EndpointState). */
export type ZeekEndpointState = 'INACTIVE' | 'SYN_SENT' | 'SYN_ACK_SENT' | 'PARTIAL' | 'ESTABLISHED' | 'CLOSED' | 'RESET';

// History masks, as TCP_Endpoint::HistoryMasks.
const H_SYN = 0x1;
const H_FIN = 0x2;
const H_RST = 0x4;
const H_FIN_RST = 0x8;
const H_DATA = 0x10;
const H_ACK = 0x20;
const H_MULTI = 0x40;

/**
 * One endpoint in Zeek's terms. Field names carry a `z` so that connection.ts's endpoint object can
 * hold them beside its RFC 9293 fields (one object per endpoint, not two).
 */
export interface ZeekEndpoint {
  zState: ZeekEndpointState;
  zPrev: ZeekEndpointState;
  zIsOrig: boolean;
  zHistSeen: number;
  zLastSyn: number | null;
  zLastFin: number | null;
  zLastRst: number | null;
  zRxmit: number;
  zRxmitThresh: number;
  zWin0: number;
  zWin0Thresh: number;
  zGap: number;
  zGapThresh: number;
  /** Unique payload bytes (Zeek's Size(), from sequence numbers). */
  zSize: number;
}

/** The history string of one connection, shared by both endpoints. */
export class ZeekHistory {
  /** The letters so far. */
  text = '';

  /** Zeek's '^': the originator is not the first packet's sender. */
  flip(): void {
    this.text += '^';
  }

  private letter(e: ZeekEndpoint, code: string): void {
    this.text += e.zIsOrig ? code : code.toLowerCase();
  }

  /** Connection::CheckHistory: adds the letter the first time; true if it was already seen. */
  private check(e: ZeekEndpoint, mask: number, code: string): boolean {
    if (e.zHistSeen & mask) return true;
    e.zHistSeen |= mask;
    this.letter(e, code);
    return false;
  }

  /** update_history: the flag letters of one packet (`seq` absolute; FIN compared at seq + len). */
  packet(e: ZeekEndpoint, flags: number, seq: number, len: number): void {
    const syn = (flags & TcpFlag.SYN) !== 0;
    const fin = (flags & TcpFlag.FIN) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) this.check(e, H_FIN_RST, 'I');
      else this.check(e, H_MULTI, 'Q');
    } else if (bits === 1) {
      if (syn) {
        const code = flags & TcpFlag.ACK ? 'H' : 'S';
        if (this.check(e, H_SYN, code) && seq !== e.zLastSyn) this.letter(e, code);
        e.zLastSyn = seq;
      }
      if (fin) {
        const at = (seq + len) >>> 0;
        if (this.check(e, H_FIN, 'F') && at !== e.zLastFin) this.letter(e, 'F');
        e.zLastFin = at;
      }
      if (rst) {
        if (this.check(e, H_RST, 'R') && seq !== e.zLastRst) this.letter(e, 'R');
        e.zLastRst = seq;
      }
    } else if (len > 0) this.check(e, H_DATA, 'D');
    else if (flags & TcpFlag.ACK) this.check(e, H_ACK, 'A');
  }

  /** Connection::ScaledHistoryEntry for 't' (retransmitted payload). */
  retransmission(e: ZeekEndpoint): void {
    if (++e.zRxmit === e.zRxmitThresh) {
      this.letter(e, 'T');
      e.zRxmitThresh *= 10;
    }
  }

  /** ScaledHistoryEntry for 'w' (zero window). */
  zeroWindow(e: ZeekEndpoint): void {
    if (++e.zWin0 === e.zWin0Thresh) {
      this.letter(e, 'W');
      e.zWin0Thresh *= 10;
    }
  }

  /** ScaledHistoryEntry for 'g' (content gap in `e`'s stream). */
  gap(e: ZeekEndpoint): void {
    if (++e.zGap === e.zGapThresh) {
      this.letter(e, 'G');
      e.zGapThresh *= 10;
    }
  }
}

function set(e: ZeekEndpoint, s: ZeekEndpointState): void {
  e.zPrev = e.zState;
  e.zState = s;
}

/**
 * TCPSessionAdapter::UpdateStateMachine for one packet from `e` to `peer`. `orig` is the originator
 * endpoint (one of the two). `len` is the payload length.
 */
export function zeekStep(e: ZeekEndpoint, peer: ZeekEndpoint, orig: ZeekEndpoint, flags: number, len: number): void {
  const syn = (flags & TcpFlag.SYN) !== 0;
  const fin = (flags & TcpFlag.FIN) !== 0;
  const rst = (flags & TcpFlag.RST) !== 0;
  const ack = (flags & TcpFlag.ACK) !== 0;
  switch (e.zState) {
    case 'INACTIVE': {
      if (syn) {
        if (e.zIsOrig) set(e, ack ? 'SYN_ACK_SENT' : 'SYN_SENT');
        else {
          if (peer.zState === 'SYN_SENT') set(peer, 'ESTABLISHED');
          set(e, 'ESTABLISHED');
        }
      }
      if (fin) set(e, 'CLOSED');
      if (rst) set(e, 'RESET');
      if (e.zState === 'INACTIVE') {
        // "Some eccentric TCP's will ack an initial SYN prior to sending a SYN reply."
        if (!e.zIsOrig && len === 0 && orig.zState === 'SYN_SENT') {
          /* stays INACTIVE */
        } else if (ack && peer.zState === 'ESTABLISHED') set(e, 'ESTABLISHED');
        else set(e, 'PARTIAL');
      }
      break;
    }
    case 'SYN_SENT':
    case 'SYN_ACK_SENT':
      if (fin) set(e, 'CLOSED');
      if (rst) set(e, 'RESET');
      break;
    case 'ESTABLISHED':
    case 'PARTIAL':
      if (syn && e.zState === 'PARTIAL' && peer.zState === 'INACTIVE' && !ack) set(e, 'SYN_SENT');
      if (fin && !rst) {
        set(e, 'CLOSED');
        // "The peer sent a FIN followed by a RST. Turn it back into CLOSED state."
        if (peer.zState === 'RESET' && peer.zPrev === 'CLOSED') set(peer, 'CLOSED');
      }
      if (rst) set(e, 'RESET');
      break;
    case 'CLOSED':
      // "If our peer was also closed, then don't change our state now on a RST."
      if (rst && peer.zState !== 'CLOSED') set(e, 'RESET');
      break;
    case 'RESET':
      break;
  }
}

/** Zeek's conn_state() for TCP (base/protocols/conn/main.zeek), a pure function of the endpoints and history. */
export function zeekConnState(os: ZeekEndpointState, rs: ZeekEndpointState, origSize: number, respSize: number, history: string): ZeekConnState {
  const oInactive = os === 'INACTIVE' || os === 'PARTIAL';
  const rInactive = rs === 'INACTIVE' || rs === 'PARTIAL';
  if (rs === 'RESET') {
    if (os === 'SYN_SENT' || os === 'SYN_ACK_SENT' || (os === 'RESET' && origSize === 0 && respSize === 0)) return 'REJ';
    if (oInactive) return 'RSTRH';
    return 'RSTR';
  }
  if (os === 'RESET') {
    if (rInactive) return /^\^?S[^HAFGIQ]*R.*$/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === 'CLOSED' && os === 'CLOSED') return 'SF';
  if (os === 'CLOSED') return rInactive ? 'SH' : 'S2';
  if (rs === 'CLOSED') return oInactive ? 'SHR' : 'S3';
  if (os === 'SYN_SENT' && rs === 'INACTIVE') return 'S0';
  if (os === 'ESTABLISHED' && rs === 'ESTABLISHED') return 'S1';
  return 'OTH';
}
