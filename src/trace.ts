/**
 * The one place that wires the stages: capture -> decode -> flow -> tcp -> diagnose.
 * Also the programmatic API (`import { trace } from 'tcptrace'`).
 *
 * Per packet this file does a decode, one flow-table probe and one tracker update; everything
 * else (records, summaries, diagnostics) happens once per connection.
 */
import type { CaptureSource, CaptureStats, Frame, ProgressFn } from './capture/frame.js';
import { linkTypeName } from './capture/link-types.js';
import { AddressTexts } from './decode/addr.js';
import { decodeFrameInto, newDecodeContext, skipKey, type DecodeContext } from './decode/decode-frame.js';
import type { TunnelHop } from './decode/tunnel-path.js';
import { newSegment, TcpFlag, type Segment, type SegmentBuffer, type TcpOptions } from './decode/segment.js';
import { DiagnosticsCollector } from './diagnose/diagnose.js';
import { withTotals, type Report } from './diagnose/types.js';
import { FinishedTable } from './flow/finished-table.js';
import { FlowTable, type FlowEntry } from './flow/flow-table.js';
import { flowShard } from './flow/shard.js';
import { orient } from './flow/orientation.js';
import { belongsAfterRst, ConnectionTracker, timeWaitOver, type FinishReason, type TrackerOptions } from './tcp/connection.js';
import { SCHEMA, TcpState, type ConnectionRecord, type EndpointRecord, type InputRecord } from './tcp/model.js';
import { SummaryCounter } from './tcp/summary.js';
import { IdFrontier, READ_OVER, type ShardIds } from './shard/ids.js';

export interface TraceOptions {
  /** Maximum segment lifetime in seconds; TIME-WAIT lasts 2·MSL. Default 30 (Linux's 60 s TIME-WAIT). */
  mslSec?: number;
  /** A connection with no packet for this many seconds is finished and evicted. Default 300. */
  idleTimeoutSec?: number;
  /**
   * Most connections tracked at once (finished ones whose records are written do not count); a new
   * one beyond it ends the least recently active open one early (`summary.tableFull`). Default
   * 100,000, which keeps memory under 1 GiB when every connection stays open (bench/).
   */
  maxConnections?: number;
  /** Keep every segment of every connection in `segments` (for `--all`), not only the exchanges. */
  allSegments?: boolean;
  /**
   * Keep the segments of the exchanges in `segments` (default true). False when no record will be
   * drawn (`--summary`): every other fact of a record is the same, and a connection costs less.
   */
  keepSegments?: boolean;
  /** Keep the timestamp option's values on kept segments (`SegmentRecord.ts`), for the metrics. */
  segmentTimestamps?: boolean;
  /** Ephemeral port range for the TIME-WAIT pressure diagnostic. Default Linux's [32768, 60999]. */
  portRange?: [number, number];
  /**
   * Called with each connection record as soon as it is finished (NDJSON streaming, live capture).
   * `made`: where in the read it was made (see RecordOrder; valid during the call only).
   */
  onConnection?: (record: ConnectionRecord, made: RecordOrder) => void;
  /**
   * Called once per connection with its final record, when nothing can change it any more: its
   * TIME-WAIT ran out (2·MSL after its last packet), it was idle past the idle timeout, a new
   * connection reused its 4-tuple, its record was written early (see `finishedHold`), or the
   * capture ended. Records come in that order; those still tracked at the end come last, by id.
   * `frontier` is the smallest id whose record is not made yet (every id below it has had its
   * record): an output that wants id order can write what it holds below it. `selected`: whether
   * `select` accepted the record. `made`: where in the read it was made (valid during the call only).
   */
  onRecord?: (record: ConnectionRecord, frontier: number, selected: boolean, made: RecordOrder) => void;
  /**
   * Keep every record for the report (default true). With false, records reach only
   * `onConnection`/`onRecord` and are dropped after them, so memory is bounded by the connections
   * alive at one moment, not by the length of the capture: the report's `connections` is then
   * empty while its summary and diagnostics, folded as the records went by, describe them all.
   */
  keepRecords?: boolean;
  /**
   * Without `keepRecords`: finished connections (both ends CLOSED or in TIME-WAIT, or reset) kept
   * whole until their TIME-WAIT runs out, so that a late segment (a retransmitted FIN, an RST)
   * still finds its tracker and the record states the end of the capture. Beyond this many, the
   * least recently active one's record is written early (its TIME-WAIT as of then) and the table keeps only a few
   * numbers of it (ISNs for port reuse, TIME-WAIT start for the state at the end). Default 4,096
   * (on the short benchmark workload 10,000 cost 7.6 s instead of 5.7 s: held trackers are what
   * the garbage collector copies);
   * 0 writes every record the moment its connection finishes.
   */
  finishedHold?: number;
  /** Fold records into the diagnostics (default true); false when nothing prints them (`--ndjson`). */
  diagnostics?: boolean;
  /** Only connections it accepts are counted in the summary and diagnostics (`--filter` and the like). */
  select?: (record: ConnectionRecord) => boolean;
  /**
   * Called once per connection as soon as its opening exchange is over, with its record as of
   * then (live capture prints the opening before the connection ends): at the first segment that
   * is not a SYN or SYN-ACK, i.e. the handshake's final ACK, the RST of a refused SYN, or a
   * mid-stream connection's first segment. An opening that never got that far (SYNs unanswered,
   * a SYN-ACK never acknowledged) gets no call; onConnection still gets the record.
   */
  onOpen?: (record: ConnectionRecord) => void;
  /**
   * The id of the first connection (default 0). The CLI continues the numbering across its inputs
   * (the next input starts after the last id of the previous one), so an id names one connection
   * of the whole run and NDJSON records of several inputs never share one.
   */
  firstId?: number;
  /** Stop after this many frames (`-c` on a file, as tcpdump -c): the report is of those frames. */
  packetLimit?: number;
  /** Input progress, for the spinner. */
  onProgress?: ProgressFn;
  /** Stops reading (live capture's Ctrl-C); the report then describes every endpoint as of that moment. */
  signal?: AbortSignal;
  /**
   * One thread of a sharded trace (shard/run.ts): only the connections whose flow hash falls to
   * this shard are tracked (every frame is still read and decoded, so time and packet numbers are
   * the capture's), and ids are numbered across the threads. `maxConnections` and
   * `finishedHold` are then this thread's own (run.ts gives each thread its share of the table and
   * the whole hold). `onRecord`'s frontier is NaN.
   */
  shard?: ShardIds;
}

