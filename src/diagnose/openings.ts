/**
 * Failed and half-open openings, grouped by the server endpoint they were aimed at: SYNs never
 * answered, SYNs answered with RST (refused), and servers left in SYN-RECEIVED because their
 * SYN-ACK was never acknowledged (many of them is the SYN-flood signature, RFC 4987 §2).
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { endpointText, formatSec, plural } from './endpoint.js';
import type { IpNumbers } from './ips.js';
import type { Finding, HalfOpenGroup, OpeningDiagnostics, OpeningGroup, UnansweredGroup } from './types.js';

/** Default half-open openings on one server endpoint from which a SYN flood is reported. */
export const SYN_FLOOD_MIN = 20;
/** ...provided they are at least this share of its openings (a busy server has a few in flight). */
export const SYN_FLOOD_SHARE = 0.5;
const ID_CAP = 20;

/** The server stayed in SYN-RECEIVED having sent something (its SYN-ACK): the final ACK never came. */
export function isHalfOpen(r: ConnectionRecord): boolean {
  return (
    r.server.state === 'SYN-RECEIVED' &&
    r.server.segments > 0 &&
    r.open.kind !== 'unanswered' &&
    r.open.kind !== 'refused' &&
    r.open.kind !== 'mid-stream'
  );
}

/**
 * Openings to one server endpoint that failed one way, grouped as they arrive. Ids are the 20
 * smallest, the client count exact (a set of address numbers), so the group does not depend on the
 * order in which connections finish.
 */
class Groups<G extends OpeningGroup> {
  private readonly out = new Map<string, { g: G; clients: Set<number> }>();

  constructor(
    private readonly make: () => Omit<G, keyof OpeningGroup>,
    private readonly fold?: (g: G, r: ConnectionRecord) => void,
  ) {}

  add(r: ConnectionRecord, clientIp: number): void {
    const server = endpointText(r.server);
    let e = this.out.get(server);
    if (!e) {
      const base: OpeningGroup = { server, ip: r.server.ip, port: r.server.port, connections: 0, clients: 0, ids: [] };
      const g = { ...base, ...this.make() } as unknown as G;
      this.out.set(server, (e = { g, clients: new Set() }));
    }
    e.g.connections++;
    e.clients.add(clientIp);
    e.g.clients = e.clients.size;
    insertId(e.g.ids, r.id);
    this.fold?.(e.g, r);
  }

  /** Most connections first, then by server. */
  list(): G[] {
    return [...this.out.values()].map((e) => e.g).sort((a, b) => b.connections - a.connections || a.server.localeCompare(b.server));
  }
}

/** Keeps `ids` the ID_CAP smallest ids seen, ascending. */
function insertId(ids: number[], id: number): void {
  if (ids.length === ID_CAP && id >= ids[ID_CAP - 1]!) return;
  let i = ids.length;
  while (i > 0 && ids[i - 1]! > id) i--;
  ids.splice(i, 0, id);
  if (ids.length > ID_CAP) ids.length = ID_CAP;
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

/** Unanswered, refused and half-open openings, plus their findings. */
/** Failed and half-open openings, folded one finished connection at a time. */
export class OpeningsCollector {
  private readonly unanswered = new Groups<UnansweredGroup>(
    () => ({ maxSyns: 0, synRetransmits: [], backoffSec: [], backoff: null }),
    (g, r) => {
      const re = r.open.synRetransmits ?? [];
      // The attempt with the most SYNs, the smallest id among equals (as a pass in id order finds it).
      const syns = re.length + 1;
      if (syns < g.maxSyns || (syns === g.maxSyns && r.id > this.maxSynsId.get(g)!)) return;
      this.maxSynsId.set(g, r.id);
      g.maxSyns = syns;
      g.synRetransmits = re;
      // Gaps between successive SYNs: the retransmission timer doubling (RFC 6298 §5.5).
      g.backoffSec = re.map((t, i) => t - (i === 0 ? 0 : re[i - 1]!));
      g.backoff = backoffShape(g.backoffSec);
    },
  );
  private readonly maxSynsId = new Map<UnansweredGroup, number>();
  private readonly refused = new Groups<OpeningGroup>(() => ({}));
  private readonly halfOpen = new Groups<HalfOpenGroup>(() => ({ share: 0, flood: false }));
  /** Openings (all but mid-stream) per server IP number, then port. */
  private readonly openingsTo = new Map<number, Map<number, number>>();

  constructor(private readonly ips: IpNumbers) {}

  /** Folds one record in; the numbers are its addresses' in `ips`. */
  add(r: ConnectionRecord, clientIp: number, serverIp: number): void {
    const kind = r.open.kind;
    if (kind === 'unanswered') this.unanswered.add(r, clientIp);
    else if (kind === 'refused') this.refused.add(r, clientIp);
    if (isHalfOpen(r)) this.halfOpen.add(r, clientIp);
    if (kind === 'mid-stream') return;
    let ports = this.openingsTo.get(serverIp);
    if (!ports) this.openingsTo.set(serverIp, (ports = new Map()));
    const port = r.server.port;
    ports.set(port, (ports.get(port) ?? 0) + 1);
  }

  /** The groups and their findings. */
  result(opts: { synFloodMin: number }): { openings: OpeningDiagnostics; findings: Finding[] } {
    const unanswered = this.unanswered.list();
    const refused = this.refused.list();
    const halfOpen = this.halfOpen.list();
    for (const g of halfOpen) {
      const ip = this.ips.get(g.ip);
      const n = ip === undefined ? undefined : this.openingsTo.get(ip)?.get(g.port);
      g.share = g.connections / (n ?? g.connections);
      g.flood = g.connections >= opts.synFloodMin && g.share >= SYN_FLOOD_SHARE;
    }
    return { openings: { unanswered, refused, halfOpen }, findings: openingFindings(unanswered, refused, halfOpen) };
  }
}

function openingFindings(unanswered: UnansweredGroup[], refused: OpeningGroup[], halfOpen: HalfOpenGroup[]): Finding[] {
  const findings: Finding[] = [];
  for (const g of unanswered) {
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
        `answer; ${backoff}: a firewall dropping SYNs, a full listen queue, or a host that is down.`,
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
    const pct = `${Math.round(g.share * 100)}%`;
    findings.push(
      g.flood
        ? {
            severity: 'warning',
            code: 'syn-flood',
            subject: g.server,
            message:
              `${g.server} has ${g.connections} half-open connections from ${plural(g.clients, 'address', 'addresses')} ` +
              `(${pct} of its openings): SYN-ACKs never acknowledged, the SYN-flood signature (RFC 4987). ` +
              `Keep net.ipv4.tcp_syncookies on; filter the sources upstream.`,
          }
        : {
            severity: 'info',
            code: 'half-open',
            subject: g.server,
            message:
              `${g.server} has ${plural(g.connections, 'half-open connection')} (SYN-ACK sent, final ACK not seen; ` +
              `${pct} of its openings).`,
          },
    );
  }
  return findings;
}
