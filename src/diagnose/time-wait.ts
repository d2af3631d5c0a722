/**
 * TIME-WAIT pressure. The endpoint that closes first (the active closer) ends in TIME-WAIT and
 * keeps the 4-tuple for 2·MSL (RFC 9293 §3.4.2, §3.10.7.4), so a host that opens or closes many
 * short connections piles sockets up there. Everything here reads the model: the TIME-WAIT entry is
 * the timeline's transition into it, never a re-reading of FINs.
 */
import type { ConnectionRecord, Side } from '../tcp/model.js';
import { formatSec, hostPort, plural } from './endpoint.js';
import { sweep, type Interval } from './sweep.js';
import type { Finding, TimeWaitDiagnostics, TimeWaitHost, TimeWaitTuple } from './types.js';

/**
 * Tuple peak / ephemeral range at which TIME-WAIT is reported as approaching exhaustion. Linux's
 * connect() (inet_hash_connect, since 4.6) first tries the ports of one parity — half the range — so
 * past 50% it starts scanning the other half and slows down; at 100% it fails with EADDRNOTAVAIL.
 */
export const TW_WARN_FRACTION = 0.5;
/** Tuple peak / range worth an info line (and the projected steady state worth one at TW_WARN_FRACTION). */
export const TW_INFO_FRACTION = 0.1;
/** Closes on one tuple needed before a close rate is projected (fewer is noise). */
export const TW_PROJECT_MIN_CLOSES = 10;
/** Seconds of closes needed before a close rate is projected (a burst says little about a rate). */
export const TW_PROJECT_MIN_SPAN_SEC = 1;
/** TIME-WAIT entries on a server, with it closing first on most of its connections, worth an info line. */
export const TW_SERVER_CLOSE_MIN = 10;
/** Most tuples listed. */
const TUPLE_LIST_CAP = 20;

/** One socket in TIME-WAIT: which connection, which host held it, and for when. */
interface TwSocket {
  record: ConnectionRecord;
  side: Side;
  from: number;
  to: number;
}

/**
 * The TIME-WAIT sockets the model states: for each side, its first transition into TIME-WAIT
 * until the earliest of 2·MSL later, the timeline leaving TIME-WAIT (an RST, RFC 1337; or the
 * tracker's own expiry), and a new connection reusing the 4-tuple (RFC 6191).
 */
export function timeWaitSockets(records: readonly ConnectionRecord[], mslSec: number): TwSocket[] {
  const reusedAt = new Map<number, number>();
  for (const r of records) {
    if (r.reusedFrom === null) continue;
    const prev = reusedAt.get(r.reusedFrom);
    if (prev === undefined || r.start < prev) reusedAt.set(r.reusedFrom, r.start);
  }
  const out: TwSocket[] = [];
  for (const r of records) {
    for (const side of ['client', 'server'] as const) {
      let from: number | null = null;
      let to = Infinity;
      for (const t of r.timeline) {
        if (t.side !== side) continue;
        if (from === null) {
          if (t.to === 'TIME-WAIT') from = r.start + t.time;
        } else if (t.from === 'TIME-WAIT' && t.to !== 'TIME-WAIT') {
          to = r.start + t.time;
          break;
        }
      }
      if (from === null) continue;
      to = Math.min(to, from + 2 * mslSec, reusedAt.get(r.id) ?? Infinity);
      out.push({ record: r, side, from, to });
    }
  }
  return out;
}

