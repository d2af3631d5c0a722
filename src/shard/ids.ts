/**
 * Connection ids across the threads of a sharded trace (shard/run.ts). An id is the connection's
 * number in order of first packet over the whole capture, but each thread tracks only its share
 * of the connections: it knows its own connections' order, not how many the others started before
 * each of them. So each thread logs the packet number at which it started each connection, in
 * shared memory, and publishes how far it has read (`progress`: every connection it starts from
 * then on starts at a later packet). A connection started at packet p that is the j-th of its
 * thread has id `first + j + Σ (connections another thread started before p)`, each term a binary
 * search in that thread's log once that thread has read past p - 1.
 *
 * Every thread reads every frame (each decodes the whole capture and keeps its own flows), so
 * packet numbers are the same in all of them, and a frame starts at most one connection (in the
 * thread whose flows it belongs to): the ids are exactly the single-threaded ones.
 *
 * A thread asks for an id only when it makes the record (trace.ts finalize()), long after the
 * connection started; if another thread has not read that far yet, it waits for it
 * (Atomics.wait). No cycle of waits can form: a thread waits only for one behind it, and a
 * thread behind waits only for one further behind. A thread that renders records also waits for
 * the output (shard/pieces.ts, whose top says why the two kinds of wait cannot deadlock either);
 * it publishes its progress before that wait too.
 */

/** Int32 slots of the control block, per thread: connections started, progress, waiters. */
const CTRL = 3;
const COUNT = 0;
const PROGRESS = 1;
const WAITING = 2;
/** Progress once the read is over (and the largest packet number a sharded trace can number). */
export const READ_OVER = 0x7fffffff;
/** Frames between two publications of a thread's progress (a power of two). */
const PUBLISH_EVERY = 256;
/** Bytes reserved for one thread's log: 8 per connection it starts (a growable buffer's limit). */
const LOG_MAX_BYTES = 2 ** 31;
/** A log grows in steps of this many bytes (64 k connections). */
const LOG_STEP = 8 * 65536;

/** What every thread of one sharded trace shares (passed to each worker; all plain SharedArrayBuffers). */
export interface SharedIdsInit {
  count: number;
  /** The id of the capture's first connection (trace()'s firstId). */
  first: number;
  /** Per thread, Int32: connections started, progress, threads waiting for its progress. */
  ctrl: SharedArrayBuffer;
  /** Per thread: the packet number at which it started each connection, in order (growable). */
  logs: SharedArrayBuffer[];
}

/** A SharedArrayBuffer that can grow (ES2024; Node 20 has it, the ES2022 typings do not). */
interface GrowableShared extends SharedArrayBuffer {
  grow(bytes: number): void;
}
const Growable = SharedArrayBuffer as unknown as new (bytes: number, o: { maxByteLength: number }) => GrowableShared;

/** The shared state of a trace over `count` threads (made once, by the thread that starts them). */
export function sharedIds(count: number, first: number): SharedIdsInit {
  const logs: SharedArrayBuffer[] = [];
  for (let i = 0; i < count; i++) logs.push(new Growable(LOG_STEP, { maxByteLength: LOG_MAX_BYTES }));
  return { count, first, ctrl: new SharedArrayBuffer(count * CTRL * 4), logs };
}

/** One thread's view: logs its own connections and numbers them. */
export class ShardIds {
  private readonly ctrl: Int32Array;
  /** Each thread's log (length-tracking views: they see the owner's growth). */
  private readonly logs: Float64Array[];
  private readonly own: Float64Array;
  private readonly buffer: GrowableShared;
  private readonly base: number;
  /** Connections this thread started. */
  private ownCount = 0;
  /** The last frame this thread has read to the end (published every PUBLISH_EVERY frames). */
  private read = 0;
  /** Threads in the trace. */
  readonly count: number;
  /**
   * Told how far this thread has read each time it publishes that (every PUBLISH_EVERY frames,
   * `waiting` false) and right before it waits for another thread (`waiting` true): a sharded
   * trace that renders sends its records and its progress from there (shard/pieces.ts).
   */
  listener: ((read: number, waiting: boolean) => void) | null = null;

  constructor(
    private readonly init: SharedIdsInit,
    /** This thread's index, 0 to count - 1. */
    readonly index: number,
  ) {
    this.ctrl = new Int32Array(init.ctrl);
    this.logs = init.logs.map((b) => new Float64Array(b));
    this.count = init.count;
    this.buffer = init.logs[index] as GrowableShared;
    this.own = this.logs[index]!;
    this.base = index * CTRL;
  }

