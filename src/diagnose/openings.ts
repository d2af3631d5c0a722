/**
 * Failed and half-open openings, grouped by the server endpoint they were aimed at: SYNs never
 * answered, SYNs answered with RST (refused), and servers left in SYN-RECEIVED because their
 * SYN-ACK was never acknowledged (many of them is the SYN-flood signature, RFC 4987 §2).
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { endpointText, formatSec, plural } from './endpoint.js';
import { indexIps, type IpIndex } from './ips.js';
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

function group<G extends OpeningGroup>(
  records: readonly ConnectionRecord[],
  make: (r: ConnectionRecord) => Omit<G, keyof OpeningGroup>,
  fold?: (g: G, r: ConnectionRecord) => void,
): G[] {
  const out = new Map<string, { g: G; clients: Set<string> }>();
  for (const r of records) {
    const server = endpointText(r.server);
    let e = out.get(server);
    if (!e) {
      const base: OpeningGroup = { server, ip: r.server.ip, port: r.server.port, connections: 0, clients: 0, ids: [] };
      const g = { ...base, ...make(r) } as unknown as G;
      out.set(server, (e = { g, clients: new Set() }));
    }
    e.g.connections++;
    e.clients.add(r.client.ip);
    e.g.clients = e.clients.size;
    if (e.g.ids.length < ID_CAP) e.g.ids.push(r.id);
    fold?.(e.g, r);
  }
  return [...out.values()].map((e) => e.g).sort((a, b) => b.connections - a.connections || a.server.localeCompare(b.server));
}

/**
 * How the gaps between SYNs grow: all about equal ('linear'), each about twice the last
 * ('exponential', RFC 6298 §5.5), equal then doubling ('linear-then-exponential', Linux with
 * net.ipv4.tcp_syn_linear_timeouts), anything else 'irregular'; null with fewer than two gaps.
 */
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
export function diagnoseOpenings(
  records: readonly ConnectionRecord[],
  opts: { synFloodMin: number },
  ips: IpIndex = indexIps(records),
): { openings: OpeningDiagnostics; findings: Finding[] } {
  // One pass sorts out the few records each group needs, and counts openings per server endpoint
  // (IP by number, then port) without formatting an endpoint per record.
  const unansweredRecords: ConnectionRecord[] = [];
  const refusedRecords: ConnectionRecord[] = [];
  const halfOpenRecords: ConnectionRecord[] = [];
  const openingsTo = new Map<number, Map<number, number>>();
  // Runs of openings to the same endpoint are counted first and added to the map once per run.
  let runIp = -1;
  let runPort = -1;
  let run = 0;
  const flush = () => {
    if (run === 0) return;
    let ports = openingsTo.get(runIp);
    if (!ports) openingsTo.set(runIp, (ports = new Map()));
    ports.set(runPort, (ports.get(runPort) ?? 0) + run);
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const kind = r.open.kind;
    if (kind === 'unanswered') unansweredRecords.push(r);
    else if (kind === 'refused') refusedRecords.push(r);
    if (isHalfOpen(r)) halfOpenRecords.push(r);
    if (kind === 'mid-stream') continue;
    const ip = ips.server[i]!;
    const port = ips.serverPort[i]!;
    if (ip !== runIp || port !== runPort) {
      flush();
      runIp = ip;
      runPort = port;
      run = 0;
    }
    run++;
  }
  flush();

  const unanswered = group<UnansweredGroup>(
    unansweredRecords,
    () => ({ maxSyns: 0, synRetransmits: [], backoffSec: [], backoff: null }),
    (g, r) => {
      const re = r.open.synRetransmits ?? [];
      if (re.length + 1 <= g.maxSyns) return;
      g.maxSyns = re.length + 1;
      g.synRetransmits = re;
      // Gaps between successive SYNs: the retransmission timer doubling (RFC 6298 §5.5).
      g.backoffSec = re.map((t, i) => t - (i === 0 ? 0 : re[i - 1]!));
      g.backoff = backoffShape(g.backoffSec);
    },
  );
  const refused = group<OpeningGroup>(refusedRecords, () => ({}));
  const halfOpen = group<HalfOpenGroup>(halfOpenRecords, () => ({ share: 0, flood: false }));
  for (const g of halfOpen) {
    const ip = ips.id.get(g.ip);
    const n = ip === undefined ? undefined : openingsTo.get(ip)?.get(g.port);
    g.share = g.connections / (n ?? g.connections);
    g.flood = g.connections >= opts.synFloodMin && g.share >= SYN_FLOOD_SHARE;
  }

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
  return { openings: { unanswered, refused, halfOpen }, findings };
}
