/**
 * IP addresses numbered once per run. Each record carries its own copy of its address strings, so
 * grouping by string costs a string comparison or hash per record and per grouping; numbered, the
 * TIME-WAIT and openings collectors group by plain integers.
 *
 * An IPv4 address is numbered by its 32-bit word: the caller that has it (trace.ts, from the
 * segments) passes it, and the record's string is not read. Reading it was most of the
 * numbering's cost on a capture with many clients: each record's strings sit cold in the old
 * generation, and a string built by concatenation is flattened at its first comparison or hash.
 * Without a word, an IPv4 string is parsed to one, so both ways give an address the same number.
 * The words are kept in typed arrays and formatted again when a result names the address: a busy
 * server's capture numbers every client, and a Map of their strings (with the strings) was some
 * 20 MB of old generation for the garbage collector to mark, by the end of the short benchmark.
 */
import { formatIp, parseIp } from '../decode/addr.js';

/**
 * An IpNumbers' addresses as plain data, by number: `words[n]` where `isV4[n]` is 1, else
 * `other.get(n)`. Another numbering takes it in with `absorb()`.
 */
export interface IpState {
  words: Int32Array;
  isV4: Uint8Array;
  other: Map<number, string>;
}

/** Slots of the text cache (a power of two). */
const TEXT_SLOTS = 256;

/** Distinct IP addresses by number, in order of first appearance. */
export class IpNumbers {
  private count = 0;
  /** Per number: the IPv4 word (`| 0`) where `isV4` is 1; other addresses' texts are in `otherText`. */
  private words = new Int32Array(1024);
  private isV4 = new Uint8Array(1024);
  /** IPv4 words to numbers: open addressing, linear probing, at most half full. */
  private keys = new Int32Array(1024);
  private values = new Int32Array(1024).fill(-1);
  private used = 0;
  /** Other addresses by text, and their texts by number. */
  private readonly other = new Map<string, number>();
  private readonly otherText = new Map<number, string>();
  // Consecutive records mostly share their server's address (and sometimes their client's): the
  // last one asked for in each role is compared before hashing, by word or else by text.
  private readonly lastWord = [0, 0];
  private readonly lastWordId = [-1, -1];
  private readonly lastText = ['', ''];
  private readonly lastTextId = [-1, -1];
  /** Texts made by text(), by number, in a small direct-mapped cache (sorting compares a few again and again). */
  private readonly cachedAs = new Int32Array(TEXT_SLOTS).fill(-1);
  private readonly cached: string[] = new Array<string>(TEXT_SLOTS).fill('');

  /** How many addresses have a number (numbers are 0 .. size-1). */
  get size(): number {
    return this.count;
  }

  /** The address with number `n`, as its records write it. */
  text(n: number): string {
    const slot = n & (TEXT_SLOTS - 1);
    if (this.cachedAs[slot] === n) return this.cached[slot]!;
    const t = this.isV4[n] === 1 ? formatIp(4, this.words[n]! >>> 0, 0, 0, 0) : this.otherText.get(n)!;
    this.cachedAs[slot] = n;
    this.cached[slot] = t;
    return t;
  }

  /**
   * The number of `ip`, assigning the next one on first sight; `role` picks the cache (0 client,
   * 1 server); `word`: the address's IPv4 word when the caller has it (undefined: not known, or
   * not IPv4).
   */
  number(ip: string, role: 0 | 1 = 0, word?: number): number {
    if (word !== undefined) return this.numberV4(role, word | 0);
    if (this.lastTextId[role]! >= 0 && ip === this.lastText[role]) return this.lastTextId[role]!;
    const w = v4Word(ip);
    let n: number;
    if (w !== undefined) n = this.numberV4(role, w);
    else {
      const known = this.other.get(ip);
      n = known ?? this.add(0, false);
      if (known === undefined) {
        this.other.set(ip, n);
        this.otherText.set(n, ip);
      }
    }
    this.lastText[role] = ip;
    this.lastTextId[role] = n;
    return n;
  }

  /** The addresses numbered so far, as plain data (a copy). */
  state(): IpState {
    return { words: this.words.slice(0, this.count), isV4: this.isV4.slice(0, this.count), other: new Map(this.otherText) };
  }

  /**
   * Numbers every address of another numbering's `state()` here (new ones after those known) and
   * returns the translation, their number there -> here. Two numberings fed different records
   * give one address different numbers: anything keyed by number is re-keyed through this.
   */
  absorb(s: IpState): Int32Array {
    const to = new Int32Array(s.words.length);
    for (let n = 0; n < to.length; n++) to[n] = s.isV4[n] === 1 ? this.numberV4(0, s.words[n]!) : this.number(s.other.get(n)!);
    return to;
  }

  /** The number of `ip` if it has one. */
  get(ip: string): number | undefined {
    const word = v4Word(ip);
    if (word === undefined) return this.other.get(ip);
    const n = this.values[this.probe(word)]!;
    return n < 0 ? undefined : n;
  }

  private numberV4(role: 0 | 1, word: number): number {
    if (this.lastWordId[role]! >= 0 && word === this.lastWord[role]) return this.lastWordId[role]!;
    let slot = this.probe(word);
    let n = this.values[slot]!;
    if (n < 0) {
      n = this.add(word, true);
      if (2 * (this.used + 1) > this.keys.length) {
        this.rehash(2 * this.keys.length);
        slot = this.probe(word);
      }
      this.keys[slot] = word;
      this.values[slot] = n;
      this.used++;
    }
    this.lastWord[role] = word;
    this.lastWordId[role] = n;
    return n;
  }

  /** The slot holding `word`, or the empty slot where it goes. */
  private probe(word: number): number {
    const mask = this.keys.length - 1;
    let h = Math.imul(word, 0x9e3779b1);
    h = (h ^ (h >>> 16)) & mask;
    while (this.values[h]! >= 0 && this.keys[h] !== word) h = (h + 1) & mask;
    return h;
  }

  private rehash(size: number): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(size);
    this.values = new Int32Array(size).fill(-1);
    for (let i = 0; i < keys.length; i++) {
      if (values[i]! < 0) continue;
      const s = this.probe(keys[i]!);
      this.keys[s] = keys[i]!;
      this.values[s] = values[i]!;
    }
  }

  private add(word: number, v4: boolean): number {
    const n = this.count++;
    if (n === this.words.length) {
      const words = new Int32Array(2 * n);
      words.set(this.words);
      this.words = words;
      const isV4 = new Uint8Array(2 * n);
      isV4.set(this.isV4);
      this.isV4 = isV4;
    }
    this.words[n] = word;
    this.isV4[n] = v4 ? 1 : 0;
    return n;
  }
}

/** The word (`| 0`) of an IPv4 address in dotted-quad text, else undefined. */
function v4Word(ip: string): number | undefined {
  const a = parseIp(ip);
  return a !== null && a.ipVersion === 4 ? a.w0 | 0 : undefined;
}
