/**
 * One endpoint of a tracked connection: its track (what classify.ts and analysis.ts read), its
 * Zeek view, its negotiated options and counts, and the short history of its transitions that
 * the tracker undoes when a later segment shows an earlier assumption wrong (machines.ts).
 */
import { noOptions, TcpState, type DirectionSummary, type NegotiatedOptions, type Side } from './model.js';
import { TcpFlag } from '../decode/segment.js';
import type { EndpointTrack } from './classify.js';
import type { ReceivedEvent } from './table.js';
import type { ZeekEndpoint, ZeekEndpointState } from './zeek.js';

/** One endpoint's address, already formatted by the caller. */
export interface EndpointAddr {
  ip: string;
  port: number;
}

/**
 * What caused a transition: a received event, an assumption (mid-stream, a missed SYN), (null) its
 * own segment, or 'evidence': a segment of its own that the capture did not show, proven by the
 * peer's ACK or by what the peer did not do (evidence.ts).
 */
export type Via = ReceivedEvent | 'assumed' | 'evidence' | null;

/**
 * Why a transition was inferred rather than seen (the code opens its `why`, with the packet that
 * proves it): the peer's ACK covers a SYN, data or FIN of this endpoint the capture never showed;
 * the endpoint stopped retransmitting its SYN/FIN, so the ACK the capture did not show reached it;
 * the peer kept retransmitting a SYN/FIN (or, visible, never answered it for many RTTs), so it did
 * not arrive.
 */
export const INFERENCE = {
  unseenSyn: 'ack-covers-unseen-syn',
  unseenData: 'ack-covers-unseen-data',
  unseenFin: 'ack-covers-unseen-fin',
  notRetransmitted: 'no-retransmission-after',
  retransmitted: 'retransmitted-unanswered',
  unanswered: 'unanswered-for-rtts',
} as const;
export type InferenceCode = (typeof INFERENCE)[keyof typeof INFERENCE];

/**
 * While a segment of A's that the capture did not show is applied (evidence.ts unseen()): what
 * proves it. Numbers and names, not a sentence: the opening of each `why` is worded only when a
 * transition happens (most unseen data changes no state).
 */
export interface Proof {
  code: InferenceCode;
  /** The proving segment of B's, and its ACK. */
  packet: number;
  ack: number | null;
  /** The unseen segment: its control flags (TcpFlag.SYN, TcpFlag.FIN or 0) and payload bytes. */
  ctl: number;
  len: number;
  /** A, the unseen segment's sender, and B. */
  a: Side;
  b: Side;
}

/** The opening of a `why` that `p` proves. */
export function proofWhy(p: Proof): string {
  const what = p.ctl & TcpFlag.SYN ? 'a SYN,ACK' : p.ctl & TcpFlag.FIN ? (p.len > 0 ? `${p.len} bytes and a FIN` : 'a FIN') : `${p.len} bytes`;
  return `inferred (${p.code}, packet ${p.packet}): the ${p.b}'s ACK ${p.ack} in packet ${p.packet} covers ${what} of the ${p.a}'s that the capture did not show, ` +
    `so the ${p.a} sent it and the ${p.b} received it; `;
}

/** A SYN or FIN the endpoint received and has not acknowledged yet. */
export interface Pending {
  event: ReceivedEvent;
  packet: number;
  /** The ACK that covers it. */
  end: number;
  /** The transition it caused (its serial, timeline.ts; 0: none, e.g. a SYN reaching LISTEN). */
  tr: number;
  from: TcpState;
  why: string;
  /** An earlier copy of this same SYN/FIN was shown lost on its way to this endpoint. */
  lossy: boolean;
}

export function newDirection(): DirectionSummary {
  return { segments: 0, bytes: 0, retransmissions: 0, firstPacket: null, lastPacket: null };
}

/**
 * One endpoint: its track (classify.ts), Zeek view, and everything the record needs. It is its own
 * EndpointTrack and ZeekEndpoint (`t` and `z` are the endpoint itself): one object per endpoint
 * instead of three, since every connection's objects live until the report is made.
 */
export class End implements EndpointTrack, ZeekEndpoint {
  // EndpointTrack (classify.ts documents each field).
  state: TcpState = TcpState.Closed;
  sentAny = false;
  isn: number | null = null;
  synLen = 0;
  sentSyn = false;
  sentSynAck = false;
  synAcked = false;
  base: number | null = null;
  nextSeq: number | null = null;
  nextSeqTime = 0;
  finSeq: number | null = null;
  finAcked = false;
  finPacket = 0;
  maxAck: number | null = null;
  lastAck: number | null = null;
  lastAckTime = 0;
  windowRaw: number | null = null;
  wscale: number | null = null;
  dupAcks = 0;
  lastWasKeepAlive = false;
  badSynAckAck: number | null = null;

  // ZeekEndpoint (zeek.ts).
  zState: ZeekEndpointState = 'INACTIVE';
  zPrev: ZeekEndpointState = 'INACTIVE';
  zHistSeen = 0;
  zLastSyn: number | null = null;
  zLastFin: number | null = null;
  zLastRst: number | null = null;
  zRxmit = 0;
  zRxmitThresh = 1;
  zWin0 = 0;
  zWin0Thresh = 1;
  zGap = 0;
  zGapThresh = 1;
  zSize = 0;

  readonly t: EndpointTrack = this;
  readonly z: ZeekEndpoint = this;
  basis: 'observed' | 'inferred' = 'observed';
  /** How many of its latest transitions undo() can still reach (at most HIST_MAX; the tracker's log keeps them, timeline.ts). */
  histN = 0;
  pending: Pending | null = null;
  readonly options: NegotiatedOptions = noOptions();
  segments = 0;
  bytes = 0;
  /** Start of the current 2·MSL timer (seconds since the first packet) and the packet that started it. */
  twStart = 0;
  twPacket = 0;
  /** The peer retransmitted a control segment: this endpoint's next ACK belongs to the exchange. */
  owesAck: 'open' | 'close' | null = null;
  awaitHandshakeAck = false;
  awaitSeqAfterSyn = false;
  awaitSeqAfterFin = false;
  ackedPeerFin = false;
  /** Checks already evaluated for this side (bit i = CHECK_IDS[i]). */
  checked = 0;
  keepAlives = 0;
  lastKeepAlive = -1;
  kaIntervalSum = 0;
  kaIntervals = 0;
  afterFin: { packet: number; end: number } | null = null;
  /** End of the last SYN/FIN from the peer this endpoint showed it never received (it retransmitted over it). */
  lostEnd: number | null = null;
  /** It sent a segment that is neither a SYN nor an RST (so it got past SYN-SENT). */
  sentNonSyn = false;
  /**
   * Its latest SYN or FIN as sent (seen or inferred): the sequence number after it, how many copies
   * the capture showed, and when the last two left (seconds since the first packet). What the peer
   * did not answer, and whether it stopped retransmitting, are read from these (evidence.ts).
   */
  ctlEnd: number | null = null;
  ctlCopies = 0;
  ctlLast = 0;
  ctlPrev = 0;
  ctlPacket = 0;
  /**
   * The latest hole in its sequence space: a segment started beyond everything before it (from
   * holeStart to holeEnd), at holeTime. A segment inside it soon after was captured out of order.
   */
  holeStart = 0;
  holeEnd: number | null = null;
  holeTime = 0;
  /** Transitions of its own that the peer's ACKs proved (segments of its the capture did not show). */
  evidenced = 0;
  readonly dir: DirectionSummary = newDirection();

  constructor(
    readonly name: Side,
    readonly addr: EndpointAddr,
    readonly zIsOrig: boolean,
  ) {}
}
