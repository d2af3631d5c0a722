/**
 * CLOSE-WAIT leaks. An endpoint enters CLOSE-WAIT when the peer's FIN arrives and leaves it only
 * when its own application calls close() (RFC 9293 §3.10.4, CLOSE in CLOSE-WAIT). One still there
 * long after the FIN is an application that read EOF and forgot to close: a descriptor leak.
 */
import type { ConnectionRecord, Side } from '../tcp/model.js';
import { endpointText, formatSec, plural } from './endpoint.js';
import type { CloseWaitConnection, CloseWaitDiagnostics, CloseWaitGroup, Finding } from './types.js';

/** Default seconds in CLOSE-WAIT from which it is a suspected leak (a healthy close follows EOF within milliseconds). */
export const CLOSE_WAIT_WARN_SEC = 1;
const LIST_CAP = 100;
const ID_CAP = 20;

/** Endpoints in CLOSE-WAIT at capture end, per connection and grouped by service. */
export function diagnoseCloseWait(
  records: readonly ConnectionRecord[],
  window: { start: number; end: number } | null,
  opts: { closeWaitWarnSec: number },
): { closeWait: CloseWaitDiagnostics; findings: Finding[] } {
  const all: CloseWaitConnection[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    for (let s = 0; s < 2; s++) {
      const side: Side = s === 0 ? 'client' : 'server';
      const me = s === 0 ? r.client : r.server;
      // An 'unseen' state is the RFC default, not a fact about this endpoint.
      if (me.state !== 'CLOSE-WAIT' || me.stateBasis === 'unseen') continue;
      let enteredAt: number | null = null;
      let finPacket: number | null = null;
      for (const t of r.timeline) {
        if (t.side === side && t.to === 'CLOSE-WAIT') {
          enteredAt = r.start + t.time;
          finPacket = t.packet;
        }
      }
      const peer = side === 'client' ? r.server : r.client;
      all.push({
        id: r.id,
        side,
        endpoint: endpointText(me),
        peer: endpointText(peer),
        enteredAt,
        finPacket,
        forSec: enteredAt === null || window === null ? null : Math.max(0, window.end - enteredAt),
      });
    }
  }
  all.sort((a, b) => (b.forSec ?? -1) - (a.forSec ?? -1) || a.id - b.id);

  // Built only when there is something to group: a map of every record is most of this function's cost.
  const byId = all.length === 0 ? new Map<number, ConnectionRecord>() : new Map(records.map((r) => [r.id, r]));
  const groups = new Map<string, CloseWaitGroup>();
  for (const c of all) {
    const r = byId.get(c.id)!;
    const side: Side = c.side;
    const key = side === 'server' ? `s ${c.endpoint}` : `c ${r.client.ip} ${endpointText(r.server)}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        side,
        ip: r[side].ip,
        port: side === 'server' ? r.server.port : null,
        service: endpointText(r.server),
        connections: 0,
        longestSec: null,
        ids: [],
      };
      groups.set(key, g);
    }
    g.connections++;
    if (c.forSec !== null && (g.longestSec === null || c.forSec > g.longestSec)) g.longestSec = c.forSec;
    if (g.ids.length < ID_CAP) g.ids.push(c.id);
  }
  const groupList = [...groups.values()].sort(
    (a, b) => (b.longestSec ?? -1) - (a.longestSec ?? -1) || b.connections - a.connections,
  );

  const findings: Finding[] = [];
  for (const g of groupList) {
    const leak = g.longestSec !== null && g.longestSec >= opts.closeWaitWarnSec;
    const subject = g.side === 'server' ? g.service : `${g.ip} (client of ${g.service})`;
    const how = g.longestSec === null ? '' : ` (the longest for ${formatSec(g.longestSec)} until the capture ended)`;
    findings.push({
      severity: leak ? 'warning' : 'info',
      code: 'close-wait-leak',
      subject,
      message: leak
        ? `${subject} left ${plural(g.connections, 'connection')} in CLOSE-WAIT${how}: the peer closed and ` +
          `the application never called close() on its socket, a descriptor leak. Close the socket when ` +
          `read() returns 0 (EOF), on error paths too.`
        : `${subject} has ${plural(g.connections, 'connection')} in CLOSE-WAIT${how}: the peer closed ` +
          `moments before the capture ended; a leak only if it stays there.`,
    });
  }
  return { closeWait: { connections: all.slice(0, LIST_CAP), total: all.length, groups: groupList }, findings };
}
