/**
 * The 4-tuples of connections that are over but must still be recognised for a while (a busy
 * server holds tens of thousands in TIME-WAIT at once): each is its key and a few numbers the
 * caller defines (`width` doubles and `intWidth` 32-bit words per entry), in typed arrays, with
 * no object per entry.
 *
 * Entries are added in time order and expire oldest first, so they sit in a ring: a slot is added
 * at the tail, expires from the head, and one removed in the middle (the tuple reused by a new
 * connection) is marked dead and skipped. A lookup is one probe of a chained hash over the same
 * slots, with the same canonical key and hash as FlowTable, so a segment finds its entry whichever
 * way it travels. Time is capture time, as everywhere in flow/.
 */
import type { Segment } from '../decode/segment.js';
import { compareEndpoints, flowHash, type FlowEntry } from './flow-table.js';

/** Int32 words of a key: a0..a3, b0..b3, the two ports, the IP version and orientation, the tunnel path id. */
const KEY = 11;
const NONE = -1;

/** Finished 4-tuples with `width` numbers each. See the module comment. */
export class FinishedTable {
  /** Set by `lookup`: whether the looked-up segment travels from the client. */
  fromClient = false;
  /** The doubles of every slot (`slot * width + k`), for the caller to read and write. */
  payload: Float64Array;
  /** The 32-bit words of every slot (`slot * intWidth + k`), for the caller to read and write. */
  ints: Int32Array;
  private cap: number;
  private keys: Int32Array;
  private hashes: Int32Array;
  private chain: Int32Array;
  private times: Float64Array;
  private buckets: Int32Array;
  /** Logical positions of the oldest slot and one past the newest (physical = logical & (cap - 1)). */
  private head = 0;
  private tail = 0;
  private live = 0;

  constructor(
    readonly width: number,
    readonly intWidth = 0,
    capacity = 1024,
  ) {
    this.cap = capacity;
    this.payload = new Float64Array(capacity * width);
    this.ints = new Int32Array(capacity * intWidth);
    this.keys = new Int32Array(capacity * KEY);
    this.hashes = new Int32Array(capacity);
    this.chain = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.buckets = new Int32Array(capacity).fill(NONE);
  }

  /** Slots the arrays hold now (grows only while more than half are live). */
  get capacity(): number {
    return this.cap;
  }

  /** Entries in the table. */
  get size(): number {
    return this.live;
  }

  /** The slot of `seg`'s 4-tuple (setting `fromClient`), or -1. */
  lookup(seg: Segment): number {
    if (this.live === 0) return NONE;
    const srcIsA = compareEndpoints(seg) <= 0;
    const hash = flowHash(seg, srcIsA);
    const k = this.keys;
    for (let s = this.buckets[hash & (this.cap - 1)]!; s !== NONE; s = this.chain[s]!) {
      if (this.hashes[s] !== hash) continue;
      const o = s * KEY;
      const meta = k[o + 9]!;
      if ((meta & 0xff) !== seg.ipVersion || k[o + 10] !== seg.tunnel) continue;
      const match = srcIsA
        ? k[o] === (seg.src0 | 0) &&
          k[o + 1] === (seg.src1 | 0) &&
          k[o + 2] === (seg.src2 | 0) &&
          k[o + 3] === (seg.src3 | 0) &&
          k[o + 4] === (seg.dst0 | 0) &&
          k[o + 5] === (seg.dst1 | 0) &&
          k[o + 6] === (seg.dst2 | 0) &&
          k[o + 7] === (seg.dst3 | 0) &&
          k[o + 8] === ((seg.srcPort << 16) | seg.dstPort)
        : k[o] === (seg.dst0 | 0) &&
          k[o + 1] === (seg.dst1 | 0) &&
          k[o + 2] === (seg.dst2 | 0) &&
          k[o + 3] === (seg.dst3 | 0) &&
          k[o + 4] === (seg.src0 | 0) &&
          k[o + 5] === (seg.src1 | 0) &&
          k[o + 6] === (seg.src2 | 0) &&
          k[o + 7] === (seg.src3 | 0) &&
          k[o + 8] === ((seg.dstPort << 16) | seg.srcPort);
      if (match) {
        this.fromClient = srcIsA === ((meta & 0x100) !== 0);
        return s;
      }
    }
    return NONE;
  }

