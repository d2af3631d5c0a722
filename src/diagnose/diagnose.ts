/**
 * Operational diagnostics over the finished connection records: TIME-WAIT pressure, CLOSE-WAIT
 * leaks, failed and half-open openings, keep-alive. A reducer: `DiagnosticsCollector.add()` folds
 * each finished connection in once (into counters, typed columns, and the few records a finding
 * is about), so a run never keeps a list of every record; `result()` computes the findings. The
 * result does not depend on the order in which records arrive. They read the timeline, final
 * states, open/close kinds and keep-alive counts; they never re-read segments. The thresholds are
 * documented in docs/check.md.
 *
 * Collectors fed disjoint sets of connections (worker threads, each tracing some of the flows)
 * merge: `state()` is plain data that survives postMessage, `absorb()` folds it into another
 * collector, which then gives what one fed every record would have. Each part numbers addresses
 * its own way, so a state carries its numbering and is re-keyed by address on absorb. Lists travel
 * whole, as one collector keeps them: the sweeps need every TIME-WAIT socket, and which CLOSE-WAIT
 * endpoints come first depends on the end of the whole window.
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { CLOSE_WAIT_WARN_SEC, CloseWaitCollector, type CloseWaitState } from './close-wait.js';
import { KeepAliveCollector, type KeepAliveState } from './keep-alive.js';
import { type OpeningsState, OpeningsCollector, SYN_FLOOD_MIN } from './openings.js';
import { IpNumbers, type IpState } from './ips.js';
import { TimeWaitCollector, type TimeWaitState } from './time-wait.js';
import { FINDING_CODES, type Diagnostics, type DiagnosticsParams, type Finding } from './types.js';

/** What diagnose() needs: the MSL and port range, plus optional thresholds. */
export interface DiagnoseOptions {
  /** Maximum segment lifetime, seconds (TIME-WAIT lasts 2·MSL). */
  mslSec: number;
  /** Ephemeral port range, inclusive. */
  portRange: [number, number];
  /** Seconds in CLOSE-WAIT from which a leak is reported as a warning (default 1). */
  closeWaitWarnSec?: number;
  /** Half-open openings on one endpoint from which a SYN flood is reported (default 20). */
  synFloodMin?: number;
  /** End of the capture window (epoch s) when known better than the last connection's last packet. */
  endTime?: number;
}

/**
 * A DiagnosticsCollector's content as plain data (typed arrays, Maps, arrays, plain objects): what
 * a worker posts to the thread that merges. Address numbers in it are those of `ips`.
 */
export interface DiagnosticsState {
  ips: IpState;
  window: { start: number; end: number } | null;
  timeWait: TimeWaitState;
  closeWait: CloseWaitState;
  openings: OpeningsState;
  keepAlive: KeepAliveState;
}

/** Every diagnostic, fed one finished connection at a time. */
export class DiagnosticsCollector {
  private readonly ips = new IpNumbers();
  private readonly timeWait = new TimeWaitCollector(this.ips);
  private readonly closeWait = new CloseWaitCollector();
  private readonly openings = new OpeningsCollector(this.ips);
  private readonly keepAlive = new KeepAliveCollector();
  private window: { start: number; end: number } | null = null;

  /**
   * Folds one finished connection in. `evicted`: it was still open when a full flow table ended it
   * to make room (only the run knows: a record says so in its notes). `clientWord`/`serverWord`:
   * the addresses as IPv4 words when the caller has them (see IpNumbers), else undefined.
   */
  add(r: ConnectionRecord, evicted = false, clientWord?: number, serverWord?: number): void {
    const w = this.window;
    if (w === null) this.window = { start: r.start, end: r.end };
    else {
      if (r.start < w.start) w.start = r.start;
      if (r.end > w.end) w.end = r.end;
    }
    // Addresses numbered once for every grouping (comparing per-record strings is most of the
    // cost): the server's here (a few servers, the last one cached), a client's by the collector
    // that keeps it (TIME-WAIT sockets, failed openings): a million clients cost a million map
    // entries, and most records need none.
    const server = this.ips.number(r.server.ip, 1, serverWord);
    this.timeWait.add(r, server, clientWord);
    this.closeWait.add(r);
    this.openings.add(r, server, evicted, clientWord);
    this.keepAlive.add(r);
  }

  /** Everything folded in so far, as plain data (a copy). */
  state(): DiagnosticsState {
    return {
      ips: this.ips.state(),
      window: this.window === null ? null : { ...this.window },
      timeWait: this.timeWait.state(),
      closeWait: this.closeWait.state(),
      openings: this.openings.state(),
      keepAlive: this.keepAlive.state(),
    };
  }

  /**
   * Adds another collector's `state()`: afterwards this one is what one fed both sets of records
   * would be. The two must have folded different connections (ids are global).
   */
  absorb(s: DiagnosticsState): void {
    if (s.window !== null) {
      const w = this.window;
      if (w === null) this.window = { ...s.window };
      else {
        if (s.window.start < w.start) w.start = s.window.start;
        if (s.window.end > w.end) w.end = s.window.end;
      }
    }
    // Its address numbers -> ours, by address.
    const ip = this.ips.absorb(s.ips);
    this.timeWait.absorb(s.timeWait, ip);
    this.closeWait.absorb(s.closeWait);
    this.openings.absorb(s.openings, ip);
    this.keepAlive.absorb(s.keepAlive);
  }

  /** The diagnostics of everything folded in so far. */
  result(opts: DiagnoseOptions): Diagnostics {
    const params: DiagnosticsParams = {
      mslSec: opts.mslSec,
      portRange: [opts.portRange[0], opts.portRange[1]],
      closeWaitWarnSec: opts.closeWaitWarnSec ?? CLOSE_WAIT_WARN_SEC,
      synFloodMin: opts.synFloodMin ?? SYN_FLOOD_MIN,
    };
    const window = this.window === null ? null : { ...this.window };
    if (window !== null && opts.endTime !== undefined && opts.endTime > window.end) window.end = opts.endTime;
    const tw = this.timeWait.result(window, params);
    const cw = this.closeWait.result(window, params);
    const op = this.openings.result(params, window);
    const ka = this.keepAlive.result();
    // Every finding with every key (`holder` null where it does not apply): see the JSON contract.
    const findings = sortFindings([...tw.findings, ...cw.findings, ...op.findings, ...ka.findings]).map(
      (f): Finding => ({ severity: f.severity, code: f.code, subject: f.subject, message: f.message, holder: f.holder ?? null }),
    );
    return {
      params,
      window,
      timeWait: tw.timeWait,
      closeWait: cw.closeWait,
      openings: op.openings,
      keepAlive: ka.keepAlive,
      findings,
    };
  }
}

/** Computes every diagnostic and the findings list from finished connection records. */
export function diagnose(connections: readonly ConnectionRecord[], opts: DiagnoseOptions): Diagnostics {
  const d = new DiagnosticsCollector();
  for (let i = 0; i < connections.length; i++) d.add(connections[i]!);
  return d.result(opts);
}

/** Warnings first, then in FINDING_CODES order; stable within a code (each section already sorted). */
function sortFindings(list: Finding[]): Finding[] {
  const rank = (f: Finding) => (f.severity === 'warning' ? 0 : 1) * 100 + FINDING_CODES.indexOf(f.code);
  return list
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((x) => x.f);
}
