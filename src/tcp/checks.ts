/**
 * The catalogue of seq/ack checks (CHECK_IDS in model.ts) as one connection's segments decide
 * them: each is evaluated once per endpoint (a bit in `End.checked`), the first time a segment can
 * decide it, from both tracks as they were before that segment; a few can only be decided at the
 * end of the capture. A passing check's message depends only on the side, so it is built once for
 * every connection; a failing one, which is rare, carries its numbers. `wscale-at-most-14` is listed
 * only when a SYN breaks it: a passing one on every SYN would say nothing.
 */
import { TcpFlag, type Segment } from '../decode/segment.js';
import type { RstJudgement } from './classify.js';
import type { End } from './endpoint.js';
import { CHECK_IDS, TcpState, type Check, type CheckId, type SegmentRecord, type Side } from './model.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe } from './seq.js';

const { SynSent } = TcpState;
/** The largest window scale shift (RFC 7323 §2.3): a larger one is used as this. */
const MAX_WSCALE = 14;

const CHECK_BIT: Record<CheckId, number> = Object.fromEntries(CHECK_IDS.map((id, i) => [id, 1 << i])) as Record<CheckId, number>;

/**
 * Messages of passing checks. They depend only on the side, so they are built once here and every
 * connection shares them (a capture has about a dozen passing checks per connection; building each
 * message per connection was a tenth of the retained heap). Failing checks, which are rare, get a
 * message with their numbers.
 */
function okMessages(s: Side, r: Side) {
  return {
    synNoData: `The ${s}'s SYN carries no data.`,
    synAckNoData: `The ${s}'s SYN,ACK carries no data.`,
    synAckAcksIsn: `The SYN,ACK acknowledges the ${r}'s ISN + 1 (RFC 9293 §3.5).`,
    synAckAcksIsnData: `The SYN,ACK acknowledges the ${r}'s ISN + 1 + its SYN data (RFC 9293 §3.5).`,
    synConsumesOne: `The ${s}'s first segment after its SYN starts at ISN + 1: the SYN consumed one sequence number (RFC 9293 §3.3.1).`,
    handshakeAck: `The handshake's final ACK acknowledges the ${r}'s ISN + 1 (RFC 9293 §3.5).`,
    finConsumesOne: `The ${s}'s next segment after its FIN starts at FIN + 1: the FIN consumed one sequence number (RFC 9293 §3.3.1).`,
    // Side of fin-acked is the FIN's sender.
    finAcked: `The ${s}'s FIN is acknowledged with FIN + 1 (RFC 9293 §3.6).`,
    timeWait: `The ${s} entered TIME-WAIT, and it closed first (RFC 9293 §3.6).`,
    timeWaitCrossed: `The ${s} entered TIME-WAIT (FINs crossed: both sides do) (RFC 9293 §3.6).`,
    noDataAfterFin: `The ${s} sent no data after its FIN.`,
    rstAcksSyn: `The RST acknowledges the ${r}'s SYN, so the ${r} accepts it (RFC 9293 §3.10.7.3).`,
    rstInWindow: `The RST's sequence number is within the ${r}'s receive window (RFC 9293 §3.10.7.4, RFC 5961 §3).`,
  };
}
const OK: Record<Side, ReturnType<typeof okMessages>> = { client: okMessages('client', 'server'), server: okMessages('server', 'client') };

// The checks the current segment decided (the first CUR_N entries of CUR_CHECKS): the tracker
// is never re-entered, so one scratch list serves every connection.
const CUR_CHECKS: CheckId[] = [];
let CUR_N = 0;

/** Starts a segment: no check decided by it yet. */
export function beginSegment(): void {
  CUR_N = 0;
}

/** The ids of the checks the current segment decided, or `none` (a shared empty list) when none. */
export function segmentChecks(none: CheckId[]): CheckId[] {
  return CUR_N === 0 ? none : CUR_CHECKS.slice(0, CUR_N);
}

