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
 * This file is the tracker: its fields and observe(), which feeds each segment to the rest. The
 * two machines (move, undo, apply, replay) are machines.ts, the evidence of what the capture did
 * not show evidence.ts, the record record.ts; the endpoint is endpoint.ts, the checks checks.ts,
 * the kinds of opening and closing exchange.ts, a kept segment segment-record.ts.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { TunnelHop } from '../decode/tunnel-path.js';
import { TcpState, type ConnectionRecord, type FlagCounts, type SegmentRecord, type Side, type ZeekRecord } from './model.js';
import { classify, judgeRst, type Classified, type RstJudgement } from './classify.js';
import { A, analyze, duplicateOf, type DupState } from './analysis.js';
import type { ReceivedEvent, SentEvent } from './table.js';
import { zeekConnState, zeekStep, ZeekHistory } from './zeek.js';
import { resetZeekEndpoint, ZEEK_ATTEMPT_DELAY, zeekAfterPacket, zeekRecordOver, type ZeekLife } from './zeek-lifetime.js';
import { End, type EndpointAddr, type Proof } from './endpoint.js';
import { beginSegment, checkBefore, checkLateSyn } from './checks.js';
import { segmentRecord } from './segment-record.js';
import { abortPending, bookRst, bookSegment, pushCapped, rstSenderWentOn, unexpectedExchange, type Oddities } from './exchange.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe } from './seq.js';
import { flat, round6 } from './format.js';
import { NOTE, type Note } from './notes.js';
import { applyReceived, applySent, expire, move, undo } from './machines.js';
import { inferFromAck, noteControl, retransmitsAcked, type FinGuess, type SynGuess } from './evidence.js';
import { buildRecord, MAX_EXCHANGE_SEGMENTS, type FinishReason } from './record.js';
import { setTimeWaitReused, setWhy } from './timeline.js';

export type { FinishReason } from './record.js';
export { timeWaitOver } from './record.js';
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

const { Closed, Listen, SynSent, Established, TimeWait } = TcpState;

// ConnectionTracker.bits: its booleans, one bit each.
const B_HANDSHAKE_ACKED = 1;
const B_SYN_ACK_FIRST = 2;
const B_REFUSED = 4;
const B_FAST_OPEN = 8;
const B_SECOND_FIN = 16;
const B_FINS_CROSSED = 32;
const B_THREE_SEGMENT = 64;
const B_RESET_SEEN = 128;
const B_DONE = 256;

/**
 * An empty array with room for `tpl.length` elements of `tpl`'s kind. A first push() into `[]`
 * makes room for 17, then 41, 77 ...: most of it unused by a connection's few exchange packets,
 * transitions and checks, for as long as it is tracked. pop() keeps the room.
 */
function room<T>(tpl: readonly T[]): T[] {
  const a = tpl.slice();
  while (a.length > 0) a.pop();
  return a;
}
const rowOf = <T>(n: number, v: T): T[] => {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
};
// What a typical connection needs (the short benchmark's conversations): 3 packets per exchange,
// 9 transitions (4 numbers each), 10 checks (4 numbers each).
const PACKETS_ROOM = rowOf(4, 0);
const TL_ROOM = rowOf(40, 0.5);
const TL_WHY_ROOM = rowOf(10, '');
const CHECK_NUMS_ROOM = rowOf(48, 0.5);
const CHECK_MSGS_ROOM = rowOf(12, '');
/**
 * How soon a segment must fill the hole the segment before it left to count as captured out of
 * order rather than retransmitted (at least; one RTT when it is known): Wireshark's default
 * out-of-order window (tcp_analyze_seq's 3 ms).
 */
const REORDER_SEC = 0.003;

// Per-packet scratch shared by all trackers (observe() is never re-entered): the two events of the
// current segment and the receiver's judgement of an RST.
const EV: Classified = { sent: 'Ack', received: 'Ack' };
const RST: RstJudgement = { accepted: false, inWindow: false, expected: null, actual: null };

