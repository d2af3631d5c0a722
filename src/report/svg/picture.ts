/**
 * A connection's pictures as data: what `draw-ladder.ts` and `draw-seq.ts` draw, built here from
 * the model (the record and its metrics), in one language. The drawing functions take only this
 * and the words, so the HTML page can carry it (compressed) and draw in the browser with the very
 * same code `--svg` runs in Node.
 *
 * Numbers are relative to each side's ISN; the time-sequence series are flat number arrays
 * (`[t, a, b, …]`), compact in JSON.
 */
import { computeMetrics } from '../../metrics/metrics.js';
import type { ConnectionMetrics } from '../../tcp/metrics-model.js';
import { Unwrapper } from '../../metrics/ranges.js';
import type { Check, ConnectionRecord, SegmentRecord, Side, TcpState } from '../../tcp/model.js';
import { duration, endpoint, esc, int } from '../format.js';
import { transitionText, type Messages } from '../messages.js';
import { checkText, initialState, segLabel, stateCell, synInfo, type ShownSyns } from '../text.js';

/** One row of the ladder. `dir` 0: client → server, 1: server → client, −1: neither. */
export type LadderRow =
  | {
      k: 's';
      p: number;
      t: string;
      dir: 0 | 1;
      label: string;
      /** States written beside the lifelines after this segment ('' when unchanged). */
      c: string;
      s: string;
      /** ISN, options, SACK blocks. */
      info: string;
      /** Analysis flags in words (retransmission, …): drawn as a warning. */
      warn: string;
      ok: string[];
      bad: string[];
      /** The explanation on hover: the segment, each state change with its reason, each check. */
      hover: string;
    }
  | { k: 'f'; dir: 0 | 1 | -1; text: string };

export interface LadderPicture {
  id: number;
  title: string;
  sub: string;
  sides: [string, string];
  start: [string, string];
  end: [string, string];
  endText: string;
  rows: LadderRow[];
  note: string;
}

/** One direction's time-sequence graph: the sender's data against the receiver's ACKs and window. */
export interface SeqPicture {
  dir: 0 | 1;
  title: string;
  /** Last time on the axis, seconds. */
  t1: number;
  /** [t, start, end, kind] per data segment; kind 0 new, 1 retransmission, 2 out of order, 3 probe, 4 SYN/FIN. */
  data: number[];
  /** [t, ack] per ACK of this direction's data, from the receiver. */
  acks: number[];
  /** [t, right edge] per window advertised by the receiver (ACK + scaled window). */
  win: number[];
  /** [t, left, right] per SACK block from the receiver. */
  sack: number[];
  /** Packet numbers of `data`, for the hover. */
  pkts: number[];
  /** Phases per side: [t0, t1, phase] with phase 0 opening, 1 established, 2 closing, 3 TIME-WAIT; sender first. */
  phases: [number[], number[]];
  /** Side names, sender first. */
  sides: [string, string];
  notes: string[];
}

export interface Pictures {
  ladder: LadderPicture;
  seq: [SeqPicture, SeqPicture];
  /** Figures beside the pictures: per direction, in words. */
  figures: [string, string];
}

/** The most segments one time-sequence graph draws (an SVG of a million bars helps nobody). */
export const SEQ_MAX_SEGMENTS = 50_000;
/** The most arrows one ladder draws: the exchanges, and segments where something happened. */
export const LADDER_MAX_ARROWS = 200;

const DIR: Record<Side, 0 | 1> = { client: 0, server: 1 };
const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** Everything the pictures of `c` need, in `m`'s language. */
export function buildPictures(c: ConnectionRecord, m: Messages, metrics: ConnectionMetrics = computeMetrics(c), maxSegments = SEQ_MAX_SEGMENTS): Pictures {
  return {
    ladder: buildLadder(c, m),
    seq: [buildSeq(c, 'client', m, maxSegments), buildSeq(c, 'server', m, maxSegments)],
    figures: [figures(metrics, 'client', m), figures(metrics, 'server', m)],
  };
}

/** Whether a segment is drawn as an arrow: part of an exchange, a state change, a check, or unusual. */
function arrowOf(c: ConnectionRecord): (s: SegmentRecord) => boolean {
  const exchange = new Set([...c.open.packets, ...c.close.packets]);
  const changes = new Set(c.timeline.map((t) => t.packet));
  const checked = new Set(c.checks.map((k) => k.packet));
  return (s) => exchange.has(s.packet) || changes.has(s.packet) || checked.has(s.packet) || s.flags.includes('R');
}

