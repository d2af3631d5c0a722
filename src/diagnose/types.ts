/**
 * The whole `--json` document for one input, and the operational diagnostics computed from the
 * finished connection records. Lives here (after tcp/, before report/ and check/) because both
 * report/ and check/ consume it and diagnostics are derived from tcp/'s model.
 *
 * Diagnostics are plain JSON data (no Map, no Infinity): `--json` prints them as they are under
 * `diagnostics`, and any renderer can print `findings` without knowing the sections. Times are
 * absolute capture times in seconds since the Unix epoch (like ConnectionRecord.start/end) unless a
 * field's name ends in `Sec` (a duration). Endpoints are written `ip:port`, IPv6 as `[ip]:port`.
 */
import type { ConnectionRecord, InputRecord, SCHEMA, Side, Summary } from '../tcp/model.js';
import type { SummaryTotals } from '../tcp/summary.js';

/** How loud a finding is: `warning` is an operational problem, `info` a fact worth knowing. */
export type FindingSeverity = 'info' | 'warning';

/** The kinds of finding; each is explained in docs/check.md ("Diagnostics"). */
export const FINDING_CODES = [
  'time-wait-exhaustion', // one (client IP, server IP, server port) holds >= 50% of the ephemeral range in TIME-WAIT
  'time-wait-pressure', // ... >= 10% observed, or >= 50% projected at the observed close rate
  'time-wait-server-close', // a server closes first and piles TIME-WAIT on itself
  'close-wait-leak', // an endpoint got the peer's FIN and never closed
  'unanswered-syn', // SYNs with no reply (dropped, filtered, host down)
  'refused', // RST answering a SYN (nothing listening)
  'syn-flood', // many half-open, or many unanswered one-SYN, openings on one server endpoint
  'half-open', // a few half-open openings (SYN-ACK sent, final ACK never came)
  'keep-alive', // connections kept up by keep-alive probes
] as const;
/** One of FINDING_CODES. */
export type FindingCode = (typeof FINDING_CODES)[number];

/** One line a renderer can print: what, how bad, about what. */
export interface Finding {
  severity: FindingSeverity;
  code: FindingCode;
  /** What the finding is about: a host, `ip:port`, or `client -> server:port`. */
  subject: string;
  /** One or two sentences, remedies included; no colour, no trailing newline. */
  message: string;
  /**
   * TIME-WAIT tuple findings (`time-wait-exhaustion`, `time-wait-pressure`): whose host holds the
   * TIME-WAIT sockets counted, the client (its ports) or the server (its sockets, no ports); null
   * for the others (a finding under construction may leave it out).
   */
  holder?: Side | null;
}

/** The thresholds the findings were judged with (documented in docs/check.md). */
export interface DiagnosticsParams {
  /** Maximum segment lifetime; TIME-WAIT lasts 2·MSL (RFC 9293 §3.4.2). */
  mslSec: number;
  /** Ephemeral port range the client side draws from, inclusive (Linux net.ipv4.ip_local_port_range). */
  portRange: [number, number];
  /** A CLOSE-WAIT at least this long is a suspected leak (warning); shorter ones are listed as info. */
  closeWaitWarnSec: number;
  /** Half-open openings on one server endpoint from which a SYN flood is reported. */
  synFloodMin: number;
}

/** TIME-WAIT sockets over time on one host (an IP address, whatever its role). */
export interface TimeWaitHost {
  ip: string;
  /** Entries into TIME-WAIT on this host, by the host's role in the connection. */
  entries: { asClient: number; asServer: number };
  /**
   * Graceful and half closes (those counted in `activeCloses`) of the connections in which this
   * host is the server, and how many of them the server started: its side of `activeCloses`.
   */
  serverCloses: { total: number; serverFirst: number };
  /** Most sockets in TIME-WAIT at once, and the first moment it was reached (epoch s). */
  peak: number;
  peakAt: number;
  /** Sockets still in TIME-WAIT at the end of the capture window. */
  atEnd: number;
  /**
   * Sockets in TIME-WAIT over the capture window, as the most at once in each of (at most 60)
   * equal slices: `time` is the slice start (epoch s).
   */
  series: Array<{ time: number; count: number }>;
}