/**
 * Tracks one connection (one 4-tuple, one ISN pair) from its first captured segment. Fields that
 * are not private are read and written by the tracker's other modules (machines.ts, evidence.ts,
 * record.ts, exchange.ts, checks.ts), not by anything outside tcp/.
 */
export class ConnectionTracker implements DupState, ZeekLife {
  /** The two endpoints (read by exchange.ts). */
  readonly c: End;
  readonly s: End;
  firstSec = 0;
  firstNsec = 0;
  lastAbs = 0;
  /**
   * The connection's own clock (seconds since its first packet) never runs backwards: a packet
   * stamped before one already seen (a merged capture, a clock step) is taken at the latest time seen,
   * so every duration (RTT, TIME-WAIT, silences) is measured forwards. The steps are counted for a note.
   */
  lastRel = 0;
  backSteps = 0;
  backFirst = 0;
  backMax = 0;
  /** Relative time of the latest backwards step (-1: none): a duration spanning it is not measured. */
  backAt = -1;
  /** The first segment captured out of its wire order (flags.reordered counts them). */
  reorderedFirst = 0;
  /** The client's SYN-SENT assumed from a SYN,ACK captured first (start()): its SYN may still come, late (a serial, timeline.ts). */
  private assumedSyn = 0;
  packets = 0;
  /** The transitions, as numbers (a TransitionLog: timeline.ts). */
  readonly tl: number[] = room(TL_ROOM);
  readonly tlWhy: string[] = room(TL_WHY_ROOM);
  tlSerial = 0;
  tlShown = 0;
  timelineDropped = 0;
  /** The checks decided so far (a CheckLog: checks.ts). */
  readonly checkNums: number[] = room(CHECK_NUMS_ROOM);
  readonly checkMsgs: string[] = room(CHECK_MSGS_ROOM);
  /** The kept segments (null until the first: none with noSegments). */
  records: SegmentRecord[] | null = null;
  omitted = 0;
  // The analysis counts (FlagCounts: `counts` makes the object).
  nRetransmissions = 0;
  nOutOfOrder = 0;
  nDupAcks = 0;
  nKeepAlives = 0;
  nZeroWindows = 0;
  nLostSegments = 0;
  nAckedUnseen = 0;
  nDuplicates = 0;
  nReordered = 0;
  // The last segment of each direction, to tell a frame captured twice (a DupState: analysis.ts).
  dcPacket = 0;
  dcIpId = -1;
  dcKey = 0;
  dcSec = 0;
  dcNsec = 0;
  dsPacket = 0;
  dsIpId = -1;
  dsKey = 0;
  dsSec = 0;
  dsNsec = 0;
  private readonly zhist = new ZeekHistory();
  /** The current Zeek record's timers (zeek-lifetime.ts), and the records Zeek ended before it (null: none). */
  // (A ZeekLife.)
  zAttemptAt = -1;
  zDeleteAt = -1;
  zLast = 0;
  zrecords: ZeekRecord[] | null = null;
  private zFirstPacket = 0;
  // Opening.
  firstSynTime: number | null = null;
  lastSynTime: number | null = null;
  synRexmits: number[] | null = null;
  rttSec: number | null = null;
  firstSynPacket = 0;
  firstSynAckPacket = 0;
  rttUnknown: 'rtt-reordered' | 'clock-backwards' | null = null;
  readonly openPackets: number[] = room(PACKETS_ROOM);
  // Closing.
  readonly closePackets: number[] = room(PACKETS_ROOM);
  firstFin: Side | null = null;
  firstCloseSide: Side | null = null;
  dataAfterFin = 0;
  reset: { by: Side; state: TcpState; packet: number } | null = null;
  /** RSTs that may turn out to end nothing, and segments no state sends or receives (exchange.ts). */
  odd: Oddities | null = null;
  /**
   * The RST that aborted the connection: the first one its receiver's machine accepted and left
   * its connection for (classify's judgement and table.ts decide which; an RST outside the window
   * or to an endpoint without a connection is not one). Any later segment on the 4-tuple but a
   * copy of it belongs to a new connection (startsNewConnection).
   */
  aborted: { by: Side; seq: number; packet: number; time: number; grace: number } | null = null;
  /** Notes made while tracking (null until the first: most are made by finish()). */
  notes: Note[] | null = null;
  /** While a segment the capture did not show is applied: what proves it (evidence.ts unseen()). */
  evidence: Proof | null = null;
  /** A FIN inferred from a one-number step that may still turn out to be a byte of data. */
  finGuess: FinGuess | null = null;
  /**
   * A SYN,ACK inferred from B's ACK of an ISN of A's never seen, while A has sent nothing since: A's
   * RST `<SEQ=SEG.ACK>` without ACK, LISTEN's answer to any ACK (RFC 9293 §3.10.7.2), shows A was
   * listening and never sent it (withdrawSynAck).
   */
  synGuess: SynGuess | null = null;