/**
 * Where in the read a record was made, as a sort key: (packet, phase, time, rank) in that order
 * of precedence. One thread makes its records in increasing key order, and the threads of a
 * sharded trace give every record the key one thread would, so a merge of their records by key
 * is one thread's order (shard/pieces.ts). At a packet, a thread first ends what expired by then
 * (FlowTable.evictDue: every due closing connection, phase 0, then the due open ones, phase 1,
 * each by `time` = its last activity, then `rank`: 0 on probation, 2^31 active, plus the packet
 * of its last segment, which no other connection shares), then what the packet's own segment
 * ends (phase 2, rank 0: port reuse, a full table, the finished hold; only the thread that
 * tracks the segment has any). Records of connections tracked at the end of the read come last
 * (packet READ_OVER, phase 3), by id (`rank` = the id).
 */
export interface RecordOrder {
  packet: number;
  phase: number;
  time: number;
  rank: number;
}

/** RecordOrder's phases. */
const MADE = { closing: 0, open: 1, segment: 2, end: 3 } as const;

/** RecordOrder.rank's offset for an active connection (off probation): after those on probation. */
const RANK_ACTIVE = 2 ** 31;

export const DEFAULTS = {
  mslSec: 30,
  idleTimeoutSec: 300,
  maxConnections: 100_000,
  finishedHold: 4096,
  portRange: [32768, 60999] as [number, number],
};

/** Reads a source to its end and returns the report (connections in order of first packet). */
export async function trace(source: CaptureSource, options: TraceOptions = {}): Promise<Report> {
  return reportOf(await traceTally(source, options));
}

/** trace() before the words: what it found in numbers and reducers (a sharded trace's threads merge these). */
export async function traceTally(source: CaptureSource, options: TraceOptions = {}): Promise<TraceTally> {
  let signal = options.signal;
  const run = new TraceRun(options);
  if (options.packetLimit !== undefined) {
    // The limit stops the read as a signal does (between chunks; frames past it are not traced).
    const ac = new AbortController();
    const outer = options.signal;
    if (outer?.aborted) ac.abort();
    else outer?.addEventListener('abort', () => ac.abort(), { once: true });
    run.stop = () => ac.abort();
    signal = ac.signal;
  }
  let stats: CaptureStats;
  try {
    stats = await source.run(run, { signal, onProgress: options.onProgress });
  } finally {
    // No connection of this thread starts after this: the others number theirs without waiting.
    options.shard?.over();
  }
  return run.tally(source.name, stats);
}

/**
 * Per-connection bookkeeping kept beside the tracker. A connection whose only segment so far is a
 * SYN (or SYN-ACK) has no tracker yet, only a copy of that segment (`first`): a flood of spoofed
 * SYNs is a table of those, under 1 KB each with their table entry, where a tracker after a
 * handshake takes about 4 KB more (heap snapshots of bench/flood.mjs and the `open` workload). Its
 * second segment, or its record, makes the tracker, which then sees `first` before anything else,
 * so the record is the one an eager tracker would have made.
 */
class Tracked {
  tracker: ConnectionTracker | null = null;
  /** The connection's one segment while it has no tracker (a copy: the decoder reuses its segment). */
  first: Segment | null = null;
  /** Which endpoints have sent a segment: 1 the client, 2 the server. */
  sides = 0;
  /** Whether `onConnection` already received this connection's record. */
  emitted = false;
  /** Whether `onOpen` already received this connection's record. */
  opened = false;
  /** The packet of its last segment (the one that last touched its table entry): RecordOrder.rank. */
  touched = 0;

  constructor(
    readonly id: number,
    /** Whether the first segment's source is the client. */
    readonly clientIsSrc: boolean,
    readonly heuristic: string | null,
    readonly reusedFrom: number | null,
    /** The tunnels its segments come through, outermost first, as the client sends; null for none. */
    readonly tunnel: TunnelHop[] | null,
    /**
     * The client's and server's IPv4 words (`| 0`), undefined for IPv6: the diagnostics number
     * addresses by them without reading the record's strings (diagnose/ips.ts).
     */
    readonly clientWord: number | undefined,
    readonly serverWord: number | undefined,
  ) {}
}

/**
 * The share of a full table kept for connections on probation (openings not over): below it, an
 * established connection makes room for a new one; at or above it, an opening does. The synthetic
 * `open` benchmark runs 5,000 handshakes at once against the 100,000 cap (5%), a real server far
 * fewer: the reserve only matters when established connections fill the table.
 */
const PROBATION_RESERVE = 1 / 8;

/** A SYN or SYN-ACK and nothing else (no RST, no FIN): the first segment that waits for a tracker. */
const DEFER_MASK = TcpFlag.SYN | TcpFlag.RST | TcpFlag.FIN;

