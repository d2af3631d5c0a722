/**
 * The text output: each connection drawn as a ladder between its two endpoints, as in a
 * textbook figure — the client's lifeline on the left, the server's on the right, one arrow per
 * opening or closing segment, each endpoint's state written beside its lifeline when it changes,
 * and the checks of each step under its arrow.
 *
 *      pkt      time         client                                          server
 *                            CLOSED │                                        │ LISTEN
 *        1  0.000000       SYN-SENT │ ── SYN seq=0 win=64240 len=0 ─────────►│ SYN-RECEIVED
 *                                   │    ISN x=1045370624 · mss 65495 · ws 7 │
 *
 * Addresses are in the connection's heading, not in the columns, so an IPv6 ladder is as wide
 * as an IPv4 one. The arrow area is as wide as the widest label of the connection.
 *
 * Pure: `(report, options) -> string`. Everything that came from the capture goes through `esc`.
 */
import type { Report } from '../diagnose/types.js';
import type {
  Check,
  CheckId,
  ConnectionRecord,
  DirectionSummary,
  EndpointRecord,
  NegotiatedOptions,
  SegmentRecord,
  Side,
  TcpState,
  Transition,
  TunnelHop,
} from '../tcp/model.js';
import { explainConnection, type ConnectionExplanations, type Told } from './explain.js';
import { displayWidth, duration, endpoint, esc, flagNames, int, isoTime, millis, padEnd, padStart, plainWidth, rel32, run, secs, wrap } from './format.js';
import { inputName, messages, type Lang, type Messages } from './messages.js';
import { makeStyle, type Style } from './style.js';
import { renderSummary } from './summary.js';
import { noteText } from './notes.js';

/** Options of the text renderers. */
export interface TextOptions {
  lang: Lang;
  /** Chalk colour level; 0 = none (pipes, golden files). */
  color: 0 | 1 | 2 | 3;
  /** Absolute sequence numbers instead of relative ones. */
  absolute: boolean;
  /** The model holds every segment (`--all`): draw them all, fold nothing. */
  all: boolean;
  /** Add the reason behind each step. */
  explain: boolean;
  /** MSL in seconds, to say when a TIME-WAIT left at the end of the capture expires. */
  mslSec: number;
  /** Connections in the input before a selection (`--conn`, `--filter`, …) kept only some. */
  totalConnections?: number;
  /**
   * Columns to fit (the terminal's, 80 in a pipe, or --width); 0 or absent: as wide as the content
   * needs (the API's default). The ladder's arrows get shorter and a segment's details move to the
   * line under its arrow; headings, notes and explanations wrap.
   */
  width?: number;
}

/** Defaults for callers that only care about some options (tests, the programmatic API). */
export const TEXT_DEFAULTS: TextOptions = { lang: 'en', color: 0, absolute: false, all: false, explain: false, mslSec: 30 };

/** Per-output state shared by the connections of one render (explanations told once). */
export interface TextContext {
  told: Told;
}

/** A new per-output context. */
export function newTextContext(): TextContext {
  return { told: new Set() };
}

/** Widest state name (SYN-RECEIVED) plus the basis marker. */
const STATE_W = 13;
/** Narrowest arrow area; wider when a label needs it, and with --explain (fewer wrapped lines). */
const MIN_AREA = 44;
const MIN_AREA_EXPLAIN = 64;
/** A heading on one line up to this width; longer (IPv6) ones are stacked. */
const HEADING_W = 80;
/** The narrowest arrow area a width may squeeze the ladder to (an arrow with its flags, a check). */
const MIN_AREA_FIT = 24;
/** Columns of the ladder outside the arrow area besides the packet and time columns: states, lifelines, margins. */
const LADDER_FIXED = 2 + 2 + 2 + STATE_W + 2 + 1 + 1 + STATE_W;

/** `text` onto `out` after `indent`, in lines within `width` columns (0: one line), continuations indented two more. */
function pushFit(out: string[], indent: string, text: string, width: number): void {
  if (width <= 0 || displayWidth(text) <= width) {
    out.push(indent + text);
    return;
  }
  const lines = wrap(text, width - 2);
  for (let i = 0; i < lines.length; i++) out.push(i === 0 ? indent + lines[i] : `${indent}  ${lines[i]}`);
}

/** Parts joined with ` · ` on as few lines as fit `width` (0: one line), each line after the first indented by `hang`. */
function joinFit(parts: string[], width: number, hang: string): string[] {
  const lines: string[] = [];
  let cur = '';
  // The plainWidth of `cur`: plain parts are measured alone and added up, the rest measured joined.
  let curW = -1;
  for (const p of parts) {
    const pW = width > 0 ? plainWidth(p) : -1;
    if (cur === '') {
      cur = p;
      curW = pW;
      continue;
    }
    const nextW = curW >= 0 && pW >= 0 ? curW + 3 + pW : -1;
    const next = `${cur} · ${p}`;
    if (width > 0 && (nextW >= 0 ? nextW : displayWidth(next)) > width) {
      lines.push(cur);
      cur = hang + p;
      const hangW = plainWidth(hang);
      curW = hangW >= 0 && pW >= 0 ? hangW + pW : -1;
    } else {
      cur = next;
      curW = nextW;
    }
  }
  lines.push(cur);
  return lines;
}
/** Both sides, in the order the ladder draws them. */
const SIDES = ['client', 'server'] as const;

/** Indent of the lines under a connection's heading. */
const IND = '    ';

/** Checks whose numbers are acknowledgment numbers (shown relative to the ack's base). */
const ACK_CHECKS: ReadonlySet<CheckId> = new Set(['synack-acks-isn', 'handshake-ack-acks-isn', 'syn-consumes-one', 'fin-consumes-one', 'fin-acked']);

/** A connection's ladder as rows, and where its opening ends. */
interface Ladder {
  rows: Row[];
  /** Packets whose explanations found a row (the rest go under the ladder). */
  told: Set<number>;
  /** Index of the first row after the opening exchange (`rows.slice(0, split)` is the opening). */
  split: number;
  /** Both states as the opening left them (the cells of the row a separately printed rest starts with). */
  resume: { c: string; s: string };
  /** Packets of the segments drawn. */
  shown: Set<number>;
}

/**
 * One row of a ladder, or the lines it wraps into. `w` is the plainWidth of its label or text (`ws`
 * of each item): measured once, for the geometry and for padding the lines drawn from it.
 */
