/**
 * Failed and half-open openings, grouped by the server endpoint they were aimed at: SYNs never
 * answered, SYNs answered with RST (refused), and servers left in SYN-RECEIVED because their
 * SYN-ACK was never acknowledged. A SYN flood (RFC 4987 §2) shows as many of the last kind when
 * the server answers, or, when its answers are not in the capture (dropped, syncookies answered
 * elsewhere, a tap on one direction), as many unanswered attempts of a single SYN each: a real
 * client retransmits its SYN after an initial RTO of 1 s (RFC 6298 §2.1), a spoofed source never
 * does. Each group counts the connections a full flow table evicted (trace.ts says which).
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { formatSec, plural } from './endpoint.js';
import type { IpNumbers } from './ips.js';
import { type GroupState, Groups } from './opening-groups.js';
import type { Finding, HalfOpenGroup, OpeningDiagnostics, OpeningGroup, UnansweredGroup } from './types.js';

/** Default half-open openings on one server endpoint from which a SYN flood is reported. */
export const SYN_FLOOD_MIN = 20;
/** ...provided they are at least this share of its openings (a busy server has a few in flight). */
export const SYN_FLOOD_SHARE = 0.5;
/**
 * A single unanswered SYN is evidence of a spoofed source only once a real client would have
 * retransmitted it: the initial RTO is 1 s (RFC 6298 §2.1; Linux TCP_TIMEOUT_INIT).
 */
export const SYN_RTO_SEC = 1;

/** The server stayed in SYN-RECEIVED having sent something (its SYN-ACK): the final ACK never came. */
export function isHalfOpen(r: ConnectionRecord): boolean {
  return (
    r.server.state === 'SYN-RECEIVED' && r.server.segments > 0 && r.open.kind !== 'unanswered' && r.open.kind !== 'refused' && r.open.kind !== 'mid-stream'
  );
}

export function backoffShape(gaps: readonly number[]): UnansweredGroup['backoff'] {
  if (gaps.length < 2) return null;
  // Timer granularity and scheduling jitter: a ratio within 25% of 1 (or of 2) counts as equal (doubled).
  const kind = (a: number, b: number) => (b <= a * 1.25 && b >= a / 1.25 ? 'same' : b >= a * 1.6 && b <= a * 2.5 ? 'double' : 'other');
  const steps = gaps.slice(1).map((g, i) => kind(gaps[i]!, g));
  if (steps.every((s) => s === 'same')) return 'linear';
  if (steps.every((s) => s === 'double')) return 'exponential';
  const firstDouble = steps.indexOf('double');
  if (firstDouble > 0 && steps.slice(0, firstDouble).every((s) => s === 'same') && steps.slice(firstDouble).every((s) => s === 'double')) {
    return 'linear-then-exponential';
  }
  return 'irregular';
}

/** What an unanswered group keeps besides its fields. */
interface UnansweredAcc {
  /** The id of the attempt `maxSyns` and its retransmissions are from. */
  maxSynsId: number;
  /** Single-SYN attempts by the whole second of their SYN (bounded by the capture's seconds). */
  singleSynAt: Map<number, number>;
}

/** An OpeningsCollector's content as plain data; address numbers are those of its IpNumbers. */
export interface OpeningsState {
  unanswered: Array<GroupState<UnansweredGroup, UnansweredAcc>>;
  refused: Array<GroupState<OpeningGroup, null>>;
  halfOpen: Array<GroupState<HalfOpenGroup, null>>;
  openingsTo: Map<number, Map<number, number>>;
}