  /** Its booleans (B_*), read and written through the accessors below. */
  private bits = 0;
  private flag(bit: number, v: boolean): void {
    this.bits = v ? this.bits | bit : this.bits & ~bit;
  }
  get handshakeAcked(): boolean {
    return (this.bits & B_HANDSHAKE_ACKED) !== 0;
  }
  set handshakeAcked(v: boolean) {
    this.flag(B_HANDSHAKE_ACKED, v);
  }
  get synAckFirst(): boolean {
    return (this.bits & B_SYN_ACK_FIRST) !== 0;
  }
  set synAckFirst(v: boolean) {
    this.flag(B_SYN_ACK_FIRST, v);
  }
  get refused(): boolean {
    return (this.bits & B_REFUSED) !== 0;
  }
  set refused(v: boolean) {
    this.flag(B_REFUSED, v);
  }
  get fastOpen(): boolean {
    return (this.bits & B_FAST_OPEN) !== 0;
  }
  set fastOpen(v: boolean) {
    this.flag(B_FAST_OPEN, v);
  }
  get secondFin(): boolean {
    return (this.bits & B_SECOND_FIN) !== 0;
  }
  set secondFin(v: boolean) {
    this.flag(B_SECOND_FIN, v);
  }
  get finsCrossed(): boolean {
    return (this.bits & B_FINS_CROSSED) !== 0;
  }
  set finsCrossed(v: boolean) {
    this.flag(B_FINS_CROSSED, v);
  }
  get threeSegment(): boolean {
    return (this.bits & B_THREE_SEGMENT) !== 0;
  }
  set threeSegment(v: boolean) {
    this.flag(B_THREE_SEGMENT, v);
  }
  get resetSeen(): boolean {
    return (this.bits & B_RESET_SEEN) !== 0;
  }
  set resetSeen(v: boolean) {
    this.flag(B_RESET_SEEN, v);
  }
  /** finish() ran with `last`: the record owns the lists now. */
  get done(): boolean {
    return (this.bits & B_DONE) !== 0;
  }
  set done(v: boolean) {
    this.flag(B_DONE, v);
  }

  /** Starts a connection; nothing is known until the first `observe()`. */
  constructor(
    readonly id: number,
    client: EndpointAddr,
    server: EndpointAddr,
    readonly opts: TrackerOptions,
    meta: { heuristic: string | null; reusedFrom: number | null; tunnel?: TunnelHop[] | null },
  ) {
    this.c = new End('client', client, true);
    this.s = new End('server', server, false);
    this.heuristic = meta.heuristic;
    this.reusedFrom = meta.reusedFrom;
    this.tunnel = meta.tunnel ?? null;
  }