  /** Logs a connection this thread starts at `packet`; returns its number within the thread. */
  started(packet: number): number {
    const j = this.ownCount++;
    if (8 * this.ownCount > this.buffer.byteLength) this.buffer.grow(Math.min(LOG_MAX_BYTES, this.buffer.byteLength + LOG_STEP));
    this.own[j] = packet;
    // Seq-cst: a thread that loads this count also sees the entry written above.
    Atomics.store(this.ctrl, this.base + COUNT, this.ownCount);
    return j;
  }

  /**
   * The thread is at frame `packet`: every connection it starts from now on starts there or later.
   * Published to the other threads every PUBLISH_EVERY frames (an atomic store per frame cost 2%
   * of a thread's time), and exactly before this thread waits for another: a thread never waits
   * while the one it waits for could be waiting for a progress it has made but not published.
   */
  at(packet: number): void {
    this.read = packet - 1;
    if ((packet & (PUBLISH_EVERY - 1)) === 0) {
      this.publish();
      this.listener?.(this.read, false);
    }
  }

  /** The last frame this thread has read to the end (READ_OVER once the read is over). */
  get progress(): number {
    return this.read;
  }

  /** The read is over (or failed): no connection of this thread starts any more. */
  over(): void {
    this.read = READ_OVER;
    this.publish();
  }

  /**
   * Stores how far this thread has read, and wakes a thread waiting for it. Called before any
   * wait of this thread, for whatever it waits (shard/pieces.ts waits for the output too).
   */
  publish(): void {
    Atomics.store(this.ctrl, this.base + PROGRESS, this.read);
    if (Atomics.load(this.ctrl, this.base + WAITING) !== 0) Atomics.notify(this.ctrl, this.base + PROGRESS);
  }

  /** The id of this thread's `j`-th connection (waits for the threads that have not read that far). */
  id(j: number): number {
    const p = this.own[j]!;
    let id = this.init.first + j;
    for (let k = 0; k < this.count; k++) if (k !== this.index) id += this.before(k, p);
    return id;
  }

  /** How many connections thread k started before packet p, once it has read past p - 1. */
  private before(k: number, p: number): number {
    const c = this.ctrl;
    const at = k * CTRL;
    if (Atomics.load(c, at + PROGRESS) < p - 1) {
      this.publish();
      this.listener?.(this.read, true);
    }
    for (;;) {
      const read = Atomics.load(c, at + PROGRESS);
      if (read >= p - 1) break;
      // Counted as waiting before the wait: a progress stored in between changes the word, and
      // wait() then returns at once instead of sleeping through it.
      Atomics.add(c, at + WAITING, 1);
      Atomics.wait(c, at + PROGRESS, read, 1000);
      Atomics.sub(c, at + WAITING, 1);
    }
    const n = Atomics.load(c, at + COUNT);
    const log = this.logs[k]!;
    // The first entry at p or later: entries are packet numbers in increasing order.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Which ids have come, from `first` on, and the smallest that has not (the frontier): one byte per
 * id between the frontier and the largest id that came, in a window that moves with the frontier.
 * trace() keeps one for the records it made (onRecord's frontier); the writer of a sharded trace's
 * rendered records keeps one for those it received, which then is one thread's frontier.
 */
export class IdFrontier {
  private seen = new Uint8Array(1024);
  private base: number;
  /** The smallest id that has not come. */
  frontier: number;

  constructor(first: number) {
    this.base = this.frontier = first;
  }

  /** Notes that `id` came; returns the frontier. */
  add(id: number): number {
    let i = id - this.base;
    if (i >= this.seen.length) {
      // Drop what lies below the frontier, then grow if that is not room enough.
      const keep = this.frontier - this.base;
      const need = id - this.frontier + 1;
      const next = new Uint8Array(need > this.seen.length - keep ? Math.max(2 * this.seen.length, 2 * need) : this.seen.length);
      next.set(this.seen.subarray(keep));
      this.seen = next;
      this.base = this.frontier;
      i = id - this.base;
    }
    this.seen[i] = 1;
    while (this.frontier - this.base < this.seen.length && this.seen[this.frontier - this.base] === 1) this.frontier++;
    return this.frontier;
  }
}
