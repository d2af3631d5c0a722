/**
 * IPv4 and IPv6 fragment reassembly, for the datagrams tunnels travel in (ip.ts sends here every
 * fragment of a datagram that is not TCP; TCP's own fragments are not reassembled, see ip.ts).
 *
 * A chain is keyed as the RFCs key it: IPv4 by source, destination, protocol and identification
 * (RFC 791), IPv6 by source, destination and the fragment header's identification (RFC 8200 §4.5).
 * The datagram is complete when the fragment without "more fragments" arrived and the bytes from 0
 * to its end are all there; the frame whose fragment completed it is then decoded as the whole
 * datagram (as Wireshark's "reassembled in frame N"). The fragment's bytes are copied out of the
 * capture buffer (which is valid only during the frame).
 *
 * Hostile input is bounded in memory and time:
 * - at most `maxChains` chains (the oldest goes first), `maxBytes` bytes held in all, 64 KiB a
 *   datagram (IPv4's limit; an IPv6 jumbogram cannot be fragmented, RFC 2675 §5), `maxFragments`
 *   fragments a chain;
 * - a chain not completed within `timeoutSec` of capture time (Linux's ipfrag_time, 30 s) is dropped;
 * - overlapping fragments drop the whole chain (RFC 5722 for IPv6, and what Linux does for IPv4
 *   since 4.19), an exact duplicate is ignored; a fragment that is not the last with a length that
 *   is not a multiple of 8, or one past 64 KiB, drops the chain (RFC 8200 §4.5, RFC 791);
 * - a fragment the snaplen cut cannot be stored: its chain is dropped.
 * Everything dropped, and every chain still open at the end, is counted (`stats`).
 */
import { u16, u32 } from './bytes.js';
import type { Cursor, FragmentSink } from './cursor.js';
import { mix } from './hash.js';

/** Limits of one reassembler. */
export interface ReassemblyLimits {
  maxChains: number;
  maxBytes: number;
  maxFragments: number;
  timeoutSec: number;
}

export const REASSEMBLY_DEFAULTS: ReassemblyLimits = { maxChains: 1024, maxBytes: 16 << 20, maxFragments: 256, timeoutSec: 30 };

/** What could not be reassembled, and what was. */
export interface ReassemblyStats {
  /** Datagrams reassembled. */
  datagrams: number;
  /** Chains dropped: timed out, overlapping, over a limit, cut by the snaplen, still open at the end. */
  timedOut: number;
  overlaps: number;
  overLimit: number;
  truncated: number;
  invalid: number;
  incomplete: number;
}

const MAX_DATAGRAM = 65535;

class Chain {
  /** Key: version, src (4 words), dst (4), id, protocol (IPv4). */
  readonly key = new Int32Array(11);
  /** Hash of the key, and the next chain with the same hash. */
  hash = 0;
  next: Chain | null = null;
  /** The header of the fragment at offset 0 (IPv4 header; IPv6's fixed header), once seen. */
  header: Uint8Array | null = null;
  /** Payload bytes (the fragmentable part) by offset; grown as needed up to 64 KiB. */
  data = new Uint8Array(0);
  /** Received ranges [start, end) as a flat list, sorted, never overlapping. */
  ranges: number[] = [];
  /** End of the datagram's payload, known from the last fragment; -1 before. */
  total = -1;
  /** IPv6: the next header of the fragmentable part. */
  nextHeader = 0;
  fragments = 0;
  constructor(readonly first: number) {}
}