/**
 * A connection's checks while it is tracked: four numbers each in one array (id index with ok and
 * side bits, packet, expected, actual; NaN for null) and the message beside it, instead of an object per check:
 * a dozen objects fewer per connection for the garbage collector to copy. `checkList()` makes the
 * model's Check objects when the record is built.
 */
export interface CheckLog {
  readonly checkNums: number[];
  readonly checkMsgs: string[];
}

// The first of a check's numbers: its id's index, whether it passed, its side.
const ID_MASK = 63;
const OK_BIT = 64;
const SERVER_BIT = 128;

const ID_INDEX = Object.fromEntries(CHECK_IDS.map((id, i) => [id, i])) as Record<CheckId, number>;

/**
 * Stand-ins for a lean record's logged checks (record.ts): whether each passed is all the summary
 * reads of them. Nothing else of them is true.
 */
const LEAN_PASSED: Check = Object.freeze({ id: CHECK_IDS[0]!, ok: true, packet: 0, expected: null, actual: null, side: 'client', message: '' });
const LEAN_FAILED: Check = Object.freeze({ ...LEAN_PASSED, ok: false });

/** The log's checks as the model's objects (new ones on every call; `lean`: the stand-ins above). */
export function checkList(log: CheckLog, lean = false): Check[] {
  const n = log.checkNums;
  const out: Check[] = [];
  for (let i = 0, k = 0; i < n.length; i += 4, k++) {
    const head = n[i]!;
    if (lean) {
      out.push(head & OK_BIT ? LEAN_PASSED : LEAN_FAILED);
      continue;
    }
    const expected = n[i + 2]!;
    const actual = n[i + 3]!;
    out.push({
      id: CHECK_IDS[head & ID_MASK]!,
      ok: (head & OK_BIT) !== 0,
      packet: n[i + 1]!,
      expected: expected === expected ? expected : null,
      actual: actual === actual ? actual : null,
      side: head & SERVER_BIT ? 'server' : 'client',
      message: log.checkMsgs[k]!,
    });
  }
  return out;
}

// Every check is evaluated once per side: callers test due() first, so no message is built for
// a check already decided (fin-acked would otherwise build one for every ACK after the FIN).
function check(log: CheckLog, E: End, id: CheckId, ok: boolean, packet: number, expected: number | null, actual: number | null, message: string): void {
  E.checked |= CHECK_BIT[id];
  log.checkNums.push(ID_INDEX[id] | (ok ? OK_BIT : 0) | (E.name === 'client' ? 0 : SERVER_BIT), packet, expected ?? NaN, actual ?? NaN);
  log.checkMsgs.push(message);
  CUR_CHECKS[CUR_N++] = id;
}

/** Whether check `id` is still to be evaluated for `E` (each is evaluated once per side). */
function due(E: End, id: CheckId): boolean {
  return (E.checked & CHECK_BIT[id]) === 0;
}

/** The "active closer enters TIME-WAIT" check, when `E` first enters TIME-WAIT. */
export function checkTimeWait(checks: CheckLog, E: End, packet: number, firstFin: Side | null, finsCrossed: boolean): void {
  if (!due(E, 'time-wait-side')) return;
  const ok = E.name === firstFin || finsCrossed;
  check(
    checks,
    E,
    'time-wait-side',
    ok,
    packet,
    null,
    null,
    ok
      ? finsCrossed
        ? OK[E.name].timeWaitCrossed
        : OK[E.name].timeWait
      : `The ${E.name} entered TIME-WAIT though the ${firstFin ?? 'other side'} closed first: only the active closer should (RFC 9293 §3.6).`,
  );
}

