/**
 * The one place that wires the stages: capture -> decode -> flow -> tcp -> diagnose.
 * Also the programmatic API (`import { trace } from 'tcptrace'`).
 *
 * Per packet this file does a decode, one flow-table probe and one tracker update; everything
 * else (records, summaries, diagnostics) happens once per connection.
 */
import type { CaptureSource, CaptureStats, Frame, ProgressFn } from './capture/frame.js';
import { linkTypeName } from './capture/link-types.js';
import { formatIp } from './decode/addr.js';
import { decodeFrame } from './decode/decode-frame.js';
import { TcpFlag, type Segment } from './decode/segment.js';
import { diagnose } from './diagnose/diagnose.js';
import type { Report } from './diagnose/types.js';
import { FlowTable, type FlowEntry } from './flow/flow-table.js';
import { orient } from './flow/orientation.js';
import { ConnectionTracker, type TrackerOptions } from './tcp/connection.js';
import { SCHEMA, type ConnectionRecord, type InputRecord } from './tcp/model.js';
import { summarize } from './tcp/summary.js';

export interface TraceOptions {
  /** Maximum segment lifetime in seconds; TIME-WAIT lasts 2·MSL. Default 30 (Linux's 60 s TIME-WAIT). */
  mslSec?: number;
  /** A connection with no packet for this many seconds is finished and evicted. Default 300. */
  idleTimeoutSec?: number;
  /** Most connections tracked at once; beyond it new ones are counted and dropped. Default 1,000,000. */
  maxConnections?: number;
  /** Keep every segment of every connection in `segments` (for `--all`), not only the exchanges. */
  allSegments?: boolean;
  /** Ephemeral port range for the TIME-WAIT pressure diagnostic. Default Linux's [32768, 60999]. */
  portRange?: [number, number];
  /** Called with each connection record as soon as it is finished (NDJSON streaming, live capture). */
  onConnection?: (record: ConnectionRecord) => void;
  /**
   * Keep every record for the report (default true). With false, records reach only
   * `onConnection` and are dropped after it, so memory stays bounded on an endless live capture or
   * a huge file streamed as NDJSON; the report's `connections` is then empty and its summary and
   * diagnostics describe no connection.
   */
  keepRecords?: boolean;
  /**
   * Called once per connection as soon as its opening exchange is over, with its record as of
   * then (live capture prints the opening before the connection ends): at the first segment that
   * is not a SYN or SYN-ACK, i.e. the handshake's final ACK, the RST of a refused SYN, or a
   * mid-stream connection's first segment. An opening that never got that far (SYNs unanswered,
   * a SYN-ACK never acknowledged) gets no call; onConnection still gets the record.
   */
  onOpen?: (record: ConnectionRecord) => void;
  /** Input progress, for the spinner. */
  onProgress?: ProgressFn;
  /** Stops reading (live capture's Ctrl-C); the report then describes every endpoint as of that moment. */
  signal?: AbortSignal;
}

export const DEFAULTS = {
  mslSec: 30,
  idleTimeoutSec: 300,
  maxConnections: 1_000_000,
  portRange: [32768, 60999] as [number, number],
};

/** Reads a source to its end and returns the report (connections in order of first packet). */
export async function trace(source: CaptureSource, options: TraceOptions = {}): Promise<Report> {
  const run = new TraceRun(options);
  const stats = await source.run(run, { signal: options.signal, onProgress: options.onProgress });
  return run.finish(source.name, stats);
}

/** Per-connection bookkeeping kept beside the tracker. */
interface Tracked {
  tracker: ConnectionTracker;
  /** Whether `onConnection` already received this connection's record. */
  emitted: boolean;
  /** Whether `onOpen` already received this connection's record. */
  opened: boolean;
}

/** The state of one trace: a FrameSink that feeds the stages and collects what they find. */
class TraceRun {
  private readonly flows = new FlowTable<Tracked>();
  private readonly records: ConnectionRecord[] = [];
  private readonly skipped: Record<string, number> = Object.create(null);
  private readonly mslSec: number;
  private readonly idleSec: number;
  private readonly maxConnections: number;
  /** One settings object for every tracker (not one per connection). */
  private readonly trackerOptions: TrackerOptions;
  private nextId = 0;
  private tcpSegments = 0;
  private droppedSegments = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private now = 0;

  constructor(private readonly options: TraceOptions) {
    this.mslSec = options.mslSec ?? DEFAULTS.mslSec;
    this.idleSec = options.idleTimeoutSec ?? DEFAULTS.idleTimeoutSec;
    this.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    this.trackerOptions = { mslSec: this.mslSec, allSegments: options.allSegments ?? false };
  }

  /** FrameSink: one captured frame. */
  frame(frame: Frame): void {
    const r = decodeFrame(frame);
    if (typeof r === 'string') {
      const key = r === 'unsupported-link' ? `unsupported-link:${linkTypeName(frame.linkType)}` : r;
      this.skipped[key] = (this.skipped[key] ?? 0) + 1;
      return;
    }
    this.tcpSegments++;
    this.segment(r);
  }

