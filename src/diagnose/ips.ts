/**
 * IP strings numbered once per run. Each record carries its own copy of its address strings, so
 * grouping by string costs a string comparison or hash per record and per grouping; numbered, the
 * TIME-WAIT and openings collectors group by plain integers.
 *
 * An IPv4 address is numbered by its 32-bit word: the caller that has it (trace.ts, from the
 * segments) passes it, and the string is then only stored, never read. Reading it was most of the
 * numbering's cost on a capture with many clients: each record's strings sit cold in the old
 * generation, and a string built by concatenation is flattened at its first comparison or hash.
 * Without a word, an IPv4 string is parsed to one, so both ways give an address the same number.
 */
import { parseIp } from '../decode/addr.js';

/** Distinct IP strings by number, in order of first appearance. */
export class IpNumbers {
  /** IP strings by number. */
  readonly ips: string[] = [];
  /** IPv4 addresses by word (`| 0`); other addresses by text. */
  private readonly v4 = new Map<number, number>();
  private readonly other = new Map<string, number>();
  // Consecutive records mostly share their server's address (and sometimes their client's): the
  // last one asked for in each role is compared before hashing, by word or else by text.
  private readonly lastWord = [0, 0];
  private readonly lastWordId = [-1, -1];
  private readonly lastText = ['', ''];
  private readonly lastTextId = [-1, -1];

  /**
   * The number of `ip`, assigning the next one on first sight; `role` picks the cache (0 client,
   * 1 server); `word`: the address's IPv4 word when the caller has it (undefined: not known, or
   * not IPv4).
   */
  number(ip: string, role: 0 | 1 = 0, word?: number): number {
    if (word !== undefined) return this.numberV4(ip, role, word | 0);
    if (this.lastTextId[role]! >= 0 && ip === this.lastText[role]) return this.lastTextId[role]!;
    const w = v4Word(ip);
    let n: number;
    if (w !== undefined) n = this.numberV4(ip, role, w);
    else {
      const known = this.other.get(ip);
      n = known ?? this.add(ip);
      if (known === undefined) this.other.set(ip, n);
    }
    this.lastText[role] = ip;
    this.lastTextId[role] = n;
    return n;
  }

  private numberV4(ip: string, role: 0 | 1, word: number): number {
    if (this.lastWordId[role]! >= 0 && word === this.lastWord[role]) return this.lastWordId[role]!;
    let n = this.v4.get(word);
    if (n === undefined) this.v4.set(word, (n = this.add(ip)));
    this.lastWord[role] = word;
    this.lastWordId[role] = n;
    return n;
  }

  /** The number of `ip` if it has one. */
  get(ip: string): number | undefined {
    const word = v4Word(ip);
    return word === undefined ? this.other.get(ip) : this.v4.get(word);
  }

  private add(ip: string): number {
    this.ips.push(ip);
    return this.ips.length - 1;
  }
}

/** The word (`| 0`) of an IPv4 address in dotted-quad text, else undefined. */
function v4Word(ip: string): number | undefined {
  const a = parseIp(ip);
  return a !== null && a.ipVersion === 4 ? a.w0 | 0 : undefined;
}