  // What trace() knows of it (the constructor's `meta`, kept as fields): how the client was
  // picked, the connection whose 4-tuple it reuses, its tunnel path.
  readonly heuristic: string | null;
  readonly reusedFrom: number | null;
  readonly tunnel: TunnelHop[] | null;

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
      expire(this, E, t);
      if (E.t.state !== TimeWait) continue;
      const receiver = (E === this.c) !== fromClient;
      const why = receiver
        ? `TIME-WAIT ended early: a new SYN (packet ${seg.packet}) reused the 4-tuple and was accepted in TIME-WAIT, which ends the old connection (RFC 9293 §3.10.7.4, RFC 6191)`
        : `TIME-WAIT ended early: it sent a new SYN (packet ${seg.packet}) on the same 4-tuple, reusing it for a new connection (RFC 6191; Linux tcp_tw_reuse)`;
      // Known as well as the TIME-WAIT was (its basis stays), ended by a segment the capture shows.
      const basis = E.basis;
      const tr = move(this, E, Closed, seg.packet, t, why, 'assumed');
      E.basis = basis;
      setTimeWaitReused(this, tr);
      (this.notes ??= []).push({ code: NOTE.timeWaitReused, side: E.name, twPacket: E.twPacket, at: round6(t), packet: seg.packet });
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
    if (this.nReordered++ === 0) this.reorderedFirst = seg.packet;
    if (lateSyn && this.assumedSyn !== 0) {
      setWhy(
        this,
        this.assumedSyn,
        flat(`its SYN, captured out of order after the SYN,ACK that answers it (in packet ${seg.packet}), went first on the wire (RFC 9293 §3.10.1)`),
      );
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
    this.zDeleteAt = -1;
    this.zAttemptAt = fromClient && (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN ? t + ZEEK_ATTEMPT_DELAY : -1;
  }

  /** The current Zeek record (the client is the originator, '^' when a record began with the server's packet). */
  zeekRecord(): ZeekRecord {
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

  /** The analysis counts, as the record has them (a new object). */
  get counts(): FlagCounts {
    return {
      retransmissions: this.nRetransmissions,
      outOfOrder: this.nOutOfOrder,
      dupAcks: this.nDupAcks,
      keepAlives: this.nKeepAlives,
      zeroWindows: this.nZeroWindows,
      lostSegments: this.nLostSegments,
      ackedUnseen: this.nAckedUnseen,
      duplicates: this.nDuplicates,
      reordered: this.nReordered,
    };
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
    const copyOf = duplicateOf(this, seg, fromClient);
    if (copyOf !== 0) {
      this.duplicate(seg, fromClient ? this.c : this.s, t, copyOf);
      return;
    }
    // A TIME-WAIT that ran out before this segment: the endpoint has no TCB any more (RFC 9293 §3.10.8).
    if (this.c.t.state === TimeWait) expire(this, this.c, t);
    if (this.s.t.state === TimeWait) expire(this, this.s, t);
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
    const lateSyn = (f & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN && !st.sentAny && rt.sentSynAck && rt.maxAck === seqAdd(seg.seq, 1 + len);
    if (lateSyn || this.fillsHole(seg, S, t)) mask = this.reordered(seg, mask, lateSyn);
    const rst: RstJudgement | null = f & TcpFlag.RST ? judgeRst(seg, st, rt, RST) : null;
    // What this segment's ACK proves the receiver sent though the capture did not show it, and what
    // retransmitting data the receiver had acknowledged shows the sender never got.
    inferFromAck(this, seg, S, R, t);
    retransmitsAcked(this, seg, S, mask);
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
    if (!(f & TcpFlag.RST) && this.odd !== null && rstSenderWentOn(this, S, seg.packet)) undo(this, S, false);
    if (!lateSyn) {
      applySent(this, S, seg, sent, t);
      applyReceived(this, R, seg, received, sent, t);
    }
    if (received === 'Rst' && this.aborted === null && rt.state !== receiverBefore) {
      this.aborted = { by: S.name, seq: seg.seq, packet: seg.packet, time: seg.tsSec + seg.tsNsec / 1e9, grace: rstGraceSec(this.rttSec) };
    }

    // Zeek's view (TCPSessionAdapter::Process order: history, window, retransmission, state, gap),
    // in a new record when Zeek's own timers or its reuse rule ended the current one.
    if (this.packets > 1 && zeekRecordOver(this, this.c.z, this.s.z, f, t)) this.newZeekRecord(seg.packet, fromClient, f, t);
    this.zhist.packet(S.z, f, seg.seq, len);
    if (seg.window === 0 && !(f & TcpFlag.RST) && R.z.zState !== 'CLOSED' && S.z.zState !== 'RESET') this.zhist.zeroWindow(S.z);
    if (len > 0 && !(f & TcpFlag.RST) && S.z.zState !== 'RESET' && st.nextSeq !== null && seqLe(seqAdd(seg.seq, len), st.nextSeq)) {
      this.zhist.retransmission(S.z);
    }
    zeekStep(S.z, R.z, this.c.z, f, len);
    // A content gap (Zeek's 'g'): the ACK passes sequence space of R's never captured, above
    // everything R sent (ACKED_UNSEEN) or below a later segment of R's, such as its FIN after data
    // the capture missed (the hole fillsHole() keeps): Zeek's reassembler reports the hole then.
    zeekAfterPacket(this, this.c.z, this.s.z, t);
    if (mask & A.ACKED_UNSEEN) this.zhist.gap(R.z);
    else if (R.holeEnd !== null && seg.ack !== null && !(f & TcpFlag.RST) && seqGe(seg.ack, R.holeEnd)) {
      R.holeEnd = null;
      this.zhist.gap(R.z);
    }

    bookSegment(this, seg, S, R, sent, t, senderBefore, receiverBefore, senderFirst);
    if (f & TcpFlag.RST) bookRst(this, seg, S, R, sent, received, rst, senderBefore, receiverBefore);
    const fresh = this.updateTracks(seg, S, R, sent, received, mask, t);
    noteControl(seg, S, t);
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
      S.dSegments++;
      S.dBytes += len;
      if (mask & A.RETRANSMISSION) S.dRetransmissions++;
      if (S.dFirstPacket === null) S.dFirstPacket = seg.packet;
      S.dLastPacket = seg.packet;
      if (this.opts.allSegments && !this.opts.noSegments) this.record(seg, S, t, mask);
    } else {
      pushCapped(exchange === 'open' ? this.openPackets : this.closePackets, seg.packet);
      // With noSegments nothing is drawn: the exchange's facts (kinds, checks, timeline, packet
      // numbers) are all kept, its segments are not.
      if (!this.opts.noSegments) {
        if (this.opts.allSegments || this.records === null || this.records.length < MAX_EXCHANGE_SEGMENTS) this.record(seg, S, t, mask);
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
   * `lean`: a record only the summary and the diagnostics read (buildRecord).
   */
  finish(endSec: number, endNsec: number, last = false, why: FinishReason = 'end', lean = false): ConnectionRecord {
    return buildRecord(this, endSec, endNsec, last, why, lean);
  }

  // ---- opening -------------------------------------------------------------------------------

  /** Initial states from the first segment: a SYN (passive OPEN assumed), a SYN,ACK (SYN missed), or mid-stream. */
  private start(seg: Segment, fromClient: boolean): void {
    this.firstSec = seg.tsSec;
    this.firstNsec = seg.tsNsec;
    if (!fromClient) this.zhist.flip();
    this.zFirstPacket = seg.packet;
    if (fromClient && (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) this.zAttemptAt = ZEEK_ATTEMPT_DELAY;
    const syn = (seg.flags & TcpFlag.SYN) !== 0;
    const ack = (seg.flags & TcpFlag.ACK) !== 0;
    if (syn && !ack && fromClient) {
      // RFC 9293 §3.10.1: a connection is requested of a passive OPEN; the server is assumed to listen.
      this.s.t.state = Listen;
    } else if (syn && ack && !fromClient) {
      this.s.t.state = Listen;
      this.assumedSyn = move(
        this,
        this.c,
        SynSent,
        seg.packet,
        0,
        'its SYN was not captured; the SYN,ACK answering it shows it was sent (RFC 9293 §3.10.1)',
        'assumed',
      );
    } else {
      const why = 'no opening was captured: the connection is taken as synchronized (ESTABLISHED) from its first captured segment (mid-stream)';
      move(this, this.c, Established, seg.packet, 0, why, 'assumed');
      move(this, this.s, Established, seg.packet, 0, why, 'assumed');
    }
  }

  // ---- the two machines ----------------------------------------------------------------------

  // ---- evidence: what the capture did not show ---------------------------------------------

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
        if (o.mss !== undefined) S.optMss = o.mss;
        if (o.wscale !== undefined) S.optWscale = o.wscale;
        if (o.sackPermitted) S.optSack = true;
        if (o.tsVal !== undefined) S.optTs = true;
        if (o.fastOpen !== undefined) S.optCookie = o.fastOpen.cookie;
      }
      // A SYN was seen: a flag it did not carry is now known to be off (null meant unknown).
      S.optSack ??= false;
      S.optTs ??= false;
    }
    if (st.base === null) st.base = seqAdd(seg.seq, -1);
    let fresh = 0;
    if (!(f & TcpFlag.RST)) {
      const dataStart = seqAdd(seg.seq, f & TcpFlag.SYN ? 1 : 0);
      const dataEnd = seqAdd(dataStart, len);
      // Read once: a sequence number read from an End may be a new heap number (endpoint.ts).
      const next = st.nextSeq;
      if (len > 0) {
        if (next === null) fresh = len;
        else if (seqGt(dataEnd, next)) fresh = Math.min(len, seqDiff(dataEnd, next));
      }
      const end = seqAdd(dataEnd, f & TcpFlag.FIN ? 1 : 0);
      if (next === null || seqGt(end, next)) {
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
      const maxAck = st.maxAck;
      if (maxAck === null || seqGt(ack, maxAck)) st.maxAck = ack;
      if (!rt.synAcked) {
        const isn = rt.isn;
        if (isn !== null && seqGe(ack, seqAdd(isn, 1))) rt.synAcked = true;
      }
      if (!rt.finAcked) {
        const fin = rt.finSeq;
        if (fin !== null && seqGe(ack, seqAdd(fin, 1))) rt.finAcked = true;
      }
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
    if (mask & A.RETRANSMISSION) this.nRetransmissions++;
    if (mask & A.OUT_OF_ORDER) this.nOutOfOrder++;
    if (mask & A.DUP_ACK) this.nDupAcks++;
    if (mask & A.ZERO_WINDOW) this.nZeroWindows++;
    if (mask & A.LOST_SEGMENT) this.nLostSegments++;
    if (mask & A.ACKED_UNSEEN) this.nAckedUnseen++;
    if (mask & A.KEEP_ALIVE) {
      this.nKeepAlives++;
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
    (this.records ??= []).push(rec);
  }

  /**
   * `seg` is a second capture of packet `orig` (duplicateOf): counted, listed in the exchange its
   * original belongs to and kept beside it when that was kept, with the `duplicate` flag alone.
   */
  private duplicate(seg: Segment, S: End, t: number, orig: number): void {
    this.nDuplicates++;
    if (this.openPackets.lastIndexOf(orig) >= 0) pushCapped(this.openPackets, seg.packet);
    else if (this.closePackets.lastIndexOf(orig) >= 0) pushCapped(this.closePackets, seg.packet);
    if (this.opts.noSegments) return;
    let kept = this.opts.allSegments;
    const recs = this.records ?? [];
    for (let k = recs.length - 1; !kept && k >= 0 && recs[k]!.packet >= orig; k--) kept = recs[k]!.packet === orig;
    if (!kept) return;
    if (this.opts.allSegments || recs.length < MAX_EXCHANGE_SEGMENTS) {
      beginSegment();
      this.record(seg, S, t, A.DUPLICATE);
    } else this.omitted++;
  }
}
