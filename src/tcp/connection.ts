/**
 * ConnectionTracker: one connection's two endpoint machines, checks, analysis flags, Zeek summary
 * and kept segments, fed one segment at a time by trace.ts; `finish()` turns it into the model's
 * ConnectionRecord.
 *
 * How a segment drives the machines (table.ts): it is a `sent` event for its source and a
 * `received` event for its destination. The capture point sees A send it; that B receives it at
 * that moment is an assumption, and B's own later segments correct it:
 *   - A SYN or FIN must be acknowledged. If B's next segment does not acknowledge it, B sent that
 *     segment before the SYN/FIN reached it (crossing SYNs or FINs): the transition the SYN/FIN
 *     caused in B is undone, B's own segment is applied, and the SYN/FIN is applied after it.
 *     That is how simultaneous open and close come out as SYN-SENT -> SYN-RECEIVED and
 *     FIN-WAIT-1 -> CLOSING on both sides, as RFC 9293 §3.5/§3.6 draw them.
 *   - If B retransmits a segment the peer had acknowledged, that ACK never reached B (lost last ACK,
 *     lost SYN,ACK ...): the transition the ACK caused in B is undone (SHOWS_LOST in table.ts).
 *   - If A retransmits a SYN/FIN that B had not acknowledged, the first copy is taken as lost and
 *     B's transition is dated from the copy that got through.
 *   - A listener's receipt of a SYN is not guessed: LISTEN becomes SYN-RECEIVED when its SYN,ACK
 *     shows the SYN arrived (a SYN that draws nothing, or an RST, never made SYN-RECEIVED).
 *   - What the capture did not show, the peer's ACKs prove: an ACK covering a SYN, data or a FIN
 *     of A's that no captured segment carried means A sent it and B received it. That segment is
 *     applied to both machines just before B's, each transition `inferred (CODE, packet N)`
 *     (endpoint.ts INFERENCE): a one-direction capture still takes both endpoints through the
 *     states their segments imply (inferFromAck, unseen).
 *   - What did not happen is evidence too, at the end of the capture (missingAnswers): an endpoint
 *     that stopped retransmitting its SYN/FIN got the ACK the capture lacks; a SYN/FIN retransmitted
 *     to the end, or a SYN,ACK a visible endpoint never answered for many RTTs, did not arrive; data
 *     retransmitted after the ACK of its FIN shows that ACK was lost (retransmitsAcked).
 *
 * Memory: a few numbers per endpoint, the timeline (bounded), and only the opening/closing
 * segments (bounded) unless `allSegments` (none with `noSegments`). Nothing per byte.
 *
 * This file is the tracker and its two machines (apply, undo, replay) and builds the record;
 * the endpoint is endpoint.ts, the checks checks.ts, the kinds of opening and closing
 * exchange.ts, a kept segment segment-record.ts.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { TunnelHop } from '../decode/tunnel-path.js';
import {
  CHECK_IDS,
  TRANSITION_CODE,
  TcpState,
  type ConnectionRecord,
  type EndpointRecord,
  type FlagCounts,
  type SegmentRecord,
  type Side,
  type Transition,
  type ZeekRecord,
} from './model.js';
import { classify, judgeRst, type Classified, type RstJudgement } from './classify.js';
import { A, analyze, DuplicateWatch } from './analysis.js';
import { SHOWS_LOST, step, type ReceivedEvent, type SentEvent } from './table.js';
import { zeekConnState, zeekStep, ZeekHistory } from './zeek.js';
import { resetZeekEndpoint, ZEEK_ATTEMPT_DELAY, zeekAfterPacket, zeekRecordOver, type ZeekLife } from './zeek-lifetime.js';
import { End, INFERENCE, type EndpointAddr, type InferenceCode, type Pending, type Via } from './endpoint.js';
import { beginSegment, checkBefore, checkLateSyn, checkList, checksAtEnd, checkTimeWait } from './checks.js';
import { copySegment, segmentRecord } from './segment-record.js';
import {
  abortPending,
  bookRst,
  bookSegment,
  bookUnexpected,
  closeKind,
  oddFacts,
  openKind,
  pushCapped,
  rstNotTaken,
  rstSenderWentOn,
  unexpectedExchange,
  type Exchange,
  type Oddities,
} from './exchange.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe } from './seq.js';
import { round6 } from './format.js';
import { NOTE, type ControlKind, type Note } from './notes.js';

/**
 * Why a record is made before the end of the capture: `early` (finished, written before its
 * TIME-WAIT ran out to bound memory), `evicted` (still open, ended to make room in a full table).
 */
export type FinishReason = 'end' | 'early' | 'evicted';

export type { EndpointAddr } from './endpoint.js';

/** Tracker settings from trace(). */
export interface TrackerOptions {
  /** Maximum segment lifetime, seconds; TIME-WAIT lasts 2·MSL. */
  mslSec: number;
  /** Keep every segment in `segments`, not only the opening and closing exchanges. */
  allSegments: boolean;
  /** Keep no segment at all (`segments` stays empty): nothing will draw this connection (`--summary`). */
  noSegments?: boolean;
  /** The table's cap, for the note of an evicted connection. */
  maxConnections?: number;
  /**
   * Keep each kept segment's timestamp option values (`SegmentRecord.ts`): the metrics' RTT from
   * timestamp echoes needs them (`--metrics`, `--svg`, `--html`). Only kept segments pay for it.
   */
  timestamps?: boolean;
}

/**
 * A finished connection whose record was written before its TIME-WAIT ran out: a few numbers
 * instead of a tracker (ConnectionTracker.park).
 */
export interface ParkedConnection {
  id: number;
  clientIsn: number | null;
  serverIsn: number | null;
  /** Each side's state in the written record. */
  client: TcpState;
  server: TcpState;
  /** The connection's first packet, and when each side's TIME-WAIT started (seconds after it). */
  firstSec: number;
  firstNsec: number;
  clientTwStart: number;
  serverTwStart: number;
  /** The RST that aborted it (ConnectionTracker.aborted), or null. */
  aborted: { by: Side; seq: number; time: number; grace: number } | null;
}

/**
 * Whether a TIME-WAIT that started `twStart` seconds after the connection's first packet
 * (firstSec, firstNsec) has run out by (endSec, endNsec): 2·MSL passed (RFC 9293 §3.10.8).
 * finish() decides a tracked connection's end state with it, trace.ts a parked one's.
 */
export function timeWaitOver(twStart: number, firstSec: number, firstNsec: number, endSec: number, endNsec: number, mslSec: number): boolean {
  return endSec - firstSec + (endNsec - firstNsec) / 1e9 >= twStart + 2 * mslSec;
}

/** Whether `seg`, sent by `by`, is another copy of the RST that aborted a connection (same sender, same seq). */
export function repeatsRst(seg: Segment, by: Side, rst: { by: Side; seq: number }): boolean {
  return (seg.flags & TcpFlag.RST) !== 0 && by === rst.by && seg.seq === rst.seq;
}

/**
 * How long after the RST that aborted a connection a segment on its 4-tuple may still be one that
 * was in flight when the RST went out (crossing it: the peer's ACK or FIN sent before the RST
 * arrived, a SYN retransmitted before the refusal arrived) and so belongs to the old connection:
 * three round trips, and at least one second (Linux's initial RTO), for a capture point anywhere on
 * the path. Past it, a segment is a new (mid-stream) connection's, as a stray 15 s later is.
 */
export function rstGraceSec(rttSec: number | null): number {
  return Math.max(1, 3 * (rttSec ?? 0));
}

/** Whether `seg`, sent by `by` at `time` (seconds since the epoch), still belongs to a connection that `rst` aborted. */
export function belongsAfterRst(seg: Segment, by: Side, time: number, rst: { by: Side; seq: number; time: number; grace: number }): boolean {
  return repeatsRst(seg, by, rst) || time - rst.time <= rst.grace;
}

/** Most opening/closing segments kept per connection (the rest are counted in `notes`). */
export const MAX_EXCHANGE_SEGMENTS = 64;
/** Most timeline entries per connection. */
const MAX_TIMELINE = 256;

const { Closed, Listen, SynSent, Established, CloseWait, TimeWait } = TcpState;
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
/**
 * How soon a segment must fill the hole the segment before it left to count as captured out of
 * order rather than retransmitted (at least; one RTT when it is known): Wireshark's default
 * out-of-order window (tcp_analyze_seq's 3 ms).
 */