type Row =
  | { kind: 'seg'; seg: SegmentRecord; pkt: string; time: string; c: string; s: string; label: string; w: number }
  | { kind: 'sub'; text: string; w: number; paint: (s: string) => string; explain?: boolean }
  /** Short items (passed checks) packed side by side, as many per line as fit. */
  | { kind: 'items'; items: string[]; ws: number[]; sep: string; paint: (s: string) => string }
  | { kind: 'fold'; text: string; w: number; dir: Side | null }
  /** A state change on a segment that is not drawn (folded data, a mid-stream start). */
  | { kind: 'change'; pkt: string; time: string; c: string; s: string; text: string; w: number }
  | { kind: 'states'; c: string; s: string; text: string; edge: 'top' | 'bottom' };

/** A row of text under an arrow. */
function subRow(text: string, paint: (s: string) => string, explain = false): Row {
  return explain ? { kind: 'sub', text, w: plainWidth(text), paint, explain } : { kind: 'sub', text, w: plainWidth(text), paint };
}

/** A fold row: what happened between the drawn segments, sent by `dir` (null: both, or none). */
function foldLine(text: string, dir: Side | null): Row {
  return { kind: 'fold', text, w: plainWidth(text), dir };
}

/** Short items packed side by side. */
function itemsRow(items: string[], sep: string, paint: (s: string) => string): Row {
  return { kind: 'items', items, ws: items.map(plainWidth), sep, paint };
}

/** The input's one-line heading: path, format, link types, counts. */
/** The connections of an input, and how many of them are shown when a selection hid some. */
function connCounts(report: Report, opts: TextOptions): { conns: number; shown?: number } {
  const selected = report.totals ? report.summary.connections : report.connections.length;
  const all = opts.totalConnections ?? report.totals?.all;
  if (all === undefined || opts.totalConnections === undefined || all === selected) return { conns: selected };
  return { conns: all, shown: selected };
}

export function renderInputLine(report: Report, opts: TextOptions): string {
  const m = messages(opts.lang);
  const st = makeStyle(opts.color);
  const i = report.input;
  const width = opts.width ?? 0;
  const line = m.inputLine({
    path: inputName(i.path, m),
    // "pcap (gzip)": the file as it was, and what it was read through.
    format: esc(i.compression ? `${i.format} (${i.compression})` : i.format),
    links: i.linkTypes.map(esc).join(', '),
    packets: int(i.packets),
    segments: int(i.tcpSegments),
    // The input's connections, and how many a selection kept when it hid some.
    ...connCounts(report, opts),
  });
  // Too long for the width: broken at its " · " separators, the rest indented.
  return (
    joinFit(line.split(' · '), width, '    ')
      .map((l) => st.head(l))
      .join('\n') + '\n'
  );
}

/**
 * The heading of an input whose connections are printed as they end (more than `held` of them):
 * its counts are not known yet, so renderInputLine follows before the summary.
 */
export function renderStreamLine(path: string, held: number, opts: TextOptions): string {
  const m = messages(opts.lang);
  return makeStyle(opts.color).head(m.streamLine({ path: inputName(path, m), held: int(held) })) + '\n\n';
}

/**
 * The whole text output for one input in pieces (heading, one ladder per connection, the
 * summary), to be written one after another: a big capture's output is longer than the longest
 * string V8 can build.
 */
export function* textChunks(report: Report, opts: TextOptions, ctx: TextContext = newTextContext()): Generator<string, void, undefined> {
  yield* textDocument(report, opts, report.connections.length, ladders(report.connections, opts, ctx));
}

/** Each connection's ladder, as textChunks writes it. */
function* ladders(connections: ConnectionRecord[], opts: TextOptions, ctx: TextContext): Generator<string, void, undefined> {
  for (const c of connections) yield renderConnectionEntry(c, opts, ctx);
}

/**
 * textChunks with the ladders given, already rendered (`count` of them, each as textChunks
 * writes it: renderConnectionEntry's text), in any form the writer takes (the threads of
 * `--threads` send them as UTF-8 bytes).
 */
export function* textDocument<T>(report: Report, opts: TextOptions, count: number, connections: Iterable<T>): Generator<string | T, void, undefined> {
  const m = messages(opts.lang);
  yield renderInputLine(report, opts) + '\n';
  if (count === 0) yield `${IND}${m.noConnections}\n\n`;
  yield* connections;
  yield renderSummary(report, opts);
}

/** The whole text output for one input: heading, one ladder per connection, then the summary. */
export function renderText(report: Report, opts: TextOptions, ctx: TextContext = newTextContext()): string {
  let out = '';
  for (const chunk of textChunks(report, opts, ctx)) out += chunk;
  return out;
}

/** A state as written beside a lifeline, with a marker when it is not observed. */
export function stateCell(state: TcpState, basis: EndpointRecord['stateBasis'] = 'observed'): string {
  return esc(state) + (basis === 'inferred' ? '*' : basis === 'unseen' ? '?' : '');
}

/** Options as a short list: "mss 1460 · ws 7 · sack · ts". */
function optionList(o: NegotiatedOptions | null, m: Messages): string[] {
  if (!o) return [];
  const out: string[] = [];
  if (o.mss !== null) out.push(`mss ${o.mss}`);
  if (o.wscale !== null) out.push(`ws ${o.wscale}`);
  if (o.sackPermitted) out.push('sack');
  if (o.timestamps) out.push('ts');
  if (o.fastOpenCookie !== null) out.push(m.cookie(esc(o.fastOpenCookie)));
  return out;
}

/** The arrow's label: "SYN+ACK seq=0 ack=1 win=65160 len=0". */
export function segLabel(s: SegmentRecord, absolute: boolean): string {
  const seq = absolute ? s.seq : s.relSeq;
  const ack = absolute ? s.ack : s.relAck;
  return `${flagNames(s.flags)} seq=${seq}${ack !== null ? ` ack=${ack}` : ''} win=${s.window} len=${s.len}`;
}

/** The plainWidth of a segment's label: its length when its flag names are plain (the rest is words and numbers in ASCII). */
function labelWidth(s: SegmentRecord, label: string): number {
  return plainWidth(flagNames(s.flags)) >= 0 ? label.length : plainWidth(label);
}