/** One run's reassembler; see the module comment. */
export class Reassembler implements FragmentSink {
  /** Chains in order of their first fragment (timeouts and evictions take the front). */
  private chains: Chain[] = [];
  /** Chains by key hash, so a fragment finds its chain in one probe whatever the number of chains. */
  private byHash = new Map<number, Chain>();
  private bytes = 0;
  private readonly limits: ReassemblyLimits;
  readonly stats: ReassemblyStats = { datagrams: 0, timedOut: 0, overlaps: 0, overLimit: 0, truncated: 0, invalid: 0, incomplete: 0 };
  /** Two output buffers, alternated: a datagram completed while decoding the previous one must not overwrite it. */
  private out: Uint8Array[] = [];
  private turn = 0;

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    this.limits = { ...REASSEMBLY_DEFAULTS, ...limits };
  }

  /** Chains waiting for fragments. */
  get pending(): number {
    return this.chains.length;
  }

  /** Counts the chains still open as incomplete (call at the end of the capture) and drops them. */
  finish(): ReassemblyStats {
    this.stats.incomplete += this.chains.length;
    this.chains = [];
    this.byHash.clear();
    this.bytes = 0;
    return this.stats;
  }

  ipv4(c: Cursor, o: number, hl: number, total: number, frag: number): boolean {
    const b = c.b;
    const start = (frag & 0x1fff) << 3;
    const more = (frag & 0x2000) !== 0;
    const len = total - hl;
    const chain = this.chainFor(c, 4, u16(b, o + 4), b[o + 9]);
    if (chain === null) return false;
    if (!this.put(c, chain, o + hl, start, len, more)) return false;
    if (start === 0) chain.header = b.slice(o, o + hl);
    if (!this.complete(chain)) return false;
    // The header with the whole length and no fragment bits; the checksum is not ours to fix.
    const out = this.take();
    const h = chain.header!;
    out.set(h, 0);
    const size = h.length + chain.total;
    out[2] = size >> 8;
    out[3] = size & 255;
    out[6] = 0;
    out[7] = 0;
    out.set(chain.data.subarray(0, chain.total), h.length);
    return this.done(c, chain, out, size);
  }

  ipv6(c: Cursor, o: number, fragHdr: number, end: number): boolean {
    const b = c.b;
    const offM = u16(b, fragHdr + 2);
    const start = offM & 0xfff8;
    const more = (offM & 1) !== 0;
    const chain = this.chainFor(c, 6, u32(b, fragHdr + 4), 0);
    if (chain === null) return false;
    const p = fragHdr + 8;
    if (!this.put(c, chain, p, start, end - p, more)) return false;
    if (start === 0) {
      // The fixed header is enough to go on: the extension headers before the fragment header
      // (hop-by-hop, routing) say nothing about what the datagram carries.
      chain.header = b.slice(o, o + 40);
      chain.nextHeader = b[fragHdr];
    }
    if (!this.complete(chain)) return false;
    const out = this.take();
    out.set(chain.header!, 0);
    out[4] = chain.total >> 8;
    out[5] = chain.total & 255;
    out[6] = chain.nextHeader;
    out.set(chain.data.subarray(0, chain.total), 40);
    return this.done(c, chain, out, 40 + chain.total);
  }

  /** The chain of the cursor's addresses with this id (made if new), after dropping timed-out ones. */
  private chainFor(c: Cursor, v: number, id: number, proto: number): Chain | null {
    const now = c.now;
    // Chains are in order of their first fragment: the timed-out ones are at the front.
    while (this.chains.length > 0 && now - this.chains[0]!.first > this.limits.timeoutSec) {
      this.stats.timedOut++;
      this.drop(this.chains[0]!);
    }
    const w0 = c.src0 | 0,
      w1 = c.src1 | 0,
      w2 = c.src2 | 0,
      w3 = c.src3 | 0;
    const d0 = c.dst0 | 0,
      d1 = c.dst1 | 0,
      d2 = c.dst2 | 0,
      d3 = c.dst3 | 0;
    let h = mix(mix(mix(mix(mix(v, id | 0), proto), w0), w3), d0);
    h = mix(mix(h, d3), w1 ^ w2 ^ d1 ^ d2);
    for (let ch = this.byHash.get(h) ?? null; ch !== null; ch = ch.next) {
      const k = ch.key;
      if (
        k[0] === v &&
        k[9] === (id | 0) &&
        k[10] === proto &&
        k[1] === w0 &&
        k[5] === d0 &&
        k[2] === w1 &&
        k[6] === d1 &&
        k[3] === w2 &&
        k[7] === d2 &&
        k[4] === w3 &&
        k[8] === d3
      )
        return ch;
    }
    if (this.chains.length >= this.limits.maxChains) {
      this.stats.overLimit++;
      this.drop(this.chains[0]!);
    }
    const ch = new Chain(now);
    const k = ch.key;
    k[0] = v;
    k[1] = w0;
    k[2] = w1;
    k[3] = w2;
    k[4] = w3;
    k[5] = d0;
    k[6] = d1;
    k[7] = d2;
    k[8] = d3;
    k[9] = id | 0;
    k[10] = proto;
    ch.hash = h;
    ch.next = this.byHash.get(h) ?? null;
    this.byHash.set(h, ch);
    this.chains.push(ch);
    return ch;
  }

  /** Stores bytes [start, start + len) of `chain` from the capture at `p`; false when the chain was dropped or the fragment ignored. */
  private put(c: Cursor, chain: Chain, p: number, start: number, len: number, more: boolean): boolean {
    const end = start + len;
    if (len < 0 || end > MAX_DATAGRAM || (more && (len & 7) !== 0) || (more && len === 0)) {
      this.stats.invalid++;
      this.drop(chain);
      return false;
    }
    if (p + len > c.capEnd) {
      this.stats.truncated++;
      this.drop(chain);
      return false;
    }
    // The end of the datagram: only one, and nothing beyond it.
    if (!more) {
      const last = chain.ranges.length > 0 ? chain.ranges[chain.ranges.length - 1]! : 0;
      if ((chain.total >= 0 && chain.total !== end) || last > end) {
        this.stats.invalid++;
        this.drop(chain);
        return false;
      }
    } else if (chain.total >= 0 && end > chain.total) {
      this.stats.invalid++;
      this.drop(chain);
      return false;
    }
    const r = chain.ranges;
    for (let i = 0; i < r.length; i += 2) {
      if (start < r[i + 1]! && end > r[i]!) {
        // An exact copy of a fragment already held is a duplicate; any other overlap is an attack
        // or damage, and the datagram cannot be trusted (RFC 5722).
        if (start >= r[i]! && end <= r[i + 1]! && this.exactCopy(c, chain, p, start, len)) return false;
        this.stats.overlaps++;
        this.drop(chain);
        return false;
      }
    }
    if (++chain.fragments > this.limits.maxFragments) {
      this.stats.overLimit++;
      this.drop(chain);
      return false;
    }
    if (end > chain.data.length) {
      // Doubling from what this fragment needs (a flood of one-fragment chains stays cheap).
      const size = Math.min(MAX_DATAGRAM, Math.max((end + 255) & ~255, chain.data.length * 2));
      if (this.bytes + size - chain.data.length > this.limits.maxBytes) {
        this.stats.overLimit++;
        this.drop(chain);
        return false;
      }
      const grown = new Uint8Array(size);
      grown.set(chain.data);
      this.bytes += size - chain.data.length;
      chain.data = grown;
    }
    chain.data.set(c.b.subarray(p, p + len), start);
    if (!more) chain.total = end;
    // Insert [start, end) and merge it with its neighbours.
    let i = 0;
    while (i < r.length && r[i]! < start) i += 2;
    r.splice(i, 0, start, end);
    for (let j = 0; j + 2 < r.length; ) {
      if (r[j + 1] === r[j + 2]) r.splice(j + 1, 2);
      else j += 2;
    }
    return true;
  }

  /** True when bytes [start, start + len) at `p` equal what the chain holds there (a captured copy). */
  private exactCopy(c: Cursor, chain: Chain, p: number, start: number, len: number): boolean {
    const b = c.b;
    const d = chain.data;
    for (let i = 0; i < len; i++) if (b[p + i] !== d[start + i]) return false;
    return true;
  }

  private complete(chain: Chain): boolean {
    const r = chain.ranges;
    return chain.total >= 0 && chain.header !== null && r.length === 2 && r[0] === 0 && r[1] === chain.total;
  }

  private take(): Uint8Array {
    this.turn ^= 1;
    // Made on first use: a run without fragments never pays for them.
    return (this.out[this.turn] ??= new Uint8Array(MAX_DATAGRAM + 40));
  }

  /** Hands the datagram in `out` to the cursor and forgets the chain. */
  private done(c: Cursor, chain: Chain, out: Uint8Array, size: number): boolean {
    this.drop(chain);
    this.stats.datagrams++;
    c.reassembled++;
    c.b = out;
    c.off = 0;
    c.capEnd = size;
    c.wireEnd = size;
    c.firstFragment = false;
    return true;
  }

  private drop(chain: Chain): void {
    // Mostly the front (timeouts, evictions) or a recent chain completing: both cheap to find.
    const i = this.chains[0] === chain ? 0 : this.chains.lastIndexOf(chain);
    if (i < 0) return;
    this.chains.splice(i, 1);
    let p = this.byHash.get(chain.hash) ?? null;
    if (p === chain) {
      if (chain.next === null) this.byHash.delete(chain.hash);
      else this.byHash.set(chain.hash, chain.next);
    } else {
      while (p !== null && p.next !== chain) p = p.next;
      if (p !== null) p.next = chain.next;
    }
    chain.next = null;
    this.bytes -= chain.data.length;
  }
}
