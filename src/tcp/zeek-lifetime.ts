/**
 * When Zeek ends a connection record on its own (TCPSessionAdapter's timers and IsReuse,
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc; the constants are base/init-bare.zeek's
 * defaults), so that one tcptrace connection can be several conn.log records (`zeek.records`):
 *   - AttemptTimer: tcp_attempt_delay (5 s) after a connection that began with the originator's
 *     SYN, if the originator is still SYN_SENT/SYN_ACK_SENT and the responder INACTIVE, the
 *     attempt is logged and removed;
 *   - ConnDeleteTimer: once the close is complete (both sides closed, one reset, or one closed while
 *     the other never sent), tcp_close_delay (5 s) after the packet that completed it;
 *   - tcp_inactivity_timeout (5 min) without a packet;
 *   - IsReuse: a SYN without ACK on a connection whose two sides are closed or reset starts a new one.
 * A packet after the record was removed starts the next record. Numbers only, nothing per packet
 * allocated: the state is a few fields on the tracker (ZeekLife).
 */
import { TcpFlag } from '../decode/segment.js';
import type { ZeekEndpoint, ZeekEndpointState } from './zeek.js';

/** base/init-bare.zeek: tcp_attempt_delay, tcp_close_delay, tcp_inactivity_timeout. */
export const ZEEK_ATTEMPT_DELAY = 5;
export const ZEEK_CLOSE_DELAY = 5;
export const ZEEK_INACTIVITY = 300;

/** The tracker's view of the current Zeek record's timers (seconds since the connection's first packet). */
export interface ZeekLife {
  /** The attempt timer's time (-1: none pending). */
  zAttemptAt: number;
  /** The delete timer's time once the close completed (-1: not complete). */
  zDeleteAt: number;
  /** The last packet's time. */
  zLast: number;
}

const closedish = (s: ZeekEndpointState) => s === 'CLOSED' || s === 'RESET';

/**
 * Whether Zeek removed the current record before a packet (flags `flags`) at time `t`: reads the
 * endpoints as they were after the previous packet. Clears a timer that fired without removing.
 */
export function zeekRecordOver(life: ZeekLife, orig: ZeekEndpoint, resp: ZeekEndpoint, flags: number, t: number): boolean {
  if (t - life.zLast > ZEEK_INACTIVITY) return true;
  if (life.zDeleteAt >= 0 && t > life.zDeleteAt) return true;
  if (life.zAttemptAt >= 0 && t > life.zAttemptAt) {
    life.zAttemptAt = -1;
    if ((orig.zState === 'SYN_SENT' || orig.zState === 'SYN_ACK_SENT') && resp.zState === 'INACTIVE') return true;
  }
  return (flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN && closedish(orig.zState) && closedish(resp.zState);
}

/** After a packet at `t` (Zeek's machine already stepped): starts the delete timer when the close just completed. */
export function zeekAfterPacket(life: ZeekLife, orig: ZeekEndpoint, resp: ZeekEndpoint, t: number): void {
  life.zLast = t;
  if (life.zDeleteAt >= 0) return;
  const o = orig.zState;
  const r = resp.zState;
  const complete =
    o === 'RESET' || r === 'RESET' || (closedish(o) && closedish(r)) || (o === 'CLOSED' && r === 'INACTIVE') || (r === 'CLOSED' && o === 'INACTIVE');
  if (complete) life.zDeleteAt = t + ZEEK_CLOSE_DELAY;
}

/** Resets a Zeek endpoint for a new record (the same object: it is the tracker's endpoint). */
export function resetZeekEndpoint(e: ZeekEndpoint): void {
  e.zState = 'INACTIVE';
  e.zPrev = 'INACTIVE';
  e.zHistSeen = 0;
  e.zLastSyn = null;
  e.zLastFin = null;
  e.zLastRst = null;
  e.zRxmit = 0;
  e.zRxmitThresh = 1;
  e.zWin0 = 0;
  e.zWin0Thresh = 1;
  e.zGap = 0;
  e.zGapThresh = 1;
  e.zSize = 0;
}
