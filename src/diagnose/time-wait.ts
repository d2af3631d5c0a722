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
import { firstInOrder } from './select.js';
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
 * A TimeWaitCollector's content as plain data (typed arrays, a Map): addresses are numbers of the
 * IpNumbers it was collected with, which `absorb()` translates. Per server IP: `closesTotal`,
 * `closesByServer`; per socket: the other arrays.
 */
export interface TimeWaitState {
  activeCloses: { client: number; server: number };
  closesTotal: Int32Array;
  closesByServer: Int32Array;
  id: Float64Array;
  side: Int32Array;
  from: Float64Array;
  to: Float64Array;
  clientIp: Int32Array;
  serverIp: Int32Array;
  serverPort: Int32Array;
  reusedAt: Map<number, number>;
}

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
   * `clientWord`: the client's IPv4 word if known (IpNumbers.number).
   */
  add(r: ConnectionRecord, serverIp: number, clientWord?: number): void {
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
    const clientIp = this.ips.number(r.client.ip, 0, clientWord);
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

  /** The collector's content as plain data (copies of the columns' used parts). */
  state(): TimeWaitState {
    return {
      activeCloses: { ...this.activeCloses },
      closesTotal: this.closesTotal.data.slice(0, this.closesTotal.length),
      closesByServer: this.closesByServer.data.slice(0, this.closesByServer.length),
      id: this.id.data.slice(0, this.id.length),
      side: this.side.data.slice(0, this.side.length),
      from: this.from.data.slice(0, this.from.length),
      to: this.to.data.slice(0, this.to.length),
      clientIp: this.clientIp.data.slice(0, this.clientIp.length),
      serverIp: this.serverIp.data.slice(0, this.serverIp.length),
      serverPort: this.serverPort.data.slice(0, this.serverPort.length),
      reusedAt: new Map(this.reusedAt),
    };
  }

  /**
   * Adds another collector's `state()`, its addresses translated by `ip` (IpNumbers.absorb). The
   * sockets are appended: `result()` sorts them by id, so where they came from does not matter.
   * A reuse may be folded where the reused connection is not: each keeps the earliest.
   */
  absorb(s: TimeWaitState, ip: Int32Array): void {
    this.activeCloses.client += s.activeCloses.client;
    this.activeCloses.server += s.activeCloses.server;
    for (let n = 0; n < s.closesTotal.length; n++) if (s.closesTotal[n]! !== 0) this.closesTotal.bump(ip[n]!, s.closesTotal[n]!);
    for (let n = 0; n < s.closesByServer.length; n++) if (s.closesByServer[n]! !== 0) this.closesByServer.bump(ip[n]!, s.closesByServer[n]!);
    for (let k = 0; k < s.id.length; k++) {
      this.id.push(s.id[k]!);
      this.side.push(s.side[k]!);
      this.from.push(s.from[k]!);
      this.to.push(s.to[k]!);
      this.clientIp.push(ip[s.clientIp[k]!]!);
      this.serverIp.push(ip[s.serverIp[k]!]!);
      this.serverPort.push(s.serverPort[k]!);
    }
    for (const [id, at] of s.reusedAt) {
      const prev = this.reusedAt.get(id);
      if (prev === undefined || at < prev) this.reusedAt.set(id, at);
    }
  }

  /** TIME-WAIT per host and per (client IP, server IP, server port), plus the findings they call for. */
  result(
    window: { start: number; end: number } | null,
    opts: { mslSec: number; portRange: [number, number] },
  ): { timeWait: TimeWaitDiagnostics; findings: Finding[] } {
    return diagnoseTimeWait(this.sockets(opts.mslSec), this.ips, this.activeCloses, this.closesTotal, this.closesByServer, window, opts);
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

/** Groups of indexes (hosts' sockets, tuples' connections), each group's contiguous: no array per group. */
interface Groups {
  /** Group g's members are `members[start[g]]` up to, not including, `members[start[g + 1]]`, ascending. */
  start: Int32Array;
  members: Int32Array;
}

/** Groups items 0..n-1 by `groupOf` (groups numbered 0..count-1), each group's members in ascending order. */
function grouped(groupOf: Int32Array, n: number, count: number): Groups {
  const start = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) start[groupOf[i]! + 1]!++;
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!;
  const next = start.slice(0, count);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[next[groupOf[i]!]!++] = i;
  return { start, members };
}

/** Two Float64Arrays reused for every group's intervals (sweepArrays reorders them in place). */
class Scratch {
  from = new Float64Array(64);
  to = new Float64Array(64);

  reserve(n: number): void {
    if (this.from.length >= n) return;
    this.from = new Float64Array(2 * n);
    this.to = new Float64Array(2 * n);
  }
}

/**
 * One side's or the tuple's numbers, computed for every tuple before any is listed: where the
 * TimeWaitHeld objects come from. `closesPerSec`/`projected` NaN for null.
 */
class HeldColumns {
  readonly peak: Int32Array;
  readonly peakAt: Float64Array;
  readonly closesPerSec: Float64Array;
  readonly projected: Float64Array;

  constructor(n: number) {
    this.peak = new Int32Array(n);
    this.peakAt = new Float64Array(n);
    this.closesPerSec = new Float64Array(n);
    this.projected = new Float64Array(n);
  }

  /**
   * Sweeps the first `n` intervals of `s` into entry `t`; `first`/`lastEnter` span the entries into
   * TIME-WAIT (NaN when any was NaN, as a sort would have it).
   */
  set(t: number, s: Scratch, n: number, first: number, lastEnter: number, window: { start: number; end: number }, mslSec: number): void {
    // No series (buckets 0): only the peak is read.
    const sw = sweepArrays(s.from, s.to, n, window, 0);
    const spanSec = lastEnter - first;
    const projectable = n >= TW_PROJECT_MIN_CLOSES && spanSec >= TW_PROJECT_MIN_SPAN_SEC;
    const closesPerSec = projectable ? (n - 1) / spanSec : NaN;
    this.peak[t] = sw.peak;
    this.peakAt[t] = sw.peakAt;
    this.closesPerSec[t] = closesPerSec;
    this.projected[t] = projectable ? Math.round(closesPerSec * 2 * mslSec) : NaN;
  }

  held(t: number, rangeSize: number): TimeWaitHeld {
    const closesPerSec = this.closesPerSec[t]!;
    const projected = this.projected[t]!;
    return {
      peak: this.peak[t]!,
      peakAt: this.peakAt[t]!,
      fraction: this.peak[t]! / rangeSize,
      closesPerSec: closesPerSec === closesPerSec ? closesPerSec : null,
      projected: projected === projected ? projected : null,
    };
  }
}

/**
 * The findings and the listed hosts and tuples. A capture of a busy server has a TIME-WAIT socket
 * on every client host and a tuple per client: each host's and tuple's numbers go into typed
 * columns, and objects are made, and sorted, only for the 20 listed and those a finding is about
 * (the first 20 in the sort order, picked by a bounded heap, plus the few past the thresholds).
 */
function diagnoseTimeWait(
  sockets: TwSockets,
  ips: IpNumbers,
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
  const scratch = new Scratch();

  // Per host: every socket that host held, whatever its role (hosts in order of first socket).
  const hostOf = new Int32Array(ips.size).fill(-1);
  const socketHost = new Int32Array(sockets.length);
  const hostIps: number[] = [];
  for (let k = 0; k < sockets.length; k++) {
    const ip = sockets.side[k] === 0 ? sockets.clientIp[k]! : sockets.serverIp[k]!;
    let h = hostOf[ip]!;
    if (h < 0) {
      h = hostOf[ip] = hostIps.length;
      hostIps.push(ip);
    }
    socketHost[k] = h;
  }
  const nHosts = hostIps.length;
  const byHost = grouped(socketHost, sockets.length, nHosts);
  const hostSweep = (h: number, buckets: number) => {
    const a = byHost.start[h]!;
    const n = byHost.start[h + 1]! - a;
    scratch.reserve(n);
    for (let x = 0; x < n; x++) {
      const k = byHost.members[a + x]!;
      scratch.from[x] = sockets.from[k]!;
      scratch.to[x] = sockets.to[k]!;
    }
    return sweepArrays(scratch.from, scratch.to, n, window, buckets);
  };
  // Every host's peak first (no series); objects only for the hosts listed.
  const hostPeak = new Int32Array(nHosts);
  const hostPeakAt = new Float64Array(nHosts);
  const hostAtEnd = new Int32Array(nHosts);
  const hostAsClient = new Int32Array(nHosts);
  /** Servers that close first on most of their connections, so hold their TIME-WAIT themselves. */
  const serverClosers: number[] = [];
  for (let h = 0; h < nHosts; h++) {
    const a = byHost.start[h]!;
    const n = byHost.start[h + 1]! - a;
    let asClient = 0;
    for (let x = 0; x < n; x++) if (sockets.side[byHost.members[a + x]!] === 0) asClient++;
    const sw = hostSweep(h, 0);
    hostPeak[h] = sw.peak;
    hostPeakAt[h] = sw.peakAt;
    hostAtEnd[h] = sw.atEnd;
    hostAsClient[h] = asClient;
    const total = closesTotal.get(hostIps[h]!);
    if (!(total === 0 || n - asClient < TW_SERVER_CLOSE_MIN || closesByServer.get(hostIps[h]!) * 2 < total)) serverClosers.push(h);
  }
  // Highest peak first, then by address (as text), then in order of first socket (a stable sort's order).
  const hostBefore = (a: number, b: number): boolean => {
    const d = hostPeak[b]! - hostPeak[a]!;
    if (d !== 0) return d < 0;
    const c = ips.text(hostIps[a]!).localeCompare(ips.text(hostIps[b]!));
    return c !== 0 ? c < 0 : a < b;
  };
  // The 20 highest peaks, and every host a finding is about: a busy server's capture has a
  // TIME-WAIT socket on every client host, and listing tens of thousands (each with its series)
  // made the diagnostics the biggest part of the output.
  const listedHosts = union(firstInOrder(nHosts, HOST_LIST_CAP, hostBefore), serverClosers, nHosts);
  listedHosts.sort((a, b) => (hostBefore(a, b) ? -1 : hostBefore(b, a) ? 1 : 0));
  const isServerCloser = new Uint8Array(nHosts);
  for (const h of serverClosers) isServerCloser[h] = 1;
  for (const h of listedHosts) {
    const n = byHost.start[h + 1]! - byHost.start[h]!;
    const ip = hostIps[h]!;
    const host: TimeWaitHost = {
      ip: ips.text(ip),
      entries: { asClient: hostAsClient[h]!, asServer: n - hostAsClient[h]! },
      serverCloses: { total: closesTotal.get(ip), serverFirst: closesByServer.get(ip) },
      peak: hostPeak[h]!,
      peakAt: hostPeakAt[h]!,
      atEnd: hostAtEnd[h]!,
      series: hostSweep(h, 60).series,
    };
    timeWait.hosts.push(host);
    if (isServerCloser[h] === 0) continue;
    // A server that closes first on most of its connections holds their TIME-WAIT itself.
    const c = host.serverCloses;
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
  // Grouped by client IP, server IP, server port by number, never by string; tuples numbered in
  // order of first appearance (the order a stable sort keeps for ties). One map keyed by the
  // three numbers while they fit a double exactly, else a map per address pair.
  const nIps = ips.size;
  const flat = nIps * nIps * 65536 <= Number.MAX_SAFE_INTEGER;
  const byKey = new Map<number, number>();
  const byPair = new Map<number, Map<number, number>>();
  const connTuple = new Int32Array(nConn);
  let nTuples = 0;
  let lastPair = -1;
  let lastPort = -1;
  let last = -1;
  for (let c = 0; c < nConn; c++) {
    const k = connRecord[c]!;
    const pair = sockets.clientIp[k]! * nIps + sockets.serverIp[k]!;
    const port = sockets.serverPort[k]!;
    if (last < 0 || pair !== lastPair || port !== lastPort) {
      let byPort: Map<number, number> | undefined = byKey;
      let key = pair * 65536 + port;
      if (!flat) {
        byPort = byPair.get(pair);
        if (!byPort) byPair.set(pair, (byPort = new Map()));
        key = port;
      }
      let t = byPort.get(key);
      if (t === undefined) byPort.set(key, (t = nTuples++));
      last = t;
      lastPair = pair;
      lastPort = port;
    }
    connTuple[c] = last;
  }
  const byTuple = grouped(connTuple, nConn, nTuples);
  const all = new HeldColumns(nTuples);
  const held = [new HeldColumns(nTuples), new HeldColumns(nTuples)] as const;
  const heldBy = [new Int32Array(nTuples), new Int32Array(nTuples)] as const;
  for (let t = 0; t < nTuples; t++) {
    const a = byTuple.start[t]!;
    const n = byTuple.start[t + 1]! - a;
    scratch.reserve(n);
    // The span of entries into TIME-WAIT: first and last, no sort needed (NaN spoils it, as a sort would).
    let first = Infinity;
    let lastEnter = -Infinity;
    for (let x = 0; x < n; x++) {
      const c = byTuple.members[a + x]!;
      const f = (scratch.from[x] = connFrom[c]!);
      if (f < first) first = f;
      if (f > lastEnter) lastEnter = f;
      if (f !== f) first = lastEnter = NaN;
      scratch.to[x] = connTo[c]!;
      if (connSides[c]! & 1) heldBy[0][t]!++;
      if (connSides[c]! & 2) heldBy[1][t]!++;
    }
    all.set(t, scratch, n, first, lastEnter, window, opts.mslSec);
    // Peak, rate and projection of the connections held in TIME-WAIT by each side.
    for (const side of [0, 1] as const) {
      const bit = side === 0 ? 1 : 2;
      let m = 0;
      first = Infinity;
      lastEnter = -Infinity;
      for (let x = 0; x < n; x++) {
        const c = byTuple.members[a + x]!;
        if (!(connSides[c]! & bit)) continue;
        const f = sideFrom[side][c]!;
        scratch.from[m] = f;
        scratch.to[m] = sideTo[side][c]!;
        m++;
        if (f < first) first = f;
        if (f > lastEnter) lastEnter = f;
        if (f !== f) first = lastEnter = NaN;
      }
      held[side].set(t, scratch, m, first, lastEnter, window, opts.mslSec);
    }
  }
  // Highest fraction first, then highest projection (none counts as 0), then in order of first
  // appearance: the order the tuples were sorted in as objects (a stable sort).
  const fraction = (t: number) => all.peak[t]! / rangeSize;
  const projected0 = (t: number) => {
    const p = all.projected[t]!;
    return p === p ? p : 0;
  };
  const tupleCompare = (a: number, b: number) => fraction(b) - fraction(a) || projected0(b) - projected0(a);
  let listedTuples: number[];
  if (Number.isFinite(rangeSize) && rangeSize !== 0) {
    // Finite fractions: the comparison is a total order, so the first 20 and those a finding is
    // about are all that need sorting.
    const tupleBefore = (a: number, b: number) => {
      const d = tupleCompare(a, b);
      return d !== 0 ? d < 0 : a < b;
    };
    const noted: number[] = [];
    for (let t = 0; t < nTuples; t++) {
      const cs = held[0].peak[t]! / rangeSize;
      const cp = held[0].projected[t]!;
      if (cs >= TW_INFO_FRACTION || cp >= TW_WARN_FRACTION * rangeSize || held[1].peak[t]! / rangeSize >= TW_INFO_FRACTION) noted.push(t);
    }
    listedTuples = union(firstInOrder(nTuples, TUPLE_LIST_CAP, tupleBefore), noted, nTuples);
    listedTuples.sort((a, b) => (tupleBefore(a, b) ? -1 : tupleBefore(b, a) ? 1 : 0));
  } else {
    // A range of no size: NaN and infinite fractions, compared exactly as the objects were.
    listedTuples = Array.from({ length: nTuples }, (_, t) => t);
    listedTuples.sort(tupleCompare);
  }
  const tuples: TimeWaitTuple[] = [];
  for (const t of listedTuples) {
    const k0 = connRecord[byTuple.members[byTuple.start[t]!]!]!;
    const closesPerSec = all.closesPerSec[t]!;
    const projected = all.projected[t]!;
    tuples.push({
      clientIp: ips.text(sockets.clientIp[k0]!),
      serverIp: ips.text(sockets.serverIp[k0]!),
      serverPort: sockets.serverPort[k0]!,
      heldBy: { client: heldBy[0][t]!, server: heldBy[1][t]! },
      peak: all.peak[t]!,
      peakAt: all.peakAt[t]!,
      rangeSize,
      fraction: all.peak[t]! / rangeSize,
      closesPerSec: closesPerSec === closesPerSec ? closesPerSec : null,
      projected: projected === projected ? projected : null,
      bySide: { client: held[0].held(t, rangeSize), server: held[1].held(t, rangeSize) },
    });
  }

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
      `${cs.peak} 4-tuples in TIME-WAIT at once on the client ${t.clientIp} (${pct(cs.fraction)} of the ` + `${range}, at ${rel(cs.peakAt)})`;
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

/** `a` and those of `b` not in it (items below `n`), in no particular order. */
function union(a: number[], b: readonly number[], n: number): number[] {
  const seen = new Uint8Array(n);
  for (const x of a) seen[x] = 1;
  for (const x of b) if (seen[x] === 0) a.push(x);
  return a;
}

function round1(x: number): string {
  return String(Math.round(x * 10) / 10);
}