  /**
   * Adds the 4-tuple of `e` (an entry just removed from its FlowTable) at capture time `time`, which
   * is never before the previous add's; returns its slot, whose payload the caller fills in.
   */
  add(e: FlowEntry<unknown>, time: number): number {
    if (this.tail - this.head === this.cap) this.grow();
    const s = this.tail++ & (this.cap - 1);
    const o = s * KEY;
    const k = this.keys;
    k[o] = e.a0 | 0;
    k[o + 1] = e.a1 | 0;
    k[o + 2] = e.a2 | 0;
    k[o + 3] = e.a3 | 0;
    k[o + 4] = e.b0 | 0;
    k[o + 5] = e.b1 | 0;
    k[o + 6] = e.b2 | 0;
    k[o + 7] = e.b3 | 0;
    k[o + 8] = (e.aPort << 16) | e.bPort;
    k[o + 9] = e.ipVersion | (e.clientIsA ? 0x100 : 0);
    k[o + 10] = e.tunnel;
    this.hashes[s] = e.hash;
    this.times[s] = time;
    this.link(s);
    this.live++;
    return s;
  }

  /** The oldest entry's slot, or -1 when the table is empty. */
  oldest(): number {
    while (this.head < this.tail) {
      const s = this.head & (this.cap - 1);
      if (this.times[s] === this.times[s]) return s; // NaN marks a removed slot
      this.head++;
    }
    return NONE;
  }

  /** When the entry in `slot` was added. */
  time(slot: number): number {
    return this.times[slot]!;
  }

  /** Removes the entry in `slot`. */
  remove(slot: number): void {
    const b = this.hashes[slot]! & (this.cap - 1);
    let p = this.buckets[b]!;
    if (p === slot) this.buckets[b] = this.chain[slot]!;
    else {
      while (p !== NONE && this.chain[p] !== slot) p = this.chain[p]!;
      if (p !== NONE) this.chain[p] = this.chain[slot]!;
    }
    this.times[slot] = NaN;
    this.live--;
    if (this.live === 0) this.head = this.tail;
  }

  /** Empties the table and gives its arrays back (the end of a run: they can be tens of MB). */
  clear(): void {
    this.cap = 1024;
    this.payload = new Float64Array(this.cap * this.width);
    this.ints = new Int32Array(this.cap * this.intWidth);
    this.keys = new Int32Array(this.cap * KEY);
    this.hashes = new Int32Array(this.cap);
    this.chain = new Int32Array(this.cap);
    this.times = new Float64Array(this.cap);
    this.buckets = new Int32Array(this.cap).fill(NONE);
    this.head = this.tail = this.live = 0;
  }

  /** Calls `fn` with every entry's slot, oldest first. */
  forEach(fn: (slot: number) => void): void {
    for (let i = this.head; i < this.tail; i++) {
      const s = i & (this.cap - 1);
      if (this.times[s] === this.times[s]) fn(s);
    }
  }

  private link(s: number): void {
    const b = this.hashes[s]! & (this.cap - 1);
    this.chain[s] = this.buckets[b]!;
    this.buckets[b] = s;
  }

  /**
   * The ring is full: live slots move, in order, to the start of new arrays, and the hash is
   * rebuilt. Twice the room when more than half the slots are live; else the same room, since
   * tuples reused by new connections leave dead slots behind and doubling for them would grow the
   * arrays without bound on a busy server that reuses ports.
   */
  private grow(): void {
    const old = { cap: this.cap, keys: this.keys, hashes: this.hashes, times: this.times, payload: this.payload, ints: this.ints };
    const cap = this.live > old.cap >> 1 ? old.cap * 2 : old.cap;
    const w = this.width;
    const iw = this.intWidth;
    this.cap = cap;
    this.keys = new Int32Array(cap * KEY);
    this.hashes = new Int32Array(cap);
    this.chain = new Int32Array(cap);
    this.times = new Float64Array(cap);
    this.payload = new Float64Array(cap * w);
    this.ints = new Int32Array(cap * iw);
    this.buckets = new Int32Array(cap).fill(NONE);
    // Live slots move in runs (a run ends at a dead slot or where the ring wraps), each copied by
    // set(): few runs, since only reused tuples leave dead slots. One slot at a time in JavaScript
    // cost 300 ms on the short benchmark: grow() runs a handful of times, mostly unoptimised.
    let n = 0;
    let runStart = -1;
    const flush = (end: number) => {
      if (runStart < 0) return;
      const len = end - runStart;
      this.keys.set(old.keys.subarray(runStart * KEY, end * KEY), n * KEY);
      this.payload.set(old.payload.subarray(runStart * w, end * w), n * w);
      this.ints.set(old.ints.subarray(runStart * iw, end * iw), n * iw);
      this.hashes.set(old.hashes.subarray(runStart, end), n);
      this.times.set(old.times.subarray(runStart, end), n);
      n += len;
      runStart = -1;
    };
    for (let i = this.head; i < this.tail; i++) {
      const s = i & (old.cap - 1);
      if (s === 0) flush(old.cap);
      const t = old.times[s]!;
      if (t !== t) flush(s);
      else if (runStart < 0) runStart = s;
    }
    flush(((this.tail - 1) & (old.cap - 1)) + 1);
    for (let k = 0; k < n; k++) this.link(k);
    this.head = 0;
    this.tail = n;
  }
}
