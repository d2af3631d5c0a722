/**
 * The expectation rules of `tcptrace check`, parsed from text. The grammar (docs/check.md has
 * the full reference):
 *
 * ```
 * rule      = flag                          handshakes-complete | no-failed-checks | graceful-close
 *                                           | no-resets | no-warnings
 *           | "no-state" SP state           no-state CLOSE-WAIT   (RFC 9293 spelling, any case, _ for -)
 *           | "accepts" SP endpoint         accepts 198.18.0.2:8080 | accepts [2001:db8::2]:443 | accepts *:80
 *           | count-metric op integer       connections=3 | connections>=1 | resets<=2
 *           | "rtt" ("<" | "<=") duration   rtt<50ms | rtt<=1.5s | rtt<800us
 * count-metric = "connections" | "resets"
 * op        = "=" | "<" | "<=" | ">" | ">="
 * duration  = number ("us" | "µs" | "ms" | "s")      a unit is required
 * ```
 *
 * Spaces around an operator are allowed (`resets <= 2`). Rule words are lower case. `no-resets`
 * is `resets=0`. Each parsed rule keeps its canonical text (`text`) for messages and JUnit names.
 */
import { formatIp, parseIp } from '../decode/addr.js';
import { hostPort } from '../diagnose/endpoint.js';
import { TcpState } from '../tcp/model.js';
import { checkForInvalidKey, mustBeCount, mustBePort, quote, UsageError } from './validate.js';

/** A comparison operator of a count or duration rule. */
export type Op = '=' | '<' | '<=' | '>' | '>=';

/** One parsed rule. `text` is its canonical spelling. */
export type Rule =
  | { kind: 'handshakes-complete'; text: string }
  | { kind: 'no-failed-checks'; text: string }
  | { kind: 'graceful-close'; text: string }
  | { kind: 'no-warnings'; text: string }
  | { kind: 'resets'; op: Op; n: number; text: string }
  | { kind: 'connections'; op: Op; n: number; text: string }
  | { kind: 'rtt'; op: '<' | '<='; ms: number; text: string }
  | { kind: 'no-state'; state: TcpState; text: string }
  | { kind: 'accepts'; ip: string | null; port: number; text: string };

/** Rules that take no argument. */
const FLAGS = ['handshakes-complete', 'no-failed-checks', 'graceful-close', 'no-resets', 'no-warnings'] as const;
/** Rules followed by one argument. */
const WITH_ARG = ['no-state', 'accepts'] as const;
/** Rules compared with a value. */
const METRICS = ['connections', 'resets', 'rtt'] as const;
/** Every rule word, for unknown-rule errors and suggestions. */
export const RULE_WORDS: readonly string[] = [...FLAGS, ...WITH_ARG, ...METRICS];
/** Rule words that need an argument after a space (the CLI joins `--expect no-state CLOSE-WAIT`). */
export const RULES_WITH_ARGUMENT: readonly string[] = WITH_ARG;

const STATES = Object.values(TcpState) as string[];
const OPS = '=, <, <=, >, >=';

/** True when `a op b`. */
export function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** A duration with its unit in milliseconds, or null. */
function parseDurationMs(v: string): number | null {
  const m = /^(\d+(?:\.\d*)?|\.\d+)\s*(us|µs|ms|s)$/.exec(v);
  if (!m) return null;
  const x = Number(m[1]);
  return m[2] === 's' ? x * 1000 : m[2] === 'ms' ? x : x / 1000;
}

/** Canonical `ip:port` (or `*:port`) text for `accepts`. */
function parseEndpoint(v: string): { ip: string | null; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+|\*)):([^:]+)$/.exec(v);
  if (!m || mustBePort(m[3]!) !== null) return null;
  const port = Number(m[3]);
  const host = m[1] ?? m[2]!;
  if (host === '*') return m[1] === undefined ? { ip: null, port } : null;
  const w = parseIp(host);
  // IPv6 must be bracketed (RFC 3986 §3.2.2) and IPv4 must not.
  if (w === null || (w.ipVersion === 6) !== (m[1] !== undefined)) return null;
  return { ip: formatIp(w.ipVersion, w.w0, w.w1, w.w2, w.w3), port };
}

/** Parses one rule; throws a UsageError naming what is wrong (the caller adds where). */
export function parseRule(source: string): Rule {
  const s = source.trim();
  if (s === '') throw new UsageError('Empty rule');

  const cmp = /^([a-z][a-z-]*)\s*(<=|>=|=|<|>)\s*(.*)$/.exec(s);
  if (cmp) {
    const [, word, op, value] = cmp as unknown as [string, string, Op, string];
    checkForInvalidKey(word, RULE_WORDS, 'rule');
    if (word === 'rtt') {
      if (op !== '<' && op !== '<=') throw new UsageError(`${quote('rtt')} must be compared with < or <= (got ${quote(op)})`);
      const ms = parseDurationMs(value);
      if (ms === null) throw new UsageError(`${quote('rtt')} bound must be a duration with a unit, e.g. 50ms, 1.5s, 800us (got ${quote(value)})`);
      return { kind: 'rtt', op, ms, text: `rtt${op}${value.replace(/\s+/g, '')}` };
    }
    if (word === 'connections' || word === 'resets') {
      const bad = mustBeCount(value);
      if (bad !== null) throw new UsageError(`${quote(word)} must be compared with ${bad} (got ${quote(value)})`);
      return { kind: word, op, n: Number(value), text: `${word}${op}${value.replace(/^0+(?=\d)/, '')}` };
    }
    throw new UsageError(`${quote(word)} takes no operator (got ${quote(s)})`);
  }

  const m = /^(\S+)(?:\s+(.*))?$/.exec(s)!;
  const word = m[1]!;
  const arg = m[2]?.trim() ?? '';
  checkForInvalidKey(word, RULE_WORDS, 'rule');
  switch (word) {
    case 'connections':
    case 'resets':
      throw new UsageError(`${quote(word)} must be followed by an operator (${OPS}) and a non-negative integer, e.g. ${word}>=1`);
    case 'rtt':
      throw new UsageError(`${quote('rtt')} must be followed by < or <= and a duration, e.g. rtt<50ms`);
    case 'no-state': {
      const want = arg.toUpperCase().replace(/_/g, '-');
      if (!STATES.includes(want)) {
        throw new UsageError(`${quote('no-state')} must be followed by a TCP state (${STATES.join(', ')})${arg ? ` (got ${quote(arg)})` : ''}`);
      }
      return { kind: 'no-state', state: want as TcpState, text: `no-state ${want}` };
    }
    case 'accepts': {
      const ep = parseEndpoint(arg);
      if (ep === null) {
        throw new UsageError(
          `${quote('accepts')} must be followed by host:port, e.g. 198.18.0.2:8080, [2001:db8::2]:443 or *:80${arg ? ` (got ${quote(arg)})` : ''}`,
        );
      }
      return { kind: 'accepts', ...ep, text: `accepts ${ep.ip === null ? `*:${ep.port}` : hostPort(ep.ip, ep.port)}` };
    }
  }
  if (arg !== '') throw new UsageError(`${quote(word)} takes no argument (got ${quote(arg)})`);
  if (word === 'no-resets') return { kind: 'resets', op: '=', n: 0, text: 'no-resets' };
  return { kind: word as 'handshakes-complete' | 'no-failed-checks' | 'graceful-close' | 'no-warnings', text: word };
}
