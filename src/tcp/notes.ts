/**
 * The notes of a connection record as the model carries them: a stable code and its numbers, never
 * a sentence. report/notes.ts words each code in every language (the English wording is also what
 * `--json` writes in `notes`, with these objects beside it in `noteCodes`).
 *
 * A code's parameters are plain numbers, sides, states and other codes, so a note means the same
 * in any language and a program can read it without parsing text. Times are seconds since the
 * connection's first packet, already rounded to the microsecond.
 */
import type { Side, TcpState } from './model.js';
import type { RstNote } from './model.js';
import type { ReceivedEvent, SentEvent } from './table.js';

/** What a SYN/FIN-like control was, in a note about an answer that did not come. */
export type ControlKind = 'SYN' | 'SYN,ACK' | 'FIN';

/** Every note code. */
export const NOTE = {
  /** A new SYN reused the 4-tuple while this side was in TIME-WAIT: CLOSED early (RFC 6191). */
  timeWaitReused: 'time-wait-reused',
  /** TIME-WAIT ran out (2·MSL) before the capture ended. */
  timeWaitExpired: 'time-wait-expired',
  /** In TIME-WAIT at the end of the capture, until a time. */
  timeWaitUntil: 'time-wait-until',
  /** In TIME-WAIT when the record was written early (before the capture ended). */
  timeWaitWrittenEarly: 'time-wait-written-early',
  /** The peer's SYN/FIN never acknowledged, earlier copies lost: not assumed to have arrived. */
  lossyNotArrived: 'lossy-not-arrived',
  /** This side sent nothing and nothing proves what it did: reported CLOSED, unseen. */
  unseenSide: 'unseen-side',
  /** No SYN from this side: relative sequence numbers count from its first one minus one. */
  noSynCaptured: 'no-syn-captured',
  /** Evicted from a full table before it ended. */
  evicted: 'evicted',
  /** More opening/closing segments than the limit. */
  segmentsOmitted: 'segments-omitted',
  /** More state changes than the limit. */
  timelineOmitted: 'timeline-omitted',
  /** The peer retransmitted its SYN/FIN to the end: this side (not in the capture) did not get it. */
  retransmittedUnanswered: 'retransmitted-unanswered',
  /** This side (in the capture) sent nothing for many RTTs after the peer's SYN/SYN,ACK: did not get it. */
  unansweredForRtts: 'unanswered-for-rtts',
  /** This side stopped retransmitting its SYN/FIN: the ACK the capture lacks reached it. */
  notRetransmitted: 'no-retransmission-after',
  /** An RST its receiver ignores (a judgement code of RST_NOTE). */
  rstIgnored: 'rst-ignored',
  /** An RST its receiver had not taken (it sent more afterwards). */
  rstNotTaken: 'rst-not-taken',
  /** RSTs whose sender went on with the connection: injected. */
  rstSenderWentOn: 'rst-sender-went-on',
  /** More RSTs than are judged one by one. */
  moreRsts: 'more-rsts',
  /** A segment its sender's or receiver's state cannot send or receive. */
  unexpected: 'unexpected-segment',
  /** More unexpected segments than are listed. */
  moreUnexpected: 'more-unexpected',
  /** Capture order differs from sequence order on this connection (issue 11 item 5). */
  reordered: 'reordered',
  /** The handshake RTT is not measured: its SYN and SYN,ACK were captured out of order. */
  rttReordered: 'rtt-reordered',
  /** The capture's clock went backwards inside this connection: durations across the step are not measured. */
  clockBackwards: 'clock-backwards',
} as const;
export type NoteCode = (typeof NOTE)[keyof typeof NOTE];

/** One note: its code and its parameters. */
export type Note =
  | { code: 'time-wait-reused'; side: Side; twPacket: number; at: number; packet: number }
  | { code: 'time-wait-expired'; side: Side; twPacket: number; expiry: number; msl2: number; end: number }
  | { code: 'time-wait-until'; side: Side; twPacket: number; until: number; msl2: number; end: number }
  | { code: 'time-wait-written-early'; side: Side; twPacket: number; until: number; msl2: number; end: number }
  | { code: 'lossy-not-arrived'; side: Side; packet: number; stays: TcpState }
  | { code: 'unseen-side'; side: Side }
  | { code: 'no-syn-captured'; side: Side; base: number }
  | { code: 'evicted'; maxConnections: number | null; end: number }
  | { code: 'segments-omitted'; count: number; limit: number }
  | { code: 'timeline-omitted'; count: number; limit: number }
  | { code: 'retransmitted-unanswered'; side: Side; stays: TcpState; packet: number; what: ControlKind; copies: number }
  | { code: 'unanswered-for-rtts'; side: Side; stays: TcpState; packet: number; what: ControlKind; quietSec: number }
  | { code: 'no-retransmission-after'; side: Side; state: TcpState; from: TcpState; packet: number; what: ControlKind; quietSec: number }
  | { code: 'rst-ignored'; by: Side; packet: number; judged: RstNote; expected: number | null; actual: number | null }
  | { code: 'rst-not-taken'; by: Side; packet: number }
  | { code: 'rst-sender-went-on'; by: Side; packets: number[]; wentOnAt: number; nothingReset: boolean }
  | { code: 'more-rsts'; count: number; limit: number }
  | { code: 'unexpected-segment'; packet: number; side: Side; dir: 'sent' | 'received'; state: TcpState; event: SentEvent | ReceivedEvent }
  | { code: 'more-unexpected'; count: number; limit: number }
  | { code: 'reordered'; segments: number; firstPacket: number }
  | { code: 'rtt-reordered'; synPacket: number; synAckPacket: number }
  | { code: 'clock-backwards'; steps: number; firstPacket: number; backSec: number };

/**
 * Every parameter any note has, in one fixed order: the JSON writes each note with all of them
 * (null where its code has none), so that every `noteCodes` entry has the same keys (the
 * tcptrace/2 contract: a tool that infers a schema from the first records sees every column).
 */
export const NOTE_PARAMS = [
  'side',
  'twPacket',
  'at',
  'packet',
  'expiry',
  'msl2',
  'end',
  'until',
  'stays',
  'base',
  'maxConnections',
  'count',
  'limit',
  'what',
  'copies',
  'quietSec',
  'state',
  'from',
  'by',
  'judged',
  'expected',
  'actual',
  'packets',
  'wentOnAt',
  'nothingReset',
  'dir',
  'event',
  'segments',
  'firstPacket',
  'synPacket',
  'synAckPacket',
  'steps',
  'backSec',
] as const;
type ParamOf<T> = T extends unknown ? Exclude<keyof T, 'code'> : never;
// Fails to compile when a note gains a parameter NOTE_PARAMS does not list, or lists one no note has.
const notesListed: [Exclude<ParamOf<Note>, (typeof NOTE_PARAMS)[number]>, Exclude<(typeof NOTE_PARAMS)[number], ParamOf<Note>>] extends [never, never]
  ? true
  : never = true;
void notesListed;

/** The note with code `C`. */
export type NoteOf<C extends NoteCode> = Extract<Note, { code: C }>;
