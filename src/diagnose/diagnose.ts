/**
 * Operational diagnostics over the finished connection records: TIME-WAIT pressure, CLOSE-WAIT
 * leaks, failed and half-open openings, keep-alive. Pure functions of the model (they read the
 * timeline, final states, open/close kinds and keep-alive counts; they never re-read segments), run
 * once per trace after the tcp stage. The thresholds are documented in docs/check.md.
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { CLOSE_WAIT_WARN_SEC, diagnoseCloseWait } from './close-wait.js';
import { diagnoseKeepAlive } from './keep-alive.js';
import { diagnoseOpenings, SYN_FLOOD_MIN } from './openings.js';
import { indexIps } from './ips.js';
import { diagnoseTimeWait } from './time-wait.js';
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

/** Computes every diagnostic and the findings list from finished connection records. */
export function diagnose(connections: readonly ConnectionRecord[], opts: DiagnoseOptions): Diagnostics {
  const params: DiagnosticsParams = {
    mslSec: opts.mslSec,
    portRange: [opts.portRange[0], opts.portRange[1]],
    closeWaitWarnSec: opts.closeWaitWarnSec ?? CLOSE_WAIT_WARN_SEC,
    synFloodMin: opts.synFloodMin ?? SYN_FLOOD_MIN,
  };
  let window: Diagnostics['window'] = null;
  for (let i = 0; i < connections.length; i++) {
    const r = connections[i]!;
    if (window === null) window = { start: r.start, end: r.end };
    else {
      if (r.start < window.start) window.start = r.start;
      if (r.end > window.end) window.end = r.end;
    }
  }
  if (window !== null && opts.endTime !== undefined && opts.endTime > window.end) window.end = opts.endTime;

  // Addresses numbered once for every grouping below (comparing per-record strings is most of the cost).
  const ips = indexIps(connections);
  const tw = diagnoseTimeWait(connections, window, params, ips);
  const cw = diagnoseCloseWait(connections, window, params);
  const op = diagnoseOpenings(connections, params, ips);
  const ka = diagnoseKeepAlive(connections);
  const findings = sortFindings([...tw.findings, ...cw.findings, ...op.findings, ...ka.findings]);
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

/** Warnings first, then in FINDING_CODES order; stable within a code (each section already sorted). */
function sortFindings(list: Finding[]): Finding[] {
  const rank = (f: Finding) => (f.severity === 'warning' ? 0 : 1) * 100 + FINDING_CODES.indexOf(f.code);
  return list.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
}
