/**
 * TIME-WAIT pressure. The endpoint that closes first (the active closer) ends in TIME-WAIT and
 * keeps the 4-tuple for 2·MSL (RFC 9293 §3.4.2, §3.10.7.4), so a host that opens or closes many
 * short connections piles sockets up there. Everything here reads the model: the TIME-WAIT entry is
 * the timeline's transition into it, never a re-reading of FINs.
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { formatSec, hostPort, plural } from './endpoint.js';
import { FloatColumn, IntColumn } from './columns.js';
import type { IpNumbers } from './ips.js';
import { sweepArrays } from './sweep.js';
import type { Finding, TimeWaitDiagnostics, TimeWaitHeld, TimeWaitHost, TimeWaitTuple } from './types.js';

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
/** Most hosts listed (besides those a finding names). */
const HOST_LIST_CAP = 20;

/**
 * The TIME-WAIT sockets the model states, as parallel columns (one entry per socket): for each
 * side, its first transition into TIME-WAIT until the earliest of 2·MSL later, the timeline
 * leaving TIME-WAIT (an RST, RFC 1337; or the tracker's own expiry), and a new connection reusing
 * the 4-tuple (RFC 6191). Records arrive in the order their connections finish; `result()` puts
 * the sockets in id order (a record's client before its server), the order every grouping below
 * was defined in, so the result does not depend on the order of arrival.
 */
export class TimeWaitCollector {
  private readonly activeCloses = { client: 0, server: 0 };
  /** Per server IP (by number): graceful/half closes, and how many the server started. */
  private readonly closesTotal = new IntColumn();
  private readonly closesByServer = new IntColumn();
  // One entry per socket.
  private readonly id = new FloatColumn();
  private readonly side = new IntColumn();
  private readonly from = new FloatColumn();
  private readonly to = new FloatColumn();
  private readonly clientIp = new IntColumn();
  private readonly serverIp = new IntColumn();
  private readonly serverPort = new IntColumn();
  /** When a connection was reused (RFC 6191): its id -> the earliest start of a connection reusing it. */
  private readonly reusedAt = new Map<number, number>();

  constructor(private readonly ips: IpNumbers) {}

  /**
   * Folds one record in; `serverIp` is its server's number in `ips`. The client's is taken only for
   * a socket in TIME-WAIT: a run with a million clients that never close numbers none of them.
   */
  add(r: ConnectionRecord, serverIp: number): void {
    const c = r.close;
    if (c.initiator !== null && c.kind !== 'reset' && c.kind !== 'none') {
      this.activeCloses[c.initiator]++;
      this.closesTotal.bump(serverIp);
      if (c.initiator === 'server') this.closesByServer.bump(serverIp);
    }
    if (r.reusedFrom !== null) {
      const prev = this.reusedAt.get(r.reusedFrom);
      if (prev === undefined || r.start < prev) this.reusedAt.set(r.reusedFrom, r.start);
    }
    const tl = r.timeline;
    // Both sides in one pass over the timeline: each side's first entry into TIME-WAIT, then its
    // first transition out of it.
    let cIn = false;
    let cFrom = 0;
    let cTo = Infinity;
    let cDone = false;
    let sIn = false;
    let sFrom = 0;
    let sTo = Infinity;
    let sDone = false;
    for (let j = 0; j < tl.length && !(cDone && sDone); j++) {
      const t = tl[j]!;
      if (t.side === 'client') {
        if (cDone) continue;
        if (!cIn) {
          if (t.to === 'TIME-WAIT') {
            cIn = true;
            cFrom = r.start + t.time;
          }
        } else if (t.from === 'TIME-WAIT' && t.to !== 'TIME-WAIT') {
          cTo = r.start + t.time;
          cDone = true;
        }
      } else {
        if (sDone) continue;
        if (!sIn) {
          if (t.to === 'TIME-WAIT') {
            sIn = true;
            sFrom = r.start + t.time;
          }
        } else if (t.from === 'TIME-WAIT' && t.to !== 'TIME-WAIT') {
          sTo = r.start + t.time;
          sDone = true;
        }
      }
    }
    if (!cIn && !sIn) return;
    const clientIp = this.ips.number(r.client.ip, 0);
    if (cIn) this.push(r, 0, cFrom, cTo, clientIp, serverIp);
    if (sIn) this.push(r, 1, sFrom, sTo, clientIp, serverIp);
  }