function buildLadder(c: ConnectionRecord, m: Messages): LadderPicture {
  const P = m.picture;
  const checksAt = new Map<number, Check[]>();
  for (const k of c.checks) checksAt.set(k.packet, [...(checksAt.get(k.packet) ?? []), k]);
  const isArrow = arrowOf(c);
  const rows: LadderRow[] = [];
  let prevC = initialState(c, 'client');
  let prevS = initialState(c, 'server');
  const start: [string, string] = [stateCell(prevC), stateCell(prevS)];
  // Segments not drawn are folded per direction between the arrows around them, as the text does.
  const folded = { client: { n: 0, bytes: 0, re: 0, first: 0, last: 0 }, server: { n: 0, bytes: 0, re: 0, first: 0, last: 0 } };
  const flushFold = () => {
    for (const side of ['client', 'server'] as const) {
      const f = folded[side];
      if (f.n === 0) continue;
      const range = f.first === f.last ? `#${f.first}` : `#${f.first}–#${f.last}`;
      rows.push({ k: 'f', dir: DIR[side], text: m.fold({ segments: f.n, segmentsText: int(f.n), bytes: int(f.bytes), retrans: f.re, range }) });
      folded[side] = { n: 0, bytes: 0, re: 0, first: 0, last: 0 };
    }
  };
  let arrows = 0;
  let skipped = 0;
  const shownSyn: ShownSyns = {};
  for (const s of c.segments) {
    if (!isArrow(s) || arrows >= LADDER_MAX_ARROWS) {
      if (arrows >= LADDER_MAX_ARROWS) skipped++;
      const f = folded[s.from];
      if (f.n === 0) f.first = s.packet;
      f.n++;
      f.bytes += s.len;
      if (s.analysis.includes('retransmission')) f.re++;
      f.last = s.packet;
      prevC = s.client;
      prevS = s.server;
      continue;
    }
    flushFold();
    arrows++;
    const checks = checksAt.get(s.packet) ?? [];
    const info: string[] = [];
    synInfo(c, s, m, shownSyn, info);
    if (s.options?.sack && s.options.sack.length > 0 && s.ack !== null && s.relAck !== null) {
      const base = (s.ack - s.relAck) >>> 0;
      info.push(`sack ${s.options.sack.map(([l, r]) => `${(l - base) >>> 0}–${(r - base) >>> 0}`).join(' ')}`);
    }
    const warn = s.analysis.map((a) => m.analysis[a] ?? esc(a)).join(' · ');
    const ok = checks.filter((k) => k.ok).map((k) => checkText(k, c, s, m, false));
    const bad = checks.filter((k) => !k.ok).map((k) => checkText(k, c, s, m, false));
    const why = c.timeline
      .filter((t) => t.packet === s.packet)
      .map((t) => m.transitionLine(m.side[t.side], t.from, t.to, t.code ? m.transitionCode[t.code] : (transitionText(m, t.from, t.to) ?? t.why)));
    const hover = [
      `#${s.packet} +${s.time.toFixed(6)} s · ${m.side[s.from]} → ${m.side[other(s.from)]}`,
      segLabel(s, false),
      ...info,
      warn,
      ...why,
      ...ok,
      ...bad,
    ]
      .filter((x) => x !== '')
      .join('\n');
    rows.push({
      k: 's',
      p: s.packet,
      t: s.time.toFixed(6),
      dir: DIR[s.from],
      label: segLabel(s, false),
      c: s.client !== prevC ? stateCell(s.client) : '',
      s: s.server !== prevS ? stateCell(s.server) : '',
      info: info.join(' · '),
      warn,
      ok,
      bad,
      hover,
    });
    prevC = s.client;
    prevS = s.server;
  }
  flushFold();
  if (c.segments.length === 0) rows.push({ k: 'f', dir: -1, text: m.picture.noSegments });
  const span = duration(Math.max(0, c.end - c.start));
  return {
    id: c.id,
    title: `#${c.id}  ${endpoint(c.client.ip, c.client.port)} ⇄ ${endpoint(c.server.ip, c.server.port)}`,
    sub: [m.openKind[c.open.kind], m.closeKind[c.close.kind], m.packetsIn(int(c.packets), span), `zeek ${c.zeek.conn_state} ${c.zeek.history}`].join(' · '),
    sides: [`${m.side.client} ${endpoint(c.client.ip, c.client.port)}`, `${m.side.server} ${endpoint(c.server.ip, c.server.port)}`],
    start,
    end: [stateCell(c.client.state, c.client.stateBasis), stateCell(c.server.state, c.server.stateBasis)],
    endText: m.endOfCapture,
    rows,
    note: skipped > 0 ? P.capped.replace('{n}', String(LADDER_MAX_ARROWS)).replace('{total}', String(arrows + skipped)) : '',
  };
}

/** The phase of a state, for the shading: 0 opening, 1 established, 2 closing, 3 TIME-WAIT, −1 none. */
function phaseOf(s: TcpState): number {
  switch (s) {
    case 'SYN-SENT':
    case 'SYN-RECEIVED':
      return 0;
    case 'ESTABLISHED':
      return 1;
    case 'FIN-WAIT-1':
    case 'FIN-WAIT-2':
    case 'CLOSE-WAIT':
    case 'CLOSING':
    case 'LAST-ACK':
      return 2;
    case 'TIME-WAIT':
      return 3;
    default:
      return -1;
  }
}