const REORDER_SEC = 0.003;
const REXMIT: ReadonlySet<SentEvent> = new Set<SentEvent>(['SynRexmit', 'SynAckRexmit', 'FinRexmit']);

// Per-packet scratch shared by all trackers (observe() is never re-entered): the two events of the
// current segment, and of a segment the capture did not show but the peer's ACK proves (VSEG, VEV).
const EV: Classified = { sent: 'Ack', received: 'Ack' };
const VEV: Classified = { sent: 'Ack', received: 'Ack' };
const VSEG: { -readonly [K in keyof Segment]: Segment[K] } = {
  packet: 0, tsSec: 0, tsNsec: 0, ipVersion: 4, ipId: 0, src0: 0, src1: 0, src2: 0, src3: 0, dst0: 0, dst1: 0, dst2: 0, dst3: 0,
  srcPort: 0, dstPort: 0, seq: 0, ack: null, flags: 0, window: 0, payloadLen: 0, options: null, truncated: false, tunnel: 0, tunnelFlip: 0,
};

/**
 * A FIN inferred from a one-number step of the peer's ACK that nothing else confirms yet (the peer
 * has not sent a FIN of its own): if the endpoint's sequence space later grows past it, it was one
 * byte of data and the inference is withdrawn (ConnectionTracker.withdrawFin).
 */
interface FinGuess {
  A: End;
  B: End;
  packet: number;
  bits: number;
  saved: [Side | null, Side | null, boolean, boolean, boolean, boolean, boolean, number | null, number, number, number, number];
}
/** A SYN,ACK inferred from an ACK of an unseen ISN (ConnectionTracker.synGuess). */
interface SynGuess {
  A: End;
  B: End;
  packet: number;
  /** B's ACK: A's ISN + 1. */
  ack: number;
  /** What B's segment was to A's machine had it stayed LISTEN. */
  event: 'Data' | 'Ack';
  saved: [number | null, boolean, number, number | null, number, number, number, number];
}
const RST: RstJudgement = { accepted: false, inWindow: false, expected: null, actual: null };

/**
 * `s` as one flat string. A template literal is a tree of string pieces in V8 (a few hundred bytes
 * for a sentence); reading a character flattens it in place, and a connection's notes live as long
 * as the report.
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/** Tracks one connection (one 4-tuple, one ISN pair) from its first captured segment. */
export class ConnectionTracker {
  /** The two endpoints (read by exchange.ts). */
  readonly c: End;
  readonly s: End;
  private firstSec = 0;
  private firstNsec = 0;
  private lastAbs = 0;
  /**
   * The connection's own clock (seconds since its first packet) never runs backwards: a packet
   * stamped before one already seen (a merged capture, a clock step) is taken at the latest time seen,
   * so every duration (RTT, TIME-WAIT, silences) is measured forwards. The steps are counted for a note.
   */
  private lastRel = 0;
  private backSteps = 0;
  private backFirst = 0;
  private backMax = 0;
  /** Relative time of the latest backwards step (-1: none): a duration spanning it is not measured. */
  backAt = -1;
  /** The first segment captured out of its wire order (flags.reordered counts them). */
  private reorderedFirst = 0;
  /** The client's SYN-SENT assumed from a SYN,ACK captured first (start()): its SYN may still come, late. */
  private assumedSyn: Transition | null = null;
  private packets = 0;
  private readonly timeline: Transition[] = [];
  private timelineDropped = 0;
  /** The checks decided so far (a CheckLog: checks.ts). */
  readonly checkNums: number[] = [];
  readonly checkMsgs: string[] = [];
  private readonly records: SegmentRecord[] = [];
  private omitted = 0;
  private readonly counts: FlagCounts = {
    retransmissions: 0,
    outOfOrder: 0,
    dupAcks: 0,
    keepAlives: 0,
    zeroWindows: 0,
    lostSegments: 0,
    ackedUnseen: 0,
    duplicates: 0,
    reordered: 0,
  };
  /** The last segment of each direction, to tell a frame captured twice (analysis.ts). */
  private readonly dups = new DuplicateWatch();
  private readonly zhist = new ZeekHistory();
  /** The current Zeek record's timers (zeek-lifetime.ts), and the records Zeek ended before it (null: none). */
  private readonly zlife: ZeekLife = { zAttemptAt: -1, zDeleteAt: -1, zLast: 0 };
  private zrecords: ZeekRecord[] | null = null;
  private zFirstPacket = 0;
  // Opening.
  firstSynTime: number | null = null;
  lastSynTime: number | null = null;
  synRexmits: number[] | null = null;
  rttSec: number | null = null;
  handshakeAcked = false;
  synAckFirst = false;
  firstSynPacket = 0;
  firstSynAckPacket = 0;
  rttUnknown: 'rtt-reordered' | 'clock-backwards' | null = null;
  readonly openPackets: number[] = [];
  refused = false;
  fastOpen = false;
  // Closing.
  readonly closePackets: number[] = [];
  firstFin: Side | null = null;
  secondFin = false;
  finsCrossed = false;
  threeSegment = false;
  firstCloseSide: Side | null = null;
  dataAfterFin = 0;
  reset: { by: Side; state: TcpState; packet: number } | null = null;
  resetSeen = false;
  /** RSTs that may turn out to end nothing, and segments no state sends or receives (exchange.ts). */
  odd: Oddities | null = null;
  /**
   * The RST that aborted the connection: the first one its receiver's machine accepted and left
   * its connection for (classify's judgement and table.ts decide which; an RST outside the window
   * or to an endpoint without a connection is not one). Any later segment on the 4-tuple but a
   * copy of it belongs to a new connection (startsNewConnection).
   */
  aborted: { by: Side; seq: number; packet: number; time: number; grace: number } | null = null;
  private readonly notes: Note[] = [];
  /** finish() ran with `last`: the record owns the lists now. */
  private done = false;
  /**
   * While a segment the capture did not show is applied: what proves it, the opening of each `why`
   * (built only when a transition happens: most unseen data changes no state).
   */
  private evidence: (() => string) | null = null;
  /** A FIN inferred from a one-number step that may still turn out to be a byte of data. */
  private finGuess: FinGuess | null = null;
  /**
   * A SYN,ACK inferred from B's ACK of an ISN of A's never seen, while A has sent nothing since: A's
   * RST `<SEQ=SEG.ACK>` without ACK, LISTEN's answer to any ACK (RFC 9293 §3.10.7.2), shows A was
   * listening and never sent it (withdrawSynAck).
   */
  private synGuess: SynGuess | null = null;

  /** Starts a connection; nothing is known until the first `observe()`. */
  constructor(
    readonly id: number,
    client: EndpointAddr,
    server: EndpointAddr,
    private readonly opts: TrackerOptions,
    private readonly meta: { heuristic: string | null; reusedFrom: number | null; tunnel?: TunnelHop[] | null },
  ) {
    this.c = new End('client', client, true);
    this.s = new End('server', server, false);
  }

  /** True once nothing more can happen but TIME-WAIT expiry: both endpoints CLOSED or TIME-WAIT, or an RST was sent. */
  get finished(): boolean {
    if (this.packets === 0) return false;
    const a = this.c.t.state;
    const b = this.s.t.state;
    // Not while an endpoint is CLOSED only by its own RST that its peer did not take: its next
    // segment may still show that RST was not its abort (rstSenderWentOn).
    if ((a === Closed || a === TimeWait) && (b === Closed || b === TimeWait)) return this.odd === null || !abortPending(this);
    return this.resetSeen;
  }

  /**
   * What the table keeps of a finished connection once its record is written: its ISNs (to tell a
   * retransmitted SYN from port reuse) and when each TIME-WAIT started (to know the state at the
   * end of the capture). `rec` is the record just written.
   */
  park(rec: ConnectionRecord): ParkedConnection {
    return {
      id: this.id,
      clientIsn: this.c.t.isn,
      serverIsn: this.s.t.isn,
      client: rec.client.state,
      server: rec.server.state,
      firstSec: this.firstSec,
      firstNsec: this.firstNsec,
      clientTwStart: this.c.twStart,
      serverTwStart: this.s.twStart,
      aborted: this.aborted,
    };
  }