/** A check's number in the same frame as the segment's label (relative unless --absolute). */
function checkNumber(k: Check, v: number, seg: SegmentRecord | undefined, absolute: boolean): string {
  if (absolute || !seg) return String(v);
  const ackBase = seg.ack !== null && seg.relAck !== null ? rel32(seg.ack, seg.relAck) : null;
  const seqBase = rel32(seg.seq, seg.relSeq);
  if (k.actual === seg.ack && ackBase !== null) return String(rel32(v, ackBase));
  if (k.actual === seg.seq) return String(rel32(v, seqBase));
  if (ACK_CHECKS.has(k.id) && ackBase !== null) return String(rel32(v, ackBase));
  if (k.id === 'rst-in-window') return String(rel32(v, seqBase));
  return String(v);
}

/**
 * A check's label. The handshake's ack checks say what they expected from the check itself
 * (ISN + 1 + the SYN's data: "ack=x+101" after a Fast Open SYN with 100 bytes), not the usual +1.
 */
function checkLabel(k: Check, c: ConnectionRecord, m: Messages): string {
  const of: Side | null = k.id === 'synack-acks-isn' ? 'client' : k.id === 'handshake-ack-acks-isn' ? 'server' : null;
  const isn = of === null ? null : c[of].isn;
  if (of !== null && isn !== null && k.expected !== null) {
    return m.ackOfIsn(of === 'client' ? 'x' : 'y', String(rel32(k.expected, isn)));
  }
  return m.check[k.id] ?? esc(k.id);
}

/** "label ✓" by label: the same few texts under every ladder, each made once (however many labels come, a bounded number kept). */
const PASSED = new Map<string, string>();
const PASSED_MAX = 4096;

/** A passed check's text. */
function passed(label: string): string {
  let text = PASSED.get(label);
  if (text === undefined) {
    text = `${label} ✓`;
    if (PASSED.size < PASSED_MAX) PASSED.set(label, text);
  }
  return text;
}

/** A check as written under its arrow: "ack=x+1 ✓" or "ack=x+1 ✗ expected 1, got 0". */
export function checkText(k: Check, c: ConnectionRecord, seg: SegmentRecord | undefined, m: Messages, absolute: boolean): string {
  const label = checkLabel(k, c, m);
  if (k.ok && k.id === 'syn-no-data' && seg !== undefined && seg.len > 0) return passed(m.synDataFastOpen);
  if (k.ok) return passed(label);
  if (k.expected !== null && k.actual !== null) {
    return `${label} ✗ ${m.expectedGot(checkNumber(k, k.expected, seg, absolute), checkNumber(k, k.actual, seg, absolute))}`;
  }
  // The model's message is English: another language says it from the check's id and numbers.
  const words = m.checkMissing(k.id, k.expected === null ? null : checkNumber(k, k.expected, seg, absolute));
  return `${label} ✗ ${words ?? esc(k.message)}`;
}

/** "#4–#15" for a folded range. */
function packetRange(d: DirectionSummary): string {
  if (d.firstPacket === null) return '';
  return d.lastPacket === null || d.lastPacket === d.firstPacket ? `#${d.firstPacket}` : `#${d.firstPacket}–#${d.lastPacket}`;
}

/** Where the data fold goes: before the first closing segment, or at the end. */
function foldIndex(c: ConnectionRecord): number {
  const closing = new Set(c.close.packets);
  const i = c.segments.findIndex((s) => closing.has(s.packet));
  return i < 0 ? c.segments.length : i;
}

/** Whether the connection reached the point where data could flow (a fold line makes sense). */
function carriesData(c: ConnectionRecord): boolean {
  const d = c.data.client.segments + c.data.server.segments;
  return d > 0 || ['three-way', 'simultaneous', 'fast-open', 'mid-stream'].includes(c.open.kind);
}

/** Initial state of one side: the `from` of its first transition, else its state after the first segment. */
export function initialState(c: ConnectionRecord, side: Side): TcpState {
  const t = c.timeline.find((x) => x.side === side);
  if (t) return t.from;
  const s = c.segments[0];
  return s ? s[side] : c[side].state;
}

/** The connection's number and addresses onto `out`: one line, or two when they are long (IPv6). */
function addressLines(c: ConnectionRecord, st: Style, out: string[], width = 0): void {
  const id = `#${c.id}`;
  const cl = endpoint(c.client.ip, c.client.port);
  const sv = endpoint(c.server.ip, c.server.port);
  const one = `${id}  ${cl} ⇄ ${sv}`;
  if (displayWidth(one) <= (width > 0 ? Math.min(width, HEADING_W) : HEADING_W)) out.push(st.head(one));
  else out.push(st.head(`${id}  ${cl}`), st.head(`${' '.repeat(id.length)}⇄ ${sv}`));
}

/** The opening kind as the heading writes it (the unusual ones stand out). */
function openText(c: ConnectionRecord, m: Messages, st: Style): string {
  const unusual = ['refused', 'unanswered', 'incomplete'].includes(c.open.kind);
  return unusual ? st.warn(m.openKind[c.open.kind]) : m.openKind[c.open.kind];
}

/** What a tunnel's id is called, by type (the words of the protocols' own specifications). */
const TUNNEL_ID_NAME: Record<string, string> = { vxlan: 'vni', geneve: 'vni', gre: 'key', 'gre-udp': 'key', erspan: 'session', 'gtp-u': 'teid' };

/** One tunnel hop as the heading writes it: `vxlan vni 42 (198.18.0.1 -> 198.18.0.2)`. */
export function tunnelHopText(h: TunnelHop): string {
  const id = h.id === null ? '' : ` ${TUNNEL_ID_NAME[h.type] ?? 'id'} ${h.id}`;
  return `${esc(h.type)}${id} (${esc(h.outer)})`;
}

/** The heading's tunnel line onto `out` (none for a connection outside tunnels). */
function tunnelLines(c: ConnectionRecord, m: Messages, st: Style, out: string[]): void {
  if (c.tunnel === null || c.tunnel.length === 0) return;
  out.push(st.dim(`${IND}${m.via(c.tunnel.map(tunnelHopText).join(' › '))}`));
}

/** The heading of a connection's opening alone (live capture) onto `out`: addresses, tunnels, opening kind, start. */
function openingHeading(c: ConnectionRecord, m: Messages, st: Style, out: string[]): void {
  addressLines(c, st, out);
  tunnelLines(c, m, st, out);
  out.push(`${IND}${openText(c, m, st)} · ${m.started(isoTime(c.start))}`);
}

