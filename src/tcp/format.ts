/** Small formatting helpers the model needs (the report does the rest). */
import { TcpFlag } from '../decode/segment.js';

// tcpdump's tcp_flag_values order (print-tcp.c): F S R P . U E W e; "none" when no bit is set.
const LETTERS: Array<[number, string]> = [
  [TcpFlag.FIN, 'F'],
  [TcpFlag.SYN, 'S'],
  [TcpFlag.RST, 'R'],
  [TcpFlag.PSH, 'P'],
  [TcpFlag.ACK, '.'],
  [TcpFlag.URG, 'U'],
  [TcpFlag.ECE, 'E'],
  [TcpFlag.CWR, 'W'],
  [TcpFlag.AE, 'e'],
];

const cache = new Map<number, string>();

/** TCP flags spelled as tcpdump prints them inside `Flags [...]`: "S", "S.", "F.", "FP.", "R.", ".", "none". */
export function tcpdumpFlags(flags: number): string {
  const key = flags & 0x1ff;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let s = '';
  for (const [bit, ch] of LETTERS) if (key & bit) s += ch;
  if (s === '') s = 'none';
  cache.set(key, s);
  return s;
}

/** Seconds rounded to the microsecond, as every time in the model is written. */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * `s` as one flat string. A template literal is a tree of string pieces in V8 (a few hundred bytes
 * for a sentence); reading a character flattens it in place, and a connection's notes live as long
 * as the report.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