/** A side's phases over time, from its transitions: [t0, t1, phase] flat. */
function phases(c: ConnectionRecord, side: Side, t1: number): number[] {
  const out: number[] = [];
  // One interval per phase: FIN-WAIT-1 then FIN-WAIT-2 is one stretch of closing.
  const push = (t0: number, t: number, p: number) => {
    if (p < 0 || !(t > t0)) return;
    const n = out.length;
    if (n > 0 && out[n - 1] === p && out[n - 2] === t0) out[n - 2] = t;
    else out.push(t0, t, p);
  };
  let state = initialState(c, side);
  let since = 0;
  for (const t of c.timeline) {
    if (t.side !== side) continue;
    push(since, t.time, phaseOf(state));
    state = t.to;
    since = t.time;
  }
  push(since, t1, phaseOf(state));
  return out;
}

function buildSeq(c: ConnectionRecord, sender: Side, m: Messages, max: number): SeqPicture {
  const P = m.picture;
  const receiver = other(sender);
  const segs = c.segments;
  const t1 = segs.length > 0 ? segs[segs.length - 1]!.time : 0;
  // Window scaling applies when both SYNs carried the option (RFC 7323 §2.2), never to a SYN's window.
  const rs = c[receiver].options.wscale;
  const scaled = rs !== null && c[sender].options.wscale !== null;
  const shift = scaled ? rs : 0;
  const seqs = new Unwrapper();
  const acks = new Unwrapper();
  const out: SeqPicture = {
    dir: DIR[sender],
    title: `${m.side[sender]} → ${m.side[receiver]}`,
    t1,
    data: [],
    acks: [],
    win: [],
    sack: [],
    pkts: [],
    phases: [phases(c, sender, t1), phases(c, receiver, t1)],
    sides: [m.side[sender], m.side[receiver]],
    notes: [],
  };
  let drawn = 0;
  let total = 0;
  for (const s of segs) {
    if (s.analysis.includes('duplicate')) continue;
    const syn = s.flags.includes('S');
    const fin = s.flags.includes('F');
    if (s.from === sender) {
      const len = s.len + (syn ? 1 : 0) + (fin ? 1 : 0);
      if (len === 0) continue;
      total++;
      if (drawn >= max) continue;
      drawn++;
      const a = s.analysis;
      const kind =
        a.includes('retransmission') || a.includes('spurious-retransmission')
          ? 1
          : a.includes('out-of-order')
            ? 2
            : a.includes('keep-alive') || a.includes('window-probe')
              ? 3
              : s.len === 0
                ? 4
                : 0;
      const off = seqs.unwrap(s.relSeq);
      out.data.push(s.time, off, off + len, kind);
      out.pkts.push(s.packet);
    } else if (s.relAck !== null && !s.flags.includes('R')) {
      if (drawn >= max) continue;
      const ack = acks.unwrap(s.relAck);
      out.acks.push(s.time, ack);
      out.win.push(s.time, ack + (syn ? s.window : s.window * 2 ** shift));
      const sack = s.options?.sack;
      if (sack && s.ack !== null) {
        for (const [l, r] of sack) out.sack.push(s.time, ack + ((l - s.ack) | 0), ack + ((r - s.ack) | 0));
      }
    }
  }
  if (!scaled && rs === null && c.open.kind === 'mid-stream') out.notes.push(P.unscaled);
  if (total > drawn) out.notes.push(P.capped.replace('{n}', int(drawn)).replace('{total}', int(total)));
  return out;
}

/** "RTT 0.046 ms (29 samples) · …" for one direction. */
function figures(x: ConnectionMetrics, side: Side, m: Messages): string {
  const P = m.picture;
  const d = x[side];
  const parts = [`${m.side[side]} → ${m.side[other(side)]}`];
  const rtt = (label: string, r: typeof d.rtt) => (r ? `${label} ${r.minMs}/${r.meanMs}/${r.maxMs} ms ±${r.stddevMs} (${r.samples} ${P.samples})` : '');
  parts.push(`${int(d.bytes)} ${P.bytes} (${int(d.uniqueBytes)} ${P.unique}, ${int(d.retransmittedBytes)} ${P.retransmitted})`);
  parts.push(rtt(P.rtt, d.rtt), rtt(P.rttTs, d.tsRtt));
  if (d.goodputBps !== null) parts.push(`${P.goodput} ${int(d.goodputBps)} B/s`);
  if (d.zeroWindowSec > 0) parts.push(`${P.zeroWindow} ${duration(d.zeroWindowSec)}`);
  return parts.filter((p) => p !== '').join(' · ');
}