/** The connection's heading onto `lines`: addresses, kinds, counts, final states. */
function heading(c: ConnectionRecord, m: Messages, st: Style, lines: string[], width = 0): void {
  addressLines(c, st, lines, width);
  tunnelLines(c, m, st, lines);
  const open = openText(c, m, st);
  let close: string = m.closeKind[c.close.kind];
  // Who sent the first FIN/RST (close.initiator); for a reset, who sent the RST (close.reset.by),
  // and both when a FIN of one side came before the other's RST.
  const init = c.close.initiator;
  const rst = c.close.kind === 'reset' ? (c.close.reset?.by ?? null) : null;
  if (rst !== null && init !== null && rst !== init) close += m.resetAfterFin(m.side[rst], m.side[init]);
  else if (rst !== null) close += m.closeFirst(m.side[rst]);
  else if (init && c.close.kind !== 'none' && c.close.kind !== 'simultaneous') close += m.closeFirst(m.side[init]);
  if (c.close.kind === 'reset') close = st.warn(close);
  const span = duration(Math.max(0, c.end - c.start));
  for (const l of joinFit([open, close, m.packetsIn(int(c.packets), span), `zeek ${esc(c.zeek.conn_state)} ${esc(c.zeek.history)}`], width - IND.length, '')) {
    lines.push(IND + l);
  }
  const ends = m.ends(st.state(stateCell(c.client.state, c.client.stateBasis)), st.state(stateCell(c.server.state, c.server.stateBasis)));
  for (const l of joinFit([m.started(isoTime(c.start)), ends], width - IND.length, '')) lines.push(IND + l);
}

/** The SYN whose ISN and options each side last had shown under its arrow. */
export type ShownSyns = Partial<Record<Side, SegmentRecord>>;

/** Whether two SYNs of a side say the same: sequence number and options. */
function sameSyn(a: SegmentRecord, b: SegmentRecord): boolean {
  return String(a.seq) === String(b.seq) && JSON.stringify(a.options ?? {}) === JSON.stringify(b.options ?? {});
}

/**
 * The ISN and options of a side's SYN, pushed onto `info` (the ladder's and the SVG ladder's words
 * under an arrow); a retransmitted SYN identical to the one last shown (`shownSyn`) adds nothing.
 */
export function synInfo(c: ConnectionRecord, s: SegmentRecord, m: Messages, shownSyn: ShownSyns, info: string[]): void {
  // The flags first, and the options compared only with a SYN shown before (a side's first one has
  // none): a key of them (a JSON text) made for every segment was 6% of rendering a ladder.
  if (!s.flags.includes('S')) return;
  const last = shownSyn[s.from];
  if (last !== undefined && sameSyn(last, s)) return;
  shownSyn[s.from] = s;
  const isn = c[s.from].isn;
  if (isn !== null) info.push(m.isn(s.from === 'client' ? 'x' : 'y', String(isn)));
  for (const o of optionList(s.options, m)) info.push(o);
}

/** Sub-rows under one arrow onto `rows`: ISN and options, SACK blocks, analysis flags, checks. */
function subRows(
  c: ConnectionRecord,
  s: SegmentRecord,
  checks: Check[] | undefined,
  m: Messages,
  st: Style,
  opts: TextOptions,
  shownSyn: ShownSyns,
  rows: Row[],
): void {
  const info: string[] = [];
  synInfo(c, s, m, shownSyn, info);
  if (s.options?.sack && s.options.sack.length > 0) {
    const base = !opts.absolute && s.ack !== null && s.relAck !== null ? rel32(s.ack, s.relAck) : 0;
    info.push(`sack ${s.options.sack.map(([l, r]) => `${rel32(l, base)}–${rel32(r, base)}`).join(' ')}`);
  }
  if (info.length > 0) rows.push(itemsRow(info, ' · ', st.dim));
  if (s.analysis.length > 0) {
    rows.push(subRow(s.analysis.map((a) => m.analysis[a] ?? esc(a)).join(' · '), st.warn));
  }
  if (checks === undefined) return;
  // Passed checks packed side by side, then each failed one on a line of its own.
  let ok: string[] | null = null;
  for (const k of checks) if (k.ok) (ok ??= []).push(checkText(k, c, s, m, opts.absolute));
  if (ok !== null) rows.push(itemsRow(ok, '   ', st.ok));
  for (const k of checks) if (!k.ok) rows.push(subRow(checkText(k, c, s, m, opts.absolute), st.bad));
}

/** One folded direction: "──► 12 segments · 1,200 bytes · #4–#15". */
function foldRow(d: DirectionSummary, dir: Side, m: Messages): Row {
  return foldLine(m.fold({ segments: d.segments, segmentsText: int(d.segments), bytes: int(d.bytes), retrans: d.retransmissions, range: packetRange(d) }), dir);
}

/** The last transition of `side` into `state`, if any. */
function lastEntry(c: ConnectionRecord, side: Side, state: TcpState): Transition | undefined {
  for (let i = c.timeline.length - 1; i >= 0; i--) {
    const t = c.timeline[i]!;
    if (t.side === side && t.to === state) return t;
  }
  return undefined;
}

