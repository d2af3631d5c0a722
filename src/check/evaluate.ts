/**
 * Evaluates rules on a finished Report (the model, never rendered text). Each verdict says whether
 * the rule holds and, when it does not, which connections and packets broke it. Semantics of each
 * rule are documented in docs/check.md; rules over "every connection" hold vacuously on a capture
 * without connections (pair them with `connections>=1`).
 */
import { diagnose } from '../diagnose/diagnose.js';
import { endpointText, formatSec, plural } from '../diagnose/endpoint.js';
import type { Report } from '../diagnose/types.js';
import type { ConnectionRecord, Side, TcpState } from '../tcp/model.js';
import { compare, type Rule } from './rules.js';

/** One thing that broke a rule: the connection and packet when there is one. */
export interface Offender {
  connection: { id: number; client: string; server: string } | null;
  /** Packet number in the capture (1-based), null when no single packet is to blame. */
  packet: number | null;
  /** What is wrong with it, e.g. "reset by server in ESTABLISHED". */
  detail: string;
}

/** The outcome of one rule on one capture. */
export interface Verdict {
  ok: boolean;
  /** One sentence: what was found (e.g. "3 resets, expected <= 1"); also set when the rule holds. */
  summary: string;
  /** Everything that broke the rule, in capture order. */
  offenders: Offender[];
}

/** States that end a graceful close: the passive closer CLOSED, the active one TIME-WAIT (or CLOSED after 2·MSL). */
const CLOSED_STATES: readonly TcpState[] = ['CLOSED', 'TIME-WAIT'];
const GRACEFUL_KINDS = ['four-way', 'three-segment', 'simultaneous'];

function offender(r: ConnectionRecord, packet: number | null | undefined, detail: string): Offender {
  return {
    connection: { id: r.id, client: endpointText(r.client), server: endpointText(r.server) },
    packet: packet ?? null,
    detail,
  };
}

/** The offender's connection and packet as text: `#3 a:1 ⇄ b:2 packet 17: detail`. */
export function offenderText(o: Offender): string {
  const where = o.connection === null ? '' : `#${o.connection.id} ${o.connection.client} \u21c4 ${o.connection.server}`;
  const pkt = o.packet === null ? '' : `packet ${o.packet}`;
  const head = [where, pkt].filter((x) => x !== '').join(' ');
  return head === '' ? o.detail : `${head}: ${o.detail}`;
}

/** The last packet of the opening exchange (the RST, the last SYN, the final ACK). */
function openingPacket(r: ConnectionRecord): number | null {
  return r.open.packets[r.open.packets.length - 1] ?? r.segments[0]?.packet ?? null;
}

/** The packet where `side` last entered `state`, from the timeline. */
function enteredPacket(r: ConnectionRecord, side: Side, state: TcpState): number | null {
  let p: number | null = null;
  for (const t of r.timeline) if (t.side === side && t.to === state) p = t.packet;
  return p;
}

/** A connection's reset, if any: RST answering the SYN (refused) or ending the connection. */
function resetOf(r: ConnectionRecord): { by: Side | null; state: TcpState | null; packet: number | null } | null {
  if (r.close.reset) return r.close.reset;
  if (r.close.kind === 'reset') return { by: r.close.initiator, state: null, packet: r.close.packets[0] ?? null };
  if (r.open.kind === 'refused') return { by: 'server', state: null, packet: openingPacket(r) };
  return null;
}

function resetText(x: { by: Side | null; state: TcpState | null }): string {
  return `reset${x.by ? ` by ${x.by}` : ''}${x.state ? ` in ${x.state}` : ''}`;
}

/** True when the server endpoint completed an opening the capture saw (accept() would have returned). */
function accepted(r: ConnectionRecord): boolean {
  if (r.open.kind === 'mid-stream') return false;
  return r.open.complete || r.timeline.some((t) => t.side === 'server' && t.to === 'ESTABLISHED');
}

function states(r: ConnectionRecord): string {
  return `client ${r.client.state}, server ${r.server.state}`;
}

