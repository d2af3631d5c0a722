/**
 * Connection table keyed by the canonical 4-tuple (and the tunnel path it came through).
 *
 * The key is canonicalised once per segment (the lower endpoint first) so a lookup is a single
 * hash probe whichever way the segment travels; the entry remembers which endpoint is the client.
 * Keys are built from numbers (address words and ports), never strings: a string per packet costs
 * more than the whole decode. Buckets are an array indexed by the hash's low bits, chained through
 * the entries themselves (at most one entry per two buckets), so a lookup is an array load and a
 * compare, and an insert allocates nothing but the entry.
 *
 * Entries sit on one of three recency lists, ordered by last activity: `probation` (entries the
 * caller has not confirmed yet), `active` and `closing` (both endpoints closed or in TIME-WAIT).
 * Probation and active share the idle limit, closing has its own, so the oldest entry of each
 * list is the only one that can be due: eviction is O(1) per packet. Time is always the
 * capture's, never the wall clock's, so results are deterministic.
 *
 * Probation is the cache's segmented LRU (SLRU, 2Q): a full table gives up the least recently
 * active entry on probation before any active one, as long as probation holds at least its
 * reserve (`removeOldestOpen`); below that the least recently active active entry goes, so new
 * entries can still come in when confirmed ones fill the table. trace.ts inserts every new
 * connection on probation and confirms it once its opening is over and both endpoints have sent
 * something, so a flood of spoofed SYNs (thousands of one-sided, never-completed openings) pushes
 * out its own kind, not the established connections.
 *
 * The table is generic over what it stores (`T`): flow/ knows nothing of TCP states; trace.ts
 * stores a tcp/ ConnectionTracker here and tells the table when one is confirmed or closing.
 */
import type { Segment } from '../decode/segment.js';
import { mix } from '../decode/hash.js';

/** One tracked 4-tuple. Fields are public for trace.ts; only the table mutates them. */
export class FlowEntry<T> {
  /**
   * Endpoint A is the lower one (address words, then port); B the higher. The words are kept as
   * signed 32-bit integers (`| 0`): an address above 2^31 as a plain number would be a heap
   * number in its field, one more object per connection.
   */
  readonly ipVersion: 4 | 6;
  /** The segments' tunnel path id (Segment.tunnel; 0 for none): part of the key. */
  readonly tunnel: number;
  readonly a0: number;
  readonly a1: number;
  readonly a2: number;
  readonly a3: number;
  readonly aPort: number;
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly b3: number;
  readonly bPort: number;
  readonly hash: number;
  /** True when endpoint A is the client. */
  clientIsA: boolean;
  value: T;
  /** Capture time of the last segment, seconds since the epoch. */
  lastTime: number;
  /** Which recency list the entry is on: `closing`, else `probation`, else active. */
  closing = false;
  probation = false;
  /** @internal bucket chain and recency list links. */
  chain: FlowEntry<T> | null = null;
  prev: FlowEntry<T> | null = null;
  next: FlowEntry<T> | null = null;

  constructor(seg: Segment, srcIsA: boolean, hash: number, clientIsSrc: boolean, value: T, now: number) {
    this.ipVersion = seg.ipVersion;
    this.tunnel = seg.tunnel;
    if (srcIsA) {
      this.a0 = seg.src0 | 0;
      this.a1 = seg.src1 | 0;
      this.a2 = seg.src2 | 0;
      this.a3 = seg.src3 | 0;
      this.aPort = seg.srcPort;
      this.b0 = seg.dst0 | 0;
      this.b1 = seg.dst1 | 0;
      this.b2 = seg.dst2 | 0;
      this.b3 = seg.dst3 | 0;
      this.bPort = seg.dstPort;
    } else {
      this.a0 = seg.dst0 | 0;
      this.a1 = seg.dst1 | 0;
      this.a2 = seg.dst2 | 0;
      this.a3 = seg.dst3 | 0;
      this.aPort = seg.dstPort;
      this.b0 = seg.src0 | 0;
      this.b1 = seg.src1 | 0;
      this.b2 = seg.src2 | 0;
      this.b3 = seg.src3 | 0;
      this.bPort = seg.srcPort;
    }
    this.hash = hash;
    this.clientIsA = clientIsSrc === srcIsA;
    this.value = value;
    this.lastTime = now;
  }
}

/** Doubly linked recency list (oldest at head). */
class RecencyList<T> {
  head: FlowEntry<T> | null = null;
  tail: FlowEntry<T> | null = null;

  length = 0;

  push(e: FlowEntry<T>): void {
    this.length++;
    e.prev = this.tail;
    e.next = null;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
  }

  unlink(e: FlowEntry<T>): void {
    this.length--;
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
  }
}

/**
 * Compares the source endpoint of `seg` with its destination: negative when the source is the
 * lower endpoint (and so endpoint A of the canonical key).
 */