/** The sentences under a ladder: options, RTT, unusual exchanges in words, the model's notes. */
function notes(c: ConnectionRecord, m: Messages, opts: TextOptions, st: Style): string[] {
  const lines: string[] = [];
  const who = (side: Side) => ({ by: m.theSide[side], other: m.theSide[side === 'client' ? 'server' : 'client'] });
  const co = optionList(c.client.options, m);
  const so = optionList(c.server.options, m);
  const labelW = Math.max(displayWidth(m.optionsLabel), displayWidth(m.inUseLabel), displayWidth(m.rttLabel));
  const lab = (s: string) => st.dim(padEnd(s, labelW));
  if (co.length > 0 || so.length > 0) {
    lines.push(`${lab(m.optionsLabel)}  ${m.optionsOf(m.side.client, co.join(' · ') || m.none)}`);
    lines.push(`${padEnd('', labelW)}  ${m.optionsOf(m.side.server, so.join(' · ') || m.none)}`);
    const inUse: string[] = [];
    // RFC 7323 §1.3, RFC 2018 §2: an option is in use only when both SYNs carried it.
    if (c.client.options.wscale !== null && c.server.options.wscale !== null) inUse.push(m.inUse.ws);
    if (c.client.options.sackPermitted && c.server.options.sackPermitted) inUse.push(m.inUse.sack);
    if (c.client.options.timestamps && c.server.options.timestamps) inUse.push(m.inUse.ts);
    if (inUse.length > 0) lines.push(`${lab(m.inUseLabel)}  ${inUse.join(' · ')}`);
  }
  if (c.open.rttMs !== null) lines.push(`${lab(m.rttLabel)}  ${millis(c.open.rttMs)}`);

  const words: string[] = [];
  const w = m.words;
  const times = (list: number[] | null) => (list ?? []).map((t) => `+${t.toFixed(3)} s`).join(', ');
  switch (c.open.kind) {
    case 'simultaneous':
      // Neither side listened: the record's client is the first SYN's sender.
      words.push(w.simultaneousOpen(endpoint(c.client.ip, c.client.port), endpoint(c.server.ip, c.server.port)));
      break;
    case 'fast-open': {
      const syn = c.segments.find((s) => s.from === 'client' && s.flags.includes('S'));
      words.push(w.fastOpen(int(syn?.len ?? 0), m.cookie(esc(c.client.options.fastOpenCookie ?? ''))));
      break;
    }
    case 'refused':
      words.push(w.refused(c.server.port));
      break;
    case 'unanswered': {
      const syns = c.segments.filter((s) => s.from === 'client' && s.flags.includes('S')).length;
      words.push(w.unanswered(Math.max(syns, 1 + (c.open.synRetransmits?.length ?? 0)), times(c.open.synRetransmits)));
      break;
    }
    case 'incomplete':
      words.push(w.incomplete);
      break;
    case 'mid-stream':
      words.push(w.midStream(esc(c.open.heuristic ?? '')));
      break;
    default:
      if (c.open.synRetransmits && c.open.synRetransmits.length > 0) words.push(w.slowOpen(times(c.open.synRetransmits)));
  }
  if (c.client.options.fastOpenCookie === '' && c.server.options.fastOpenCookie) words.push(w.cookieIssued);
  const init = c.close.initiator;
  switch (c.close.kind) {
    case 'four-way':
      if (init) words.push(w.fourWay(who(init)));
      break;
    case 'three-segment':
      if (init) words.push(w.threeSegment(who(init)));
      break;
    case 'simultaneous':
      words.push(w.simultaneousClose);
      break;
    case 'reset': {
      const r = c.close.reset;
      if (r) words.push(w.reset(who(r.by), esc(r.state), r.packet));
      else if (init) words.push(w.resetBy(who(init)));
      break;
    }
    case 'half-closed':
      if (init) words.push(w.halfClosed(who(init)));
      break;
    case 'none':
      if (!['refused', 'unanswered'].includes(c.open.kind)) words.push(w.notClosed);
      break;
  }
  if (c.close.dataAfterFin > 0 && init) words.push(w.dataAfterFin(who(init), int(c.close.dataAfterFin)));
  if (c.reusedFrom !== null) words.push(w.reused(c.reusedFrom));
  // The model's notes tell when TIME-WAIT expires and which side was never seen (they are worded
  // in the output's language below); these sentences say it only for a record without notes.
  const modelTells = c.notes.length > 0;
  for (const side of ['client', 'server'] as const) {
    const e = c[side];
    if (e.state === 'CLOSE-WAIT') words.push(w.endCloseWait(who(side)));
    else if (e.state === 'TIME-WAIT' && modelTells) {
      // said by the model's note
    } else if (e.state === 'TIME-WAIT') {
      const entered = lastEntry(c, side, 'TIME-WAIT');
      if (entered) {
        const msl2 = 2 * opts.mslSec;
        words.push(w.endTimeWait(who(side), `+${secs(entered.time + msl2)} s`, `${Number(msl2.toFixed(3))} s`, entered.packet));
      } else words.push(w.endState(who(side), 'TIME-WAIT'));
    } else if (!['CLOSED', 'ESTABLISHED', 'LISTEN'].includes(e.state) && c.close.kind !== 'half-closed') {
      words.push(w.endState(who(side), esc(e.state)));
    }
    if (e.stateBasis === 'inferred') words.push(w.basisInferred(who(side), esc(e.state)));
    else if (e.stateBasis === 'unseen' && !modelTells) words.push(w.basisUnseen(who(side), esc(e.state)));
  }
  // First letter up for sentences that start with a side ("the client’s …").
  for (const s of words) lines.push(s.charAt(0).toUpperCase() + s.slice(1));
  for (const n of c.notes) lines.push(esc(noteText(n, opts.lang)));
  return lines;
}

/**
 * The ladder's rows in order: initial states, each drawn segment with what goes under it, folds
 * and state changes on segments not drawn where they belong, final states. Also which packets'
 * explanations found a place (the rest go under the ladder).
 */
