/**
 * Keep-alive: connections the model saw probed (RFC 9293 §3.8.4: a segment with seq = SND.NXT-1
 * and 0 or 1 byte, sent after an idle period to check the peer is still there).
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { endpointText, formatSec, plural } from './endpoint.js';
import type { Finding, KeepAliveConnection, KeepAliveDiagnostics } from './types.js';

const LIST_CAP = 100;

/** A KeepAliveCollector's content as plain data: its probed connections, in no particular order. */
export type KeepAliveState = KeepAliveConnection[];

/** Keep-alive probing, folded one finished connection at a time (only probed connections are kept). */
export class KeepAliveCollector {
  private readonly all: KeepAliveConnection[] = [];

  /** The probed connections as plain data (copies). */
  state(): KeepAliveState {
    return this.all.map((c) => ({ ...c }));
  }

  /**
   * Adds another collector's `state()`. Every connection is kept, not the first 100: the findings
   * count every probed connection per server.
   */
  absorb(s: KeepAliveState): void {
    for (const c of s) this.all.push({ ...c });
  }

  /** Folds one record in. */
  add(r: ConnectionRecord): void {
    if (r.keepAlive === null || r.keepAlive.probes === 0) return;
    this.all.push({
      id: r.id,
      client: endpointText(r.client),
      server: endpointText(r.server),
      probes: r.keepAlive.probes,
      intervalSec: r.keepAlive.intervalSec,
    });
  }

  /** The probed connections and a finding per server. */
  result(): { keepAlive: KeepAliveDiagnostics; findings: Finding[] } {
    return keepAliveResult(this.all.slice());
  }
}

function keepAliveResult(all: KeepAliveConnection[]): { keepAlive: KeepAliveDiagnostics; findings: Finding[] } {
  all.sort((a, b) => b.probes - a.probes || a.id - b.id);
  const intervals = all.map((c) => c.intervalSec).filter((x): x is number => x !== null);
  const intervalSec = intervals.length === 0 ? null : { min: intervals.reduce((a, b) => Math.min(a, b)), max: intervals.reduce((a, b) => Math.max(a, b)) };

  const byServer = new Map<string, KeepAliveConnection[]>();
  for (const c of all) {
    let list = byServer.get(c.server);
    if (!list) byServer.set(c.server, (list = []));
    list.push(c);
  }
  const findings: Finding[] = [];
  for (const [server, list] of byServer) {
    const iv = list.map((c) => c.intervalSec).filter((x): x is number => x !== null);
    // reduce, not Math.min(...iv): a spread of a million arguments overflows the stack.
    const lo = iv.reduce((a, b) => Math.min(a, b), Infinity);
    const hi = iv.reduce((a, b) => Math.max(a, b), -Infinity);
    const every = iv.length === 0 ? '' : lo === hi || hi - lo < 0.05 * hi ? ` every ${formatSec(lo)}` : ` every ${formatSec(lo)} to ${formatSec(hi)}`;
    const probes = list.reduce((n, c) => n + c.probes, 0);
    findings.push({
      severity: 'info',
      code: 'keep-alive',
      subject: server,
      message: `${plural(list.length, 'connection')} to ${server} kept up by keep-alive probes (${plural(probes, 'probe')}${every}).`,
    });
  }
  return { keepAlive: { connections: all.slice(0, LIST_CAP), total: all.length, intervalSec }, findings };
}