export function compareEndpoints(seg: Segment): number {
  return seg.src0 - seg.dst0 || seg.src1 - seg.dst1 || seg.src2 - seg.dst2 || seg.src3 - seg.dst3 || seg.srcPort - seg.dstPort;
}

/** Hash of the canonical key: identical for both directions of a connection. */
export function flowHash(seg: Segment, srcIsA: boolean): number {
  // Address words are unsigned (198.18.0.1 is above 2^31): `| 0` hands mix() the same 32 bits as
  // a small integer, so a call that is not inlined boxes nothing per packet.
  // The tunnel path id rides with the version: no extra mix for the plain (tunnel 0) path.
  let h: number = seg.ipVersion ^ (seg.tunnel << 3);
  if (srcIsA) {
    h = mix(mix(mix(mix(h, seg.src0 | 0), seg.src1 | 0), seg.src2 | 0), seg.src3 | 0);
    h = mix(mix(mix(mix(h, seg.dst0 | 0), seg.dst1 | 0), seg.dst2 | 0), seg.dst3 | 0);
    h = mix(h, (seg.srcPort << 16) | seg.dstPort);
  } else {
    h = mix(mix(mix(mix(h, seg.dst0 | 0), seg.dst1 | 0), seg.dst2 | 0), seg.dst3 | 0);
    h = mix(mix(mix(mix(h, seg.src0 | 0), seg.src1 | 0), seg.src2 | 0), seg.src3 | 0);
    h = mix(h, (seg.dstPort << 16) | seg.srcPort);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function sameKey<T>(e: FlowEntry<T>, seg: Segment, srcIsA: boolean): boolean {
  if (e.ipVersion !== seg.ipVersion || e.tunnel !== seg.tunnel) return false;
  return srcIsA
    ? e.aPort === seg.srcPort &&
        e.bPort === seg.dstPort &&
        e.a0 === (seg.src0 | 0) &&
        e.b0 === (seg.dst0 | 0) &&
        e.a1 === (seg.src1 | 0) &&
        e.b1 === (seg.dst1 | 0) &&
        e.a2 === (seg.src2 | 0) &&
        e.b2 === (seg.dst2 | 0) &&
        e.a3 === (seg.src3 | 0) &&
        e.b3 === (seg.dst3 | 0)
    : e.aPort === seg.dstPort &&
        e.bPort === seg.srcPort &&
        e.a0 === (seg.dst0 | 0) &&
        e.b0 === (seg.src0 | 0) &&
        e.a1 === (seg.dst1 | 0) &&
        e.b1 === (seg.src1 | 0) &&
        e.a2 === (seg.dst2 | 0) &&
        e.b2 === (seg.src2 | 0) &&
        e.a3 === (seg.dst3 | 0) &&
        e.b3 === (seg.src3 | 0);
}

/** Buckets a new table starts with (a power of two); doubled whenever entries pass half of them. */
const INITIAL_BUCKETS = 1024;

/** The connection table. See the module comment for its invariants. */
export class FlowTable<T> {
  /** The first entry of each bucket (`hash & mask`), or null. */
  private buckets: Array<FlowEntry<T> | null> = new Array<FlowEntry<T> | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  private readonly probationList = new RecencyList<T>();
  private readonly active = new RecencyList<T>();
  private readonly closingList = new RecencyList<T>();
  private count = 0;
  /** Set by `lookup`: whether the looked-up segment travels from the client. */
  fromClient = false;
  /** Set by `lookup`: the segment's canonical orientation and hash, reused by `insert`. */
  private lastSrcIsA = false;
  private lastHash = 0;

  /** Number of entries in the table. */
  get size(): number {
    return this.count;
  }

  /** Number of entries on the closing list. */
  get closingCount(): number {
    return this.closingList.length;
  }

  /** Number of entries on the probation list (inserted on probation, not confirmed yet). */
  get probationCount(): number {
    return this.probationList.length;
  }

  /** The least recently active closing entry (left in the table), or null. */
  oldestClosing(): FlowEntry<T> | null {
    return this.closingList.head;
  }

  /** Finds the entry of `seg`'s 4-tuple (setting `fromClient`), or null. */
  lookup(seg: Segment): FlowEntry<T> | null {
    const srcIsA = compareEndpoints(seg) <= 0;
    const hash = flowHash(seg, srcIsA);
    this.lastSrcIsA = srcIsA;
    this.lastHash = hash;
    for (let e: FlowEntry<T> | null = this.buckets[hash & this.mask]!; e !== null; e = e.chain) {
      if (e.hash === hash && sameKey(e, seg, srcIsA)) {
        this.fromClient = srcIsA === e.clientIsA;
        return e;
      }
    }
    return null;
  }

  /**
   * Adds an entry for `seg`'s 4-tuple, which must not be in the table; call right after a
   * `lookup(seg)` that returned null (it reuses that lookup's hash). On probation when told: a
   * full table gives those up first (`removeOldestOpen`) until the caller confirms it (`confirm`).
   */
  insert(seg: Segment, clientIsSrc: boolean, value: T, now: number, probation = false): FlowEntry<T> {
    const e = new FlowEntry(seg, this.lastSrcIsA, this.lastHash, clientIsSrc, value, now);
    const b = e.hash & this.mask;
    e.chain = this.buckets[b]!;
    this.buckets[b] = e;
    e.probation = probation;
    (probation ? this.probationList : this.active).push(e);
    // At most one entry per two buckets: a lookup walks a chain of other (cold) entries rarely.
    if (2 * ++this.count > this.buckets.length) this.rehash(2 * this.buckets.length);
    this.fromClient = clientIsSrc;
    return e;
  }

  /** Marks activity on `e` at capture time `now` (moves it to the young end of its list). */
  touch(e: FlowEntry<T>, now: number): void {
    e.lastTime = now;
    const list = this.listOf(e);
    if (list.tail !== e) {
      list.unlink(e);
      list.push(e);
    }
  }

  /** Takes `e` off probation (a no-op unless it is on it): a full table then gives it up only when probation is below its reserve (`removeOldestOpen`). */
  confirm(e: FlowEntry<T>): void {
    if (!e.probation) return;
    this.probationList.unlink(e);
    e.probation = false;
    this.active.push(e);
  }

  /** Moves `e` to the closing list (both endpoints closed or in TIME-WAIT). */
  markClosing(e: FlowEntry<T>): void {
    if (e.closing) return;
    this.listOf(e).unlink(e);
    e.probation = false;
    e.closing = true;
    this.closingList.push(e);
  }

  /**
   * Replaces the value of `e` with a new connection on the same 4-tuple (port reuse), back on
   * probation when told, else active.
   */
  reuse(e: FlowEntry<T>, seg: Segment, clientIsSrc: boolean, value: T, probation = false): void {
    const srcIsA = compareEndpoints(seg) <= 0;
    e.clientIsA = clientIsSrc === srcIsA;
    e.value = value;
    this.fromClient = clientIsSrc;
    if (e.closing || e.probation !== probation) {
      this.listOf(e).unlink(e);
      e.closing = false;
      e.probation = probation;
      (probation ? this.probationList : this.active).push(e);
    }
  }

  /** Spreads every entry over `size` buckets (a power of two). Tables only grow: a peak's buckets stay. */
  private rehash(size: number): void {
    const buckets = new Array<FlowEntry<T> | null>(size).fill(null);
    const mask = size - 1;
    for (const list of [this.probationList, this.active, this.closingList]) {
      for (let e = list.head; e !== null; e = e.next) {
        const b = e.hash & mask;
        e.chain = buckets[b]!;
        buckets[b] = e;
      }
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  private listOf(e: FlowEntry<T>): RecencyList<T> {
    return e.closing ? this.closingList : e.probation ? this.probationList : this.active;
  }

  /** Removes `e` from the table. */
  remove(e: FlowEntry<T>): void {
    const b = e.hash & this.mask;
    let p: FlowEntry<T> | null = this.buckets[b]!;
    if (p === e) this.buckets[b] = e.chain;
    else {
      while (p !== null && p.chain !== e) p = p.chain;
      if (p !== null) p.chain = e.chain;
    }
    e.chain = null;
    this.listOf(e).unlink(e);
    this.count--;
  }

  /**
   * Removes and returns the oldest entry whose idle time at `now` exceeds its list's limit,
   * or null when none is due. Call repeatedly until null.
   */
  evictDue(now: number, activeIdleSec: number, closingIdleSec: number): FlowEntry<T> | null {
    let e = this.closingList.head;
    if (e && now - e.lastTime > closingIdleSec) {
      this.remove(e);
      return e;
    }
    // Probation and active share the limit: the older of their two heads goes first.
    const p = this.probationList.head;
    const a = this.active.head;
    e = p === null ? a : a === null || p.lastTime <= a.lastTime ? p : a;
    if (e && now - e.lastTime > activeIdleSec) {
      this.remove(e);
      return e;
    }
    return null;
  }

  /**
   * Removes and returns the least recently active entry that is not closing, or null when there is
   * none: the one on probation when at least `reserve` entries are (or no entry is active), else
   * the active one.
   */
  removeOldestOpen(reserve = 0): FlowEntry<T> | null {
    const p = this.probationList.head;
    const a = this.active.head;
    const e = p !== null && (a === null || this.probationList.length >= reserve) ? p : a;
    if (e === null) return null;
    this.remove(e);
    return e;
  }

  /**
   * Removes and returns the oldest entry (the closing list first, then probation, then the active
   * one, each by last activity), or null when the table is empty. Ending a run one entry at a time
   * lets each entry's value be dropped as soon as the caller is done with it.
   */
  removeOldest(): FlowEntry<T> | null {
    const e = this.closingList.head ?? this.probationList.head ?? this.active.head;
    if (e === null) return null;
    this.remove(e);
    return e;
  }
}