/**
 * TIME-WAIT on one (client IP, server IP, server port): every 4-tuple in TIME-WAIT, on either
 * host, is a client port that cannot be reused for this destination until it expires.
 */
export interface TimeWaitTuple {
  clientIp: string;
  serverIp: string;
  serverPort: number;
  /** 4-tuples that entered TIME-WAIT, by which host held the socket (both after a simultaneous close). */
  heldBy: { client: number; server: number };
  /** Most 4-tuples in TIME-WAIT at once, and when (epoch s). */
  peak: number;
  peakAt: number;
  /** Size of the ephemeral range and `peak` as a fraction of it. */
  rangeSize: number;
  fraction: number;
  /**
   * Active closes per second on this tuple and the TIME-WAIT count that rate would hold in a
   * steady state (Little's law: rate × 2·MSL); null with fewer than 10 closes or under 1 s of them.
   */
  closesPerSec: number | null;
  projected: number | null;
  /**
   * The same numbers for the 4-tuples each host held in TIME-WAIT. Only the client's count
   * against its ephemeral range: the server's TIME-WAIT costs the server sockets, while a new SYN
   * on such a 4-tuple is accepted (Linux tcp_timewait_state_process, RFC 6191).
   */
  bySide: { client: TimeWaitHeld; server: TimeWaitHeld };
}

/** TIME-WAIT on one tuple held by one host (see TimeWaitTuple). */
export interface TimeWaitHeld {
  peak: number;
  peakAt: number;
  /** `peak` / the ephemeral range's size. */
  fraction: number;
  closesPerSec: number | null;
  projected: number | null;
}

/** TIME-WAIT pressure: who closes actively and how many ports TIME-WAIT holds. */
export interface TimeWaitDiagnostics {
  /** Graceful and half closes by whose FIN came first (close.initiator). */
  activeCloses: { client: number; server: number };
  /** Hosts with any TIME-WAIT, highest peak first (the first 20, and any host a finding names). */
  hosts: TimeWaitHost[];
  /** Tuples with any TIME-WAIT, highest fraction first (at most 20). */
  tuples: TimeWaitTuple[];
}

/** One endpoint left in CLOSE-WAIT at the end of the capture. */
export interface CloseWaitConnection {
  id: number;
  /** The endpoint in CLOSE-WAIT (the one whose application never called close()). */
  side: Side;
  endpoint: string;
  peer: string;
  /** When it entered CLOSE-WAIT (the peer's FIN arrived; epoch s) and the packet of that FIN. */
  enteredAt: number | null;
  finPacket: number | null;
  /** Seconds from entering CLOSE-WAIT to the end of the capture window. */
  forSec: number | null;
}

/** CLOSE-WAIT endpoints grouped where the application lives. */
export interface CloseWaitGroup {
  side: Side;
  ip: string;
  /** The port when the stuck side is the server (the service); null for clients (ephemeral ports). */
  port: number | null;
  /** The server endpoint of these connections, `ip:port`. */
  service: string;
  connections: number;
  longestSec: number | null;
  /** Connection ids, the first 20. */
  ids: number[];
}

/** CLOSE-WAIT leaks: peers that closed while this side never did. */
export interface CloseWaitDiagnostics {
  /** Every endpoint in CLOSE-WAIT at capture end (longest first, at most 100; `total` counts all). */
  connections: CloseWaitConnection[];
  total: number;
  groups: CloseWaitGroup[];
}

