/**
 * The connection model tcp/ produces and report/ and check/ consume. It is exactly the JSON
 * contract (`schema: "tcptrace/2"`, schema/tcptrace-2.schema.json): `--json` serialises these
 * objects as they are. Every key is always present, `null` when it does not apply, so a tool that
 * infers a schema from the first records (DuckDB's read_json_auto samples 20,480) sees every
 * column. Any change here that alters the JSON bumps SCHEMA, the schema file and the README.
 */

import type { TunnelHop } from '../decode/tunnel-path.js';
import type { ConnectionMetrics } from './metrics-model.js';

export type { TunnelHop } from '../decode/tunnel-path.js';
import type { Note } from './notes.js';
export type { Note, NoteCode } from './notes.js';

/** Version tag of the JSON document (tcptrace/1 left optional keys out where tcptrace/2 writes null). */
export const SCHEMA = 'tcptrace/2';

/** RFC 9293 connection states, keyed PascalCase, valued with the RFC spelling (smoltcp's Display). */
export const TcpState = {
  Closed: 'CLOSED',
  Listen: 'LISTEN',
  SynSent: 'SYN-SENT',
  SynReceived: 'SYN-RECEIVED',
  Established: 'ESTABLISHED',
  FinWait1: 'FIN-WAIT-1',
  FinWait2: 'FIN-WAIT-2',
  CloseWait: 'CLOSE-WAIT',
  Closing: 'CLOSING',
  LastAck: 'LAST-ACK',
  TimeWait: 'TIME-WAIT',
} as const;
export type TcpState = (typeof TcpState)[keyof typeof TcpState];

/** Which endpoint. The client is the first SYN's sender (or the heuristic's pick mid-stream). */
export type Side = 'client' | 'server';

/**
 * Options an endpoint announced on its SYN / SYN-ACK. A value option is null when no SYN of its
 * carried it; the two flags are null only when no SYN of this endpoint was captured (its `isn` is
 * then null too), else whether any of its SYNs carried them.
 */
export interface NegotiatedOptions {
  mss: number | null;
  wscale: number | null;
  sackPermitted: boolean | null;
  timestamps: boolean | null;
  /** Fast Open cookie in hex ('' for a cookie request); null without the option. */
  fastOpenCookie: string | null;
}

/** A NegotiatedOptions with nothing known yet (no SYN seen). */
export function noOptions(): NegotiatedOptions {
  return { mss: null, wscale: null, sackPermitted: null, timestamps: null, fastOpenCookie: null };
}

/**
 * A kept segment's options: on a SYN those of NegotiatedOptions (the flags then true or false);
 * `sack`: the SACK blocks of any segment (absolute sequence numbers), null without any.
 */
export interface SegmentOptions extends NegotiatedOptions {
  sack: Array<[number, number]> | null;
}

export interface EndpointRecord {
  ip: string;
  port: number;
  /** State at the end of the capture (TIME-WAIT already expired to CLOSED if 2·MSL passed). */
  state: TcpState;
  /**
   * How `state` is known: 'observed' from this endpoint's own segments; 'inferred' from what the
   * peer sent (e.g. the peer's SYN reached it, nothing came back); 'unseen' when nothing at all
   * shows what this endpoint did (the state is then the RFC default and must not be trusted).
   */
  stateBasis: 'observed' | 'inferred' | 'unseen';
  /** Initial sequence number (absolute), null when its SYN was not captured. */
  isn: number | null;
  options: NegotiatedOptions;
  /** Segments and payload bytes this endpoint sent. */
  segments: number;
  bytes: number;
}

export type OpenKind = 'three-way' | 'simultaneous' | 'fast-open' | 'refused' | 'unanswered' | 'incomplete' | 'mid-stream';

export type CloseKind = 'four-way' | 'three-segment' | 'simultaneous' | 'reset' | 'half-closed' | 'none';

