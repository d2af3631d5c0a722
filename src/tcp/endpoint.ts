/**
 * One endpoint of a tracked connection: its track (what classify.ts and analysis.ts read), its
 * Zeek view, its negotiated options and counts, and the short history of its transitions that
 * the tracker undoes when a later segment shows an earlier assumption wrong (machines.ts).
 */
import { TcpState, type DirectionSummary, type NegotiatedOptions, type Side } from './model.js';
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
  return (
    `inferred (${p.code}, packet ${p.packet}): the ${p.b}'s ACK ${p.ack} in packet ${p.packet} covers ${what} of the ${p.a}'s that the capture did not show, ` +
    `so the ${p.a} sent it and the ${p.b} received it; `
  );
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

// End.bits: its booleans, one bit each.
const SENT_ANY = 1;
const SENT_SYN = 2;
const SENT_SYN_ACK = 4;
const SYN_ACKED = 8;
const FIN_ACKED = 16;
const LAST_KA = 32;
const AWAIT_HS_ACK = 64;
const AWAIT_SEQ_SYN = 128;
const AWAIT_SEQ_FIN = 256;
const ACKED_PEER_FIN = 512;
const SENT_NON_SYN = 1024;
const Z_IS_ORIG = 2048;

// End.n: its sequence numbers and times, unboxed (NaN for null). Values of 2^31 and above, and
// fractional times, are heap numbers as fields: 16 bytes more each, and a field that may be null
// allocates a new one at every write (per packet for nextSeq, maxAck, lastAck ...).
const ISN = 0;
const BASE = 1;
const NEXT_SEQ = 2;
const NEXT_SEQ_TIME = 3;
const FIN_SEQ = 4;
const MAX_ACK = 5;
const LAST_ACK = 6;
const LAST_ACK_TIME = 7;
const CTL_END = 8;
const CTL_LAST = 9;
const CTL_PREV = 10;
const TW_START = 11;

/** What few connections use: keep-alives, data after a FIN, lost SYNs/FINs, holes (End.more). */
class EndMore {
  keepAlives = 0;
  lastKeepAlive = -1;
  kaIntervalSum = 0;
  kaIntervals = 0;
  afterFin: { packet: number; end: number } | null = null;
  lostEnd: number | null = null;
  holeStart = 0;
  holeEnd: number | null = null;
  holeTime = 0;
}

/**
 * One endpoint: its track (classify.ts), Zeek view, and everything the record needs. It is its own
 * EndpointTrack and ZeekEndpoint (`t` and `z` are the endpoint itself): one object per endpoint
 * instead of three, since every connection's objects live until the report is made.
 *
 * Kept small (a connection's trackers are most of the live heap): its booleans are bits of `bits`,
 * its sequence numbers and times doubles in `n` (NaN for null), what few connections use in `more`
 * (made at its first write), its direction summary and negotiated options plain fields (the record
 * makes their objects). Accessors keep the names classify.ts, zeek.ts and the rest use.
 */
export class End implements EndpointTrack, ZeekEndpoint {
  // EndpointTrack (classify.ts documents each field).
  state: TcpState = TcpState.Closed;
  private bits = 0;
  private readonly n: number[] = [NaN, NaN, NaN, 0, NaN, NaN, NaN, 0, NaN, 0, 0, 0];
  private more: EndMore | null = null;
  synLen = 0;
  finPacket = 0;
  windowRaw: number | null = null;
  wscale: number | null = null;
  dupAcks = 0;
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

  basis: 'observed' | 'inferred' = 'observed';
  /** How many of its latest transitions undo() can still reach (at most HIST_MAX; the tracker's log keeps them, timeline.ts). */
  histN = 0;
  pending: Pending | null = null;
  // Its negotiated options (NegotiatedOptions: `options` makes the object).
  optMss: number | null = null;
  optWscale: number | null = null;
  optSack: boolean | null = null;
  optTs: boolean | null = null;
  optCookie: string | null = null;
  segments = 0;
  bytes = 0;
  twPacket = 0;
  /** The peer retransmitted a control segment: this endpoint's next ACK belongs to the exchange. */
  owesAck: 'open' | 'close' | null = null;
  /** Checks already evaluated for this side (bit i = CHECK_IDS[i]). */
  checked = 0;
  ctlCopies = 0;
  ctlPacket = 0;
  /** Transitions of its own that the peer's ACKs proved (segments of its the capture did not show). */
  evidenced = 0;
  // Data between the opening and the closing (DirectionSummary: `dir` makes the object).
  dSegments = 0;
  dBytes = 0;
  dRetransmissions = 0;
  dFirstPacket: number | null = null;
  dLastPacket: number | null = null;