  /**
   * A new SYN (`seg`) reuses this connection's 4-tuple (startsNewConnection said so): an endpoint
   * still in TIME-WAIT has given the 4-tuple up, so it is CLOSED at the SYN's time. The SYN's
   * receiver accepted it in TIME-WAIT (RFC 9293 §3.10.7.4, RFC 6191: the old connection is over);
   * its sender reused its own TIME-WAIT 4-tuple (Linux tcp_tw_reuse). The kernel keeps one socket
   * per 4-tuple, the new one. A TIME-WAIT whose 2·MSL ran out before the SYN expired then, as
   * always. Call before the last finish().
   */
  endTimeWaitByReuse(seg: Segment, fromClient: boolean): void {
    if (this.done || this.packets === 0) return;
    const t = Math.max(this.lastRel, seg.tsSec - this.firstSec + (seg.tsNsec - this.firstNsec) / 1e9);
    for (const E of [this.c, this.s]) {
      if (E.t.state !== TimeWait) continue;
      this.expire(E, t);
      if (E.t.state !== TimeWait) continue;
      const receiver = (E === this.c) !== fromClient;
      const why = receiver
        ? `TIME-WAIT ended early: a new SYN (packet ${seg.packet}) reused the 4-tuple and was accepted in TIME-WAIT, which ends the old connection (RFC 9293 §3.10.7.4, RFC 6191)`
        : `TIME-WAIT ended early: it sent a new SYN (packet ${seg.packet}) on the same 4-tuple, reusing it for a new connection (RFC 6191; Linux tcp_tw_reuse)`;
      // Known as well as the TIME-WAIT was (its basis stays), ended by a segment the capture shows.
      const basis = E.basis;
      const tr = this.move(E, Closed, seg.packet, t, why, 'assumed');
      E.basis = basis;
      if (tr !== null) tr.code = TRANSITION_CODE.timeWaitReused;
      this.notes.push({ code: NOTE.timeWaitReused, side: E.name, twPacket: E.twPacket, at: round6(t), packet: seg.packet });
    }
  }

  /**
   * Whether `seg` fills, soon, the hole the segment before it left in S's sequence space (it started
   * beyond everything S had sent): it went first on the wire and was captured late. Later than one
   * RTT (at least REORDER_SEC) it is a retransmission of what was lost before the capture point. Also
   * opens a hole when `seg` starts beyond S's next sequence number. Reads S's track before `seg`.
   */
  private fillsHole(seg: Segment, S: End, t: number): boolean {
    const next = S.t.nextSeq;
    if (next === null || seg.flags & TcpFlag.RST) return false;
    if (seqGt(seg.seq, next)) {
      S.holeStart = next;
      S.holeEnd = seg.seq;
      S.holeTime = t;
      return false;
    }
    const hole = S.holeEnd;
    if (hole === null || seg.payloadLen === 0 || !seqGe(seg.seq, S.holeStart) || !seqLe(seqAdd(seg.seq, seg.payloadLen), hole)) return false;
    if (t - S.holeTime > Math.max(this.rttSec ?? 0, REORDER_SEC)) {
      S.holeEnd = null;
      return false;
    }
    if (seqAdd(seg.seq, seg.payloadLen) === hole) S.holeEnd = null;
    else S.holeStart = seqAdd(seg.seq, seg.payloadLen);
    return true;
  }

  /** Books `seg` as captured out of order; returns its analysis mask with only that said of it. */
  private reordered(seg: Segment, mask: number, lateSyn: boolean): number {
    if (this.counts.reordered++ === 0) this.reorderedFirst = seg.packet;
    if (lateSyn && this.assumedSyn !== null) {
      const tr = this.assumedSyn;
      tr.why = flat(`its SYN, captured out of order after the SYN,ACK that answers it (in packet ${seg.packet}), went first on the wire (RFC 9293 §3.10.1)`);
    }
    // Not a retransmission: it is the first copy (Wireshark's out-of-order, when it says so, stands).
    return (mask & ~(A.RETRANSMISSION | A.SPURIOUS)) | A.REORDERED;
  }