/** The SYN,ACK (from S, packet `p`, acknowledging `ack`) acknowledges R's ISN + 1 (+ its SYN data). */
function checkSynAckAcksIsn(checks: CheckLog, S: End, R: End, isn: number, synLen: number, p: number, ack: number): void {
  if (!due(S, 'synack-acks-isn')) return;
  const plain = seqAdd(isn, 1);
  const withData = seqAdd(isn, 1 + synLen);
  const ok = ack === plain || (synLen > 0 && ack === withData);
  const expected = synLen > 0 && ack === withData ? withData : plain;
  check(
    checks,
    S,
    'synack-acks-isn',
    ok,
    p,
    expected,
    ack,
    ok
      ? expected !== plain
        ? OK[S.name].synAckAcksIsnData
        : OK[S.name].synAckAcksIsn
      : `The SYN,ACK acknowledges ${ack}, not the ${R.name}'s ISN + 1 = ${plain} (RFC 9293 §3.5: the SYN consumes one sequence number).`,
  );
}

/**
 * S's SYN (`seg`) was captured after the SYN,ACK from R that answers it (packet `synAckPacket`,
 * acknowledging `ack`): the SYN,ACK's check waited for this ISN, and S owes the handshake's ACK.
 * Called after checkBefore() for the SYN.
 */
export function checkLateSyn(checks: CheckLog, seg: Segment, S: End, R: End, synAckPacket: number, ack: number): void {
  checkSynAckAcksIsn(checks, R, S, seg.seq, seg.payloadLen, synAckPacket, ack);
  S.awaitHandshakeAck = true;
}