/** Failed and half-open openings, folded one finished connection at a time. */
export class OpeningsCollector {
  private readonly unanswered = new Groups<UnansweredGroup, UnansweredAcc>({
    make: () => ({ maxSyns: 0, synRetransmits: [], backoffSec: [], backoff: null, singleSyn: 0, flood: false }),
    extra: () => ({ maxSynsId: -1, singleSynAt: new Map() }),
    fold: (g, x, r) => {
      const re = r.open.synRetransmits ?? [];
      if (re.length === 0) {
        // When, by whole seconds: whether the capture watched it for an RTO is known at the end.
        g.singleSyn++;
        const sec = Math.floor(r.start);
        x.singleSynAt.set(sec, (x.singleSynAt.get(sec) ?? 0) + 1);
      }
      // The attempt with the most SYNs, the smallest id among equals (as a pass in id order finds it).
      const syns = re.length + 1;
      if (syns < g.maxSyns || (syns === g.maxSyns && r.id > x.maxSynsId)) return;
      x.maxSynsId = r.id;
      g.maxSyns = syns;
      g.synRetransmits = re;
      // Gaps between successive SYNs: the retransmission timer doubling (RFC 6298 §5.5).
      g.backoffSec = re.map((t, i) => t - (i === 0 ? 0 : re[i - 1]!));
      g.backoff = backoffShape(g.backoffSec);
    },
    merge: (g, x, from, fx) => {
      g.singleSyn += from.singleSyn;
      for (const [sec, n] of fx.singleSynAt) x.singleSynAt.set(sec, (x.singleSynAt.get(sec) ?? 0) + n);
      // The same choice as fold(): most SYNs, then the smallest id.
      if (from.maxSyns < g.maxSyns || (from.maxSyns === g.maxSyns && fx.maxSynsId > x.maxSynsId)) return;
      x.maxSynsId = fx.maxSynsId;
      g.maxSyns = from.maxSyns;
      g.synRetransmits = from.synRetransmits.slice();
      g.backoffSec = from.backoffSec.slice();
      g.backoff = from.backoff;
    },
  });
  private readonly refused = new Groups<OpeningGroup, null>({ make: () => ({}), extra: () => null });
  private readonly halfOpen = new Groups<HalfOpenGroup, null>({ make: () => ({ share: 0, flood: false }), extra: () => null });
  /** Openings (all but mid-stream) per server IP number, then port. */
  private readonly openingsTo = new Map<number, Map<number, number>>();

  constructor(private readonly ips: IpNumbers) {}

  /**
   * Folds one record in; `serverIp` is its server's number in `ips` (the client's is taken only
   * for a failed opening); `evicted`: a full table ended it early; `clientWord`: the client's IPv4
   * word if known (IpNumbers.number).
   */
  add(r: ConnectionRecord, serverIp: number, evicted = false, clientWord?: number): void {
    const kind = r.open.kind;
    const halfOpen = isHalfOpen(r);
    if (kind === 'unanswered' || kind === 'refused' || halfOpen) {
      const clientIp = this.ips.number(r.client.ip, 0, clientWord);
      if (kind === 'unanswered') this.unanswered.add(r, clientIp, serverIp, evicted);
      else if (kind === 'refused') this.refused.add(r, clientIp, serverIp, evicted);
      if (halfOpen) this.halfOpen.add(r, clientIp, serverIp, evicted);
    }
    if (kind === 'mid-stream') return;
    let ports = this.openingsTo.get(serverIp);
    if (!ports) this.openingsTo.set(serverIp, (ports = new Map()));
    const port = r.server.port;
    ports.set(port, (ports.get(port) ?? 0) + 1);
  }

  /** The collector's content as plain data (copies). */
  state(): OpeningsState {
    return {
      unanswered: this.unanswered.state(),
      refused: this.refused.state(),
      halfOpen: this.halfOpen.state(),
      openingsTo: new Map([...this.openingsTo].map(([ip, ports]) => [ip, new Map(ports)])),
    };
  }

  /** Adds another collector's `state()`, its address numbers translated by `ip` (IpNumbers.absorb): groups merge by endpoint. */
  absorb(s: OpeningsState, ip: Int32Array): void {
    this.unanswered.absorb(s.unanswered, ip);
    this.refused.absorb(s.refused, ip);
    this.halfOpen.absorb(s.halfOpen, ip);
    for (const [from, ports] of s.openingsTo) {
      const to = ip[from]!;
      let mine = this.openingsTo.get(to);
      if (!mine) this.openingsTo.set(to, (mine = new Map()));
      for (const [port, n] of ports) mine.set(port, (mine.get(port) ?? 0) + n);
    }
  }

  /** The groups and their findings; `window` is the capture's (its end tells which SYNs had time to be retransmitted). */
  result(opts: { synFloodMin: number }, window: { start: number; end: number } | null): { openings: OpeningDiagnostics; findings: Finding[] } {
    const unansweredAcc = this.unanswered.list();
    const unanswered = unansweredAcc.map((e) => e.g);
    const refused = this.refused.list().map((e) => e.g);
    const halfOpen = this.halfOpen.list().map((e) => e.g);
    for (const { g, x } of unansweredAcc) {
      // Single SYNs from seconds that ended at least an RTO before the capture did, against every
      // attempt that retransmitted (whenever it started: a retransmission is proof enough).
      let watched = 0;
      const last = window === null ? -Infinity : window.end - SYN_RTO_SEC;
      for (const [sec, n] of x.singleSynAt) if (sec + 1 <= last) watched += n;
      const retried = g.connections - g.singleSyn;
      g.flood = watched >= opts.synFloodMin && watched >= SYN_FLOOD_SHARE * (watched + retried);
    }
    for (const g of halfOpen) {
      const ip = this.ips.get(g.ip);
      const n = ip === undefined ? undefined : this.openingsTo.get(ip)?.get(g.port);
      g.share = g.connections / (n ?? g.connections);
      g.flood = g.connections >= opts.synFloodMin && g.share >= SYN_FLOOD_SHARE;
    }
    return { openings: { unanswered, refused, halfOpen }, findings: openingFindings(unanswered, refused, halfOpen) };
  }
}

