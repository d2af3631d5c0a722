/**
 * `--explain`: the reason behind each step of a ladder. Two sources:
 *   - the model's own `timeline[].why` for every state change (RFC 9293 wording; in Chinese the
 *     state-diagram arc's translation from messages.ts, since the model speaks English), and
 *   - a topic paragraph (why a third handshake segment, why 2·MSL, …) attached to the first step
 *     where it applies. Each topic is told once per output, not once per connection.
 *
 * Where a topic goes is decided from what the model already says (open/close kinds, flags,
 * states after each segment); nothing here re-derives TCP facts.
 */
import type { ConnectionRecord, SegmentRecord, Side, TcpState, TransitionCode } from '../tcp/model.js';
import { summaryTotals } from '../tcp/summary.js';
import type { Report } from '../diagnose/types.js';
import { backoffShape } from '../diagnose/openings.js';
import { esc } from './format.js';
import { transitionText, type Messages } from './messages.js';

/** The topics `--explain` can tell (keys of `Messages['explain']` that take no arguments). */
export type Topic = Exclude<keyof Messages['explain'], 'pileTimeWait' | 'pileCloseWait' | 'synGaps'>;

/** Topics already told in this output, so a long capture does not repeat the same paragraph. */
export type Told = Set<Topic>;

/** Explanations for one connection: lines per packet, and lines for the end of the ladder. */
export interface ConnectionExplanations {
  byPacket: Map<number, string[]>;
  atEnd: string[];
  /** The topics this call told (added to `told`), and where each went. */
  placed: Array<[Topic, number | 'end']>;
}

const isSyn = (s: SegmentRecord) => s.flags.includes('S');
const isFin = (s: SegmentRecord) => s.flags.includes('F');
const isRst = (s: SegmentRecord) => s.flags.includes('R');
const isPureAck = (s: SegmentRecord) => s.flags.replace(/[PEWN]/g, '') === '.';

/** Where each topic applies in this connection: topic -> packet (or 'end'). */
function placeTopics(c: ConnectionRecord): Array<[Topic, number | 'end']> {
  const out: Array<[Topic, number | 'end']> = [];
  const segs = c.segments;
  const inOpen = new Set(c.open.packets);
  const inClose = new Set(c.close.packets);
  const first = segs[0];

  if (c.reusedFrom !== null && first) out.push(['reused', first.packet]);
  if (c.open.kind === 'mid-stream' && first) out.push(['midStream', first.packet]);

  const syns = segs.filter((s) => isSyn(s) && inOpen.has(s.packet));
  const firstSyn = syns[0];
  if (firstSyn) {
    out.push(['synSeq', firstSyn.packet]);
    out.push([c.open.kind === 'fast-open' ? 'fastOpen' : 'synNoData', firstSyn.packet]);
  }
  switch (c.open.kind) {
    case 'simultaneous': {
      const second = syns.find((s) => s.from !== firstSyn?.from);
      if (second) out.push(['simultaneousOpen', second.packet]);
      break;
    }
    case 'refused': {
      const rst = segs.find((s) => isRst(s) && inOpen.has(s.packet));
      if (rst) out.push(['refused', rst.packet]);
      break;
    }
    case 'unanswered': {
      const last = syns[syns.length - 1];
      if (last) out.push(['unanswered', last.packet]);
      break;
    }
    case 'three-way':
    case 'fast-open': {
      // The handshake's last segment: the client's ACK of the SYN-ACK.
      const third = [...segs].reverse().find((s) => inOpen.has(s.packet) && s.from === 'client' && !isSyn(s) && !isRst(s));
      if (third && (isPureAck(third) || third.len > 0)) out.push(['thirdAck', third.packet]);
      break;
    }
    default:
      break;
  }

  const fins = segs.filter((s) => isFin(s) && (inClose.has(s.packet) || inClose.size === 0));
  const firstFin = fins[0];
  if (firstFin) {
    out.push(['finSeq', firstFin.packet]);
    const secondFin = fins.find((s) => s.from !== firstFin.from);
    switch (c.close.kind) {
      case 'four-way':
      case 'half-closed':
        out.push(['fourWay', firstFin.packet]);
        break;
      case 'three-segment':
        out.push(['fourWay', firstFin.packet]);
        if (secondFin) out.push(['threeSegment', secondFin.packet]);
        break;
      case 'simultaneous':
        if (secondFin) out.push(['simultaneousClose', secondFin.packet]);
        break;
      default:
        break;
    }
    if (c.close.dataAfterFin > 0) out.push(['halfClose', firstFin.packet]);
  }
  if (c.close.kind === 'reset') {
    const at = c.close.reset?.packet ?? segs.find((s) => isRst(s))?.packet;
    if (at !== undefined) out.push(['reset', at]);
  }
  const tw = segs.find((s) => s.client === 'TIME-WAIT' || s.server === 'TIME-WAIT');
  if (tw) out.push(['timeWait', tw.packet]);
  if (c.keepAlive && c.keepAlive.probes > 0) out.push(['keepAlive', 'end']);
  if (c.client.state === 'CLOSE-WAIT' || c.server.state === 'CLOSE-WAIT') out.push(['closeWait', 'end']);
  return out;
}