/** Evaluates one rule on one report. */
export function evaluate(rule: Rule, report: Report): Verdict {
  const conns = report.connections;
  const n = conns.length;
  switch (rule.kind) {
    case 'handshakes-complete': {
      const bad = conns.filter((r) => !r.open.complete);
      const offenders = bad.map((r) =>
        offender(r, openingPacket(r), r.open.kind === 'mid-stream' ? 'no handshake captured (mid-stream)' : `handshake ${r.open.kind}, not complete`),
      );
      return verdict(offenders, `${n - bad.length} of ${plural(n, 'handshake')} complete`);
    }
    case 'no-failed-checks': {
      const offenders: Offender[] = [];
      for (const r of conns) {
        for (const c of r.checks) {
          if (c.ok) continue;
          const nums = c.expected !== null || c.actual !== null ? ` (expected ${c.expected}, got ${c.actual})` : '';
          offenders.push(offender(r, c.packet, `check ${c.id} failed: ${c.message}${nums}`));
        }
      }
      return verdict(offenders, offenders.length === 0 ? 'every seq/ack check passed' : `${plural(offenders.length, 'check')} failed`);
    }
    case 'resets': {
      const resets = conns.flatMap((r) => {
        const x = resetOf(r);
        return x === null ? [] : [offender(r, x.packet, resetText(x))];
      });
      const ok = compare(resets.length, rule.op, rule.n);
      const summary = `${plural(resets.length, 'reset')}, expected ${rule.op === '=' ? '' : `${rule.op} `}${rule.n}`;
      // When too few resets broke it, no connection is to blame.
      const tooMany = rule.op === '<' || rule.op === '<=' || (rule.op === '=' && resets.length > rule.n);
      return { ok, summary, offenders: ok || !tooMany ? [] : resets };
    }
    case 'connections': {
      const ok = compare(n, rule.op, rule.n);
      return { ok, summary: `${plural(n, 'connection')}, expected ${rule.op === '=' ? '' : `${rule.op} `}${rule.n}`, offenders: [] };
    }
    case 'graceful-close': {
      const offenders: Offender[] = [];
      for (const r of conns) {
        const c = r.close;
        const reset = resetOf(r);
        if (reset !== null) offenders.push(offender(r, reset.packet, resetText(reset)));
        else if (r.open.kind === 'unanswered') offenders.push(offender(r, openingPacket(r), 'never opened (unanswered SYN)'));
        else if (c.kind === 'none') offenders.push(offender(r, null, `still open at capture end (${states(r)})`));
        else if (c.kind === 'half-closed') {
          const other: Side = c.initiator === 'server' ? 'client' : 'server';
          offenders.push(offender(r, c.packets[0], `only the ${c.initiator ?? 'one side'} closed (${other} in ${r[other].state})`));
        } else if (!GRACEFUL_KINDS.includes(c.kind) || !CLOSED_STATES.includes(r.client.state) || !CLOSED_STATES.includes(r.server.state)) {
          offenders.push(offender(r, c.packets[c.packets.length - 1], `${c.kind} close not completed (${states(r)})`));
        }
      }
      return verdict(offenders, `${n - offenders.length} of ${plural(n, 'connection')} closed gracefully`);
    }
    case 'no-state': {
      const offenders: Offender[] = [];
      for (const r of conns) {
        for (const side of ['client', 'server'] as const) {
          // An 'unseen' endpoint's state is the RFC default, not an observation.
          if (r[side].state !== rule.state || r[side].stateBasis === 'unseen') continue;
          offenders.push(offender(r, enteredPacket(r, side, rule.state), `${side} ${endpointText(r[side])} left in ${rule.state}`));
        }
      }
      return verdict(offenders, `${plural(offenders.length, 'endpoint')} in ${rule.state} at capture end`);
    }
    case 'accepts': {
      const target = rule.ip === null ? `*:${rule.port}` : endpointText({ ip: rule.ip, port: rule.port });
      const to = conns.filter((r) => r.server.port === rule.port && (rule.ip === null || r.server.ip === rule.ip));
      const acceptedCount = to.filter(accepted).length;
      if (acceptedCount > 0) return { ok: true, summary: `${target} accepted ${plural(acceptedCount, 'connection')}`, offenders: [] };
      const offenders = to.map((r) =>
        offender(r, openingPacket(r), r.open.kind === 'mid-stream' ? 'mid-stream, opening not captured' : `not accepted (${r.open.kind})`),
      );
      return {
        ok: false,
        summary: to.length === 0 ? `no connection to ${target} in the capture` : `${target} accepted none of ${plural(to.length, 'attempt')}`,
        offenders,
      };
    }
    case 'rtt': {
      const bound = rule.ms / 1000;
      const measured = conns.filter((r) => r.open.rttMs !== null);
      if (measured.length === 0) return { ok: false, summary: 'no handshake RTT measured (no complete handshake)', offenders: [] };
      const offenders = measured
        .filter((r) => !compare(r.open.rttMs!, rule.op, rule.ms))
        .map((r) => offender(r, openingPacket(r), `handshake RTT ${formatSec(r.open.rttMs! / 1000)}, expected ${rule.op} ${formatSec(bound)}`));
      const max = measured.reduce((m, r) => Math.max(m, r.open.rttMs!), 0);
      return { ok: offenders.length === 0, summary: `largest handshake RTT ${formatSec(max / 1000)} of ${measured.length} measured`, offenders };
    }
    case 'no-warnings': {
      const d = report.diagnostics ?? diagnose(conns, { mslSec: 30, portRange: [32768, 60999] });
      const offenders = d.findings
        .filter((f) => f.severity === 'warning')
        .map((f): Offender => ({ connection: null, packet: null, detail: `${f.code} ${f.subject}: ${f.message}` }));
      return verdict(offenders, `${plural(offenders.length, 'diagnostic warning')}`);
    }
  }
}

function verdict(offenders: Offender[], summary: string): Verdict {
  return { ok: offenders.length === 0, summary, offenders };
}