  /** Ends the current Zeek record before packet `packet` and starts the next one with it. */
  private newZeekRecord(packet: number, fromClient: boolean, flags: number, t: number): void {
    const list = (this.zrecords ??= []);
    list.push(this.zeekRecord());
    resetZeekEndpoint(this.c.z);
    resetZeekEndpoint(this.s.z);
    this.zhist.text = '';
    if (!fromClient) this.zhist.flip();
    this.zFirstPacket = packet;
    const l = this.zlife;
    l.zDeleteAt = -1;
    l.zAttemptAt = fromClient && (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN ? t + ZEEK_ATTEMPT_DELAY : -1;
  }

  /** The current Zeek record (the client is the originator, '^' when a record began with the server's packet). */
  private zeekRecord(): ZeekRecord {
    const h = this.zhist.text;
    return { conn_state: zeekConnState(this.c.z.zState, this.s.z.zState, this.c.z.zSize, this.s.z.zSize, h), history: h, firstPacket: this.zFirstPacket };
  }

  /** `t` is before the connection's latest time: a backwards step, counted; returns the latest time. */
  private clockBack(packet: number, t: number): number {
    const back = this.lastRel - t;
    if (this.backSteps++ === 0) this.backFirst = packet;
    if (back > this.backMax) this.backMax = back;
    this.backAt = this.lastRel;
    return this.lastRel;
  }

  /** Time of the last packet, seconds since the epoch (float). */
  get lastTime(): number {
    return this.lastAbs;
  }

  /**
   * Port reuse: `seg` is a SYN (no ACK) with an ISN other than this connection's SYN from that side
   * (a retransmitted SYN, same ISN, never is), and this connection is closed, reset or in TIME-WAIT,
   * or its opening never completed (Linux keeps the ISN across SYN retransmissions, so a new ISN is
   * a new attempt), or it has been quiet for at least one MSL (no segment of it can still be in
   * flight, RFC 9293 §3.4.1). `idleSec` is how long it has been quiet (seg time − last packet time).
   */
  startsNewConnection(seg: Segment, fromClient: boolean, idleSec: number): boolean {
    // After the RST that aborted it, only a copy of that RST or a segment that crossed it belongs
    // to it: anything later on the 4-tuple starts a new connection (a SYN a new opening, the rest
    // mid-stream).
    const ab = this.aborted;
    if (ab !== null) return !belongsAfterRst(seg, fromClient ? 'client' : 'server', seg.tsSec + seg.tsNsec / 1e9, ab);
    if ((seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return false;
    const e = fromClient ? this.c : this.s;
    if (e.t.isn !== null && seg.seq === e.t.isn) return false;
    if (this.finished) return true;
    const st = e.t.state;
    if (e.t.isn !== null && (st === SynSent || st === Closed)) return true;
    return idleSec >= this.opts.mslSec;
  }

  /** Feeds one segment of this connection; `fromClient` says its direction. */
  observe(seg: Segment, fromClient: boolean): void {
    if (this.done) throw new Error(`connection ${this.id}: observe() after the last finish()`);
    if (this.packets === 0) this.start(seg, fromClient);
    this.packets++;
    const abs = seg.tsSec + seg.tsNsec / 1e9;
    if (abs > this.lastAbs) this.lastAbs = abs;
    let t = seg.tsSec - this.firstSec + (seg.tsNsec - this.firstNsec) / 1e9;
    if (t < this.lastRel) t = this.clockBack(seg.packet, t);
    else this.lastRel = t;
    // The same frame captured twice: counted and shown, not applied to anything again.
    const copyOf = this.dups.original(seg, fromClient);
    if (copyOf !== 0) {
      this.duplicate(seg, fromClient ? this.c : this.s, t, copyOf);
      return;
    }
    // A TIME-WAIT that ran out before this segment: the endpoint has no TCB any more (RFC 9293 §3.10.8).
    if (this.c.t.state === TimeWait) this.expire(this.c, t);
    if (this.s.t.state === TimeWait) this.expire(this.s, t);
    const S = fromClient ? this.c : this.s;
    const R = fromClient ? this.s : this.c;
    const st = S.t;
    const rt = R.t;
    const f = seg.flags;
    const len = seg.payloadLen;
    beginSegment();

    // Everything below reads the tracks as they were before this segment.
    let mask = analyze(seg, st, rt, t, this.rttSec ?? 0.003);
    // Capture order is not wire order: a SYN captured after the SYN,ACK that acknowledges it went
    // first on the wire. Both machines are already past it (the SYN,ACK's sender received it, its
    // receiver was assumed in SYN-SENT): it is booked and checked, and moves neither.
    const lateSyn = (f & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN && !st.sentAny && rt.sentSynAck &&
      rt.maxAck === seqAdd(seg.seq, 1 + len);
    if (lateSyn || this.fillsHole(seg, S, t)) mask = this.reordered(seg, mask, lateSyn);
    const rst: RstJudgement | null = f & TcpFlag.RST ? judgeRst(seg, st, rt, RST) : null;
    // What this segment's ACK proves the receiver sent though the capture did not show it, and what
    // retransmitting data the receiver had acknowledged shows the sender never got.
    this.inferFromAck(seg, S, R, t);
    this.retransmitsAcked(seg, S, mask);
    const ev = classify(seg, st, rt, rst, EV);
    const sent = ev.sent;
    const received = ev.received;
    const senderBefore = st.state;
    const receiverBefore = rt.state;
    const senderFirst = !st.sentAny;
    let exchange: 'open' | 'close' | null = null;
    if (f & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) exchange = f & TcpFlag.SYN ? 'open' : 'close';
    else if (sent === 'AckOfSyn') exchange = 'open';
    else if (sent === 'AckOfFin') exchange = 'close';
    else if (S.owesAck !== null && seg.ack !== null) exchange = S.owesAck;
    if (seg.ack !== null && !(f & (TcpFlag.SYN | TcpFlag.RST))) S.owesAck = null;

    checkBefore(this, seg, S, R, rst, this.fastOpen);
    if (lateSyn) checkLateSyn(this, seg, S, R, this.firstSynAckPacket, rt.maxAck!);

    // Its own segment after its RSTs: they were not its abort (exchange.ts rstSenderWentOn).
    if (!(f & TcpFlag.RST) && this.odd !== null && rstSenderWentOn(this, S, seg.packet)) this.undo(S, false);
    if (!lateSyn) {
      this.applySent(S, seg, sent, t);
      this.applyReceived(R, seg, received, sent, t);
    }
    if (received === 'Rst' && this.aborted === null && rt.state !== receiverBefore) {
      this.aborted = { by: S.name, seq: seg.seq, packet: seg.packet, time: seg.tsSec + seg.tsNsec / 1e9, grace: rstGraceSec(this.rttSec) };
    }

    // Zeek's view (TCPSessionAdapter::Process order: history, window, retransmission, state, gap),
    // in a new record when Zeek's own timers or its reuse rule ended the current one.
    if (this.packets > 1 && zeekRecordOver(this.zlife, this.c.z, this.s.z, f, t)) this.newZeekRecord(seg.packet, fromClient, f, t);
    this.zhist.packet(S.z, f, seg.seq, len);
    if (seg.window === 0 && !(f & TcpFlag.RST) && R.z.zState !== 'CLOSED' && S.z.zState !== 'RESET') this.zhist.zeroWindow(S.z);
    if (len > 0 && !(f & TcpFlag.RST) && S.z.zState !== 'RESET' && st.nextSeq !== null && seqLe(seqAdd(seg.seq, len), st.nextSeq)) {
      this.zhist.retransmission(S.z);
    }
    zeekStep(S.z, R.z, this.c.z, f, len);
    // A content gap (Zeek's 'g'): the ACK passes sequence space of R's never captured, above
    // everything R sent (ACKED_UNSEEN) or below a later segment of R's, such as its FIN after data
    // the capture missed (the hole fillsHole() keeps): Zeek's reassembler reports the hole then.
    zeekAfterPacket(this.zlife, this.c.z, this.s.z, t);
    if (mask & A.ACKED_UNSEEN) this.zhist.gap(R.z);
    else if (R.holeEnd !== null && seg.ack !== null && !(f & TcpFlag.RST) && seqGe(seg.ack, R.holeEnd)) {
      R.holeEnd = null;
      this.zhist.gap(R.z);
    }

    bookSegment(this, seg, S, R, sent, t, senderBefore, receiverBefore, senderFirst);
    if (f & TcpFlag.RST) bookRst(this, seg, S, R, sent, received, rst, senderBefore, receiverBefore);
    const fresh = this.updateTracks(seg, S, R, sent, received, mask, t);
    this.noteControl(seg, S, t);
    S.z.zSize += fresh;
    if (this.firstFin !== null && this.firstFin !== S.name) this.dataAfterFin += fresh;
    S.segments++;
    S.bytes += len;
    if (!(f & (TcpFlag.SYN | TcpFlag.RST))) S.sentNonSyn = true;

    // A segment no state sends or receives is kept and drawn, flagged (finish()).
    if (this.odd !== null && this.odd.lastUnexpected === seg.packet) exchange = unexpectedExchange(senderBefore, receiverBefore);
    this.count(S, mask, t);
    if (exchange === null) {
      // Data between the opening and the closing is folded per direction.
      const d = S.dir;
      d.segments++;
      d.bytes += len;
      if (mask & A.RETRANSMISSION) d.retransmissions++;
      if (d.firstPacket === null) d.firstPacket = seg.packet;
      d.lastPacket = seg.packet;
      if (this.opts.allSegments && !this.opts.noSegments) this.record(seg, S, t, mask);
    } else {
      pushCapped(exchange === 'open' ? this.openPackets : this.closePackets, seg.packet);
      // With noSegments nothing is drawn: the exchange's facts (kinds, checks, timeline, packet
      // numbers) are all kept, its segments are not.
      if (!this.opts.noSegments) {
        if (this.opts.allSegments || this.records.length < MAX_EXCHANGE_SEGMENTS) this.record(seg, S, t, mask);
        else this.omitted++;
      }
    }
  }

  /**
   * The record as of capture end at (endSec, endNsec): TIME-WAIT turns CLOSED if 2·MSL passed.
   * Pure (may be called again, the tracker may go on) unless `last`: then the record takes over the
   * tracker's own lists instead of copying them, and the tracker must not be used again (trace()
   * does this when it drops the connection, so a finished connection costs one record, not two).
   * `why` says what ends the record when it is not the end of the capture (see FinishReason).
   */
  finish(endSec: number, endNsec: number, last = false, why: FinishReason = 'end'): ConnectionRecord {
    if (this.done) throw new Error(`connection ${this.id}: finish() after the last finish()`);
    this.done = last;
    // The end of the capture is never before the connection's own latest time (see lastRel).
    const endRel = Math.max(this.lastRel, endSec - this.firstSec + (endNsec - this.firstNsec) / 1e9);
    const msl2 = 2 * this.opts.mslSec;
    let timeline = last ? this.timeline : this.timeline.map(copyTransition);
    const notes = last ? this.notes : this.notes.slice();
    const checks = checkList(this);
    const segments = last ? this.records : this.records.map(copySegment);
    const out = {} as Record<Side, EndpointRecord>;

    for (let k = 0; k < 2; k++) {
      const E = k === 0 ? this.c : this.s;
      const P = k === 0 ? this.s : this.c;
      let state = E.t.state;
      let basis: EndpointRecord['stateBasis'] = E.basis;
      const p = E.pending;
      if (E.t.sentAny && p !== null && p.lossy && p.tr !== null && E.lastTr() === p.tr) {
        // Earlier copies of this SYN/FIN never reached it (it retransmitted its own segment over
        // them) and this copy was never acknowledged either: it is not assumed to have arrived.
        const tr = p.tr;
        const i = timeline.findIndex((x) => x.packet === tr.packet && x.side === E.name && x.from === tr.from && x.to === tr.to);
        if (i >= 0) timeline.splice(i, 1);
        state = p.from;
        basis = E.lastBasisBefore();
        for (const r of segments) if (r.packet >= p.tr.packet) r[E.name] = p.from;
        notes.push({ code: NOTE.lossyNotArrived, side: E.name, packet: p.packet, stays: p.from });
      }
      // An endpoint the capture never showed is known from the peer's ACKs of sequence space of its
      // that the capture did not show: a SYN (the SYN,ACK answering it), data, a FIN.
      const seen = E.t.sentAny || E.evidenced > 0 || (P.t.sentSynAck && P.t.maxAck !== null);
      if (seen) {
        [state, basis] = this.missingAnswers(E, P, state, basis, endRel, timeline, segments, notes);
        if (!E.t.sentAny) basis = 'inferred';
      }
      if (!seen) {
        state = Closed;
        basis = 'unseen';
        timeline = timeline.filter((x) => x.side !== E.name);
        for (const r of segments) r[E.name] = Closed;
        if (this.packets > 0) {
          notes.push({ code: NOTE.unseenSide, side: E.name });
        }
      } else if (state === TimeWait) {
        const expiry = E.twStart + msl2;
        if (timeWaitOver(E.twStart, this.firstSec, this.firstNsec, endSec, endNsec, this.opts.mslSec)) {
          state = Closed;
          timeline.push({ packet: E.twPacket, time: round6(expiry), side: E.name, from: TimeWait, to: Closed, why: this.expiryWhy(E), code: null });
          notes.push({ code: NOTE.timeWaitExpired, side: E.name, twPacket: E.twPacket, expiry: round6(expiry), msl2, end: round6(endRel) });
        } else if (why !== 'end') {
          notes.push({ code: NOTE.timeWaitWrittenEarly, side: E.name, twPacket: E.twPacket, until: round6(expiry), msl2, end: round6(endRel) });
        } else {
          notes.push({ code: NOTE.timeWaitUntil, side: E.name, twPacket: E.twPacket, until: round6(expiry), msl2, end: round6(endRel) });
        }
      }
      out[E.name] = {
        ip: E.addr.ip,
        port: E.addr.port,
        state,
        stateBasis: basis,
        isn: E.t.sentSyn || E.t.sentSynAck ? E.t.isn : null,
        options: last ? E.options : { ...E.options },
        segments: E.segments,
        bytes: E.bytes,
      };
      if (E.t.sentAny && !E.t.sentSyn && !E.t.sentSynAck && E.t.base !== null) {
        notes.push({ code: NOTE.noSynCaptured, side: E.name, base: E.t.base });
      }
    }

    // Checks that can only be decided at the end.
    checksAtEnd(checks, segments, this.c, this.s, this.resetSeen);
    // RSTs that ended nothing and unexpected segments: their flags and notes.
    if (this.odd !== null) oddFacts(this.odd, segments, notes);
    if (this.counts.reordered > 0) notes.push({ code: NOTE.reordered, segments: this.counts.reordered, firstPacket: this.reorderedFirst });
    if (this.rttUnknown === 'rtt-reordered') {
      notes.push({ code: NOTE.rttReordered, synPacket: this.firstSynPacket, synAckPacket: this.firstSynAckPacket });
    }
    if (this.backSteps > 0) notes.push({ code: NOTE.clockBackwards, steps: this.backSteps, firstPacket: this.backFirst, backSec: round6(this.backMax) });
    if (why === 'evicted') {
      notes.push({ code: NOTE.evicted, maxConnections: this.opts.maxConnections ?? null, end: round6(endRel) });
    }
    if (this.omitted > 0) {
      notes.push({ code: NOTE.segmentsOmitted, count: this.omitted, limit: MAX_EXCHANGE_SEGMENTS });
    }
    if (this.timelineDropped > 0) notes.push({ code: NOTE.timelineOmitted, count: this.timelineDropped, limit: MAX_TIMELINE });

    const cs = this.c.t;
    const ss = this.s.t;
    const kind = openKind(this);
    const open: ConnectionRecord['open'] = {
      kind,
      complete: (cs.sentSyn || cs.sentSynAck) && (ss.sentSyn || ss.sentSynAck) && cs.synAcked && ss.synAcked,
      rttMs: this.rttSec === null ? null : Math.round(this.rttSec * 1e6) / 1e3,
      packets: last ? this.openPackets : this.openPackets.slice(),
      heuristic: kind === 'mid-stream' ? this.meta.heuristic : null,
      synRetransmits: this.synRexmits === null ? null : last ? this.synRexmits : this.synRexmits.slice(),
    };

    const close: ConnectionRecord['close'] = {
      kind: closeKind(this),
      initiator: this.firstCloseSide,
      dataAfterFin: this.dataAfterFin,
      packets: last ? this.closePackets : this.closePackets.slice(),
      reset: this.reset === null ? null : last ? this.reset : { ...this.reset },
    };

    const kaProbes = this.c.keepAlives + this.s.keepAlives;
    const kaN = this.c.kaIntervals + this.s.kaIntervals;
    const rec: ConnectionRecord = {
      id: this.id,
      client: out.client,
      server: out.server,
      start: this.firstSec + this.firstNsec / 1e9,
      end: this.lastAbs,
      packets: this.packets,
      open,
      close,
      timeline,
      checks,
      flags: last ? this.counts : { ...this.counts },
      zeek: this.zeekView(),
      reusedFrom: this.meta.reusedFrom,
      segments,
      data: last ? { client: this.c.dir, server: this.s.dir } : { client: { ...this.c.dir }, server: { ...this.s.dir } },
      keepAlive:
        kaProbes === 0
          ? null
          : { probes: kaProbes, intervalSec: kaN === 0 ? null : round6((this.c.kaIntervalSum + this.s.kaIntervalSum) / kaN) },
      notes,
      tunnel: this.meta.tunnel != null && this.meta.tunnel.length > 0 ? this.meta.tunnel : null,
      // Made after the fact, from the segments, by whoever asked for it (cli/pictures.ts).
      metrics: null,
    };
    return rec;
  }

  /** The record's `zeek`: the first Zeek record, and every record when Zeek split the connection. */
  private zeekView(): ConnectionRecord['zeek'] {
    const cur = this.zeekRecord();
    if (this.zrecords === null) return { conn_state: cur.conn_state, history: cur.history, records: null };
    const first = this.zrecords[0]!;
    return { conn_state: first.conn_state, history: first.history, records: [...this.zrecords, cur] };
  }

  // ---- opening -------------------------------------------------------------------------------

  /** Initial states from the first segment: a SYN (passive OPEN assumed), a SYN,ACK (SYN missed), or mid-stream. */
  private start(seg: Segment, fromClient: boolean): void {
    this.firstSec = seg.tsSec;
    this.firstNsec = seg.tsNsec;
    if (!fromClient) this.zhist.flip();
    this.zFirstPacket = seg.packet;
    if (fromClient && (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) this.zlife.zAttemptAt = ZEEK_ATTEMPT_DELAY;
    const syn = (seg.flags & TcpFlag.SYN) !== 0;
    const ack = (seg.flags & TcpFlag.ACK) !== 0;
    if (syn && !ack && fromClient) {
      // RFC 9293 §3.10.1: a connection is requested of a passive OPEN; the server is assumed to listen.
      this.s.t.state = Listen;
    } else if (syn && ack && !fromClient) {
      this.s.t.state = Listen;
      this.assumedSyn = this.move(this.c, SynSent, seg.packet, 0, 'its SYN was not captured; the SYN,ACK answering it shows it was sent (RFC 9293 §3.10.1)', 'assumed');
    } else {
      const why = 'no opening was captured: the connection is taken as synchronized (ESTABLISHED) from its first captured segment (mid-stream)';
      this.move(this.c, Established, seg.packet, 0, why, 'assumed');
      this.move(this.s, Established, seg.packet, 0, why, 'assumed');
    }
  }

  // ---- the two machines ----------------------------------------------------------------------

  /** Moves `E` to `next` (no-op if unchanged), recording the transition. */
  private move(E: End, next: TcpState, packet: number, t: number, why: string, via: Via): Transition | null {
    if (next === E.t.state) return null;
    if (this.evidence !== null) {
      why = flat(this.evidence() + why);
      if (via === null) via = 'evidence';
    }
    const tr: Transition = { packet, time: round6(t), side: E.name, from: E.t.state, to: next, why, code: null };
    if (this.timeline.length < MAX_TIMELINE) this.timeline.push(tr);
    else this.timelineDropped++;
    E.pushHist(tr, via);
    E.t.state = next;
    E.basis = via === null ? 'observed' : 'inferred';
    if (next === TimeWait) {
      E.twStart = t;
      E.twPacket = packet;
      this.onTimeWait(E, packet);
    }
    return tr;
  }

  private expiryWhy(E: End): string {
    return flat(`the 2·MSL timer (${2 * this.opts.mslSec} s, started at packet ${E.twPacket}) expired: the TCB is deleted (RFC 9293 §3.10.8)`);
  }

  /** TIME-WAIT -> CLOSED once 2·MSL has passed by time `t`; the entry carries the expiry time and the packet that started the timer. */
  private expire(E: End, t: number): void {
    const expiry = E.twStart + 2 * this.opts.mslSec;
    if (t >= expiry) this.move(E, Closed, E.twPacket, expiry, this.expiryWhy(E), 'assumed');
  }

  /** Undoes `E`'s latest transition (it did not happen); `lost` when the event behind it was lost, not late. */
  private undo(E: End, lost: boolean): void {
    const tr = E.lastTr();
    if (tr === null) return;
    const via = E.lastVia();
    if (via === 'Rst') rstNotTaken(this, tr);
    const basisBefore = E.lastBasisBefore();
    E.hist.length -= 3;
    const i = this.timeline.lastIndexOf(tr);
    if (i >= 0) this.timeline.splice(i, 1);
    E.t.state = tr.from;
    E.basis = basisBefore;
    for (let k = this.records.length - 1; k >= 0 && this.records[k]!.packet >= tr.packet; k--) this.records[k]![E.name] = tr.from;
    if (lost) {
      if (via === 'AckOfFin' || via === 'FinAck') E.t.finAcked = false;
      if (via === 'AckOfSyn' || via === 'SynAck') E.t.synAcked = false;
    }
    if (E.pending !== null && E.pending.tr === tr) E.pending = null;
  }

  private applySent(S: End, seg: Segment, ev: SentEvent, t: number): void {
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
        if (p.tr !== null && S.lastTr() === p.tr) S.basis = 'observed';
      } else if (p.tr === null) {
        S.pending = null;
        replay = p;
      } else if (S.lastTr() === p.tr) {
        this.undo(S, false);
        replay = p;
      } else S.pending = null;
    }
    // Retransmitting what an ACK had acknowledged: that ACK never arrived.
    const lost = SHOWS_LOST[ev];
    let undone = false;
    if (lost !== undefined) {
      const via = S.lastVia();
      if (via !== undefined && via !== null && via !== 'assumed' && via !== 'evidence' && lost.includes(via)) {
        this.undo(S, true);
        undone = true;
      }
    }
    // A CLOSED endpoint sends nothing but RSTs (RFC 9293 §3.10.7.1): one that sends more after the
    // peer's segment that closed it (the last ACK, a FIN) sent it before that segment reached it (the
    // two crossed). Undo, apply this segment, then that one again as arriving later.
    let late: { ev: ReceivedEvent; packet: number } | null = null;
    if (S.t.state === Closed && !(f & TcpFlag.RST) && replay === null && !undone) {
      const via = S.lastVia();
      const last = S.lastTr();
      if (last !== null && via !== undefined && via !== null && via !== 'assumed' && via !== 'evidence' && via !== 'Rst') {
        this.undo(S, false);
        late = { ev: via, packet: last.packet };
      }
    }
    // LISTEN was only assumed when the peer's SYN came first. An endpoint whose first segment is a
    // SYN of its own did an active OPEN from CLOSED (RFC 9293 §3.5 figure 7: simultaneous open has
    // no listener; Linux cannot send a SYN from a listening socket): it never listened.
    if (ev === 'Syn' && S.t.state === Listen && !S.t.sentAny && S.hist.length === 0) this.neverListened(S);
    const cell = step(S.t.state, 'sent', ev);
    if (cell.unexpected && this.evidence === null) bookUnexpected(this, seg.packet, S.name, 'sent', S.t.state, ev);
    const moved = this.move(S, cell.next, seg.packet, t, cell.why, null);
    // A state taken from what this endpoint received (e.g. ESTABLISHED from the peer's ACK of its SYN)
    // is confirmed when it then sends new data: RFC 9293 §3.10.2 queues data until ESTABLISHED, so
    // only ESTABLISHED and CLOSE-WAIT send it. A pure ACK proves nothing (it may answer anything).
    if (moved === null && replay === null && !undone && S.pending === null && S.basis === 'inferred' &&
        seg.payloadLen > 0 && ev === 'Data' && (S.t.state === Established || S.t.state === CloseWait)) {
      S.basis = 'observed';
    }
    if (replay !== null) {
      // Its own retransmission over the peer's SYN/FIN: that copy was lost or is crossing.
      const overIt = REXMIT.has(ev);
      if (overIt) S.lostEnd = replay.end;
      const from = S.t.state;
      const c2 = step(from, 'received', replay.event);
      const why = `packet ${replay.packet} reached it only after it sent this segment, whose ACK does not cover it: ${c2.why}`;
      const tr = this.move(S, c2.next, seg.packet, t, why, replay.event);
      S.pending = { ...replay, tr, from, why: c2.why, lossy: replay.lossy || overIt };
    }
    if (late !== null) {
      const c2 = step(S.t.state, 'received', late.ev);
      this.move(S, c2.next, seg.packet, t, `packet ${late.packet} reached it only after it sent this segment (they crossed): ${c2.why}`, late.ev);
    }
  }

  /** `E` was taken as LISTEN from the start, but its own SYN shows it was CLOSED: rewrite what was kept. */
  private neverListened(E: End): void {
    E.t.state = Closed;
    for (const r of this.records) if (r[E.name] === Listen) r[E.name] = Closed;
  }

  private applyReceived(R: End, seg: Segment, ev: ReceivedEvent, sent: SentEvent, t: number): void {
    const f = seg.flags;
    const control = (f & (TcpFlag.SYN | TcpFlag.FIN)) !== 0 && !(f & TcpFlag.RST);
    const end = control
      ? seqAdd(seg.seq, seg.payloadLen + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0))
      : 0;
    const p = R.pending;
    if (control && REXMIT.has(sent) && p !== null && p.end === end && p.tr !== null && R.lastTr() === p.tr) {
      // The first copy drew no ACK: take it as lost and date the receiver's transition from this copy.
      const old = p.packet;
      for (let k = this.records.length - 1; k >= 0 && this.records[k]!.packet >= p.tr.packet; k--) this.records[k]![R.name] = p.from;
      p.tr.packet = seg.packet;
      p.tr.time = round6(t);
      p.tr.why = `${p.why} (the copy in packet ${old} had not arrived)`;
      p.packet = seg.packet;
      if (p.tr.to === TimeWait) {
        R.twStart = t;
        R.twPacket = seg.packet;
      }
      return;
    }
    const from = R.t.state;
    const cell = step(from, 'received', ev);
    if (cell.unexpected && this.evidence === null) bookUnexpected(this, seg.packet, R.name, 'received', from, ev);
    const tr = this.move(R, cell.next, seg.packet, t, cell.why, ev);
    if (cell.restart2msl && from === TimeWait) {
      R.twStart = t;
      R.twPacket = seg.packet;
      if (this.timeline.length < MAX_TIMELINE) {
        this.timeline.push({ packet: seg.packet, time: round6(t), side: R.name, from: TimeWait, to: TimeWait, why: cell.why, code: null });
      }
    }
    if (control && !(p !== null && p.end === end)) {
      R.pending = { event: ev, packet: seg.packet, end, tr, from, why: cell.why, lossy: R.lostEnd === end };
    }
  }

  /** The "active closer enters TIME-WAIT" check, when an endpoint first enters TIME-WAIT. */
  private onTimeWait(E: End, packet: number): void {
    checkTimeWait(this, E, packet, this.firstFin, this.finsCrossed);
  }

  // ---- evidence: what the capture did not show ---------------------------------------------

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
  private inferFromAck(seg: Segment, B: End, A: End, t: number): void {
    const f = seg.flags;
    const sg = this.synGuess;
    if (sg !== null) {
      this.synGuess = null;
      // The guessed sender's next segment: LISTEN's RST answering the ACK withdraws the SYN,ACK.
      if (sg.A === B && (f & (TcpFlag.RST | TcpFlag.ACK)) === TcpFlag.RST && seg.seq === sg.ack) this.withdrawSynAck(sg, seg.packet);
      else if (sg.A !== B) this.synGuess = sg;
    }
    const g = this.finGuess;
    if (g !== null) {
      if (g.B === B && f & TcpFlag.FIN && !(f & TcpFlag.RST)) this.finGuess = null; // B closes too: the FIN stands
      else if (g.A === B && seg.payloadLen > 0 && B.t.finSeq !== null && seqGt(seqAdd(seg.seq, seg.payloadLen), B.t.finSeq)) {
        this.withdrawFin(g); // its own data beyond the guessed FIN
      }
    }
    const ack = seg.ack;
    if (ack === null || f & TcpFlag.RST) return;
    const a = A.t;
    const b = B.t;
    if (a.isn === null && !(f & TcpFlag.SYN) && b.sentSyn && b.isn !== null && a.state === Listen && a.nextSeq === null) {
      const saved: SynGuess['saved'] = [a.base, b.synAcked, (this as Exchange).firstSynAckPacket, A.ctlEnd, A.ctlCopies, A.ctlLast, A.ctlPrev, A.ctlPacket];
      this.unseen(A, B, seg, t, INFERENCE.unseenSyn, TcpFlag.SYN, seqAdd(ack, -1), 0, seqAdd(b.isn, 1 + b.synLen));
      this.synGuess = { A, B, packet: seg.packet, ack, event: seg.payloadLen > 0 ? 'Data' : 'Ack', saved };
      return;
    }
    let end = a.nextSeq;
    if (a.isn !== null) end = later(end, seqAdd(a.isn, 1 + a.synLen));
    if (b.maxAck !== null) end = later(end, b.maxAck);
    if (a.finSeq !== null) end = later(end, seqAdd(a.finSeq, 1));
    if (end === null) return;
    const gap = seqDiff(ack, end);
    if (gap <= 0 || gap >= 1 << 30) return;
    // Beyond A's FIN: a guessed FIN was a byte of data; a captured one makes the ACK bogus (a check's business).
    const guess = this.finGuess;
    if (a.finSeq !== null && !(guess !== null && guess.A === A && this.withdrawFin(guess))) return;
    const ackOf = b.nextSeq ?? a.maxAck;
    // A step of more than one number is data, and may end with A's FIN: a FIN riding on A's last
    // data cannot be told from one more byte by the ACK's number. B closing in the very segment that
    // first acknowledges it tells: an application that closes at once has read the end of A's
    // stream (it closes because it read EOF; a kernel ACKs a FIN at once). A guess all the same,
    // and one that stands: B's own FIN is applied after it in the same segment, so it cannot be
    // taken back as a one-number guess is (README, Limits).
    const dataAndFin = gap > 1 && (f & (TcpFlag.FIN | TcpFlag.RST)) === TcpFlag.FIN && b.finSeq === null;
    if (gap > 1 && !dataAndFin) {
      this.unseen(A, B, seg, t, INFERENCE.unseenData, 0, end, gap, ackOf);
      return;
    }
    const sure = (f & TcpFlag.FIN) !== 0 || b.finSeq !== null;
    const x = this as Exchange;
    const saved: FinGuess['saved'] = [
      x.firstFin, x.firstCloseSide, x.secondFin, x.threeSegment, x.finsCrossed, A.ackedPeerFin, B.ackedPeerFin,
      A.ctlEnd, A.ctlCopies, A.ctlLast, A.ctlPrev, A.ctlPacket,
    ];
    const bits = FIN_CHECKS & ~A.checked;
    this.unseen(A, B, seg, t, INFERENCE.unseenFin, TcpFlag.FIN, end, gap - 1, ackOf);
    this.finGuess = sure ? null : { A, B, packet: seg.packet, bits, saved };
  }

  /**
   * Applies a segment from A that the capture did not show, proven by B's segment `proof`: A sent it
   * (A's machine), B received it (B's machine), both inferred; the opening/closing facts count it; the
   * tracks learn its ISN or FIN, not what only a captured segment shows (A's next sequence number for
   * the analysis flags, counts, options, checks: the checks about a FIN no capture showed are skipped).
   */
  private unseen(A: End, B: End, proof: Segment, t: number, code: InferenceCode, ctl: number, seq: number, len: number, ack: number | null): void {
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
    const packet = proof.packet;
    const proved = proof.ack;
    this.evidence = () =>
      `inferred (${code}, packet ${packet}): the ${B.name}'s ACK ${proved} in packet ${packet} covers ` +
      `${ctl & TcpFlag.SYN ? 'a SYN,ACK' : ctl & TcpFlag.FIN ? (len > 0 ? `${len} bytes and a FIN` : 'a FIN') : `${len} bytes`} of the ${A.name}'s that the capture did not show, ` +
      `so the ${A.name} sent it and the ${B.name} received it; `;
    const senderBefore = A.t.state;
    const receiverBefore = B.t.state;
    const last = A.lastTr();
    const basis = A.basis;
    const pending = B.pending;
    this.applySent(A, v, sent, t);
    this.applyReceived(B, v, received, sent, t);
    this.evidence = null;
    // B's own segment acknowledges it: nothing of it awaits B's ACK.
    B.pending = pending;
    if (A.lastTr() === last) A.basis = basis;
    A.evidenced++;
    bookSegment(this, v, A, B, sent, t, senderBefore, receiverBefore, false);
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
    if (len > 0 && this.firstFin !== null && this.firstFin !== A.name) this.dataAfterFin += len;
  }

  /**
   * A's sequence space grew past a FIN guessed from a one-number step: it was a byte of data.
   * Withdrawn (both machines' transitions at the guessing packet undone, the tracks and closing facts
   * as they were) when nothing else changed either machine since; otherwise it stands. Returns
   * whether it was withdrawn.
   */
  private withdrawFin(g: FinGuess): boolean {
    const { A, B, packet } = g;
    this.finGuess = null;
    for (const E of [A, B]) {
      const tr = E.lastTr();
      if (tr !== null && tr.packet > packet) return false;
    }
    for (const E of [A, B]) {
      for (let tr = E.lastTr(); tr !== null && tr.packet === packet; tr = E.lastTr()) this.undo(E, false);
    }
    const x = this as Exchange;
    [x.firstFin, x.firstCloseSide, x.secondFin, x.threeSegment, x.finsCrossed, A.ackedPeerFin, B.ackedPeerFin,
      A.ctlEnd, A.ctlCopies, A.ctlLast, A.ctlPrev, A.ctlPacket] = g.saved;
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
  private withdrawSynAck(g: SynGuess, rst: number): void {
    const { A, B, packet } = g;
    for (let tr = A.lastTr(); tr !== null && tr.packet === packet; tr = A.lastTr()) this.undo(A, false);
    const a = A.t;
    a.isn = null;
    a.synLen = 0;
    const x = this as Exchange;
    [a.base, B.t.synAcked, x.firstSynAckPacket, A.ctlEnd, A.ctlCopies, A.ctlLast, A.ctlPrev, A.ctlPacket] = g.saved;
    A.evidenced--;
    A.awaitSeqAfterSyn = false;
    A.pending = null;
    const tr = B.lastTr();
    if (tr !== null && tr.packet === packet && B.lastVia() !== null) {
      tr.why = flat(`its ACK in packet ${packet} acknowledges a SYN,ACK of the ${A.name}'s that the capture did not show, so it took one as received; ` +
        `the ${A.name}'s RST <SEQ=SEG.ACK> without ACK in packet ${rst} is LISTEN's answer to an ACK (RFC 9293 §3.10.7.2), so the ${A.name} never sent it`);
    }
    bookUnexpected(this, packet, A.name, 'received', Listen, g.event);
  }

  /**
   * S retransmits data that everything it had received acknowledged (the analysis' spurious
   * retransmission): the ACK that took it on from its FIN (FIN-WAIT-2, TIME-WAIT, CLOSED), which
   * covered this data too, never reached it. That transition is undone, as a retransmitted FIN undoes
   * it (SHOWS_LOST); a later ACK of the FIN takes it on again.
   */
  private retransmitsAcked(seg: Segment, S: End, mask: number): void {
    if (!(mask & A.SPURIOUS) || seg.flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) return;
    const via = S.lastVia();
    if (via === 'AckOfFin' || via === 'FinAck') this.undo(S, true);
  }

  /** Its latest SYN or FIN (a new one, or another copy): what finish() reads the silence after. */
  private noteControl(seg: Segment, S: End, t: number): void {
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
  private stopAfter(E: End): number {
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
  private missingAnswers(
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
    if (p !== null && p.tr !== null && E.lastTr() === p.tr && state === p.tr.to && P.ctlEnd === p.end) {
      const quiet = endRel - P.ctlLast;
      const synLike = p.event === 'Syn' || p.event === 'SynRexmit' || p.event === 'SynAck';
      const what: ControlKind = p.event === 'SynAck' ? 'SYN,ACK' : synLike ? 'SYN' : 'FIN';
      let note: Note | null = null;
      if (!E.t.sentAny && P.ctlCopies >= 2 && quiet < this.stopAfter(P)) {
        note = { code: NOTE.retransmittedUnanswered, side: E.name, stays: p.from, packet: P.ctlPacket, what, copies: P.ctlCopies };
      } else if (E.t.sentAny && synLike && quiet >= Math.max(MIN_RTO, UNANSWERED_RTTS * (this.rttSec ?? 0))) {
        note = { code: NOTE.unansweredForRtts, side: E.name, stays: p.from, packet: P.ctlPacket, what, quietSec: round6(quiet) };
      }
      if (note !== null) {
        const tr = p.tr;
        const i = timeline.findIndex((x) => x.packet === tr.packet && x.side === E.name && x.from === tr.from && x.to === tr.to);
        if (i >= 0) timeline.splice(i, 1);
        for (const r of segments) if (r.packet >= tr.packet) r[E.name] = p.from;
        notes.push(note);
        return [p.from, 'inferred'];
      }
    }
    const t = E.t;
    if (!P.t.sentAny && t.sentAny && E.ctlEnd !== null) {
      const fin = t.finSeq !== null && !t.finAcked && E.ctlEnd === seqAdd(t.finSeq, 1);
      const syn = !fin && t.isn !== null && !t.synAcked && (t.sentSyn || t.sentSynAck) && E.ctlEnd === seqAdd(t.isn, 1 + t.synLen);
      const quiet = endRel - E.ctlLast;
      if ((fin || syn) && quiet >= this.stopAfter(E)) {
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

  // ---- bookkeeping ---------------------------------------------------------------------------

  /** Updates both tracks after the segment; returns the payload bytes it added to the sender's stream. */
  private updateTracks(seg: Segment, S: End, R: End, sent: SentEvent, received: ReceivedEvent, mask: number, t: number): number {
    const st = S.t;
    const rt = R.t;
    const f = seg.flags;
    const len = seg.payloadLen;
    st.sentAny = true;
    if (f & TcpFlag.SYN) {
      if (st.isn === null || (seg.seq !== st.isn && (sent === 'Syn' || sent === 'SynAck') && st.nextSeq !== null && !st.synAcked)) {
        st.isn = seg.seq;
        st.synLen = len;
        st.nextSeq = null;
        st.base = seg.seq;
      }
      if (f & TcpFlag.ACK) st.sentSynAck = true;
      else st.sentSyn = true;
      const o = seg.options;
      if (o !== null) {
        if (o.wscale !== undefined) st.wscale = o.wscale;
        const n = S.options;
        if (o.mss !== undefined) n.mss = o.mss;
        if (o.wscale !== undefined) n.wscale = o.wscale;
        if (o.sackPermitted) n.sackPermitted = true;
        if (o.tsVal !== undefined) n.timestamps = true;
        if (o.fastOpen !== undefined) n.fastOpenCookie = o.fastOpen.cookie;
      }
      // A SYN was seen: a flag it did not carry is now known to be off (null meant unknown).
      S.options.sackPermitted ??= false;
      S.options.timestamps ??= false;
    }
    if (st.base === null) st.base = seqAdd(seg.seq, -1);
    let fresh = 0;
    if (!(f & TcpFlag.RST)) {
      const dataStart = seqAdd(seg.seq, f & TcpFlag.SYN ? 1 : 0);
      const dataEnd = seqAdd(dataStart, len);
      if (len > 0) {
        if (st.nextSeq === null) fresh = len;
        else if (seqGt(dataEnd, st.nextSeq)) fresh = Math.min(len, seqDiff(dataEnd, st.nextSeq));
      }
      const end = seqAdd(dataEnd, f & TcpFlag.FIN ? 1 : 0);
      if (st.nextSeq === null || seqGt(end, st.nextSeq)) {
        st.nextSeq = end;
        st.nextSeqTime = t;
      }
      // A FIN without ACK is dropped by every state (NoAck): it closes nothing.
      if (f & TcpFlag.FIN && sent !== 'NoAck' && (st.finSeq === null || seqGt(dataEnd, st.finSeq))) {
        if (st.finSeq === null) st.finPacket = seg.packet;
        st.finSeq = dataEnd;
        st.finAcked = false;
      }
    }
    const ack = seg.ack;
    if (ack !== null && !(f & TcpFlag.RST)) {
      // Zeek: "Don't trust ack's in RST packets."
      if (rt.base === null) rt.base = seqAdd(ack, -1);
      if (st.maxAck === null || seqGt(ack, st.maxAck)) st.maxAck = ack;
      if (rt.isn !== null && !rt.synAcked && seqGe(ack, seqAdd(rt.isn, 1))) rt.synAcked = true;
      if (rt.finSeq !== null && !rt.finAcked && seqGe(ack, seqAdd(rt.finSeq, 1))) rt.finAcked = true;
      if (mask & A.DUP_ACK) st.dupAcks++;
      else if (ack !== st.lastAck) st.dupAcks = 0;
      st.lastAck = ack;
      st.lastAckTime = t;
    }
    if (received === 'SynAckBadAck') rt.badSynAckAck = ack;
    // An RST's window field says nothing of its sender's receive window (Linux sends 0).
    if (!(f & TcpFlag.RST)) st.windowRaw = seg.window;
    st.lastWasKeepAlive = (mask & A.KEEP_ALIVE) !== 0;
    return fresh;
  }

  /** Per-connection analysis counts and keep-alive statistics. */
  private count(S: End, mask: number, t: number): void {
    if (mask === 0) return;
    const c = this.counts;
    if (mask & A.RETRANSMISSION) c.retransmissions++;
    if (mask & A.OUT_OF_ORDER) c.outOfOrder++;
    if (mask & A.DUP_ACK) c.dupAcks++;
    if (mask & A.ZERO_WINDOW) c.zeroWindows++;
    if (mask & A.LOST_SEGMENT) c.lostSegments++;
    if (mask & A.ACKED_UNSEEN) c.ackedUnseen++;
    if (mask & A.KEEP_ALIVE) {
      c.keepAlives++;
      S.keepAlives++;
      if (S.lastKeepAlive >= 0) {
        S.kaIntervalSum += t - S.lastKeepAlive;
        S.kaIntervals++;
      }
      S.lastKeepAlive = t;
    }
  }

  /** Keeps one segment for the ladder, with both endpoints' states after it. */
  private record(seg: Segment, S: End, t: number, mask: number): void {
    const R = S === this.c ? this.s : this.c;
    const rec = segmentRecord(seg, S, R, this.c.t.state, this.s.t.state, t, mask);
    const o = seg.options;
    if (this.opts.timestamps === true && o !== null && o.tsVal !== undefined) rec.ts = [o.tsVal, o.tsEcr ?? 0];
    this.records.push(rec);
  }

  /**
   * `seg` is a second capture of packet `orig` (DuplicateWatch): counted, listed in the exchange its
   * original belongs to and kept beside it when that was kept, with the `duplicate` flag alone.
   */
  private duplicate(seg: Segment, S: End, t: number, orig: number): void {
    this.counts.duplicates++;
    if (this.openPackets.lastIndexOf(orig) >= 0) pushCapped(this.openPackets, seg.packet);
    else if (this.closePackets.lastIndexOf(orig) >= 0) pushCapped(this.closePackets, seg.packet);
    if (this.opts.noSegments) return;
    let kept = this.opts.allSegments;
    for (let k = this.records.length - 1; !kept && k >= 0 && this.records[k]!.packet >= orig; k--) kept = this.records[k]!.packet === orig;
    if (!kept) return;
    if (this.opts.allSegments || this.records.length < MAX_EXCHANGE_SEGMENTS) {
      beginSegment();
      this.record(seg, S, t, A.DUPLICATE);
    } else this.omitted++;
  }
}

/** The later of two sequence numbers (`a` may be unknown). */
function later(a: number | null, b: number): number {
  return a === null || seqGt(b, a) ? b : a;
}

function copyTransition(x: Transition): Transition {
  return { ...x };
}