function ladderRows(c: ConnectionRecord, opts: TextOptions, m: Messages, st: Style, ex: ConnectionExplanations | null): Ladder {
  const shown = new Set<number>();
  for (const s of c.segments) shown.add(s.packet);
  const checksAt = new Map<number, Check[]>();
  for (const k of c.checks) {
    const list = checksAt.get(k.packet);
    if (list) list.push(k);
    else checksAt.set(k.packet, [k]);
  }

  const rows: Row[] = [];
  let prevC = initialState(c, 'client');
  let prevS = initialState(c, 'server');
  rows.push({ kind: 'states', c: stateCell(prevC), s: stateCell(prevS), text: '', edge: 'top' });
  // Rows up to the last packet of the opening exchange (the first packet, for a mid-stream start)
  // are the opening; the first row past it (a fold, a later segment, the end) starts the rest.
  const openEnd = c.open.packets.length > 0 ? c.open.packets.reduce((a, b) => Math.max(a, b)) : (c.timeline[0]?.packet ?? 0);
  let split = -1;
  let resume = { c: '', s: '' };
  const closingStarts = () => {
    if (split >= 0) return;
    split = rows.length;
    resume = { c: stateCell(prevC), s: stateCell(prevS) };
  };
  const fold = opts.all ? -1 : foldIndex(c);
  const shownSyn: ShownSyns = {};
  const pushFold = () => {
    if (!carriesData(c)) return;
    closingStarts();
    const before = rows.length;
    if (c.data.client.segments > 0) rows.push(foldRow(c.data.client, 'client', m));
    if (c.data.server.segments > 0) rows.push(foldRow(c.data.server, 'server', m));
    if (rows.length === before) rows.push(foldLine(m.foldNoData, null));
    if (c.keepAlive && c.keepAlive.probes > 0) {
      const iv = c.keepAlive.intervalSec;
      rows.push(foldLine(m.keepAlive(c.keepAlive.probes, iv === null ? null : duration(iv)), null));
    }
  };
  // State changes on packets not drawn get a row of their own, in packet order.
  const hidden = c.timeline.filter((t) => !shown.has(t.packet)).sort((a, b) => a.packet - b.packet);
  const told = new Set<number>();
  const explainRows = (packet: number) => {
    told.add(packet);
    for (const line of ex?.byPacket.get(packet) ?? []) rows.push(subRow(line, st.dim, true));
  };
  const flushHidden = (before: number) => {
    while (hidden.length > 0 && hidden[0]!.packet < before) {
      const packet = hidden[0]!.packet;
      let cs = prevC;
      let ss = prevS;
      let time = 0;
      if (packet > openEnd) closingStarts();
      while (hidden.length > 0 && hidden[0]!.packet === packet) {
        const t = hidden.shift()!;
        if (t.side === 'client') cs = t.to;
        else ss = t.to;
        time = t.time;
      }
      rows.push({
        kind: 'change',
        pkt: String(packet),
        time: secs(time),
        c: cs !== prevC ? stateCell(cs) : '',
        s: ss !== prevS ? stateCell(ss) : '',
        text: m.notDrawn,
        w: plainWidth(m.notDrawn),
      });
      prevC = cs;
      prevS = ss;
      explainRows(packet);
    }
  };
  // A half-close in use: the passive side's data after the FIN is folded too, but where it
  // happened — after the FIN's ACK, before the first drawn segment past its last packet.
  let afterFin: { before: number; row: Row } | null = null;
  const init = c.close.initiator;
  if (!opts.all && init && c.close.dataAfterFin > 0) {
    const sender: Side = init === 'client' ? 'server' : 'client';
    const last = c.data[sender].lastPacket;
    const firstClose = c.close.packets.reduce((a, b) => Math.min(a, b), Infinity);
    if (last !== null && last > firstClose) {
      afterFin = {
        before: last,
        row: foldLine(m.afterFin(int(c.close.dataAfterFin), m.theSide[init], last), sender),
      };
    }
  }
  const flushAfterFin = (packet: number) => {
    if (afterFin && packet > afterFin.before) {
      closingStarts();
      rows.push(afterFin.row);
      afterFin = null;
    }
  };
  for (let i = 0; i < c.segments.length; i++) {
    const s = c.segments[i]!;
    flushHidden(s.packet);
    flushAfterFin(s.packet);
    if (i === fold) pushFold();
    if (s.packet > openEnd) closingStarts();
    const label = segLabel(s, opts.absolute);
    rows.push({
      kind: 'seg',
      seg: s,
      pkt: String(s.packet),
      time: secs(s.time),
      c: s.client !== prevC ? stateCell(s.client) : '',
      s: s.server !== prevS ? stateCell(s.server) : '',
      label,
      w: labelWidth(s, label),
    });
    prevC = s.client;
    prevS = s.server;
    // Two changes of one side on one segment (FIN-WAIT-1 → CLOSING when FINs cross) would show
    // only the last state beside the lifeline: spell the path out (--explain lists each change anyway).
    if (!opts.explain) {
      for (const side of SIDES) {
        // Counted first: nearly every segment changes a side's state once at most, and a list per
        // segment and side was a tenth of what drawing a ladder allocated.
        let n = 0;
        for (const t of c.timeline) if (t.packet === s.packet && t.side === side) n++;
        if (n < 2) continue;
        const steps = c.timeline.filter((t) => t.packet === s.packet && t.side === side);
        const path = [steps[0]!.from, ...steps.map((t) => t.to)].map(esc).join(' → ');
        rows.push(subRow(`${m.side[side]} ${path}`, st.state));
      }
    }
    subRows(c, s, checksAt.get(s.packet), m, st, opts, shownSyn, rows);
    explainRows(s.packet);
  }
  flushHidden(Infinity);
  flushAfterFin(Infinity);
  if (fold === c.segments.length) pushFold();
  closingStarts();
  rows.push({
    kind: 'states',
    c: stateCell(c.client.state, c.client.stateBasis),
    s: stateCell(c.server.state, c.server.stateBasis),
    text: m.endOfCapture,
    edge: 'bottom',
  });
  return { rows, told, split, resume, shown };
}

/**
 * A ladder's lines as they are drawn, with what every row shares: the columns' widths, the
 * lifelines and the blank lead, made once per ladder.
 */
class LadderLines {
  /** The lead of a row without packet and time. */
  readonly blank: string;
  /** The lead and empty state column of a row with nothing beside its lifelines. */
  private readonly innerLeft: string;
  /** The lifeline, and the same after a space (left of a row's cell). */
  readonly bar: string;
  readonly barL: string;
  private readonly dotted: string;
  private readonly dottedL: string;

  constructor(
    readonly out: string[],
    readonly st: Style,
    readonly area: number,
    private readonly pktW: number,
    private readonly timeW: number,
  ) {
    this.blank = `  ${run(' ', pktW)}  ${run(' ', timeW)}  `;
    this.innerLeft = this.blank + run(' ', STATE_W);
    this.bar = st.dim('│');
    this.barL = ` ${this.bar}`;
    this.dotted = st.dim('┆');
    this.dottedL = ` ${this.dotted}`;
  }

  /** A row's packet and time columns (both of digits: as many columns as characters). */
  lead(pkt: string, time: string): string {
    return `  ${run(' ', this.pktW - pkt.length)}${pkt}  ${run(' ', this.timeW - time.length)}${time}  `;
  }

  /** The state written left of the client's lifeline (right-aligned), or blanks. */
  stateL(s: string): string {
    return s ? run(' ', STATE_W - displayWidth(s)) + this.st.state(s) : run(' ', STATE_W);
  }

  /** The state written right of the server's lifeline, if any. */
  stateR(s: string): string {
    return s ? ` ${this.st.state(s)}` : '';
  }

  /** A row: `left` (lead and state), then `cell` (`cellW` columns, or -1: measured here) padded to the area between two `edge`s, then `right`. */
  row(left: string, edge: '│' | '┆', cell: string, cellW: number, right: string): void {
    const w = cellW >= 0 ? cellW : displayWidth(cell);
    const pad = run(' ', this.area - w);
    this.out.push(edge === '│' ? `${left}${this.barL}${cell}${pad}${this.bar}${right}` : `${left}${this.dottedL}${cell}${pad}${this.dotted}${right}`);
  }