/**
 * Copies of the decoder's segment (a lone SYN's, see Tracked.first) that outlive their frame. A
 * copy is needed only until its connection's tracker has observed it, and tcp/ keeps no reference
 * to a segment after observe() (decode/segment.ts), so copies go back to a free list and the next
 * lone SYN is written into one field by field: a fresh copy per connection was about 400 bytes
 * (the object, its options and the heap numbers of its 32-bit fields), 85 MB on the short
 * benchmark, mostly promoted before its SYN-ACK came.
 */
class SegmentCopies {
  private readonly free: SegmentBuffer[] = [];
  private readonly freeOptions: TcpOptions[] = [];

  /** A copy of `seg` (and its options) that outlives the frame. */
  copy(seg: Segment): Segment {
    const c = this.free.pop() ?? newSegment();
    c.packet = seg.packet;
    c.tsSec = seg.tsSec;
    c.tsNsec = seg.tsNsec;
    c.ipVersion = seg.ipVersion;
    c.ipId = seg.ipId;
    c.src0 = seg.src0;
    c.src1 = seg.src1;
    c.src2 = seg.src2;
    c.src3 = seg.src3;
    c.dst0 = seg.dst0;
    c.dst1 = seg.dst1;
    c.dst2 = seg.dst2;
    c.dst3 = seg.dst3;
    c.srcPort = seg.srcPort;
    c.dstPort = seg.dstPort;
    c.seq = seg.seq;
    c.ack = seg.ack;
    c.flags = seg.flags;
    c.window = seg.window;
    c.payloadLen = seg.payloadLen;
    c.options = seg.options === null ? null : this.copyOptions(seg.options);
    c.truncated = seg.truncated;
    c.tunnel = seg.tunnel;
    c.tunnelFlip = seg.tunnelFlip;
    return c;
  }

  /**
   * The decoder's options object holds every key (decode/tcp-options.ts blank()), so a copy is
   * its nine fields in the same order (what a spread gave); the SACK list, Fast Open cookie and
   * unknown kinds are fresh per decode and shared, as a spread shared them.
   */
  private copyOptions(o: TcpOptions): TcpOptions {
    const c = this.freeOptions.pop() ?? {};
    c.mss = o.mss;
    c.wscale = o.wscale;
    c.sackPermitted = o.sackPermitted;
    c.sack = o.sack;
    c.tsVal = o.tsVal;
    c.tsEcr = o.tsEcr;
    c.fastOpen = o.fastOpen;
    c.unknown = o.unknown;
    c.malformed = o.malformed;
    return c;
  }

  /** Takes back a copy nothing refers to any more (its tracker observed it). */
  release(c: Segment): void {
    if (this.free.length >= SEGMENT_COPIES_KEPT) return;
    const b = c as SegmentBuffer;
    if (b.options !== null) {
      const o = b.options;
      // Nothing of a released copy is kept alive by the pool.
      o.sack = o.fastOpen = o.unknown = undefined;
      this.freeOptions.push(o);
    }
    b.options = null;
    this.free.push(b);
  }
}

/** Free copies kept: about the lone SYNs in flight at once on a busy link; a flood's are dropped. */
const SEGMENT_COPIES_KEPT = 4096;

/**
 * A finished connection whose record is already written (see `TraceOptions.finishedHold`) keeps
 * these numbers in the FinishedTable until its TIME-WAIT is over: its ISNs tell a retransmitted
 * SYN from port reuse, its TIME-WAIT starts give the state at the end of the capture, the RST
 * that aborted it (its sender, seq, time and grace) tells a copy of that RST from a segment of a
 * new connection. Doubles where a number needs one (`PF`), 32-bit words for the rest (`PI`):
 * a busy server parks 150,000 connections at once, and 14 doubles each were 17 MB more.
 */
const PF = { id: 0, firstSec: 1, clientTw: 2, serverTw: 3, rstTime: 4, rstGrace: 5 } as const;
const PF_WIDTH = 6;
/** Sequence numbers as their 32 bits (`>>> 0` reads them back); `meta` as the M_ bits below. */
const PI = { clientIsn: 0, serverIsn: 1, firstNsec: 2, rstSeq: 3, meta: 4 } as const;
const PI_WIDTH = 5;
/** PI.meta: each side's written state (its number plus 16 times its basis's: 6 bits), then flags. */
const M_SIDE_BITS = 6;
const M_SIDE_MASK = (1 << M_SIDE_BITS) - 1;
const M_SELECTED = 1 << 12;
/** The RST's sender: 0 none, 1 client, 2 server. */
const M_RST_SHIFT = 13;
const M_NO_CLIENT_ISN = 1 << 15;
const M_NO_SERVER_ISN = 1 << 16;
/** States by number, for the FinishedTable's payload. */
const STATES = Object.values(TcpState);
/** Each state's number (a probe, not a search of STATES per parked side). */
const STATE_NUMBER = new Map<TcpState, number>(STATES.map((s, i) => [s, i]));
/** How a side's state is known, by number (P.client, P.server). */
const BASES: ReadonlyArray<EndpointRecord['stateBasis']> = ['observed', 'inferred', 'unseen'];