  /** Its address (an EndpointAddr, kept as two fields). */
  readonly ip: string;
  readonly port: number;

  constructor(
    readonly name: Side,
    addr: EndpointAddr,
    zIsOrig: boolean,
  ) {
    this.ip = addr.ip;
    this.port = addr.port;
    if (zIsOrig) this.bits = Z_IS_ORIG;
  }

  get t(): EndpointTrack {
    return this;
  }
  get z(): ZeekEndpoint {
    return this;
  }
  get zIsOrig(): boolean {
    return (this.bits & Z_IS_ORIG) !== 0;
  }

  private flag(bit: number, v: boolean): void {
    this.bits = v ? this.bits | bit : this.bits & ~bit;
  }
  get sentAny(): boolean {
    return (this.bits & SENT_ANY) !== 0;
  }
  set sentAny(v: boolean) {
    this.flag(SENT_ANY, v);
  }
  get sentSyn(): boolean {
    return (this.bits & SENT_SYN) !== 0;
  }
  set sentSyn(v: boolean) {
    this.flag(SENT_SYN, v);
  }
  get sentSynAck(): boolean {
    return (this.bits & SENT_SYN_ACK) !== 0;
  }
  set sentSynAck(v: boolean) {
    this.flag(SENT_SYN_ACK, v);
  }
  get synAcked(): boolean {
    return (this.bits & SYN_ACKED) !== 0;
  }
  set synAcked(v: boolean) {
    this.flag(SYN_ACKED, v);
  }
  get finAcked(): boolean {
    return (this.bits & FIN_ACKED) !== 0;
  }
  set finAcked(v: boolean) {
    this.flag(FIN_ACKED, v);
  }
  get lastWasKeepAlive(): boolean {
    return (this.bits & LAST_KA) !== 0;
  }
  set lastWasKeepAlive(v: boolean) {
    this.flag(LAST_KA, v);
  }
  get awaitHandshakeAck(): boolean {
    return (this.bits & AWAIT_HS_ACK) !== 0;
  }
  set awaitHandshakeAck(v: boolean) {
    this.flag(AWAIT_HS_ACK, v);
  }
  get awaitSeqAfterSyn(): boolean {
    return (this.bits & AWAIT_SEQ_SYN) !== 0;
  }
  set awaitSeqAfterSyn(v: boolean) {
    this.flag(AWAIT_SEQ_SYN, v);
  }
  get awaitSeqAfterFin(): boolean {
    return (this.bits & AWAIT_SEQ_FIN) !== 0;
  }
  set awaitSeqAfterFin(v: boolean) {
    this.flag(AWAIT_SEQ_FIN, v);
  }
  get ackedPeerFin(): boolean {
    return (this.bits & ACKED_PEER_FIN) !== 0;
  }
  set ackedPeerFin(v: boolean) {
    this.flag(ACKED_PEER_FIN, v);
  }
  /** It sent a segment that is neither a SYN nor an RST (so it got past SYN-SENT). */
  get sentNonSyn(): boolean {
    return (this.bits & SENT_NON_SYN) !== 0;
  }
  set sentNonSyn(v: boolean) {
    this.flag(SENT_NON_SYN, v);
  }