  private push(r: ConnectionRecord, side: number, from: number, to: number, clientIp: number, serverIp: number): void {
    this.id.push(r.id);
    this.side.push(side);
    this.from.push(from);
    this.to.push(to);
    this.clientIp.push(clientIp);
    this.serverIp.push(serverIp);
    this.serverPort.push(r.server.port);
  }

  /** TIME-WAIT per host and per (client IP, server IP, server port), plus the findings they call for. */
  result(
    window: { start: number; end: number } | null,
    opts: { mslSec: number; portRange: [number, number] },
  ): { timeWait: TimeWaitDiagnostics; findings: Finding[] } {
    return diagnoseTimeWait(this.sockets(opts.mslSec), this.ips.ips, this.activeCloses, this.closesTotal, this.closesByServer, window, opts);
  }

  /** The sockets in id order, each ending at the earliest of its exit, 2·MSL and the reuse. */
  private sockets(mslSec: number): TwSockets {
    const n = this.id.length;
    const ids = this.id.data;
    const sides = this.side.data;
    const order = new Int32Array(n);
    let sorted = true;
    for (let k = 0; k < n; k++) {
      order[k] = k;
      if (k > 0 && (ids[k]! < ids[k - 1]! || (ids[k] === ids[k - 1] && sides[k]! < sides[k - 1]!))) sorted = false;
    }
    if (!sorted) order.sort((a, b) => ids[a]! - ids[b]! || sides[a]! - sides[b]!);
    const out: TwSockets = {
      length: n,
      conn: new Float64Array(n),
      side: new Uint8Array(n),
      from: new Float64Array(n),
      to: new Float64Array(n),
      clientIp: new Int32Array(n),
      serverIp: new Int32Array(n),
      serverPort: new Int32Array(n),
    };
    for (let x = 0; x < n; x++) {
      const k = order[x]!;
      const id = ids[k]!;
      const from = this.from.data[k]!;
      out.conn[x] = id;
      out.side[x] = sides[k]!;
      out.from[x] = from;
      out.to[x] = Math.min(this.to.data[k]!, from + 2 * mslSec, this.reusedAt.get(id) ?? Infinity);
      out.clientIp[x] = this.clientIp.data[k]!;
      out.serverIp[x] = this.serverIp.data[k]!;
      out.serverPort[x] = this.serverPort.data[k]!;
    }
    return out;
  }
}

/** TIME-WAIT sockets as parallel arrays, in id order (a connection's client before its server). */
interface TwSockets {
  length: number;
  /** The connection's id. */
  conn: Float64Array;
  /** 0 client, 1 server. */
  side: Uint8Array;
  from: Float64Array;
  to: Float64Array;
  /** The connection's addresses (numbers of an IpNumbers) and server port. */
  clientIp: Int32Array;
  serverIp: Int32Array;
  serverPort: Int32Array;
}

/** One group of TIME-WAIT intervals being collected: indexes into a TwSockets or a list of connections. */
interface Bucket {
  idx: number[];
}