/** TIME-WAIT per host and per (client IP, server IP, server port), plus the findings they call for. */
export function diagnoseTimeWait(
  records: readonly ConnectionRecord[],
  window: { start: number; end: number } | null,
  opts: { mslSec: number; portRange: [number, number] },
): { timeWait: TimeWaitDiagnostics; findings: Finding[] } {
  const activeCloses = { client: 0, server: 0 };
  for (const r of records) {
    if (r.close.initiator === null || r.close.kind === 'reset' || r.close.kind === 'none') continue;
    activeCloses[r.close.initiator]++;
  }
  const findings: Finding[] = [];
  const timeWait: TimeWaitDiagnostics = { activeCloses, hosts: [], tuples: [] };
  if (window === null) return { timeWait, findings };

  const sockets = timeWaitSockets(records, opts.mslSec);
  const rel = (t: number) => `+${formatSec(t - window.start)}`;

  // Per host: every socket that host held, whatever its role.
  const byHost = new Map<string, TwSocket[]>();
  for (const s of sockets) {
    const ip = s.record[s.side].ip;
    let list = byHost.get(ip);
    if (!list) byHost.set(ip, (list = []));
    list.push(s);
  }
  for (const [ip, list] of byHost) {
    const sw = sweep(list, window);
    const host: TimeWaitHost = {
      ip,
      entries: {
        asClient: list.filter((s) => s.side === 'client').length,
        asServer: list.filter((s) => s.side === 'server').length,
      },
      peak: sw.peak,
      peakAt: sw.peakAt,
      atEnd: sw.atEnd,
      series: sw.series,
    };
    timeWait.hosts.push(host);
  }
  timeWait.hosts.sort((a, b) => b.peak - a.peak || a.ip.localeCompare(b.ip));

  // A server that closes first on most of its connections holds their TIME-WAIT itself.
  const serverCloses = new Map<string, { server: number; total: number }>();
  for (const r of records) {
    if (r.close.initiator === null || r.close.kind === 'reset' || r.close.kind === 'none') continue;
    let c = serverCloses.get(r.server.ip);
    if (!c) serverCloses.set(r.server.ip, (c = { server: 0, total: 0 }));
    c.total++;
    if (r.close.initiator === 'server') c.server++;
  }
  for (const host of timeWait.hosts) {
    const c = serverCloses.get(host.ip);
    if (!c || host.entries.asServer < TW_SERVER_CLOSE_MIN || c.server * 2 < c.total) continue;
    findings.push({
      severity: 'info',
      code: 'time-wait-server-close',
      subject: host.ip,
      message:
        `server ${host.ip} closed first on ${c.server} of ${plural(c.total, 'closed connection')}, so it holds ` +
        `their TIME-WAIT (${host.entries.asServer} entered, peak ${host.peak} at ${rel(host.peakAt)}, ` +
        `each for 2\u00b7MSL = ${formatSec(2 * opts.mslSec)}). Remedies: let the client close first ` +
        `(it then keeps TIME-WAIT on its own ports), keep connections alive or pool them; SO_REUSEADDR only ` +
        `lets a restarted listener bind its port, and tcp_tw_reuse applies to outgoing connections only.`,
    });
  }

  // Per (client IP, server IP, server port): 4-tuples in TIME-WAIT on either host are client
  // ports this destination cannot reuse yet. One interval per connection (both sides after a
  // simultaneous close cover the same 4-tuple).
  const [lo, hi] = opts.portRange;
  const rangeSize = hi - lo + 1;
  const byConn = new Map<ConnectionRecord, { from: number; to: number; sides: Side[] }>();
  for (const s of sockets) {
    const c = byConn.get(s.record);
    if (!c) byConn.set(s.record, { from: s.from, to: s.to, sides: [s.side] });
    else {
      c.from = Math.min(c.from, s.from);
      c.to = Math.max(c.to, s.to);
      c.sides.push(s.side);
    }
  }
  const byTuple = new Map<string, { r: ConnectionRecord; iv: Interval; sides: Side[] }[]>();
  for (const [r, c] of byConn) {
    const key = `${r.client.ip} ${hostPort(r.server.ip, r.server.port)}`;
    let list = byTuple.get(key);
    if (!list) byTuple.set(key, (list = []));
    list.push({ r, iv: { from: c.from, to: c.to }, sides: c.sides });
  }
  const tuples: TimeWaitTuple[] = [];
  for (const list of byTuple.values()) {
    const { r } = list[0]!;
    const sw = sweep(
      list.map((x) => x.iv),
      window,
      1,
    );
    const enters = list.map((x) => x.iv.from).sort((a, b) => a - b);
    const spanSec = enters[enters.length - 1]! - enters[0]!;
    const projectable = enters.length >= TW_PROJECT_MIN_CLOSES && spanSec >= TW_PROJECT_MIN_SPAN_SEC;
    const closesPerSec = projectable ? (enters.length - 1) / spanSec : null;
    tuples.push({
      clientIp: r.client.ip,
      serverIp: r.server.ip,
      serverPort: r.server.port,
      heldBy: {
        client: list.filter((x) => x.sides.includes('client')).length,
        server: list.filter((x) => x.sides.includes('server')).length,
      },
      peak: sw.peak,
      peakAt: sw.peakAt,
      rangeSize,
      fraction: sw.peak / rangeSize,
      closesPerSec,
      projected: closesPerSec === null ? null : Math.round(closesPerSec * 2 * opts.mslSec),
    });
  }
  tuples.sort((a, b) => b.fraction - a.fraction || (b.projected ?? 0) - (a.projected ?? 0));

  for (const t of tuples) {
    const subject = `${t.clientIp} -> ${hostPort(t.serverIp, t.serverPort)}`;
    const serverHolds = t.heldBy.server > t.heldBy.client;
    const holder = serverHolds ? `on the server ${t.serverIp}` : `on the client ${t.clientIp}`;
    const remedies = serverHolds
      ? 'Remedies: let the client close first, keep connections alive or pool them, widen the client\'s ' +
        'net.ipv4.ip_local_port_range; tcp_tw_reuse does not apply to a server and SO_REUSEADDR does not free ' +
        'TIME-WAIT 4-tuples.'
      : 'Remedies: keep connections alive or pool them instead of one per request, widen ' +
        'net.ipv4.ip_local_port_range, or set net.ipv4.tcp_tw_reuse=1 (outgoing connections with TCP ' +
        'timestamps, RFC 7323); SO_REUSEADDR does not help connect().';
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const observed =
      `${t.peak} 4-tuples in TIME-WAIT at once ${holder} (${pct(t.fraction)} of the ${rangeSize}-port ` +
      `range ${lo}-${hi}, at ${rel(t.peakAt)})`;
    if (t.fraction >= TW_WARN_FRACTION) {
      const what =
        t.fraction >= 1
          ? `connect() from ${t.clientIp} to ${hostPort(t.serverIp, t.serverPort)} runs out of ephemeral ports (EADDRNOTAVAIL)`
          : `ephemeral ports for ${hostPort(t.serverIp, t.serverPort)} are running out`;
      findings.push({ severity: 'warning', code: 'time-wait-exhaustion', subject, message: `${what}: ${observed}. ${remedies}` });
    } else if (t.fraction >= TW_INFO_FRACTION) {
      findings.push({ severity: 'info', code: 'time-wait-pressure', subject, message: `${observed}. ${remedies}` });
    } else if (t.projected !== null && t.projected >= TW_WARN_FRACTION * rangeSize) {
      findings.push({
        severity: 'info',
        code: 'time-wait-pressure',
        subject,
        message:
          `at the observed ${round1(t.closesPerSec!)} closes/s, TIME-WAIT would hold about ${t.projected} ports ` +
          `${holder} in a steady state (rate \u00d7 2\u00b7MSL; ${pct(t.projected / rangeSize)} of the ` +
          `${rangeSize}-port range ${lo}-${hi}); observed peak ${t.peak}. ${remedies}`,
      });
    }
  }
  timeWait.tuples = tuples.slice(0, TUPLE_LIST_CAP);
  return { timeWait, findings };
}

function round1(x: number): string {
  return String(Math.round(x * 10) / 10);
}
