/**
 * The diagnostics' findings in the output's language.
 *
 * A Finding carries diagnose/'s English sentence with its code and subject; the numbers behind it
 * are in the diagnostics sections (TIME-WAIT tuples and hosts, CLOSE-WAIT groups, opening groups,
 * keep-alive connections). In English the sentence is printed as diagnose/ wrote it. In another
 * language it is rebuilt from those structured data, found by code and subject, with that
 * language's template (messages.ts `FINDING_TEXT`); the English sentence is printed only when the
 * language has no template for the code or the data is not there (the sections list at most 20
 * tuples and 100 keep-alive connections). Nothing is re-derived from the capture or the records.
 */
import { formatSec, hostPort } from '../diagnose/endpoint.js';
import { TW_INFO_FRACTION } from '../diagnose/time-wait.js';
import type { Diagnostics, Finding, FindingCode, Report, UnansweredGroup } from '../diagnose/types.js';
import type { Side } from '../tcp/model.js';
import { FINDING_TEXT, type Lang } from './messages.js';

/** TIME-WAIT on one (client IP, server IP, server port), as the findings state it. */
export interface TimeWaitTupleData {
  clientIp: string;
  /** `ip:port` of the server. */
  server: string;
  serverIp: string;
  /**
   * Whose host holds the TIME-WAIT sockets counted: the client's use its ephemeral ports (connect()
   * fails with EADDRNOTAVAIL once all are), the server's only its sockets (a new SYN is accepted).
   */
  holder: Side;
  /** Most 4-tuples `holder` held in TIME-WAIT at once. */
  peak: number;
  /** Percent of the range, rounded: "12%". */
  pct: string;
  rangeSize: number;
  range: [number, number];
  /** When the peak was reached, after the capture window's start: "+1.2 s". */
  at: string;
  /** The range is used up entirely (connect() fails), not only past half. */
  exhausted: boolean;
  /** For a projected pressure: closes per second (one decimal) and the steady-state count, else null. */
  projection: { rate: string; ports: number; pct: string } | null;
}

/** The data each finding code's template gets. */
export interface FindingDataMap {
  'time-wait-exhaustion': TimeWaitTupleData;
  'time-wait-pressure': TimeWaitTupleData;
  'time-wait-server-close': {
    ip: string;
    /** Graceful closes on this server, and how many of them it started. */
    serverFirst: number;
    closes: number;
    entered: number;
    peak: number;
    at: string;
    /** 2·MSL: "60 s". */
    msl2: string;
  };
  'close-wait-leak': {
    side: Side;
    ip: string;
    service: string;
    connections: number;
    /** Longest time in CLOSE-WAIT ("75 s"), null when unknown. */
    longest: string | null;
    /** Long enough to be a leak (a warning), not a close that just happened. */
    leak: boolean;
  };
  'unanswered-syn': {
    server: string;
    connections: number;
    clients: number;
    /** Gaps between SYNs: ["1.01 s", "2.02 s"]. */
    gaps: string[];
    backoff: UnansweredGroup['backoff'];
    /** Of these connections, how many a full flow table evicted. */
    evicted: number;
  };
  refused: { server: string; connections: number; clients: number };
  'syn-flood': {
    server: string;
    /** The flooded groups of this server endpoint: unanswered single SYNs, half-open connections, or both. */
    unanswered: { connections: number; clients: number; singleSyn: number } | null;
    halfOpen: { connections: number; clients: number; pct: string } | null;
    /** Of those connections, how many a full flow table evicted. */
    evicted: number;
  };
  'half-open': { server: string; connections: number; clients: number; pct: string; evicted: number };
  'keep-alive': {
    server: string;
    connections: number;
    probes: number;
    /** Probe interval: one value, a range, or null when none is known. */
    every: [string] | [string, string] | null;
  };
}