export interface OpenRecord {
  kind: OpenKind;
  /** True when both SYNs and the ACK of each were captured. */
  complete: boolean;
  /** SYN to SYN-ACK seen at the capture point... to the final ACK: client-side handshake RTT, ms. */
  rttMs: number | null;
  /** Packet numbers of the opening exchange (SYNs, their retransmissions, SYN-ACK, final ACK, RST). */
  packets: number[];
  /** Mid-stream only: how the client was chosen (e.g. 'well-known-port', 'lower-port-is-server'); else null. */
  heuristic: string | null;
  /** Retransmitted SYN times, seconds after the first SYN (unanswered and slow openings); null when none. */
  synRetransmits: number[] | null;
}

export interface CloseRecord {
  kind: CloseKind;
  initiator: Side | null;
  /** Bytes the other side sent after the first FIN (a half-close in use). */
  dataAfterFin: number;
  /** Packet numbers of the closing exchange (FINs, their ACKs, retransmissions, RSTs). */
  packets: number[];
  /** Who sent the first RST that ended it and the sender's state just before it; null without one. */
  reset: { by: Side; state: TcpState; packet: number } | null;
}

/**
 * One state change of one endpoint. Two kinds of entry are not segment arrivals: a TIME-WAIT →
 * TIME-WAIT entry records a retransmitted FIN restarting the 2·MSL timer (RFC 9293 §3.10.7.4), and
 * a TIME-WAIT → CLOSED entry added at the end of the capture records the timer's expiry: its
 * `packet` is the one that started the timer and its `time` the expiry time.
 */
export interface Transition {
  packet: number;
  /** Seconds since the connection's first packet. */
  time: number;
  side: Side;
  from: TcpState;
  to: TcpState;
  /** Why, in one sentence (RFC 9293 wording), e.g. "received ACK of our SYN". */
  why: string;
  /**
   * What ended it when that is not the state diagram's own arc (null otherwise): report/
   * messages.ts `transitionCode` words it in each language.
   */
  code: TransitionCode | null;
}

/** Codes of transitions the state diagram's arc does not explain (Transition.code). */
export const TRANSITION_CODE = {
  /** TIME-WAIT → CLOSED before 2·MSL: a new SYN reused the 4-tuple (RFC 9293 §3.10.7.4, RFC 6191). */
  timeWaitReused: 'time-wait-reused',
} as const;
export type TransitionCode = (typeof TRANSITION_CODE)[keyof typeof TRANSITION_CODE];

/** A seq/ack check from the catalogue (see CHECK_IDS). */
export interface Check {
  id: CheckId;
  ok: boolean;
  packet: number;
  /** Absolute values; null when the check is not about a number (e.g. "SYN carries no data"). */
  expected: number | null;
  actual: number | null;
  side: Side;
  message: string;
}

