/**
 * A tracker's ConnectionRecord (finish()): each endpoint's state at the end of the capture (a
 * TIME-WAIT whose 2·MSL ran out is CLOSED, a SYN/FIN never acknowledged may not have arrived, an
 * endpoint never seen is `unseen`), the checks only the end decides, the notes, and the opening,
 * closing and Zeek summaries.
 */
import type { ConnectionTracker } from './connection.js';
import { checkList, checksAtEnd } from './checks.js';
import { closeKind, oddFacts, openKind } from './exchange.js';
import { missingAnswers } from './evidence.js';
import { round6 } from './format.js';
import { expiryWhy } from './machines.js';
import { noOptions, TcpState, type ConnectionRecord, type EndpointRecord, type Side } from './model.js';
import { NOTE } from './notes.js';
import { copySegment } from './segment-record.js';
import { lastBasisBefore, lastTr, MAX_TIMELINE, timelineOf, trFrom, trPacket, trTo } from './timeline.js';

/**
 * Why a record is made before the end of the capture: `early` (finished, written before its
 * TIME-WAIT ran out to bound memory), `evicted` (still open, ended to make room in a full table).
 */
export type FinishReason = 'end' | 'early' | 'evicted';

/** Most opening/closing segments kept per connection (the rest are counted in `notes`). */
export const MAX_EXCHANGE_SEGMENTS = 64;

const { Closed, TimeWait } = TcpState;

/**
 * Whether a TIME-WAIT that started `twStart` seconds after the connection's first packet
 * (firstSec, firstNsec) has run out by (endSec, endNsec): 2·MSL passed (RFC 9293 §3.10.8).
 * finish() decides a tracked connection's end state with it, trace.ts a parked one's.
 */
export function timeWaitOver(twStart: number, firstSec: number, firstNsec: number, endSec: number, endNsec: number, mslSec: number): boolean {
  return endSec - firstSec + (endNsec - firstNsec) / 1e9 >= twStart + 2 * mslSec;
}

// A lean record's stand-ins for what no reducer reads (shared, never written).
const NO_NOTES: ConnectionRecord['notes'] = Object.freeze([]) as unknown as ConnectionRecord['notes'];
const NO_OPTIONS: EndpointRecord['options'] = Object.freeze(noOptions());
const NO_DIRECTION: ConnectionRecord['data']['client'] = Object.freeze({ segments: 0, bytes: 0, retransmissions: 0, firstPacket: null, lastPacket: null });
const NO_DATA: ConnectionRecord['data'] = Object.freeze({ client: NO_DIRECTION, server: NO_DIRECTION });

/**
 * The record as of capture end at (endSec, endNsec): TIME-WAIT turns CLOSED if 2·MSL passed.
 * Pure (may be called again, the tracker may go on) unless `last`: then the record takes over the
 * tracker's own lists instead of copying them, and the tracker must not be used again (trace()
 * does this when it drops the connection, so a finished connection costs one record, not two).
 * `why` says what ends the record when it is not the end of the capture (see FinishReason).
 *
 * `lean` (with `last`): a record only the summary and the diagnostics will read (trace() asks for
 * one when nothing else receives records: `--summary`). Its states, bases, kinds, flags, Zeek
 * state, keep-alive, ids, addresses and times are the full record's. Its timeline holds the
 * transitions into and out of TIME-WAIT and into CLOSE-WAIT (timelineOf), and the few that the end
 * infers (missingAnswers), which the diagnostics pass over. Its checks are stand-ins that only say
 * whether each passed (checkList), and it has no notes, options or data. The rest was a fifth of
 * what `--summary` allocated (2.3 → 1.9 GB on the short benchmark).
 */