  /** A row with nothing in the side columns: `cell` (`cellW` columns, or -1: measured here) between two lifelines drawn with `edge`. */
  inner(cell: string, cellW: number, edge: '│' | '┆' = '│'): void {
    this.row(this.innerLeft, edge, cell, cellW, '');
  }
}

/** Columns of `text` whose plainWidth is `plainW`: that, or measured when the text is not plain. */
function columns(text: string, plainW: number): number {
  return plainW >= 0 ? plainW : displayWidth(text);
}

/** Columns of a cell: a plain prefix of `prefixW` columns and text of plainWidth `textW`; -1 (to be measured) when the text is not plain. */
function cellWidth(prefixW: number, textW: number): number {
  return textW < 0 ? -1 : prefixW + textW;
}

/** The plainWidth of a line a row's text was wrapped into: the row's when it is the text itself. */
function lineWidth(line: string, text: string, textW: number): number {
  return line === text ? textW : plainWidth(line);
}

/**
 * Draws the rows onto `out`: a header line, then two lifelines with the arrows and notes between them.
 * The geometry fits `measure` (by default the rows themselves), so a part of a ladder printed on
 * its own can line up with the rest of it.
 */
function drawLadder(rows: Row[], opts: TextOptions, m: Messages, st: Style, out: string[], measure: Row[] = rows): void {
  // Geometry: the arrow area fits the widest label; explanations wrap to it.
  let area = opts.explain ? MIN_AREA_EXPLAIN : MIN_AREA;
  for (const r of measure) {
    if (r.kind === 'seg') area = Math.max(area, columns(r.label, r.w) + 8);
    else if (r.kind === 'sub' && !r.explain) area = Math.max(area, columns(r.text, r.w) + 4);
    else if (r.kind === 'fold') area = Math.max(area, columns(r.text, r.w) + 9);
    else if (r.kind === 'change') area = Math.max(area, columns(r.text, r.w) + 4);
    else if (r.kind === 'items') for (let i = 0; i < r.items.length; i++) area = Math.max(area, columns(r.items[i]!, r.ws[i]!) + 4);
  }
  // Both kinds of row with a packet number and time (a mid-stream opening has only a 'change').
  // A loop, not Math.max(...rows): with --all there is a row per segment, and a spread of 100,000
  // arguments overflows the stack.
  let pktW = displayWidth(m.col.pkt);
  let timeW = displayWidth(m.col.time);
  for (const r of measure) {
    if (r.kind !== 'seg' && r.kind !== 'change') continue;
    pktW = Math.max(pktW, r.pkt.length);
    timeW = Math.max(timeW, r.time.length);
  }
  // A width to fit: the area gives way first, down to MIN_AREA_FIT (labels then split, below).
  const width = opts.width ?? 0;
  if (width > 0) area = Math.max(MIN_AREA_FIT, Math.min(area, width - LADDER_FIXED - pktW - timeW));
  const L = new LadderLines(out, st, area, pktW, timeW);
  const header = `  ${padStart(m.col.pkt, pktW)}  ${padStart(m.col.time, timeW)}  ${padStart(m.side.client, STATE_W)}  ${run(' ', area)}  ${m.side.server}`;
  out.push(st.dim(header).trimEnd());
  for (const r of rows) {
    switch (r.kind) {
      case 'states': {
        const edge = st.dim(r.edge === 'top' ? '│' : '╵');
        const mid = r.text ? st.dim(padEnd(`   ${r.text}`, area)) : run(' ', area);
        out.push(`${L.blank}${L.stateL(r.c)} ${edge}${mid}${edge}${L.stateR(r.s)}`);
        break;
      }
      case 'seg': {
        const paint = r.seg.from === 'client' ? st.client : st.server;
        // Too long for the arrow: the flags stay on it, the numbers go on the line under it.
        let label = r.label;
        let labelW = columns(label, r.w);
        let details: string[] | null = null;
        if (labelW + 8 > area) {
          const cut = label.indexOf(' ');
          if (cut > 0) {
            details = wrap(label.slice(cut + 1), area - 4);
            label = label.slice(0, cut);
            labelW = displayWidth(label);
          }
        }
        const fill = run('─', Math.max(1, area - labelW - 5));
        const body = r.seg.from === 'client' ? `── ${label} ${fill}►` : `◄${fill} ${label} ──`;
        out.push(`${L.lead(r.pkt, r.time)}${L.stateL(r.c)}${L.barL}${paint(body)}${L.bar}${L.stateR(r.s)}`);
        if (details !== null) for (const d of details) L.inner(`   ${paint(d)}`, cellWidth(3, plainWidth(d)));
        break;
      }
      case 'sub': {
        const texts = r.explain || width > 0 ? wrap(r.text, area - 5) : [r.text];
        for (let i = 0; i < texts.length; i++) {
          const t = texts[i]!;
          const prefix = r.explain && i === 0 ? ' ↳ ' : '   ';
          L.inner(`${prefix}${r.paint(t)}`, cellWidth(3, lineWidth(t, r.text, r.w)));
        }
        break;
      }
      case 'items': {
        // Greedy packing: as many items per line as fit, a new line when the next would not.
        const sepPlain = plainWidth(r.sep);
        const sepW = columns(r.sep, sepPlain);
        let line = '';
        let n = 0;
        let w = 0;
        // Whether the line's items and separators are all plain (then `w` is its plainWidth).
        let plain = true;
        for (let i = 0; i < r.items.length; i++) {
          const it = r.items[i]!;
          const itPlain = r.ws[i]!;
          const iw = columns(it, itPlain);
          if (n > 0 && w + sepW + iw > area - 4) {
            L.inner(`   ${r.paint(line)}`, plain ? 3 + w : -1);
            n = 0;
          }
          if (n === 0) {
            line = it;
            w = iw;
            plain = itPlain >= 0;
          } else {
            line = `${line}${r.sep}${it}`;
            w += sepW + iw;
            plain &&= sepPlain >= 0 && itPlain >= 0;
          }
          n++;
        }
        L.inner(`   ${r.paint(line)}`, plain ? 3 + w : -1);
        break;
      }
      case 'change': {
        const texts = width > 0 ? wrap(r.text, area - 4) : [r.text];
        const first = texts[0] ?? '';
        L.row(L.lead(r.pkt, r.time) + L.stateL(r.c), '┆', st.dim(`   ${first}`), cellWidth(3, lineWidth(first, r.text, r.w)), L.stateR(r.s));
        for (let i = 1; i < texts.length; i++) L.inner(st.dim(`   ${texts[i]}`), cellWidth(3, plainWidth(texts[i]!)), '┆');
        break;
      }
      case 'fold': {
        const arrow = r.dir === 'client' ? '──►' : r.dir === 'server' ? '◄──' : '···';
        const paint = r.dir === 'client' ? st.client : r.dir === 'server' ? st.server : st.dim;
        // Plain text that fits is one line at its separators too: wrap() alone gives it.
        const fits = r.w >= 0 && r.w <= area - 8;
        const texts = width > 0 ? (fits ? wrap(r.text, area - 8) : joinFit(r.text.split(' · '), area - 8, '').flatMap((l) => wrap(l, area - 8))) : [r.text];
        const first = texts[0] ?? '';
        L.inner(` ${paint(arrow)} ${first}`, cellWidth(5, lineWidth(first, r.text, r.w)), '┆');
        for (let i = 1; i < texts.length; i++) L.inner(`     ${texts[i]}`, cellWidth(5, plainWidth(texts[i]!)), '┆');
        break;
      }
    }
  }
}