export const CHECK_IDS = [
  'synack-acks-isn', // SYN-ACK ack = client ISN + 1
  'handshake-ack-acks-isn', // final ACK ack = server ISN + 1
  'syn-no-data', // SYN carries no data unless Fast Open
  'synack-no-data', // SYN-ACK carries no data unless Fast Open
  'syn-consumes-one', // the SYN sender's next segment starts at ISN + 1 (+ SYN data), never ISN
  'fin-consumes-one', // the FIN sender's next segment starts at FIN seq + len + 1
  'fin-acked', // each FIN is acknowledged, with exactly FIN seq + len + 1 (side: the FIN's sender)
  'time-wait-side', // the active closer is the one that enters TIME-WAIT
  'no-data-after-fin', // no new data after FIN from its sender
  'rst-in-window', // RST seq within the receiver's window
  'wscale-at-most-14', // a window scale option's shift is at most 14 (RFC 7323 §2.3); evaluated only when one is not
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** Per-segment analysis flags (Wireshark's tcp.analysis.* in spirit). */
export type SegmentFlag =
  | 'retransmission'
  | 'out-of-order'
  | 'dup-ack'
  | 'keep-alive'
  | 'keep-alive-ack'
  | 'zero-window'
  | 'window-probe'
  | 'previous-segment-not-captured'
  | 'acked-unseen-segment'
  | 'spurious-retransmission'
  /** The same frame captured again (same IP datagram, same segment, within microseconds): not a retransmission. */
  | 'duplicate'
  /**
   * Captured after later sequence space of its sender's, though it went first on the wire (capture
   * order is not wire order): a SYN after the SYN,ACK that answers it, or a segment that fills, within
   * an RTT (at least 3 ms), the hole the segment before it left. Not a retransmission.
   */
  | 'reordered'
  /**
   * An RST its receiver does not take (RST_NOTE says why: not acceptable per RFC 9293 §3.10.7 and
   * RFC 5961 §3.2, as Linux judges it, or the receiver went on as if it never arrived): no state changed.
   */
  | 'rst-ignored'
  /** An RST whose sender went on with the connection afterwards: not its abort (an injected RST). */
  | 'rst-injected'
  /**
   * A segment its sender's or receiver's state cannot send or receive (RFC 9293 §3.10.7: e.g. a FIN
   * without ACK, data to a LISTEN endpoint): flagged, no state changed (UNEXPECTED_NOTE).
   */
  | 'unexpected';

/**
 * The codes that open the notes about an RST that does not end the connection (with the
 * `rst-ignored` / `rst-injected` segment flags). The first four are the receiver's judgement
 * (classify.ts judgeRst), the last two what later segments showed.
 */
export const RST_NOTE = {
  /** SYN-SENT: an RST without ACK is dropped (RFC 9293 §3.10.7.3, second). */
  noAck: 'rst-without-ack',
  /** SYN-SENT: its ACK does not acknowledge the SYN (SEG.ACK =< ISS or > SND.NXT): dropped. */
  badAck: 'rst-ack-not-of-syn',
  /** Synchronized: its sequence number is outside the receive window: dropped (RFC 9293 §3.10.7.4, first). */
  outOfWindow: 'rst-out-of-window',
  /** Synchronized: inside the window but not RCV.NXT: answered with a challenge ACK (RFC 5961 §3.2). */
  challenge: 'rst-challenge-ack',
  /** The receiver sent more of the connection after it, so it had not taken it (lost, or crossing). */
  notTaken: 'rst-not-taken',
  /** Its sender went on with the connection after it: the RST was not its abort (injected). */
  senderWentOn: 'rst-sender-went-on',
} as const;
export type RstNote = (typeof RST_NOTE)[keyof typeof RST_NOTE];

/** The code of the note about a segment flagged `unexpected`. */
export const UNEXPECTED_NOTE = 'unexpected-segment';

export interface FlagCounts {
  retransmissions: number;
  outOfOrder: number;
  dupAcks: number;
  keepAlives: number;
  zeroWindows: number;
  lostSegments: number;
  ackedUnseen: number;
  /** Frames captured twice (a `duplicate` segment flag each): not applied to the state machines again. */
  duplicates: number;
  /** Segments captured out of their wire order (a `reordered` segment flag each). */
  reordered: number;
}

/** One segment as rendered in the ladder. */
export interface SegmentRecord {
  packet: number;
  /** Seconds since the connection's first packet. */
  time: number;
  /** Who sent it. */
  from: Side;
  /** Flags spelled as tcpdump does: S, S., F., R, P., . (ACK only) — with E/W/N for ECN bits. */
  flags: string;
  /** Absolute sequence and ack numbers (ack null when the ACK flag is clear). */
  seq: number;
  ack: number | null;
  /**
   * Relative to the sender's / receiver's ISN (tcpdump style). When that ISN was not captured:
   * relative to the first sequence number seen in that space minus one (as Wireshark and Zeek do),
   * and `notes` says so.
   */
  relSeq: number;
  relAck: number | null;
  len: number;
  window: number;
  /** States of both endpoints after this segment. */
  client: TcpState;
  server: TcpState;
  analysis: SegmentFlag[];
  /** Ids of checks evaluated on this segment (their results are in `checks`). */
  checks: CheckId[];
  /** Options on this segment, for SYNs and segments with SACK blocks; null on the others. */
  options: SegmentOptions | null;
  /**
   * The timestamp option's TSval and TSecr (RFC 7323), only when asked for (trace's
   * `segmentTimestamps`, for the metrics' RTT from timestamp echoes) and the segment carries the
   * option. The CLI removes it once the metrics are made: it is never in the JSON output.
   */
  ts?: [number, number];
}

/** Data transfer between the opening and the closing, folded per direction. */
export interface DirectionSummary {
  segments: number;
  bytes: number;
  retransmissions: number;
  firstPacket: number | null;
  lastPacket: number | null;
}

/** One conn.log record of a connection that Zeek splits (ConnectionRecord.zeek.records). */
export interface ZeekRecord {
  conn_state: ZeekConnState;
  history: string;
  /** The packet that starts it. */
  firstPacket: number;
}

/** Zeek conn.log's conn_state codes (base/protocols/conn/main.zeek). */
export type ZeekConnState = 'S0' | 'S1' | 'SF' | 'REJ' | 'S2' | 'S3' | 'RSTO' | 'RSTR' | 'RSTOS0' | 'RSTRH' | 'SH' | 'SHR' | 'OTH';

export interface ConnectionRecord {
  id: number;
  client: EndpointRecord;
  server: EndpointRecord;
  /** Absolute capture time of the first and last packet, seconds since the epoch. */
  start: number;
  end: number;
  /** Packets of this connection. */
  packets: number;
  open: OpenRecord;
  close: CloseRecord;
  timeline: Transition[];
  checks: Check[];
  flags: FlagCounts;
  /**
   * Zeek's conn.log view: `conn_state` and `history` of the record Zeek starts at this connection's
   * first packet; `records` (null unless Zeek's own timers or its reuse rule end that record
   * before the connection ends here: tcp/zeek-lifetime.ts) lists every conn.log record this
   * connection is, in order, each with the packet that starts it.
   */
  zeek: { conn_state: ZeekConnState; history: string; records: ZeekRecord[] | null };
  /** The id of the earlier connection on the same 4-tuple, when this one reused it. */
  reusedFrom: number | null;
  /** The opening and closing segments (every segment with `--all`), in capture order. */
  segments: SegmentRecord[];
  data: { client: DirectionSummary; server: DirectionSummary };
  /** Keep-alive probes seen (RFC 9293 §3.8.4: seq = SND.NXT-1, 0 or 1 byte), with their mean interval. */
  keepAlive: { probes: number; intervalSec: number | null } | null;
  /**
   * Remarks on the connection (when TIME-WAIT expires, what was inferred, odd segments), each a code
   * with its numbers (tcp/notes.ts); report/ words them. `--json` writes their English wording in
   * `notes` and these objects in `noteCodes`.
   */
  notes: Note[];
  /**
   * The tunnels the connection's segments came through, outermost first (null when none): its
   * key is its 4-tuple and these, so one 4-tuple in two tunnels is two connections.
   */
  tunnel: TunnelHop[] | null;
  /** With `--metrics` (and behind `--svg`/`--html`): RTT, bytes, rates (metrics-model.ts); else null. */
  metrics: ConnectionMetrics | null;
}

export interface InputRecord {
  path: string;
  format: string;
  linkTypes: string[];
  packets: number;
  tcpSegments: number;
  /** Frames that are not TCP segments, by reason ('udp', 'unsupported-link:DLT_FOO', ...). */
  skipped: Record<string, number>;
  warnings: string[];
  /** What the input was decompressed from, null when it was not compressed ('gzip', 'zstd'). */
  compression: string | null;
  /** Live capture through dumpcap or tcpdump only: their end-of-run drop counts; null for files, cap, or when not reported. */
  drops: { kernel: number | null; interface: number | null } | null;
}

export interface Summary {
  connections: number;
  byOpen: Partial<Record<OpenKind, number>>;
  byClose: Partial<Record<CloseKind, number>>;
  /** Final states per side: state -> number of connections. */
  finalStates: { client: Partial<Record<TcpState, number>>; server: Partial<Record<TcpState, number>> };
  checksFailed: number;
  anomalies: Partial<FlagCounts>;
  /**
   * Set when the flow table's size cap (connections tracked at once) was hit: `evicted` open
   * connections were ended early to make room (unfinished openings first while they fill an eighth
   * of the table, else the least recently active; each record says so), `dropped` segments could not
   * be tracked at all.
   */
  tableFull: { cap: number; dropped: number; evicted: number } | null;
}