/** What the evictions of a full table did to one group, as a clause ('' when none). */
function evictedText(evicted: number): string {
  if (evicted === 0) return '';
  return (
    ` ${plural(evicted, 'of these connections was', 'of these connections were')} evicted from the full flow table to make ` +
    `room (--max-connections; openings that never completed go first while they fill an eighth of the table, established connections stay).`
  );
}

/**
 * The SYN-flood finding of one server endpoint, from its flooded groups: unanswered attempts
 * (`u`), half-open connections (`h`), or both.
 */
function synFlood(u: UnansweredGroup | null, h: HalfOpenGroup | null): Finding {
  const server = (u ?? h)!.server;
  const answered =
    h === null
      ? ''
      : `${h.connections} half-open connections from ${plural(h.clients, 'address', 'addresses')} ` +
        `(${Math.round(h.share * 100)}% of its openings): SYN-ACKs never acknowledged`;
  const unanswered =
    u === null
      ? ''
      : `${plural(u.connections, 'connection attempt')} from ${plural(u.clients, 'address', 'addresses')} that were never answered, ` +
        `${u.singleSyn} of them a single SYN never retransmitted (a real client retransmits after its 1 s initial RTO, ` +
        `RFC 6298; a spoofed source never does)`;
  const what = u === null ? `${server} has ${answered}` : h === null ? `${server} got ${unanswered}` : `${server} got ${unanswered}, and has ${answered}`;
  return {
    severity: 'warning',
    code: 'syn-flood',
    subject: server,
    message:
      `${what}, the SYN-flood signature (RFC 4987).${evictedText((u?.evicted ?? 0) + (h?.evicted ?? 0))} ` +
      `Keep net.ipv4.tcp_syncookies on; filter the sources upstream.`,
  };
}

function openingFindings(unanswered: UnansweredGroup[], refused: OpeningGroup[], halfOpen: HalfOpenGroup[]): Finding[] {
  const findings: Finding[] = [];
  // One SYN-flood finding per server endpoint, whichever groups show it.
  const floodedHalfOpen = new Map(halfOpen.filter((g) => g.flood).map((g) => [g.server, g]));
  for (const g of unanswered) {
    if (g.flood) {
      findings.push(synFlood(g, floodedHalfOpen.get(g.server) ?? null));
      floodedHalfOpen.delete(g.server);
      continue;
    }
    const why =
      g.backoff === 'exponential'
        ? 'the timer doubling, RFC 6298 \u00a75.5'
        : g.backoff === 'linear'
          ? 'evenly spaced, as with Linux net.ipv4.tcp_syn_linear_timeouts'
          : g.backoff === 'linear-then-exponential'
            ? 'evenly spaced, then doubling: Linux tcp_syn_linear_timeouts, then RFC 6298 \u00a75.5'
            : 'the retransmission timer';
    const backoff =
      g.backoffSec.length === 0
        ? 'no SYN was retransmitted within the capture'
        : `SYNs retransmitted after gaps of ${g.backoffSec.map(formatSec).join(', ')} (${why})`;
    findings.push({
      severity: 'warning',
      code: 'unanswered-syn',
      subject: g.server,
      message:
        `${plural(g.connections, 'connection attempt')} to ${g.server} from ${plural(g.clients, 'client')} got no ` +
        `answer; ${backoff}: a firewall dropping SYNs, a full listen queue, or a host that is down.${evictedText(g.evicted)}`,
    });
  }
  for (const g of refused) {
    findings.push({
      severity: 'warning',
      code: 'refused',
      subject: g.server,
      message:
        `${g.server} refused ${plural(g.connections, 'connection')} from ${plural(g.clients, 'client')} (RST ` +
        `answering the SYN, RFC 9293 \u00a73.5.2): nothing listens on the port, or a firewall rejects with a reset.`,
    });
  }
  for (const g of halfOpen) {
    if (g.flood) {
      // Unless the unanswered attempts on the same endpoint said it already.
      if (floodedHalfOpen.has(g.server)) findings.push(synFlood(null, g));
      continue;
    }
    findings.push({
      severity: 'info',
      code: 'half-open',
      subject: g.server,
      message:
        `${g.server} has ${plural(g.connections, 'half-open connection')} (SYN-ACK sent, final ACK not seen; ` +
        `${Math.round(g.share * 100)}% of its openings).${evictedText(g.evicted)}`,
    });
  }
  return findings;
}
