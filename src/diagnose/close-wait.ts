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

/** A CLOSE-WAIT endpoint as collected, with what its group needs. */
interface Stuck {
  c: CloseWaitConnection;
  clientIp: string;
  ip: string;
  serverPort: number;
  service: string;
}

/** A CloseWaitCollector's content as plain data: its endpoints, in no particular order. */
export type CloseWaitState = Stuck[];

/** CLOSE-WAIT leaks, folded one finished connection at a time (only endpoints left in CLOSE-WAIT are kept). */
export class CloseWaitCollector {
  private readonly all: Stuck[] = [];

  /** The endpoints as plain data (copies: `result()` writes `forSec` into its own). */
  state(): CloseWaitState {
    return this.all.map(copyStuck);
  }

  /**
   * Adds another collector's `state()`. Every endpoint is kept, not the first 100: which are first,
   * and each group's first ids, depend on `forSec`, known only once the whole window is.
   */
  absorb(s: CloseWaitState): void {
    for (const x of s) this.all.push(copyStuck(x));
  }

  /** Folds one record in. */
  add(r: ConnectionRecord): void {
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
      this.all.push({
        c: { id: r.id, side, endpoint: endpointText(me), peer: endpointText(peer), enteredAt, finPacket, forSec: null },
        clientIp: r.client.ip,
        ip: me.ip,
        serverPort: r.server.port,
        service: endpointText(r.server),
      });
    }
  }

  /** The endpoints, their groups and the findings, as of the end of the capture window. */
  result(window: { start: number; end: number } | null, opts: { closeWaitWarnSec: number }): { closeWait: CloseWaitDiagnostics; findings: Finding[] } {
    for (const { c } of this.all) c.forSec = c.enteredAt === null || window === null ? null : Math.max(0, window.end - c.enteredAt);
    // Ties, a connection's two sides, client first (as add() pushes them): not left to arrival order.
    const stuck = this.all.slice().sort((a, b) => (b.c.forSec ?? -1) - (a.c.forSec ?? -1) || a.c.id - b.c.id || sideRank(a.c.side) - sideRank(b.c.side));
    const all = stuck.map((x) => x.c);
    const { groups, findings } = closeWaitGroups(stuck, opts);
    return { closeWait: { connections: all.slice(0, LIST_CAP), total: all.length, groups }, findings };
  }
}

function sideRank(side: Side): number {
  return side === 'client' ? 0 : 1;
}

function copyStuck(x: Stuck): Stuck {
  return { ...x, c: { ...x.c } };
}

/** The endpoints (longest first) grouped where the application lives, and a finding per group. */
function closeWaitGroups(stuck: Stuck[], opts: { closeWaitWarnSec: number }): { groups: CloseWaitGroup[]; findings: Finding[] } {
  const groups = new Map<string, CloseWaitGroup>();
  for (const x of stuck) {
    const c = x.c;
    const side: Side = c.side;
    const key = side === 'server' ? `s ${c.endpoint}` : `c ${x.clientIp} ${x.service}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        side,
        ip: x.ip,
        port: side === 'server' ? x.serverPort : null,
        service: x.service,
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
  const groupList = [...groups.values()].sort((a, b) => (b.longestSec ?? -1) - (a.longestSec ?? -1) || b.connections - a.connections);

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
  return { groups: groupList, findings };
}