/** What is written under a ladder onto `out`: checks on folded segments, notes, explanations not told in it. */
function underLadder(c: ConnectionRecord, opts: TextOptions, m: Messages, st: Style, ex: ConnectionExplanations | null, ladder: Ladder, out: string[]): void {
  const { shown, told } = ladder;
  // Checks on segments not drawn (folded data, say): failures in full, passes counted.
  const elsewhere = c.checks.filter((k) => !shown.has(k.packet));
  const failedElsewhere = elsewhere.filter((k) => !k.ok);
  // A blank line before the first line under the ladder, taken back if none comes.
  const blank = out.length;
  out.push('');
  if (failedElsewhere.length > 0) {
    out.push(`${IND}${m.checksElsewhere}:`);
    for (const k of failedElsewhere) out.push(`${IND}  #${k.packet} ${st.bad(checkText(k, c, undefined, m, true))}`);
  }
  if (elsewhere.length > failedElsewhere.length) out.push(IND + st.dim(m.passedElsewhere(elsewhere.length - failedElsewhere.length)));
  const width = opts.width ?? 0;
  for (const n of notes(c, m, opts, st)) pushFit(out, IND, n, width > 0 ? width - IND.length : 0);
  if (ex) {
    const rest = [...ex.byPacket].filter(([p]) => !told.has(p)).flatMap(([, lines]) => lines);
    for (const e of [...rest, ...ex.atEnd]) {
      wrap(e, (width > 0 ? Math.min(96, width - IND.length) : 96) - 2).forEach((t, i) => out.push(IND + st.dim(`${i === 0 ? '↳ ' : '  '}${t}`)));
    }
  }
  if (out.length === blank + 1) out.pop();
}

/** One connection: heading, ladder, notes. */
export function renderConnection(c: ConnectionRecord, opts: TextOptions, ctx: TextContext = newTextContext()): string {
  return connectionText(c, opts, ctx, 1);
}

/**
 * renderConnection's text and the blank line after it, as an output writes a connection: one
 * string (the text and a newline joined were a copy of the text made to encode it).
 */
export function renderConnectionEntry(c: ConnectionRecord, opts: TextOptions, ctx: TextContext = newTextContext()): string {
  return connectionText(c, opts, ctx, 2);
}

/** One connection's text, ending in `newlines` newlines. */
function connectionText(c: ConnectionRecord, opts: TextOptions, ctx: TextContext, newlines: number): string {
  const m = messages(opts.lang);
  const st = makeStyle(opts.color);
  const ex = opts.explain ? explainConnection(c, m, opts.lang, ctx.told) : null;
  const ladder = ladderRows(c, opts, m, st, ex);
  // Every line onto one list, joined once (each empty one at the end adds a newline).
  const out: string[] = [];
  heading(c, m, st, out, opts.width);
  out.push('');
  drawLadder(ladder.rows, opts, m, st, out);
  underLadder(c, opts, m, st, ex, ladder, out);
  for (let i = 0; i < newlines; i++) out.push('');
  return out.join('\n');
}

/**
 * A connection's opening on its own, as live capture prints it the moment the opening is over
 * (`c` is the record as of then): the addresses, the opening kind and start, and the ladder down
 * to the opening's last segment. `renderConnectionClosing` prints the rest once it finished.
 */
export function renderConnectionOpening(c: ConnectionRecord, opts: TextOptions, ctx: TextContext = newTextContext()): string {
  const m = messages(opts.lang);
  const st = makeStyle(opts.color);
  // Explanations are told once per output: only those this part really prints count as told.
  const ex = opts.explain ? explainConnection(c, m, opts.lang, new Set(ctx.told)) : null;
  const { rows, split } = ladderRows(c, opts, m, st, ex);
  const opening = rows.slice(0, split);
  const drawn = new Set<number>();
  for (const r of opening) {
    if (r.kind === 'seg') drawn.add(r.seg.packet);
    else if (r.kind === 'change') drawn.add(Number(r.pkt));
  }
  for (const [topic, where] of ex?.placed ?? []) if (where !== 'end' && drawn.has(where)) ctx.told.add(topic);
  const out: string[] = [];
  openingHeading(c, m, st, out);
  out.push('');
  drawLadder(opening, opts, m, st, out);
  out.push('');
  return out.join('\n');
}

/**
 * The rest of a connection whose opening `renderConnectionOpening` printed, once it finished
 * (`c` is the final record): the full heading (how it closed, counts, final states), a row with
 * both states where the opening left them, the ladder from there to the end, and the notes.
 */
export function renderConnectionClosing(c: ConnectionRecord, opts: TextOptions, ctx: TextContext = newTextContext()): string {
  const m = messages(opts.lang);
  const st = makeStyle(opts.color);
  const ex = opts.explain ? explainConnection(c, m, opts.lang, ctx.told) : null;
  const ladder = ladderRows(c, opts, m, st, ex);
  const { rows, split, resume } = ladder;
  const from: Row = { kind: 'states', c: resume.c, s: resume.s, text: m.openingAbove, edge: 'top' };
  const rest = [from, ...rows.slice(split)];
  const out: string[] = [];
  heading(c, m, st, out, opts.width);
  out.push('');
  // Measured on the whole ladder, so the lifelines continue those of the opening above.
  drawLadder(rest, opts, m, st, out, [...rows, from]);
  underLadder(c, opts, m, st, ex, ladder, out);
  out.push('');
  return out.join('\n');
}