/** Checks decided by this segment, from the tracks before it. */
export function checkBefore(checks: CheckLog, seg: Segment, S: End, R: End, rst: RstJudgement | null, fastOpen: boolean): void {
  const f = seg.flags;
  const st = S.t;
  const rt = R.t;
  const len = seg.payloadLen;
  const p = seg.packet;
  const syn = (f & TcpFlag.SYN) !== 0;
  const ack = seg.ack;
  const newSyn = syn && (st.isn === null || seg.seq !== st.isn);

  if (syn && !(f & TcpFlag.ACK) && newSyn && due(S, 'syn-no-data')) {
    const tfo = seg.options?.fastOpen !== undefined && seg.options.fastOpen.cookie !== '';
    check(
      checks,
      S,
      'syn-no-data',
      len === 0 || tfo,
      p,
      0,
      len,
      len === 0
        ? OK[S.name].synNoData
        : tfo
          ? `The ${S.name}'s SYN carries ${len} bytes with a Fast Open cookie (RFC 7413): allowed.`
          : `The ${S.name}'s SYN carries ${len} bytes without a Fast Open cookie: data on a SYN is not delivered before the handshake completes (RFC 9293 §3.10.7.2, RFC 7413).`,
    );
  }
  if (syn && f & TcpFlag.ACK && newSyn) {
    if (due(S, 'synack-no-data')) {
      const tfo = fastOpen;
      check(
        checks,
        S,
        'synack-no-data',
        len === 0 || tfo,
        p,
        0,
        len,
        len === 0
          ? OK[S.name].synAckNoData
          : tfo
            ? `The ${S.name}'s SYN,ACK carries ${len} bytes on a Fast Open connection (RFC 7413).`
            : `The ${S.name}'s SYN,ACK carries ${len} bytes without Fast Open.`,
      );
    }
    if (rt.isn !== null && ack !== null) checkSynAckAcksIsn(checks, S, R, rt.isn, rt.synLen, p, ack);
  }
  // RFC 7323 §2.3: a shift above 14 is used as 14 (windowBytes in classify.ts does), and Linux logs it.
  const wscale = syn ? seg.options?.wscale : undefined;
  if (wscale !== undefined && wscale > MAX_WSCALE && due(S, 'wscale-at-most-14')) {
    check(
      checks,
      S,
      'wscale-at-most-14',
      false,
      p,
      MAX_WSCALE,
      wscale,
      `The ${S.name}'s ${f & TcpFlag.ACK ? 'SYN,ACK' : 'SYN'} announces window scale ${wscale}, above the largest shift, ${MAX_WSCALE}: the ${R.name} uses ${MAX_WSCALE} instead (RFC 7323 §2.3).`,
    );
  }
  // Judged in sequence space, not capture order: a segment beyond ISN + 1 (+ SYN data) says nothing
  // about the SYN (what lies below it was lost before the capture point, or captured later: a FIN
  // captured before the data below it); the check waits for one at or below that number.
  // Nor on a segment without ACK (other than an RST): every state drops it (RFC 9293 §3.10.7), so it
  // is not the connection's next segment (a FIN without ACK from SYN-SENT at the ISN itself).
  if (S.awaitSeqAfterSyn && !syn && st.isn !== null && ack !== null && !(f & TcpFlag.RST) && !seqGt(seg.seq, seqAdd(st.isn, 1 + st.synLen))) {
    S.awaitSeqAfterSyn = false;
    if (due(S, 'syn-consumes-one')) {
      const plain = seqAdd(st.isn, 1);
      const withData = seqAdd(st.isn, 1 + st.synLen);
      const ok = seg.seq === plain || seg.seq === withData;
      const expected = seg.seq === withData ? withData : plain;
      check(
        checks,
        S,
        'syn-consumes-one',
        ok,
        p,
        expected,
        seg.seq,
        ok ? OK[S.name].synConsumesOne : `The ${S.name}'s first segment after its SYN starts at ${seg.seq}, not ISN + 1 = ${plain} (RFC 9293 §3.3.1).`,
      );
    }
  }
  // In sequence space too: an ACK above ISN + 1 (+ SYN data) also covers the peer's data, so it is not
  // the handshake's ACK but a later one captured first; the check waits for the handshake's.
  if (S.awaitHandshakeAck && ack !== null && !(f & (TcpFlag.SYN | TcpFlag.RST)) && rt.isn !== null && !seqGt(ack, seqAdd(rt.isn, 1 + rt.synLen))) {
    S.awaitHandshakeAck = false;
    if (due(S, 'handshake-ack-acks-isn')) {
      const plain = seqAdd(rt.isn, 1);
      const withData = seqAdd(rt.isn, 1 + rt.synLen);
      const ok = ack === plain || (rt.synLen > 0 && ack === withData);
      const expected = rt.synLen > 0 && ack === withData ? withData : plain;
      check(
        checks,
        S,
        'handshake-ack-acks-isn',
        ok,
        p,
        expected,
        ack,
        ok ? OK[S.name].handshakeAck : `The handshake's final ACK acknowledges ${ack}, not the ${R.name}'s ISN + 1 = ${plain} (RFC 9293 §3.5).`,
      );
    }
  }
  if (st.finSeq !== null) {
    const finAt = st.finSeq;
    const rexmitFin = f & TcpFlag.FIN && seqLe(seqAdd(seg.seq, len), finAt);
    if (S.awaitSeqAfterFin && !rexmitFin && seqGe(seg.seq, finAt)) {
      S.awaitSeqAfterFin = false;
      if (due(S, 'fin-consumes-one')) {
        const want = seqAdd(finAt, 1);
        check(
          checks,
          S,
          'fin-consumes-one',
          seg.seq === want,
          p,
          want,
          seg.seq,
          seg.seq === want
            ? OK[S.name].finConsumesOne
            : `The ${S.name}'s next segment after its FIN starts at ${seg.seq}, not FIN + 1 = ${want} (RFC 9293 §3.3.1).`,
        );
      }
    }
    if (len > 0 && S.afterFin === null && seqGt(seqAdd(seg.seq, len), finAt) && !(f & TcpFlag.RST)) {
      const end = seqAdd(seg.seq, len);
      S.afterFin = { packet: p, end };
      if (due(S, 'no-data-after-fin')) {
        check(
          checks,
          S,
          'no-data-after-fin',
          false,
          p,
          seqAdd(finAt, 1),
          end,
          `The ${S.name} sent ${seqDiff(end, finAt)} bytes beyond its FIN (packet ${st.finPacket}): no data may follow a FIN (RFC 9293 §3.10.4).`,
        );
      }
    }
  }
  if (rt.finSeq !== null && ack !== null && !(f & TcpFlag.RST) && seqGt(ack, rt.finSeq) && due(R, 'fin-acked')) {
    const want = seqAdd(rt.finSeq, 1);
    check(
      checks,
      R,
      'fin-acked',
      ack === want,
      p,
      want,
      ack,
      ack === want
        ? OK[R.name].finAcked
        : `The ${R.name}'s FIN (packet ${rt.finPacket}) is acknowledged with ${ack}, not FIN + 1 = ${want}: the ACK covers bytes never sent.`,
    );
  }
  if (rst !== null && rst.expected !== null && due(S, 'rst-in-window')) {
    const inSynSent = rt.state === SynSent;
    check(
      checks,
      S,
      'rst-in-window',
      rst.inWindow,
      p,
      rst.expected,
      rst.actual,
      rst.inWindow
        ? inSynSent
          ? OK[S.name].rstAcksSyn
          : rst.accepted
            ? OK[S.name].rstInWindow
            : `The RST's sequence number ${rst.actual} is within the ${R.name}'s receive window but not RCV.NXT = ${rst.expected}: it draws a challenge ACK and resets nothing (RFC 5961 §3.2).`
        : inSynSent
          ? rst.actual === null
            ? `The RST carries no ACK, so it does not acknowledge the ${R.name}'s SYN (${rst.expected}): it is ignored (RFC 9293 §3.10.7.3).`
            : `The RST acknowledges ${rst.actual}, not the ${R.name}'s SYN (${rst.expected}): it is ignored (RFC 9293 §3.10.7.3).`
          : `The RST's sequence number ${rst.actual} is outside the ${R.name}'s receive window starting at ${rst.expected}: it is ignored (RFC 9293 §3.10.7.4, RFC 5961 §3).`,
    );
  }
}