/** The transition line: "client ESTABLISHED → FIN-WAIT-1: its application closed: sent FIN". */
function transitionLine(m: Messages, lang: 'en' | 'zh', side: Side, from: string, to: string, why: string, code: TransitionCode | null = null): string {
  // A transition the state diagram does not draw (a TIME-WAIT ended by a reusing SYN) carries a code
  // whose words come from the catalogue, in every language.
  const table = code !== null ? m.transitionCode[code] : transitionText(m, from as never, to as never);
  // The model's sentence is English; in another language the state-diagram arc's translation wins.
  // The model's sentence often repeats the arc ("CLOSE: it sent FIN, ESTABLISHED → FIN-WAIT-1 (…)"),
  // which the line already starts with: drop that repetition.
  const arc = new RegExp(`[,:]\\s*${from.replace(/[-]/g, '\\-')} → ${to.replace(/[-]/g, '\\-')}`);
  const own = why.trim().replace(arc, '');
  const reason = lang === 'en' ? (own !== '' ? esc(own) : table) : table;
  return m.transitionLine(m.side[side], esc(from), esc(to), reason);
}

/** Everything `--explain` says about one connection, keyed by the packet it belongs to. */
export function explainConnection(c: ConnectionRecord, m: Messages, lang: 'en' | 'zh', told: Told): ConnectionExplanations {
  const byPacket = new Map<number, string[]>();
  const atEnd: string[] = [];
  const placed: Array<[Topic, number | 'end']> = [];
  const add = (packet: number | 'end', line: string) => {
    if (packet === 'end') return void atEnd.push(line);
    const list = byPacket.get(packet);
    if (list) list.push(line);
    else byPacket.set(packet, [line]);
  };
  // Keyed by packet even when that packet is not drawn: the ladder tells those where it can
  // (a state change on a folded segment has a row of its own) and the rest at its end.
  for (const t of c.timeline) add(t.packet, transitionLine(m, lang, t.side, t.from, t.to, t.why, t.code));
  for (const [topic, where] of placeTopics(c)) {
    if (told.has(topic)) continue;
    told.add(topic);
    placed.push([topic, where]);
    add(where, topicText(m, topic, c));
  }
  return { byPacket, atEnd, placed };
}

/** The summary's explanations: what piles of TIME-WAIT or CLOSE-WAIT mean, when the capture has any. */
export function explainSummary(report: Report, m: Messages): string[] {
  const totals = report.totals ?? summaryTotals(report.connections);
  const ending = (state: TcpState) => totals.endingIn[state] ?? 0;
  const out: string[] = [];
  const tw = ending('TIME-WAIT');
  if (tw > 0) out.push(m.explain.pileTimeWait(tw));
  const cw = ending('CLOSE-WAIT');
  if (cw > 0) out.push(m.explain.pileCloseWait(cw));
  return out;
}

/**
 * A topic's paragraph; the unanswered SYN's says what this capture showed of the retransmission
 * timer (the gaps between SYNs and their shape, as the diagnostics judge it), not a textbook 1-2-4 s.
 */
function topicText(m: Messages, topic: Topic, c: ConnectionRecord): string {
  const text = m.explain[topic];
  if (typeof text !== 'string') return '';
  if (topic !== 'unanswered' || c.open.synRetransmits === null || c.open.synRetransmits.length === 0) return text;
  const re = c.open.synRetransmits;
  const gaps = re.map((t, i) => t - (i === 0 ? 0 : re[i - 1]!));
  return `${text} ${m.explain.synGaps(gaps.map((g) => `${g.toFixed(3)} s`).join(', '), backoffShape(gaps))}`;
}