/** Openings to one server endpoint that failed in one way. */
export interface OpeningGroup {
  /** The server endpoint, `ip:port`, and its parts. */
  server: string;
  ip: string;
  port: number;
  connections: number;
  /** Distinct client addresses among them. */
  clients: number;
  /** Connection ids, the first 20. */
  ids: number[];
  /**
   * How many of them were still open when the flow table was full (`--max-connections`) and were
   * ended early to make room (their records say so; `summary.tableFull` counts every one).
   */
  evicted: number;
}

/** Unanswered SYNs to one server endpoint. */
export interface UnansweredGroup extends OpeningGroup {
  /** Attempts that sent a single SYN and never retransmitted it (a spoofed source never does). */
  singleSyn: number;
  /**
   * True when this looks like a SYN flood: at least synFloodMin single-SYN attempts that the
   * capture watched for at least 1 s (a real client's initial RTO, RFC 6298 §2.1) and at least
   * half of the attempts so watched, those that retransmitted counted in full.
   */
  flood: boolean;
  /** Most SYNs one attempt sent (the first plus retransmissions). */
  maxSyns: number;
  /** That attempt's retransmission times (s after its first SYN) and the gaps between SYNs (the RTO back-off). */
  synRetransmits: number[];
  backoffSec: number[];
  /** How those gaps grow; null with fewer than two retransmissions. */
  backoff: 'linear' | 'exponential' | 'linear-then-exponential' | 'irregular' | null;
}

/** Half-open openings (SYN-ACK sent, final ACK never came) to one server endpoint. */
export interface HalfOpenGroup extends OpeningGroup {
  /** Share of this endpoint's openings that stayed half-open. */
  share: number;
  /** True when this looks like a SYN flood (>= synFloodMin half-open, the majority of its openings). */
  flood: boolean;
}

/** Failed and half-open openings. */
export interface OpeningDiagnostics {
  unanswered: UnansweredGroup[];
  refused: OpeningGroup[];
  halfOpen: HalfOpenGroup[];
}

/** One connection kept up by keep-alive probes. */
export interface KeepAliveConnection {
  id: number;
  client: string;
  server: string;
  probes: number;
  /** Mean seconds between probes (null for a single probe). */
  intervalSec: number | null;
}

/** Keep-alive probing. */
export interface KeepAliveDiagnostics {
  /** Connections with probes (most probes first, at most 100; `total` counts all). */
  connections: KeepAliveConnection[];
  total: number;
  /** Shortest and longest mean probe interval over those connections, null when none is known. */
  intervalSec: { min: number; max: number } | null;
}

/** Operational findings (TIME-WAIT pressure, CLOSE-WAIT leaks, failed openings, keep-alive). */
export interface Diagnostics {
  params: DiagnosticsParams;
  /** First and last packet over all connections (epoch s); null without connections. */
  window: { start: number; end: number } | null;
  timeWait: TimeWaitDiagnostics;
  closeWait: CloseWaitDiagnostics;
  openings: OpeningDiagnostics;
  keepAlive: KeepAliveDiagnostics;
  /** Everything worth saying, warnings first; empty when all is well. */
  findings: Finding[];
}

/** The whole `--json` document for one input. */
export interface Report {
  schema: typeof SCHEMA;
  input: InputRecord;
  connections: ConnectionRecord[];
  summary: Summary;
  diagnostics?: Diagnostics;
  /**
   * Counts the text summary prints besides `summary`, folded while the records streamed past (so
   * the summary needs no list of records). Not part of the JSON contract: trace() sets it as a
   * non-enumerable property, and a renderer without it counts `connections` instead.
   */
  readonly totals?: ReportTotals;
}

/** What the text output needs to know about connections it may no longer hold (see Report.totals). */
export interface ReportTotals extends SummaryTotals {
  /** Connections in the input before a selection kept only some (the summary counts the selected). */
  all: number;
}

/** `report` carrying `totals` as the non-enumerable property Report.totals documents (returned). */
export function withTotals(report: Report, totals: ReportTotals | undefined): Report {
  if (totals !== undefined) Object.defineProperty(report, 'totals', { value: totals, enumerable: false });
  return report;
}
