/**
 * The connection filter of `--filter` (and the sugar `--conn`, `--host`, `--port`): a small
 * language over finished connection records, so it works on files as well as live.
 *
 *   expr    := and ( ("or" | "||") and )*
 *   and     := not ( ("and" | "&&")? not )*          juxtaposition means "and", as in tcpdump
 *   not     := ("not" | "!") not | "(" expr ")" | prim
 *   prim    := [client | server] host ADDR           either endpoint (or the one named) has ADDR
 *            | [client | server] net CIDR            ... an address inside CIDR
 *            | [client | server] port N              ... port N
 *            | [client | server] state STATE         ... ended in STATE (TIME-WAIT, CLOSE-WAIT, ...)
 *            | open KIND | close KIND                the opening / closing kind
 *            | conn ID | zeek CODE                   the connection number, Zeek's conn_state
 *            | failed | reused                       a seq/ack check failed; reused an earlier 4-tuple
 *            | tunnel TYPE | tunnel any                came through a tunnel of TYPE (vxlan, gre, ...), any
 *            | vni N | tunnel-id N                  a VXLAN/Geneve VNI; any tunnel's id (key, TEID, ...)
 *            | tcp | ip | ip6                        every connection (all are TCP); IPv4 / IPv6 ones
 *
 * tcpdump's words read as a connection's: `src` is the client (the SYN's sender, the originator
 * as Zeek calls it) and `dst` the server, so `src host A and dst port 80` selects connections A
 * opened to port 80 (in either direction of their packets); `src 198.18.0.1` is `src host ...`.
 *
 * Words are case-insensitive; state names may use '_' for '-'. It reads fields of the model and
 * nothing else.
 */
import { formatIp, parseIp, type IpWords } from '../decode/addr.js';
import { TUNNEL_TYPES } from '../decode/tunnel-path.js';
import { TcpState, type CloseKind, type ConnectionRecord, type OpenKind, type ZeekConnState } from '../tcp/model.js';

/** A compiled filter. */
export type ConnectionPredicate = (c: ConnectionRecord) => boolean;

/** A filter expression that does not parse; the message names the word and what was expected. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

/** Every value of each kind, as a total record so a new kind in the model fails to compile here. */
const OPEN_KINDS = Object.keys({
  'three-way': 1,
  simultaneous: 1,
  'fast-open': 1,
  refused: 1,
  unanswered: 1,
  incomplete: 1,
  'mid-stream': 1,
} satisfies Record<OpenKind, 1>) as OpenKind[];
const CLOSE_KINDS = Object.keys({
  'four-way': 1,
  'three-segment': 1,
  simultaneous: 1,
  reset: 1,
  'half-closed': 1,
  none: 1,
} satisfies Record<CloseKind, 1>) as CloseKind[];
const ZEEK = Object.keys({
  S0: 1,
  S1: 1,
  SF: 1,
  REJ: 1,
  S2: 1,
  S3: 1,
  RSTO: 1,
  RSTR: 1,
  RSTOS0: 1,
  RSTRH: 1,
  SH: 1,
  SHR: 1,
  OTH: 1,
} satisfies Record<ZeekConnState, 1>) as ZeekConnState[];
const STATES = Object.values(TcpState) as TcpState[];
/** Tunnel types a filter may name, and `any`. */
const TUNNELS = [...TUNNEL_TYPES.filter((t) => t !== ''), 'any'];

/** An address or network to match: the words of the address and how many leading bits count. */
interface Net {
  ip: IpWords;
  bits: number;
}

/** Parses `ADDR` or `ADDR/BITS`; null when it is neither. */
export function parseNet(text: string): Net | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const max = ip.ipVersion === 4 ? 32 : 128;
  if (slash < 0) return { ip, bits: max };
  const b = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(b) || Number(b) > max) return null;
  return { ip, bits: Number(b) };
}

/** The canonical text of an address (RFC 5952 for IPv6), as the model writes it; null if not an address. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip.ipVersion, ip.w0, ip.w1, ip.w2, ip.w3);
}

/** Whether the address `text` (as in the model) lies in `net`. */
function inNet(text: string, net: Net): boolean {
  const a = parseIp(text);
  if (a === null || a.ipVersion !== net.ip.ipVersion) return false;
  const aw = [a.w0, a.w1, a.w2, a.w3];
  const nw = [net.ip.w0, net.ip.w1, net.ip.w2, net.ip.w3];
  let bits = net.bits;
  for (let i = 0; bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((aw[i]! & mask) >>> 0 !== (nw[i]! & mask) >>> 0) return false;
  }
  return true;
}