/** One language's templates: a sentence from each code's data. */
export type FindingTemplates = { [K in FindingCode]?: (d: FindingDataMap[K]) => string };

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The data of finding `f` from the diagnostics (and, for one count, the records), or null when not there. */
export function findingData(f: Finding, report: Report): FindingDataMap[FindingCode] | null {
  const d: Diagnostics | undefined = report.diagnostics;
  if (!d) return null;
  const rel = (t: number) => `+${formatSec(t - (d.window?.start ?? t))}`;
  switch (f.code) {
    case 'time-wait-exhaustion':
    case 'time-wait-pressure': {
      const t = d.timeWait.tuples.find((x) => `${x.clientIp} -> ${hostPort(x.serverIp, x.serverPort)}` === f.subject);
      if (!t) return null;
      // The host diagnose/ counted (a finding without one predates per-side counts: the majority).
      const holder: Side = f.holder ?? (t.heldBy.server > t.heldBy.client ? 'server' : 'client');
      const h = t.bySide?.[holder] ?? t;
      // The same choice diagnose/ made: observed past TW_INFO_FRACTION, else the projection.
      const projected = f.code === 'time-wait-pressure' && h.fraction < TW_INFO_FRACTION;
      if (projected && (h.closesPerSec === null || h.projected === null)) return null;
      return {
        clientIp: t.clientIp,
        server: hostPort(t.serverIp, t.serverPort),
        serverIp: t.serverIp,
        holder,
        peak: h.peak,
        pct: pct(h.fraction),
        rangeSize: t.rangeSize,
        range: [d.params.portRange[0], d.params.portRange[1]],
        at: rel(h.peakAt),
        exhausted: h.fraction >= 1,
        projection: projected ? { rate: String(Math.round(h.closesPerSec! * 10) / 10), ports: h.projected!, pct: pct(h.projected! / t.rangeSize) } : null,
      };
    }
    case 'time-wait-server-close': {
      const h = d.timeWait.hosts.find((x) => x.ip === f.subject);
      if (!h) return null;
      const { total: closes, serverFirst } = h.serverCloses;
      return { ip: h.ip, serverFirst, closes, entered: h.entries.asServer, peak: h.peak, at: rel(h.peakAt), msl2: formatSec(2 * d.params.mslSec) };
    }
    case 'close-wait-leak': {
      const g = d.closeWait.groups.find((x) => (x.side === 'server' ? x.service : `${x.ip} (client of ${x.service})`) === f.subject);
      if (!g) return null;
      return {
        side: g.side,
        ip: g.ip,
        service: g.service,
        connections: g.connections,
        longest: g.longestSec === null ? null : formatSec(g.longestSec),
        leak: f.severity === 'warning',
      };
    }
    case 'unanswered-syn': {
      const g = d.openings.unanswered.find((x) => x.server === f.subject);
      if (!g) return null;
      return {
        server: g.server,
        connections: g.connections,
        clients: g.clients,
        gaps: g.backoffSec.map(formatSec),
        backoff: g.backoff,
        evicted: g.evicted ?? 0,
      };
    }
    case 'refused': {
      const g = d.openings.refused.find((x) => x.server === f.subject);
      return g ? { server: g.server, connections: g.connections, clients: g.clients } : null;
    }
    case 'syn-flood': {
      // The groups diagnose/ judged a flood: one finding names both when both are.
      const u = d.openings.unanswered.find((x) => x.server === f.subject && x.flood === true);
      const h = d.openings.halfOpen.find((x) => x.server === f.subject && x.flood);
      if (!u && !h) return null;
      return {
        server: f.subject,
        unanswered: u ? { connections: u.connections, clients: u.clients, singleSyn: u.singleSyn } : null,
        halfOpen: h ? { connections: h.connections, clients: h.clients, pct: pct(h.share) } : null,
        evicted: (u?.evicted ?? 0) + (h?.evicted ?? 0),
      };
    }
    case 'half-open': {
      const g = d.openings.halfOpen.find((x) => x.server === f.subject);
      return g ? { server: g.server, connections: g.connections, clients: g.clients, pct: pct(g.share), evicted: g.evicted ?? 0 } : null;
    }
    case 'keep-alive': {
      // The list is capped: only a complete one gives this server's counts.
      if (d.keepAlive.connections.length < d.keepAlive.total) return null;
      const list = d.keepAlive.connections.filter((c) => c.server === f.subject);
      if (list.length === 0) return null;
      const iv = list.map((c) => c.intervalSec).filter((x): x is number => x !== null);
      const lo = iv.reduce((a, b) => Math.min(a, b), Infinity);
      const hi = iv.reduce((a, b) => Math.max(a, b), -Infinity);
      // As diagnose/ says it: one interval when they are within 5% of each other.
      const every: FindingDataMap['keep-alive']['every'] =
        iv.length === 0 ? null : lo === hi || hi - lo < 0.05 * hi ? [formatSec(lo)] : [formatSec(lo), formatSec(hi)];
      return { server: f.subject, connections: list.length, probes: list.reduce((n, c) => n + c.probes, 0), every };
    }
  }
}

/** A finding's sentence in `lang`: English as diagnose/ wrote it; otherwise the template, or English when there is none. */
export function findingText(f: Finding, report: Report, lang: Lang): string {
  const template = FINDING_TEXT[lang][f.code] as ((d: FindingDataMap[FindingCode]) => string) | undefined;
  if (!template) return f.message;
  const data = findingData(f, report);
  return data === null ? f.message : template(data);
}