/** The state of one trace: a FrameSink that feeds the stages and collects what they find. */
class TraceRun {
  private readonly flows = new FlowTable<Tracked>();
  private readonly parked = new FinishedTable(PF_WIDTH, PI_WIDTH);
  private readonly records: ConnectionRecord[] = [];
  private readonly skipped: Record<string, number> = Object.create(null);
  private readonly mslSec: number;
  private readonly idleSec: number;
  private readonly maxConnections: number;
  private readonly keepRecords: boolean;
  private readonly hold: number;
  /**
   * Whether the summary and the diagnostics are all that read a record (nothing keeps, selects or
   * receives records: `--summary`): then each is made lean (buildRecord).
   */
  private readonly lean: boolean;
  /** One settings object for every tracker (not one per connection). */
  private readonly trackerOptions: TrackerOptions;
  private readonly summary = new SummaryCounter();
  private readonly diagnostics: DiagnosticsCollector | null;
  private allConnections = 0;
  /** Which ids have had their record: the smallest without one is the frontier passed to onRecord. */
  private readonly madeIds: IdFrontier;
  private nextId = 0;
  private tcpSegments = 0;
  private droppedSegments = 0;
  /** Open connections ended early because the table was full. */
  private evicted = 0;
  /** Segments with malformed TCP options (decode/tcp-options.ts), and the packet of the first. */
  private badOptions = 0;
  private firstBadOptions = 0;
  /** Segments of a connection whose record was already written early. */
  private lateSegments = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private now = 0;
  /** The one segment (and options object) every frame is decoded into: tcp/ copies what it keeps. */
  private readonly seg = newSegment();
  private readonly segOptions: TcpOptions = {};
  /** Tunnel paths and the fragment reassembler of this run. */
  private readonly decode: DecodeContext = newDecodeContext();
  /** Lone SYNs' copies, reused (see SegmentCopies). */
  private readonly copies = new SegmentCopies();
  /** Each connection's two addresses as text, the same string for the same address while cached. */
  private readonly addressTexts = new AddressTexts();
  /** This thread's share of a sharded trace, or null. */
  private readonly shard: ShardIds | null;
  /** Where the record being made is made (RecordOrder; one object, rewritten). */
  private readonly made: RecordOrder = { packet: 0, phase: MADE.segment, time: 0, rank: 0 };

  constructor(private readonly options: TraceOptions) {
    this.nextId = options.firstId ?? 0;
    this.madeIds = new IdFrontier(this.nextId);
    this.mslSec = options.mslSec ?? DEFAULTS.mslSec;
    this.idleSec = options.idleTimeoutSec ?? DEFAULTS.idleTimeoutSec;
    this.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    this.keepRecords = options.keepRecords !== false;
    this.shard = options.shard ?? null;
    this.diagnostics = options.diagnostics === false ? null : new DiagnosticsCollector();
    // Records kept for the report cost more than the trackers: holding trackers saves nothing then.
    this.hold = this.keepRecords ? Infinity : Math.max(0, options.finishedHold ?? DEFAULTS.finishedHold);
    this.lean = !this.keepRecords && !options.onRecord && !options.onConnection && !options.select;
    this.trackerOptions = {
      mslSec: this.mslSec,
      allSegments: options.allSegments ?? false,
      noSegments: options.keepSegments === false,
      maxConnections: this.maxConnections,
      timestamps: options.segmentTimestamps === true,
    };
  }

  /** Ends the read early (packetLimit). */
  stop: () => void = () => {};
  private frames = 0;

  /** FrameSink: one captured frame. */
  frame(frame: Frame): void {
    const limit = this.options.packetLimit;
    if (limit !== undefined && ++this.frames > limit) {
      if (this.frames === limit + 1) this.stop();
      return;
    }
    const shard = this.shard;
    if (shard !== null) {
      if (frame.index >= READ_OVER) throw new Error(`more than ${READ_OVER - 1} packets: a sharded trace numbers no more (--threads 1 does)`);
      // Every connection of this thread still to start starts at this frame or later.
      shard.at(frame.index);
    }
    const r = decodeFrameInto(frame, this.seg, this.segOptions, this.decode);
    if (typeof r === 'string') {
      // Inside a tunnel the key names it ('vxlan:non-ip'): a string made once, not per frame.
      const key = r === 'unsupported-link' ? `unsupported-link:${linkTypeName(frame.linkType)}` : skipKey(r);
      this.skipped[key] = (this.skipped[key] ?? 0) + 1;
      return;
    }
    this.tcpSegments++;
    const o = r.options;
    if (o !== null && o.malformed === true && this.badOptions++ === 0) this.firstBadOptions = r.packet;
    if (shard !== null && flowShard(r, shard.count) !== shard.index) this.passBy(r);
    else this.segment(r);
  }

  /**
   * Moves the capture's clock to `seg` and ends what expired by then. Alone, for a segment of
   * another thread's connection (sharded trace): this thread's connections then expire at the same
   * packet as they would in a single thread.
   */
  private passBy(seg: Segment): void {
    // Capture time only moves forward here; a reordered timestamp must not un-expire anything.
    const t = seg.tsSec + seg.tsNsec / 1e9;
    if (t >= this.now) {
      this.now = t;
      this.lastSec = seg.tsSec;
      this.lastNsec = seg.tsNsec;
    }
    this.made.packet = seg.packet;
    this.evictDue();
  }