  private segment(seg: Segment): void {
    // Capture time only moves forward here; a reordered timestamp must not un-expire anything.
    const t = seg.tsSec + seg.tsNsec / 1e9;
    if (t >= this.now) {
      this.now = t;
      this.lastSec = seg.tsSec;
      this.lastNsec = seg.tsNsec;
    }
    this.evictDue();

    const flows = this.flows;
    let entry = flows.lookup(seg);
    if (entry === null) {
      if (flows.size >= this.maxConnections) {
        this.droppedSegments++;
        return;
      }
      entry = this.open(seg);
    } else {
      const fromClient = flows.fromClient;
      const isSyn = (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
      if (isSyn && entry.value.tracker.startsNewConnection(seg, fromClient, this.now - entry.lastTime)) {
        // Port reuse: the old connection ends here, a new one starts on the same 4-tuple.
        const old = entry.value.tracker;
        this.complete(entry.value, this.lastSec, this.lastNsec);
        const fresh = this.newTracked(seg, true, null, old.id);
        flows.reuse(entry, seg, true, fresh);
      }
    }
    const tracked = entry.value;
    tracked.tracker.observe(seg, flows.fromClient);
    // The opening is over at the first segment that is not a SYN or SYN-ACK (see onOpen).
    if (this.options.onOpen && !tracked.opened && (seg.flags & TcpFlag.SYN) === 0) {
      tracked.opened = true;
      this.options.onOpen(tracked.tracker.finish(this.lastSec, this.lastNsec));
    }
    flows.touch(entry, this.now);
    if (tracked.tracker.finished && !entry.closing) {
      flows.markClosing(entry);
      this.emit(tracked);
    }
  }

  /** Starts tracking a new 4-tuple whose first captured segment is `seg`. */
  private open(seg: Segment): FlowEntry<Tracked> {
    const o = orient(seg);
    const tracked = this.newTracked(seg, o.clientIsSrc, o.heuristic, null);
    return this.flows.insert(seg, o.clientIsSrc, tracked, this.now);
  }

  private newTracked(seg: Segment, clientIsSrc: boolean, heuristic: string | null, reusedFrom: number | null): Tracked {
    const src = { ip: formatIp(seg.ipVersion, seg.src0, seg.src1, seg.src2, seg.src3), port: seg.srcPort };
    const dst = { ip: formatIp(seg.ipVersion, seg.dst0, seg.dst1, seg.dst2, seg.dst3), port: seg.dstPort };
    const tracker = new ConnectionTracker(
      this.nextId++,
      clientIsSrc ? src : dst,
      clientIsSrc ? dst : src,
      this.trackerOptions,
      { heuristic, reusedFrom },
    );
    return { tracker, emitted: false, opened: false };
  }

  /** Evicts connections idle past their limit: 2·MSL once closing (TIME-WAIT is over), else the idle timeout. */
  private evictDue(): void {
    for (;;) {
      const e = this.flows.evictDue(this.now, this.idleSec, 2 * this.mslSec);
      if (e === null) return;
      this.complete(e.value, this.lastSec, this.lastNsec);
    }
  }

  /** Streams a record as soon as its connection is over (NDJSON, live). */
  private emit(t: Tracked): void {
    if (t.emitted || !this.options.onConnection) return;
    t.emitted = true;
    this.options.onConnection(t.tracker.finish(this.lastSec, this.lastNsec));
  }

  /** Hands a connection's final record to the report; the tracker is dropped after this. */
  private complete(t: Tracked, endSec: number, endNsec: number): void {
    // The last finish(): the record takes over the tracker's lists instead of copying them.
    const record = t.tracker.finish(endSec, endNsec, true);
    if (this.options.keepRecords !== false) this.records.push(record);
    if (!t.emitted && this.options.onConnection) {
      t.emitted = true;
      this.options.onConnection(record);
    }
  }

  /** Ends the run: every connection still tracked is described as of the last packet's time. */
  finish(name: string, stats: CaptureStats): Report {
    // One entry at a time, so each tracker can be collected as soon as its record exists.
    for (let e = this.flows.removeOldest(); e !== null; e = this.flows.removeOldest()) this.complete(e.value, this.lastSec, this.lastNsec);
    const connections = this.records.sort((a, b) => a.id - b.id);
    const input: InputRecord = {
      path: name,
      format: stats.format,
      linkTypes: stats.linkTypes.map(linkTypeName),
      packets: stats.packets,
      tcpSegments: this.tcpSegments,
      skipped: { ...this.skipped },
      // Readers put the offset in the message itself ("file ends mid-record at offset N ...").
      warnings: stats.warnings.map((w) => w.message),
    };
    const summary = summarize(connections);
    if (this.droppedSegments > 0) summary.tableFull = { cap: this.maxConnections, dropped: this.droppedSegments };
    const diagnostics = diagnose(connections, {
      mslSec: this.mslSec,
      portRange: this.options.portRange ?? DEFAULTS.portRange,
    });
    return { schema: SCHEMA, input, connections, summary, diagnostics };
  }
}