  private get_(i: number): number | null {
    const v = this.n[i]!;
    return v === v ? v : null;
  }
  get isn(): number | null {
    return this.get_(ISN);
  }
  set isn(v: number | null) {
    this.n[ISN] = v ?? NaN;
  }
  get base(): number | null {
    return this.get_(BASE);
  }
  set base(v: number | null) {
    this.n[BASE] = v ?? NaN;
  }
  get nextSeq(): number | null {
    return this.get_(NEXT_SEQ);
  }
  set nextSeq(v: number | null) {
    this.n[NEXT_SEQ] = v ?? NaN;
  }
  get nextSeqTime(): number {
    return this.n[NEXT_SEQ_TIME]!;
  }
  set nextSeqTime(v: number) {
    this.n[NEXT_SEQ_TIME] = v;
  }
  get finSeq(): number | null {
    return this.get_(FIN_SEQ);
  }
  set finSeq(v: number | null) {
    this.n[FIN_SEQ] = v ?? NaN;
  }
  get maxAck(): number | null {
    return this.get_(MAX_ACK);
  }
  set maxAck(v: number | null) {
    this.n[MAX_ACK] = v ?? NaN;
  }
  get lastAck(): number | null {
    return this.get_(LAST_ACK);
  }
  set lastAck(v: number | null) {
    this.n[LAST_ACK] = v ?? NaN;
  }
  get lastAckTime(): number {
    return this.n[LAST_ACK_TIME]!;
  }
  set lastAckTime(v: number) {
    this.n[LAST_ACK_TIME] = v;
  }
  /**
   * Its latest SYN or FIN as sent (seen or inferred): the sequence number after it, how many copies
   * the capture showed (ctlCopies), and when the last two left (seconds since the first packet).
   * What the peer did not answer, and whether it stopped retransmitting, are read from these
   * (evidence.ts).
   */
  get ctlEnd(): number | null {
    return this.get_(CTL_END);
  }
  set ctlEnd(v: number | null) {
    this.n[CTL_END] = v ?? NaN;
  }
  get ctlLast(): number {
    return this.n[CTL_LAST]!;
  }
  set ctlLast(v: number) {
    this.n[CTL_LAST] = v;
  }
  get ctlPrev(): number {
    return this.n[CTL_PREV]!;
  }
  set ctlPrev(v: number) {
    this.n[CTL_PREV] = v;
  }
  /** Start of the current 2·MSL timer (seconds since the first packet); twPacket the packet that started it. */
  get twStart(): number {
    return this.n[TW_START]!;
  }
  set twStart(v: number) {
    this.n[TW_START] = v;
  }

  private m(): EndMore {
    return (this.more ??= new EndMore());
  }
  get keepAlives(): number {
    return this.more === null ? 0 : this.more.keepAlives;
  }
  set keepAlives(v: number) {
    if (v !== 0 || this.more !== null) this.m().keepAlives = v;
  }
  get lastKeepAlive(): number {
    return this.more === null ? -1 : this.more.lastKeepAlive;
  }
  set lastKeepAlive(v: number) {
    if (v !== -1 || this.more !== null) this.m().lastKeepAlive = v;
  }
  get kaIntervalSum(): number {
    return this.more === null ? 0 : this.more.kaIntervalSum;
  }
  set kaIntervalSum(v: number) {
    if (v !== 0 || this.more !== null) this.m().kaIntervalSum = v;
  }
  get kaIntervals(): number {
    return this.more === null ? 0 : this.more.kaIntervals;
  }
  set kaIntervals(v: number) {
    if (v !== 0 || this.more !== null) this.m().kaIntervals = v;
  }
  get afterFin(): { packet: number; end: number } | null {
    return this.more === null ? null : this.more.afterFin;
  }
  set afterFin(v: { packet: number; end: number } | null) {
    if (v !== null || this.more !== null) this.m().afterFin = v;
  }
  /** End of the last SYN/FIN from the peer this endpoint showed it never received (it retransmitted over it). */
  get lostEnd(): number | null {
    return this.more === null ? null : this.more.lostEnd;
  }
  set lostEnd(v: number | null) {
    if (v !== null || this.more !== null) this.m().lostEnd = v;
  }
  /**
   * The latest hole in its sequence space: a segment started beyond everything before it (from
   * holeStart to holeEnd), at holeTime. A segment inside it soon after was captured out of order.
   */
  get holeStart(): number {
    return this.more === null ? 0 : this.more.holeStart;
  }
  set holeStart(v: number) {
    if (v !== 0 || this.more !== null) this.m().holeStart = v;
  }
  get holeEnd(): number | null {
    return this.more === null ? null : this.more.holeEnd;
  }
  set holeEnd(v: number | null) {
    if (v !== null || this.more !== null) this.m().holeEnd = v;
  }
  get holeTime(): number {
    return this.more === null ? 0 : this.more.holeTime;
  }
  set holeTime(v: number) {
    if (v !== 0 || this.more !== null) this.m().holeTime = v;
  }

  /** Its negotiated options, as the record has them (a new object). */
  get options(): NegotiatedOptions {
    return { mss: this.optMss, wscale: this.optWscale, sackPermitted: this.optSack, timestamps: this.optTs, fastOpenCookie: this.optCookie };
  }
  /** Its data between the opening and the closing, as the record has it (a new object). */
  get dir(): DirectionSummary {
    return {
      segments: this.dSegments,
      bytes: this.dBytes,
      retransmissions: this.dRetransmissions,
      firstPacket: this.dFirstPacket,
      lastPacket: this.dLastPacket,
    };
  }
}