export function buildRecord(x: ConnectionTracker, endSec: number, endNsec: number, last: boolean, why: FinishReason, lean = false): ConnectionRecord {
  if (x.done) throw new Error(`connection ${x.id}: finish() after the last finish()`);
  x.done = last;
  lean &&= last;
  // The end of the capture is never before the connection's own latest time (see lastRel).
  const endRel = Math.max(x.lastRel, endSec - x.firstSec + (endNsec - x.firstNsec) / 1e9);
  const msl2 = 2 * x.opts.mslSec;
  // The tracker's transitions are numbers (timeline.ts): the record's objects are made here.
  let timeline = timelineOf(x, lean);
  const notes = x.notes === null || lean ? [] : last ? x.notes : x.notes.slice();
  const checks = checkList(x, lean);
  const segments = x.records === null ? [] : last ? x.records : x.records.map(copySegment);
  const out = {} as Record<Side, EndpointRecord>;

  for (let k = 0; k < 2; k++) {
    const E = k === 0 ? x.c : x.s;
    const P = k === 0 ? x.s : x.c;
    let state = E.t.state;
    let basis: EndpointRecord['stateBasis'] = E.basis;
    const p = E.pending;
    if (E.t.sentAny && p !== null && p.lossy && p.tr !== 0 && lastTr(x, E) === p.tr) {
      // Earlier copies of this SYN/FIN never reached it (it retransmitted its own segment over
      // them) and this copy was never acknowledged either: it is not assumed to have arrived.
      const at = trPacket(x, p.tr);
      const from = trFrom(x, p.tr);
      const to = trTo(x, p.tr);
      const i = timeline.findIndex((y) => y.packet === at && y.side === E.name && y.from === from && y.to === to);
      if (i >= 0) timeline.splice(i, 1);
      state = p.from;
      basis = lastBasisBefore(x, E);
      for (const r of segments) if (r.packet >= at) r[E.name] = p.from;
      notes.push({ code: NOTE.lossyNotArrived, side: E.name, packet: p.packet, stays: p.from });
    }
    // An endpoint the capture never showed is known from the peer's ACKs of sequence space of its
    // that the capture did not show: a SYN (the SYN,ACK answering it), data, a FIN.
    const seen = E.t.sentAny || E.evidenced > 0 || (P.t.sentSynAck && P.t.maxAck !== null);
    if (seen) {
      [state, basis] = missingAnswers(x, E, P, state, basis, endRel, timeline, segments, notes);
      if (!E.t.sentAny) basis = 'inferred';
    }
    if (!seen) {
      state = Closed;
      basis = 'unseen';
      timeline = timeline.filter((y) => y.side !== E.name);
      for (const r of segments) r[E.name] = Closed;
      if (x.packets > 0) {
        notes.push({ code: NOTE.unseenSide, side: E.name });
      }
    } else if (state === TimeWait) {
      const expiry = E.twStart + msl2;
      if (timeWaitOver(E.twStart, x.firstSec, x.firstNsec, endSec, endNsec, x.opts.mslSec)) {
        state = Closed;
        timeline.push({ packet: E.twPacket, time: round6(expiry), side: E.name, from: TimeWait, to: Closed, why: lean ? '' : expiryWhy(x, E), code: null });
        if (!lean) notes.push({ code: NOTE.timeWaitExpired, side: E.name, twPacket: E.twPacket, expiry: round6(expiry), msl2, end: round6(endRel) });
      } else if (!lean) {
        // Still in TIME-WAIT: until when, and whether this record was written before the end.
        const code = why !== 'end' ? NOTE.timeWaitWrittenEarly : NOTE.timeWaitUntil;
        notes.push({ code, side: E.name, twPacket: E.twPacket, until: round6(expiry), msl2, end: round6(endRel) });
      }
    }
    out[E.name] = {
      ip: E.ip,
      port: E.port,
      state,
      stateBasis: basis,
      isn: E.t.sentSyn || E.t.sentSynAck ? E.t.isn : null,
      options: lean ? NO_OPTIONS : E.options,
      segments: E.segments,
      bytes: E.bytes,
    };
    if (E.t.sentAny && !E.t.sentSyn && !E.t.sentSynAck && E.t.base !== null) {
      notes.push({ code: NOTE.noSynCaptured, side: E.name, base: E.t.base });
    }
  }

  // Checks that can only be decided at the end.
  checksAtEnd(checks, segments, x.c, x.s, x.resetSeen);
  // RSTs that ended nothing and unexpected segments: their flags and notes.
  if (x.odd !== null) oddFacts(x.odd, segments, notes);
  if (x.nReordered > 0) notes.push({ code: NOTE.reordered, segments: x.nReordered, firstPacket: x.reorderedFirst });
  if (x.rttUnknown === 'rtt-reordered') {
    notes.push({ code: NOTE.rttReordered, synPacket: x.firstSynPacket, synAckPacket: x.firstSynAckPacket });
  }
  if (x.backSteps > 0) notes.push({ code: NOTE.clockBackwards, steps: x.backSteps, firstPacket: x.backFirst, backSec: round6(x.backMax) });
  if (why === 'evicted') {
    notes.push({ code: NOTE.evicted, maxConnections: x.opts.maxConnections ?? null, end: round6(endRel) });
  }
  if (x.omitted > 0) {
    notes.push({ code: NOTE.segmentsOmitted, count: x.omitted, limit: MAX_EXCHANGE_SEGMENTS });
  }
  if (x.timelineDropped > 0) notes.push({ code: NOTE.timelineOmitted, count: x.timelineDropped, limit: MAX_TIMELINE });

  const cs = x.c.t;
  const ss = x.s.t;
  const kind = openKind(x);
  const open: ConnectionRecord['open'] = {
    kind,
    complete: (cs.sentSyn || cs.sentSynAck) && (ss.sentSyn || ss.sentSynAck) && cs.synAcked && ss.synAcked,
    rttMs: x.rttSec === null ? null : Math.round(x.rttSec * 1e6) / 1e3,
    packets: last ? x.openPackets : x.openPackets.slice(),
    heuristic: kind === 'mid-stream' ? x.heuristic : null,
    synRetransmits: x.synRexmits === null ? null : last ? x.synRexmits : x.synRexmits.slice(),
  };

  const close: ConnectionRecord['close'] = {
    kind: closeKind(x),
    initiator: x.firstCloseSide,
    dataAfterFin: x.dataAfterFin,
    packets: last ? x.closePackets : x.closePackets.slice(),
    reset: x.reset === null ? null : last ? x.reset : { ...x.reset },
  };

  const kaProbes = x.c.keepAlives + x.s.keepAlives;
  const kaN = x.c.kaIntervals + x.s.kaIntervals;
  const rec: ConnectionRecord = {
    id: x.id,
    client: out.client,
    server: out.server,
    start: x.firstSec + x.firstNsec / 1e9,
    end: x.lastAbs,
    packets: x.packets,
    open,
    close,
    timeline,
    checks,
    flags: x.counts,
    zeek: zeekView(x),
    reusedFrom: x.reusedFrom,
    segments,
    data: lean ? NO_DATA : { client: x.c.dir, server: x.s.dir },
    keepAlive: kaProbes === 0 ? null : { probes: kaProbes, intervalSec: kaN === 0 ? null : round6((x.c.kaIntervalSum + x.s.kaIntervalSum) / kaN) },
    notes: lean ? NO_NOTES : notes,
    tunnel: x.tunnel !== null && x.tunnel.length > 0 ? x.tunnel : null,
    // Made after the fact, from the segments, by whoever asked for it (cli/pictures.ts).
    metrics: null,
  };
  return rec;
}

/** The record's `zeek`: the first Zeek record, and every record when Zeek split the connection. */
function zeekView(x: ConnectionTracker): ConnectionRecord['zeek'] {
  const cur = x.zeekRecord();
  if (x.zrecords === null) return { conn_state: cur.conn_state, history: cur.history, records: null };
  const first = x.zrecords[0]!;
  return { conn_state: first.conn_state, history: first.history, records: [...x.zrecords, cur] };
}