  private segment(seg: Segment): void {
    this.passBy(seg);
    const made = this.made;
    made.phase = MADE.segment;
    made.time = 0;
    made.rank = 0;

    const flows = this.flows;
    const isSyn = (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    let entry = flows.lookup(seg);
    if (entry === null) {
      const slot = this.parked.lookup(seg);
      let reusedFrom: number | null = null;
      if (slot >= 0) {
        const pay = this.parked.payload;
        const ints = this.parked.ints;
        const o = slot * PF_WIDTH;
        const oi = slot * PI_WIDTH;
        const meta = ints[oi + PI.meta]!;
        const fromClient = this.parked.fromClient;
        const rstBy = (meta >> M_RST_SHIFT) & 3;
        // The tracker's own rule (startsNewConnection) on the numbers it left: after the RST that
        // aborted it, anything but a copy of that RST or a segment that crossed it; else a SYN
        // with a new ISN.
        const rst = {
          by: (rstBy === 1 ? 'client' : 'server') as 'client' | 'server',
          seq: ints[oi + PI.rstSeq]! >>> 0,
          time: pay[o + PF.rstTime]!,
          grace: pay[o + PF.rstGrace]!,
        };
        const noIsn = (meta & (fromClient ? M_NO_CLIENT_ISN : M_NO_SERVER_ISN)) !== 0;
        const isNew =
          rstBy !== 0
            ? !belongsAfterRst(seg, fromClient ? 'client' : 'server', seg.tsSec + seg.tsNsec / 1e9, rst)
            : isSyn && (noIsn || seg.seq !== ints[oi + (fromClient ? PI.clientIsn : PI.serverIsn)]! >>> 0);
        if (!isNew) {
          // Its record is written: a retransmission or a stray segment of the old connection.
          this.lateSegments++;
          return;
        }
        // Port reuse of a finished connection, or a segment after its reset: the old one ends
        // here, a new one starts. A new SYN ends a TIME-WAIT there (see endTimeWaitByReuse).
        reusedFrom = pay[o + PF.id]!;
        this.completeParked(slot, this.lastSec, this.lastNsec, isSyn);
        this.parked.remove(slot);
      }
      if (flows.size >= this.maxConnections && !this.makeRoom()) {
        this.droppedSegments++;
        return;
      }
      // makeRoom() may have removed entries: the lookup's key is still the one insert() needs.
      // Every new connection starts on probation: a full table gives those up first.
      entry = this.open(seg, reusedFrom);
    } else {
      const fromClient = flows.fromClient;
      const slot = entry.value;
      // A lone SYN's entry has no tracker yet and cannot have been reset: only a SYN asks it.
      const old = isSyn ? this.trackerOf(slot) : slot.tracker;
      if (old !== null && old.startsNewConnection(seg, fromClient, this.now - entry.lastTime)) {
        // Port reuse, or a segment after the RST that aborted the connection: the old connection
        // ends here, a new one (an opening if this is a SYN, else mid-stream) starts on the same
        // 4-tuple. A new SYN ends a TIME-WAIT still held on it.
        if (isSyn) old.endTimeWaitByReuse(seg, fromClient);
        const oldId = this.complete(slot, this.lastSec, this.lastNsec);
        const o = orient(seg);
        flows.reuse(entry, seg, o.clientIsSrc, this.newTracked(seg, o.clientIsSrc, o.heuristic, oldId), true);
      }
    }
    const tracked = entry.value;
    const fromClient = flows.fromClient;
    tracked.sides |= fromClient ? 1 : 2;
    if (tracked.tracker === null && tracked.first === null && (seg.flags & DEFER_MASK) === TcpFlag.SYN) {
      // A lone SYN or SYN-ACK: kept as it is until a second segment shows the connection is more.
      tracked.first = this.copies.copy(seg);
      tracked.touched = seg.packet;
      flows.touch(entry, this.now);
      return;
    }
    const tracker = this.trackerOf(tracked, seg);
    tracker.observe(seg, fromClient);
    // The opening is over at the first segment that is not a SYN or SYN-ACK (see onOpen).
    if ((seg.flags & TcpFlag.SYN) === 0) {
      if (this.options.onOpen && !tracked.opened) {
        tracked.opened = true;
        this.options.onOpen(tracker.finish(this.lastSec, this.lastNsec));
      }
      // Off probation once both endpoints have spoken and the opening is over: a spoofed SYN's
      // connection never gets there (its source never answers), nor does a lone stray segment.
      if (entry.probation && tracked.sides === 3) flows.confirm(entry);
    }
    tracked.touched = seg.packet;
    flows.touch(entry, this.now);
    if (tracker.finished && !entry.closing) {
      flows.markClosing(entry);
      if (this.hold === 0) {
        // Written the moment it finishes (NDJSON): one record, no tracker kept. Its notes speak of
        // the capture as it stood then, as a record streamed at that moment always has.
        this.park(entry, tracked, false);
        return;
      }
      this.emit(tracked);
      while (flows.closingCount > this.hold) this.parkOldestFinished();
    }
  }

  /**
   * Starts tracking a 4-tuple whose first captured segment is `seg` (on probation); `reusedFrom`:
   * the connection it had before, whose record is written.
   */
  private open(seg: Segment, reusedFrom: number | null = null): FlowEntry<Tracked> {
    const o = orient(seg);
    const tracked = this.newTracked(seg, o.clientIsSrc, o.heuristic, reusedFrom);
    return this.flows.insert(seg, o.clientIsSrc, tracked, this.now, true);
  }

  /** A new connection's bookkeeping (its id is taken now: ids follow first packets); the tracker comes later. */
  private newTracked(seg: Segment, clientIsSrc: boolean, heuristic: string | null, reusedFrom: number | null): Tracked {
    // Each hop's outer addresses as the client's packets carry them: this segment's own when it
    // is the client's, else reversed.
    const tunnel = seg.tunnel === 0 ? null : this.decode.paths.describe(seg.tunnel, clientIsSrc ? seg.tunnelFlip : ~seg.tunnelFlip);
    const v4 = seg.ipVersion === 4;
    const src = v4 ? seg.src0 | 0 : undefined;
    const dst = v4 ? seg.dst0 | 0 : undefined;
    // Sharded: the thread's own count; idOf() makes it the capture's id once the record is made.
    const id = this.shard === null ? this.nextId++ : this.shard.started(seg.packet);
    return new Tracked(id, clientIsSrc, heuristic, reusedFrom, tunnel, clientIsSrc ? src : dst, clientIsSrc ? dst : src);
  }

  /** A connection's id in the whole capture (a sharded trace's Tracked.id counts this thread's only). */
  private idOf(t: Tracked): number {
    return this.shard === null ? t.id : this.shard.id(t.id);
  }

  /**
   * The connection's tracker, made now if it has none: from its kept first segment, which it
   * observes first, or else from `seg`, the first segment, about to be observed.
   */
  private trackerOf(t: Tracked, seg: Segment | null = null): ConnectionTracker {
    if (t.tracker !== null) return t.tracker;
    const first = t.first;
    const s = first ?? seg!;
    const texts = this.addressTexts;
    const src = { ip: texts.text(s.ipVersion, s.src0, s.src1, s.src2, s.src3), port: s.srcPort };
    const dst = { ip: texts.text(s.ipVersion, s.dst0, s.dst1, s.dst2, s.dst3), port: s.dstPort };
    const tracker = new ConnectionTracker(t.id, t.clientIsSrc ? src : dst, t.clientIsSrc ? dst : src, this.trackerOptions, {
      heuristic: t.heuristic,
      reusedFrom: t.reusedFrom,
      tunnel: t.tunnel,
    });
    t.tracker = tracker;
    if (first !== null) {
      t.first = null;
      tracker.observe(first, t.clientIsSrc);
      this.copies.release(first);
    }
    return tracker;
  }

  /** Evicts connections idle past their limit: 2·MSL once closing (TIME-WAIT is over), else the idle timeout. */
  private evictDue(): void {
    for (;;) {
      const e = this.flows.evictDue(this.now, this.idleSec, 2 * this.mslSec);
      if (e === null) break;
      // In the order evictDue gives them (see RecordOrder).
      const made = this.made;
      made.phase = e.closing ? MADE.closing : MADE.open;
      made.time = e.lastTime;
      made.rank = (e.closing || e.probation ? 0 : RANK_ACTIVE) + e.value.touched;
      this.complete(e.value, this.lastSec, this.lastNsec);
    }
    // Parked connections, oldest first: over once 2·MSL passed since they were parked.
    const parked = this.parked;
    for (let s = parked.oldest(); s >= 0 && this.now - parked.time(s) > 2 * this.mslSec; s = parked.oldest()) {
      this.completeParked(s, this.lastSec, this.lastNsec);
      parked.remove(s);
    }
  }

  /**
   * The table tracks `maxConnections` connections (parked ones, a few numbers each in their own
   * table, do not count): make room for one more by parking the least recently active finished
   * connection, or else by evicting an open one, whose record then says so. That is the least
   * recently active on probation (an opening not over, or only one endpoint heard: what a SYN
   * flood fills the table with) while those fill an eighth of the table or more
   * (`PROBATION_RESERVE`), else the least recently active established one: a flood recycles its
   * own entries, and new connections still get in when established ones fill the table. Like an
   * idle timeout, only sooner: nothing is dropped without a record. False if nothing could be
   * removed.
   */
  private makeRoom(): boolean {
    if (this.flows.closingCount > 0) {
      this.parkOldestFinished();
      return true;
    }
    const e = this.flows.removeOldestOpen(Math.ceil(this.maxConnections * PROBATION_RESERVE));
    if (e === null) return false;
    this.evicted++;
    this.finalize(e.value, 'evicted', true);
    return true;
  }

  /** Writes the record of the least recently active finished connection still tracked whole, and parks it. */
  private parkOldestFinished(): void {
    const e = this.flows.oldestClosing();
    if (e !== null) this.park(e, e.value, true);
  }

  /** Makes the final record of a finished connection now and leaves only a few numbers in its entry. */
  private park(e: FlowEntry<Tracked>, t: Tracked, early: boolean): void {
    const tracker = this.trackerOf(t);
    const record = this.finalize(t, early ? 'early' : 'end', false);
    // The tracker goes; its 4-tuple moves to the FinishedTable with a few numbers.
    const p = tracker.park(record);
    this.flows.remove(e);
    const slot = this.parked.add(e, this.now);
    const pay = this.parked.payload;
    const ints = this.parked.ints;
    const o = slot * PF_WIDTH;
    const oi = slot * PI_WIDTH;
    // The record's: the capture's id also in a sharded trace.
    pay[o + PF.id] = record.id;
    pay[o + PF.firstSec] = p.firstSec;
    pay[o + PF.clientTw] = p.clientTwStart;
    pay[o + PF.serverTw] = p.serverTwStart;
    pay[o + PF.rstTime] = p.aborted === null ? 0 : p.aborted.time;
    pay[o + PF.rstGrace] = p.aborted === null ? 0 : p.aborted.grace;
    ints[oi + PI.clientIsn] = p.clientIsn ?? 0;
    ints[oi + PI.serverIsn] = p.serverIsn ?? 0;
    ints[oi + PI.firstNsec] = p.firstNsec;
    ints[oi + PI.rstSeq] = p.aborted === null ? 0 : p.aborted.seq;
    ints[oi + PI.meta] =
      (STATE_NUMBER.get(p.client)! + 16 * BASES.indexOf(record.client.stateBasis)) |
      ((STATE_NUMBER.get(p.server)! + 16 * BASES.indexOf(record.server.stateBasis)) << M_SIDE_BITS) |
      (this.selected ? M_SELECTED : 0) |
      ((p.aborted === null ? 0 : p.aborted.by === 'client' ? 1 : 2) << M_RST_SHIFT) |
      (p.clientIsn === null ? M_NO_CLIENT_ISN : 0) |
      (p.serverIsn === null ? M_NO_SERVER_ISN : 0);
  }

  /** Streams a record as soon as its connection is over (NDJSON, live). */
  private emit(t: Tracked): void {
    if (t.emitted || !this.options.onConnection) return;
    t.emitted = true;
    const record = this.trackerOf(t).finish(this.lastSec, this.lastNsec);
    if (this.shard !== null) record.id = this.idOf(t);
    this.options.onConnection(record, this.made);
  }

  /** Hands a connection's final record on (the tracker is dropped after this); returns its id (the capture's, also in a sharded trace). */
  private complete(t: Tracked, endSec: number, endNsec: number): number {
    return this.finalize(t, 'end', true, endSec, endNsec).id;
  }

  /** Whether the record finalize() made last was selected (a field: no result object per connection). */
  private selected = false;

  /**
   * Makes a connection's final record (as of the last packet unless told), folds and hands it on,
   * and gives it to onConnection if that has not had it yet. `finalStates`: the record's states are
   * the ones at the end (false when it is parked, whose end states come later). Sets `selected`.
   */
  private finalize(t: Tracked, why: FinishReason, finalStates: boolean, endSec = this.lastSec, endNsec = this.lastNsec): ConnectionRecord {
    const tracker = this.trackerOf(t);
    // Let go of the tracker now. A Tracked that lived long enough to reach V8's old generation and
    // is dropped with its entry would otherwise keep a young tracker (made just now, for a lone
    // SYN) and its record alive through the next scavenges: promoted, they cost a flood of evicted
    // SYNs half its time in the garbage collector.
    t.tracker = null;
    // The last finish(): the record takes over the tracker's lists instead of copying them.
    const record = tracker.finish(endSec, endNsec, true, why, this.lean);
    if (this.shard !== null) record.id = this.idOf(t);
    if (this.made.phase === MADE.end) this.made.rank = record.id;
    this.selected = this.deliver(record, finalStates, why === 'evicted', t);
    if (!t.emitted && this.options.onConnection) {
      t.emitted = true;
      this.options.onConnection(record, this.made);
    }
    return record;
  }

  /**
   * The end of a parked connection: its final states, as of (endSec, endNsec), go to the summary.
   * `reusedBySyn`: a new SYN reused the 4-tuple at (endSec, endNsec), which ends a TIME-WAIT there
   * (ConnectionTracker.endTimeWaitByReuse). The record is already written (its TIME-WAIT "until
   * +N s", as of when it was parked) and is not changed: only the summary's final state is CLOSED.
   */
  private completeParked(slot: number, endSec: number, endNsec: number, reusedBySyn = false): void {
    const pay = this.parked.payload;
    const o = slot * PF_WIDTH;
    const meta = this.parked.ints[slot * PI_WIDTH + PI.meta]!;
    if ((meta & M_SELECTED) === 0) return;
    const client = meta & M_SIDE_MASK;
    const server = (meta >> M_SIDE_BITS) & M_SIDE_MASK;
    // Each side known as its record said (a TIME-WAIT the SYN ended keeps its basis, as the tracker's does).
    this.summary.addFinalStates(
      pay[o + PF.id]!,
      this.parkedEndState(slot, client, PF.clientTw, endSec, endNsec, reusedBySyn),
      this.parkedEndState(slot, server, PF.serverTw, endSec, endNsec, reusedBySyn),
      BASES[client >> 4]!,
      BASES[server >> 4]!,
    );
  }

  /**
   * A parked side's state at (endSec, endNsec), from its written `side` code (M_SIDE_BITS) and its
   * TIME-WAIT start's field: one written in TIME-WAIT is CLOSED once its 2·MSL ran out, as
   * finish() decides, or once a new SYN reused the 4-tuple.
   */
  private parkedEndState(slot: number, side: number, twStart: number, endSec: number, endNsec: number, reusedBySyn: boolean): TcpState {
    const s = STATES[side & 15]!;
    if (s !== TcpState.TimeWait) return s;
    const pay = this.parked.payload;
    const o = slot * PF_WIDTH;
    const firstNsec = this.parked.ints[slot * PI_WIDTH + PI.firstNsec]!;
    const over = reusedBySyn || timeWaitOver(pay[o + twStart]!, pay[o + PF.firstSec]!, firstNsec, endSec, endNsec, this.mslSec);
    return over ? TcpState.Closed : s;
  }

  /**
   * Folds a final record into the summary and diagnostics and passes it on; returns whether it was
   * selected. `evicted`: the table was full and this open connection was ended to make room.
   */
  private deliver(record: ConnectionRecord, finalStates: boolean, evicted: boolean, t: Tracked): boolean {
    this.allConnections++;
    const selected = this.options.select === undefined || this.options.select(record);
    if (selected) {
      // A parked record's state bases go with its tuple (park), not into the summary's map.
      this.summary.add(record, finalStates, false);
      this.diagnostics?.add(record, evicted, t.clientWord, t.serverWord);
    }
    if (this.keepRecords) this.records.push(record);
    if (this.options.onRecord) {
      if (this.shard !== null) this.options.onRecord(record, NaN, selected, this.made);
      else {
        this.options.onRecord(record, this.madeIds.add(record.id), selected, this.made);
      }
    }
    return selected;
  }

  /** Ends the run, every connection still tracked described as of the last packet's time: what it found, in numbers and reducers. */
  tally(name: string, stats: CaptureStats): TraceTally {
    // One entry at a time, so each tracker can be collected as soon as its record exists; handed
    // on in id order (the order a report lists them in).
    const rest: Tracked[] = [];
    for (let e = this.flows.removeOldest(); e !== null; e = this.flows.removeOldest()) rest.push(e.value);
    this.parked.forEach((s) => this.completeParked(s, this.lastSec, this.lastNsec));
    // Its arrays (tens of MB on a busy capture) are not needed while the diagnostics are computed.
    this.parked.clear();
    rest.sort((a, b) => a.id - b.id);
    this.made.packet = READ_OVER;
    this.made.phase = MADE.end;
    this.made.time = 0;
    for (let i = 0; i < rest.length; i++) {
      this.complete(rest[i]!, this.lastSec, this.lastNsec);
      rest[i] = undefined as unknown as Tracked;
    }
    return {
      name,
      stats,
      connections: this.records.sort((a, b) => a.id - b.id),
      frames: {
        tcpSegments: this.tcpSegments,
        skipped: this.skipped,
        badOptions: this.badOptions,
        firstBadOptions: this.firstBadOptions,
        frag: this.decode.reasm?.finish() ?? null,
      },
      counts: {
        lateSegments: this.lateSegments,
        droppedSegments: this.droppedSegments,
        evicted: this.evicted,
        all: this.allConnections,
        hold: this.hold,
        maxConnections: this.maxConnections,
      },
      summary: this.summary,
      diagnostics: this.diagnostics,
      mslSec: this.mslSec,
      portRange: this.options.portRange ?? DEFAULTS.portRange,
      packetLimit: this.options.packetLimit,
    };
  }
}

/** What the reassembler says at the end (decode/reassembly.ts finish()). */
type FragFacts = NonNullable<ReturnType<NonNullable<DecodeContext['reasm']>['finish']>>;

/**
 * What a trace found, before it is worded into a report: the capture's numbers, the counts and
 * the reducers. A sharded trace (shard/run.ts) adds up the `counts` and merges the reducers of
 * its threads, and takes `frames` and `stats` from one of them: every thread reads every frame.
 */
export interface TraceTally {
  name: string;
  stats: CaptureStats;
  connections: ConnectionRecord[];
  /** Per frame: the same in every thread of a sharded trace. */
  frames: { tcpSegments: number; skipped: Record<string, number>; badOptions: number; firstBadOptions: number; frag: FragFacts | null };
  /** Per connection (each thread its own: they add up), and the table limits (each thread its share). */
  counts: { lateSegments: number; droppedSegments: number; evicted: number; all: number; hold: number; maxConnections: number };
  summary: SummaryCounter;
  diagnostics: DiagnosticsCollector | null;
  mslSec: number;
  portRange: [number, number];
  packetLimit: number | undefined;
}

/** The report of a trace: its tally in the words and shape of the JSON contract. */
export function reportOf(t: TraceTally): Report {
  const { stats, frames, counts } = t;
  const warnings = stats.warnings.map((w) => w.message);
  if (counts.lateSegments > 0) {
    const why = counts.hold === 0 ? 'each is written as its connection finishes' : `more than ${counts.hold} finished connections at once`;
    warnings.push(
      `${counts.lateSegments} segments came after their connection's record was written (${why}), so no record shows them: retransmitted FINs or ACKs, late RSTs, strays`,
    );
  }
  const frag = frames.frag;
  if (frag !== null) {
    const lost = frag.timedOut + frag.overlaps + frag.overLimit + frag.truncated + frag.invalid + frag.incomplete;
    if (lost > 0) {
      const why = Object.entries({
        'timed out': frag.timedOut,
        overlapping: frag.overlaps,
        'over a limit': frag.overLimit,
        'cut by the snaplen': frag.truncated,
        invalid: frag.invalid,
        'incomplete at the end': frag.incomplete,
      })
        .filter(([, n]) => n > 0)
        .map(([w, n]) => `${n} ${w}`)
        .join(', ');
      warnings.push(
        `${lost === 1 ? '1 fragmented IP datagram' : `${lost} fragmented IP datagrams`} could not be reassembled (${why}); ${frag.datagrams} were: their fragments are counted as skipped 'fragment'`,
      );
    }
  }
  if (frames.badOptions > 0) {
    // Damage inside a packet, said as damage in the file is: a count and where it starts.
    warnings.push(
      `${frames.badOptions === 1 ? '1 TCP segment has' : `${frames.badOptions} TCP segments have`} malformed options (first in packet ${frames.firstBadOptions}): ` +
        'an option length below 2 or running past the header ends the options there, one wrong for its kind is ignored (as Linux does), so those segments count only the options before the damage',
    );
  }
  const input: InputRecord = {
    path: t.name,
    format: stats.format,
    linkTypes: stats.linkTypes.map(linkTypeName),
    packets: t.packetLimit === undefined ? stats.packets : Math.min(stats.packets, t.packetLimit),
    tcpSegments: frames.tcpSegments,
    skipped: { ...frames.skipped },
    // Readers put the offset in the message itself ("file ends mid-record at offset N ...").
    warnings,
    compression: stats.compression ?? null,
    drops: stats.drops ?? null,
  };
  const summary = t.summary.result();
  if (counts.droppedSegments > 0 || counts.evicted > 0) {
    summary.tableFull = { cap: counts.maxConnections, dropped: counts.droppedSegments, evicted: counts.evicted };
  }
  const report: Report = { schema: SCHEMA, input, connections: t.connections, summary };
  if (t.diagnostics !== null) report.diagnostics = t.diagnostics.result({ mslSec: t.mslSec, portRange: t.portRange });
  return withTotals(report, { ...t.summary.totals(), all: counts.all });
}