function diagnoseTimeWait(
  sockets: TwSockets,
  ips: readonly string[],
  activeCloses: { client: number; server: number },
  closesTotal: IntColumn,
  closesByServer: IntColumn,
  window: { start: number; end: number } | null,
  opts: { mslSec: number; portRange: [number, number] },
): { timeWait: TimeWaitDiagnostics; findings: Finding[] } {
  const findings: Finding[] = [];
  const timeWait: TimeWaitDiagnostics = { activeCloses, hosts: [], tuples: [] };
  if (window === null) return { timeWait, findings };
  const rel = (t: number) => `+${formatSec(t - window.start)}`;

  // Per host: every socket that host held, whatever its role (hosts in order of first socket).
  const hostOf = new Int32Array(ips.length).fill(-1);
  const hostIp: number[] = [];
  const byHost: Bucket[] = [];
  for (let k = 0; k < sockets.length; k++) {
    const ip = sockets.side[k] === 0 ? sockets.clientIp[k]! : sockets.serverIp[k]!;
    let h = hostOf[ip]!;
    if (h < 0) {
      h = hostOf[ip] = byHost.length;
      byHost.push({ idx: [] });
      hostIp.push(ip);
    }
    byHost[h]!.idx.push(k);
  }
  // Every host's peak first; the series (60 slices each) only for the hosts that are listed.
  const hostSweep = (h: number, buckets: number) => {
    const b = byHost[h]!;
    const n = b.idx.length;
    const from = new Float64Array(n);
    const to = new Float64Array(n);
    for (let x = 0; x < n; x++) {
      const k = b.idx[x]!;
      from[x] = sockets.from[k]!;
      to[x] = sockets.to[k]!;
    }
    return sweepArrays(from, to, n, window, buckets);
  };
  const bucketOf = new Map<TimeWaitHost, number>();
  for (let h = 0; h < byHost.length; h++) {
    const b = byHost[h]!;
    const n = b.idx.length;
    let asClient = 0;
    for (let x = 0; x < n; x++) if (sockets.side[b.idx[x]!] === 0) asClient++;
    const sw = hostSweep(h, 0);
    const host: TimeWaitHost = {
      ip: ips[hostIp[h]!]!,
      entries: { asClient, asServer: n - asClient },
      serverCloses: { total: closesTotal.get(hostIp[h]!), serverFirst: closesByServer.get(hostIp[h]!) },
      peak: sw.peak,
      peakAt: sw.peakAt,
      atEnd: sw.atEnd,
      series: sw.series,
    };
    bucketOf.set(host, h);
    timeWait.hosts.push(host);
  }
  timeWait.hosts.sort((a, b) => b.peak - a.peak || a.ip.localeCompare(b.ip));

  // A server that closes first on most of its connections holds their TIME-WAIT itself.
  for (const host of timeWait.hosts) {
    const c = host.serverCloses;
    if (c.total === 0 || host.entries.asServer < TW_SERVER_CLOSE_MIN || c.serverFirst * 2 < c.total) continue;
    findings.push({
      severity: 'info',
      code: 'time-wait-server-close',
      subject: host.ip,
      message:
        `server ${host.ip} closed first on ${c.serverFirst} of ${plural(c.total, 'closed connection')}, so it holds ` +
        `their TIME-WAIT (${host.entries.asServer} entered, peak ${host.peak} at ${rel(host.peakAt)}, ` +
        `each for 2\u00b7MSL = ${formatSec(2 * opts.mslSec)}). Remedies: let the client close first ` +
        `(it then keeps TIME-WAIT on its own ports), keep connections alive or pool them; SO_REUSEADDR only ` +
        `lets a restarted listener bind its port, and tcp_tw_reuse applies to outgoing connections only.`,
    });
  }

  // The 20 highest peaks, and every host a finding is about: a busy server's capture has a
  // TIME-WAIT socket on every client host, and listing tens of thousands (each with its series)
  // made the diagnostics the biggest part of the output.
  const named = new Set(findings.map((f) => f.subject));
  timeWait.hosts = timeWait.hosts.filter((h, i) => i < HOST_LIST_CAP || named.has(h.ip));
  for (const h of timeWait.hosts) h.series = hostSweep(bucketOf.get(h)!, 60).series;

  // Per (client IP, server IP, server port): 4-tuples in TIME-WAIT on either host are client
  // ports this destination cannot reuse yet. One interval per connection (both sides after a
  // simultaneous close cover the same 4-tuple): a record's sockets are adjacent, so they merge
  // into connection entries here.
  const [lo, hi] = opts.portRange;
  const rangeSize = hi - lo + 1;
  const connRecord = new Int32Array(sockets.length); // the connection's first socket
  const connFrom = new Float64Array(sockets.length);
  const connTo = new Float64Array(sockets.length);
  const connSides = new Uint8Array(sockets.length); // bit 0 client, bit 1 server
  // Each side's own interval, NaN when that side did not hold the 4-tuple in TIME-WAIT.
  const sideFrom = [new Float64Array(sockets.length).fill(NaN), new Float64Array(sockets.length).fill(NaN)];
  const sideTo = [new Float64Array(sockets.length).fill(NaN), new Float64Array(sockets.length).fill(NaN)];
  let nConn = 0;
  for (let k = 0; k < sockets.length; k++) {
    const side = sockets.side[k]!;
    const bit = side === 0 ? 1 : 2;
    let c: number;
    if (nConn > 0 && sockets.conn[connRecord[nConn - 1]!] === sockets.conn[k]) {
      c = nConn - 1;
      connFrom[c] = Math.min(connFrom[c]!, sockets.from[k]!);
      connTo[c] = Math.max(connTo[c]!, sockets.to[k]!);
      connSides[c] = connSides[c]! | bit;
    } else {
      c = nConn++;
      connRecord[c] = k;
      connFrom[c] = sockets.from[k]!;
      connTo[c] = sockets.to[k]!;
      connSides[c] = bit;
    }
    sideFrom[side]![c] = sockets.from[k]!;
    sideTo[side]![c] = sockets.to[k]!;
  }
  /** Peak, rate and projection of the connections of one bucket held in TIME-WAIT by one side. */
  const heldStats = (b: Bucket, side: 0 | 1): TimeWaitHeld => {
    const from: number[] = [];
    const to: number[] = [];
    let first = Infinity;
    let lastEnter = -Infinity;
    for (const c of b.idx) {
      if (!(connSides[c]! & (side === 0 ? 1 : 2))) continue;
      const f = sideFrom[side]![c]!;
      from.push(f);
      to.push(sideTo[side]![c]!);
      if (f < first) first = f;
      if (f > lastEnter) lastEnter = f;
      if (f !== f) first = lastEnter = NaN;
    }
    const n = from.length;
    const sw = sweepArrays(Float64Array.from(from), Float64Array.from(to), n, window, 1);
    const spanSec = lastEnter - first;
    const projectable = n >= TW_PROJECT_MIN_CLOSES && spanSec >= TW_PROJECT_MIN_SPAN_SEC;
    const closesPerSec = projectable ? (n - 1) / spanSec : null;
    return {
      peak: sw.peak,
      peakAt: sw.peakAt,
      fraction: sw.peak / rangeSize,
      closesPerSec,
      projected: closesPerSec === null ? null : Math.round(closesPerSec * 2 * opts.mslSec),
    };
  };
  // Grouped by client IP, server IP, server port by number, never by string; `order` keeps the
  // groups in order of first appearance (the tuple sort below is stable).
  const nIps = ips.length;
  const byTuple = new Map<number, Map<number, Bucket>>();
  const order: Bucket[] = [];
  let lastPair = -1;
  let lastPort = -1;
  let last: Bucket | null = null;
  for (let c = 0; c < nConn; c++) {
    const k = connRecord[c]!;
    const pair = sockets.clientIp[k]! * nIps + sockets.serverIp[k]!;
    const port = sockets.serverPort[k]!;
    if (last === null || pair !== lastPair || port !== lastPort) {
      let byPort = byTuple.get(pair);
      if (!byPort) byTuple.set(pair, (byPort = new Map()));
      let b = byPort.get(port);
      if (!b) {
        byPort.set(port, (b = { idx: [] }));
        order.push(b);
      }
      last = b;
      lastPair = pair;
      lastPort = port;
    }
    last.idx.push(c);
  }
  const tuples: TimeWaitTuple[] = [];
  for (const b of order) {
    const k0 = connRecord[b.idx[0]!]!;
    const n = b.idx.length;
    const from = new Float64Array(n);
    const to = new Float64Array(n);
    // The span of entries into TIME-WAIT: first and last, no sort needed (NaN spoils it, as a sort would).
    let first = Infinity;
    let lastEnter = -Infinity;
    let heldByClient = 0;
    let heldByServer = 0;
    for (let x = 0; x < n; x++) {
      const c = b.idx[x]!;
      const f = (from[x] = connFrom[c]!);
      if (f < first) first = f;
      if (f > lastEnter) lastEnter = f;
      if (f !== f) first = lastEnter = NaN;
      to[x] = connTo[c]!;
      if (connSides[c]! & 1) heldByClient++;
      if (connSides[c]! & 2) heldByServer++;
    }
    const sw = sweepArrays(from, to, n, window, 1);
    const spanSec = lastEnter - first;
    const projectable = n >= TW_PROJECT_MIN_CLOSES && spanSec >= TW_PROJECT_MIN_SPAN_SEC;
    const closesPerSec = projectable ? (n - 1) / spanSec : null;
    tuples.push({
      clientIp: ips[sockets.clientIp[k0]!]!,
      serverIp: ips[sockets.serverIp[k0]!]!,
      serverPort: sockets.serverPort[k0]!,
      heldBy: { client: heldByClient, server: heldByServer },
      peak: sw.peak,
      peakAt: sw.peakAt,
      rangeSize,
      fraction: sw.peak / rangeSize,
      closesPerSec,
      projected: closesPerSec === null ? null : Math.round(closesPerSec * 2 * opts.mslSec),
      bySide: { client: heldStats(b, 0), server: heldStats(b, 1) },
    });
  }
  tuples.sort((a, b) => b.fraction - a.fraction || (b.projected ?? 0) - (a.projected ?? 0));

  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const range = `${rangeSize}-port range ${lo}-${hi}`;
  for (const t of tuples) {
    const subject = `${t.clientIp} -> ${hostPort(t.serverIp, t.serverPort)}`;
    const server = hostPort(t.serverIp, t.serverPort);
    // The client's TIME-WAIT: its connect() cannot pick these ports toward this server until they
    // expire (Linux __inet_check_established), so they count against its ephemeral range.
    const cs = t.bySide.client;
    const clientRemedies =
      'Remedies: keep connections alive or pool them instead of one per request, widen ' +
      'net.ipv4.ip_local_port_range, or set net.ipv4.tcp_tw_reuse=1 (outgoing connections with TCP ' +
      'timestamps, RFC 7323); SO_REUSEADDR does not help connect().';
    const clientObserved =
      `${cs.peak} 4-tuples in TIME-WAIT at once on the client ${t.clientIp} (${pct(cs.fraction)} of the ` +
      `${range}, at ${rel(cs.peakAt)})`;
    if (cs.fraction >= TW_WARN_FRACTION) {
      const what =
        cs.fraction >= 1
          ? `connect() from ${t.clientIp} to ${server} runs out of ephemeral ports (EADDRNOTAVAIL)`
          : `ephemeral ports of ${t.clientIp} for ${server} are running out (connect() fails with EADDRNOTAVAIL once all are in TIME-WAIT)`;
      findings.push({ severity: 'warning', code: 'time-wait-exhaustion', subject, holder: 'client', message: `${what}: ${clientObserved}. ${clientRemedies}` });
    } else if (cs.fraction >= TW_INFO_FRACTION) {
      findings.push({ severity: 'info', code: 'time-wait-pressure', subject, holder: 'client', message: `${clientObserved}. ${clientRemedies}` });
    } else if (cs.projected !== null && cs.projected >= TW_WARN_FRACTION * rangeSize) {
      findings.push({
        severity: 'info',
        code: 'time-wait-pressure',
        subject,
        holder: 'client',
        message:
          `at the observed ${round1(cs.closesPerSec!)} closes/s, TIME-WAIT would hold about ${cs.projected} ports ` +
          `on the client ${t.clientIp} in a steady state (rate \u00d7 2\u00b7MSL; ${pct(cs.projected / rangeSize)} of the ` +
          `${range}); observed peak ${cs.peak}. ${clientRemedies}`,
      });
    }
    // The server's TIME-WAIT: it closed first. That costs the server a socket (memory) per
    // 4-tuple, not the client a port: the client's socket is closed, its port free, and Linux
    // lets a new SYN on a 4-tuple in TIME-WAIT open a new connection when its ISN or timestamp is
    // above the old connection's (tcp_timewait_state_process; RFC 6191), so connect() does not fail.
    const ss = t.bySide.server;
    if (ss.fraction >= TW_INFO_FRACTION) {
      findings.push({
        severity: 'info',
        code: 'time-wait-pressure',
        subject,
        holder: 'server',
        message:
          `${ss.peak} 4-tuples from ${t.clientIp} in TIME-WAIT at once on the server ${server} (as many as ` +
          `${pct(ss.fraction)} of the client's ${range}, at ${rel(ss.peakAt)}): the server closed first, so it ` +
          `holds the TIME-WAIT; this costs sockets and memory on the server, not ports on the client: no port ` +
          `exhaustion, since the client's side is closed and a new SYN on a 4-tuple in TIME-WAIT is accepted ` +
          `(Linux tcp_timewait_state_process, when its ISN or timestamp is higher; RFC 6191), so connect() ` +
          `does not fail. Remedies: let the client close first, keep connections alive or pool them; ` +
          `net.ipv4.tcp_max_tw_buckets caps the count; tcp_tw_reuse does not apply to a server and ` +
          `SO_REUSEADDR does not free TIME-WAIT 4-tuples.`,
      });
    }
  }
  timeWait.tuples = tuples.slice(0, TUPLE_LIST_CAP);
  return { timeWait, findings };
}

function round1(x: number): string {
  return String(Math.round(x * 10) / 10);
}