/** Checks that can only be decided at the end of the capture (a FIN never acknowledged, no data after a FIN). */
export function checksAtEnd(checks: Check[], segments: SegmentRecord[], c: End, s: End, resetSeen: boolean): void {
  for (let k = 0; k < 2; k++) {
    const E = k === 0 ? c : s;
    const P = k === 0 ? s : c;
    const fin = E.t.finSeq;
    if (fin === null) continue;
    const want = seqAdd(fin, 1);
    if (!(E.checked & CHECK_BIT['fin-acked']) && P.t.sentAny && !resetSeen) {
      checks.push({
        id: 'fin-acked',
        ok: false,
        packet: E.t.finPacket,
        expected: want,
        actual: P.t.maxAck,
        side: E.name,
        message: `The ${E.name}'s FIN (packet ${E.t.finPacket}) was not acknowledged by the end of the capture (expected ACK ${want}).`,
      });
      addCheckAt(segments, E.t.finPacket, 'fin-acked');
    }
    if (E.afterFin === null && !(E.checked & CHECK_BIT['no-data-after-fin'])) {
      checks.push({
        id: 'no-data-after-fin',
        ok: true,
        packet: E.t.finPacket,
        expected: want,
        actual: E.t.nextSeq,
        side: E.name,
        message: OK[E.name].noDataAfterFin,
      });
      addCheckAt(segments, E.t.finPacket, 'no-data-after-fin');
    }
  }
}

/** Lists check `id` on the kept segment `packet` (if kept), replacing the shared empty list. */
function addCheckAt(segments: SegmentRecord[], packet: number, id: CheckId): void {
  for (const r of segments) {
    if (r.packet !== packet) continue;
    if (r.checks.length === 0) r.checks = [id];
    else if (!r.checks.includes(id)) r.checks.push(id);
    return;
  }
}