/** A predicate matching an address or CIDR on either side or the named one (for `--host`). */
export function hostPredicate(text: string, side?: 'client' | 'server'): ConnectionPredicate | null {
  const net = parseNet(text);
  if (net === null) return null;
  const sides = side ? [side] : (['client', 'server'] as const);
  return (c) => sides.some((s) => inNet(c[s].ip, net));
}

/** A predicate matching a port on either side or the named one (for `--port`). */
export function portPredicate(port: number, side?: 'client' | 'server'): ConnectionPredicate {
  return side ? (c) => c[side].port === port : (c) => c.client.port === port || c.server.port === port;
}

const tokenize = (text: string): string[] => text.match(/\(|\)|&&|\|\||!|[^\s()!&|]+|[&|]/g) ?? [];

const KEYWORDS = 'host, net, port, state, open, close, conn, zeek, failed, reused, tunnel, vni, tunnel-id, tcp, ip, ip6, client, server, src, dst, not, (';

/**
 * Deepest parenthesis nesting accepted. The parser descends once per "(" (and the compiled
 * predicate calls once per level), so the expression would otherwise choose how deep the stack
 * goes: 5,000 "(" overflowed it. No hand-written filter comes near 100.
 */
export const MAX_FILTER_DEPTH = 100;

/** Compiles a filter expression; throws FilterError naming the offending word. */
export function compileFilter(text: string): ConnectionPredicate {
  const toks = tokenize(text);
  let i = 0;
  /** Parentheses open around the word being read. */
  let depth = 0;
  const peek = () => toks[i]?.toLowerCase();
  const where = () => (i < toks.length ? `"${toks[i]}" (word ${i + 1})` : 'the end of the expression');
  const fail = (what: string): never => {
    throw new FilterError(`expected ${what}, found ${where()}`);
  };
  const oneOf = <T extends string>(list: readonly T[], what: string, norm: (s: string) => string = (s) => s): T => {
    const w = toks[i];
    if (w === undefined) return fail(what);
    const hit = list.find((v) => norm(v) === norm(w));
    if (hit === undefined) throw new FilterError(`unknown ${what} "${w}" (one of: ${list.join(', ')})`);
    i++;
    return hit;
  };
  const number = (what: string, max: number): number => {
    const w = toks[i];
    if (w === undefined || !/^\d+$/.test(w) || Number(w) > max) return fail(what);
    i++;
    return Number(w);
  };

  const prim = (): ConnectionPredicate => {
    let side: 'client' | 'server' | undefined;
    const q = peek();
    if (q === 'client' || q === 'server' || q === 'src' || q === 'dst') {
      side = q === 'src' ? 'client' : q === 'dst' ? 'server' : q;
      i++;
      // tcpdump's `src ADDR`: host is implied.
      const w = toks[i];
      if (w !== undefined && !['host', 'net', 'port', 'state'].includes(w.toLowerCase())) {
        const addr = hostPredicate(w, side);
        if (addr !== null) {
          i++;
          return addr;
        }
      }
    }
    const word = peek();
    const sideOnly = (kw: string) => {
      if (side) throw new FilterError(`"${side}" cannot qualify "${kw}" (only host, net, port and state)`);
    };
    i++;
    switch (word) {
      case 'host':
      case 'net': {
        const w = toks[i];
        const addr = w === undefined ? null : word === 'host' && w.includes('/') ? null : hostPredicate(w, side);
        if (addr === null) return fail(word === 'host' ? 'an IPv4 or IPv6 address' : 'an address or CIDR network (198.18.0.0/15)');
        i++;
        return addr;
      }
      case 'port':
        return portPredicate(number('a port number (0-65535)', 65535), side);
      case 'state': {
        const s = oneOf(STATES, 'state', (x) => x.toUpperCase().replace(/_/g, '-'));
        return side ? (c) => c[side].state === s : (c) => c.client.state === s || c.server.state === s;
      }
      case 'open': {
        sideOnly(word);
        const k = oneOf(OPEN_KINDS, 'opening kind', (x) => x.toLowerCase());
        return (c) => c.open.kind === k;
      }
      case 'close': {
        sideOnly(word);
        const k = oneOf(CLOSE_KINDS, 'closing kind', (x) => x.toLowerCase());
        return (c) => c.close.kind === k;
      }
      case 'conn': {
        sideOnly(word);
        const id = number('a connection number', Number.MAX_SAFE_INTEGER);
        return (c) => c.id === id;
      }
      case 'zeek': {
        sideOnly(word);
        const z = oneOf(ZEEK, 'Zeek conn_state', (x) => x.toUpperCase());
        return (c) => c.zeek.conn_state === z;
      }
      case 'tcp':
        sideOnly(word);
        return () => true;
      case 'ip':
      case 'ip6':
        sideOnly(word);
        return word === 'ip6' ? (c) => c.client.ip.includes(':') : (c) => !c.client.ip.includes(':');
      case 'failed':
        sideOnly(word);
        return (c) => c.checks.some((k) => !k.ok);
      case 'reused':
        sideOnly(word);
        return (c) => c.reusedFrom !== null;
      case 'tunnel': {
        sideOnly(word);
        const t = oneOf(TUNNELS, 'tunnel type', (x) => x.toLowerCase());
        return t === 'any' ? (c) => (c.tunnel?.length ?? 0) > 0 : (c) => c.tunnel?.some((h) => h.type === t) ?? false;
      }
      case 'vni': {
        sideOnly(word);
        const id = number('a VNI (0-16777215)', 0xffffff);
        return (c) => c.tunnel?.some((h) => (h.type === 'vxlan' || h.type === 'geneve') && h.id === id) ?? false;
      }
      case 'tunnel-id': {
        sideOnly(word);
        const id = number('a tunnel id (0-4294967295)', 0xffffffff);
        return (c) => c.tunnel?.some((h) => h.id === id) ?? false;
      }
      default:
        i--;
        if (side) return fail('host, net, port or state');
        if (toks[i] === undefined) return fail(`a condition (${KEYWORDS})`);
        throw new FilterError(`unknown word "${toks[i]}" (word ${i + 1}); expected one of: ${KEYWORDS}`);
    }
  };
  const not = (): ConnectionPredicate => {
    // A run of negations is counted, not descended into: "not not … x" is as deep as x.
    let negate = false;
    for (let w = peek(); w === 'not' || w === '!'; w = peek()) {
      i++;
      negate = !negate;
    }
    const p = peek() === '(' ? group() : prim();
    return negate ? (c) => !p(c) : p;
  };
  const group = (): ConnectionPredicate => {
    if (depth >= MAX_FILTER_DEPTH) throw new FilterError(`nested more than ${MAX_FILTER_DEPTH} deep at ${where()}`);
    depth++;
    i++;
    const p = or();
    if (peek() !== ')') fail('")"');
    i++;
    depth--;
    return p;
  };
  const and = (): ConnectionPredicate => {
    const parts = [not()];
    for (;;) {
      const w = peek();
      if (w === 'and' || w === '&&') {
        i++;
        parts.push(not());
      } else if (w !== undefined && w !== 'or' && w !== '||' && w !== ')') parts.push(not());
      else break;
    }
    return parts.length === 1 ? parts[0]! : (c) => parts.every((p) => p(c));
  };
  const or = (): ConnectionPredicate => {
    const parts = [and()];
    while (peek() === 'or' || peek() === '||') {
      i++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : (c) => parts.some((p) => p(c));
  };

  if (toks.length === 0) throw new FilterError('the expression is empty');
  const p = or();
  if (i < toks.length) fail('"and", "or" or the end of the expression');
  return p;
}

/** Words whose answer can change after a connection opened (its end, its checks, its opening kind). */
const DECIDED_LATER = new Set(['state', 'open', 'close', 'zeek', 'failed']);

/**
 * Whether a (valid) filter expression can be decided when a connection's opening is over: it
 * asks only about addresses, ports, the connection number and port reuse, none of which change
 * later. Live capture prints a connection's opening early only for such a selection.
 */
export function decidedAtOpening(text: string): boolean {
  return !tokenize(text).some((t) => DECIDED_LATER.has(t.toLowerCase()));
}

/** The filter language in brief, for `--help`. */
export const FILTER_HELP = `Filter expressions (--filter), on each connection:
  host ADDR            either endpoint's address is ADDR (IPv4 or IPv6)
  net CIDR             either address is inside CIDR (198.18.0.0/15, 2001:db8::/32)
  port N               either endpoint's port is N
  state STATE          either endpoint ended in STATE (TIME-WAIT, CLOSE-WAIT, SYN-SENT, ...)
  client … / server …  host, net, port or state of that side only (server port 443)
  src … / dst …        tcpdump's words: src is the client, dst the server (src host A, dst port 80)
  tcp, ip, ip6         every connection; IPv4 ones; IPv6 ones
  open KIND            ${OPEN_KINDS.join(', ')}
  close KIND           ${CLOSE_KINDS.join(', ')}
  conn ID              connection number ID (as in the ladder's #ID)
  zeek CODE            Zeek conn_state (SF, S0, REJ, RSTO, ...)
  failed               a seq/ack check failed
  reused               the connection reused an earlier one's 4-tuple (port reuse)
  tunnel TYPE          came through a tunnel of TYPE: ${TUNNELS.join(', ')}
  vni N                a VXLAN or Geneve tunnel with VNI N
  tunnel-id N          any tunnel with id N (VNI, GRE key, ERSPAN session, GTP-U TEID)
  A and B, A or B, not A, ( A )   also &&, ||, !; "and" may be left out, as in tcpdump`;
