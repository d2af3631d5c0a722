/**
 * Rendered records from the threads of a sharded trace to the thread that writes them, in the
 * order one thread would have written them, with bounded memory.
 *
 * A thread renders each record it makes (text ladder, JSON element, NDJSON line: worker.ts) and
 * encodes it into a batch (`PieceBatcher`): UTF-8 bytes in one ArrayBuffer, moved, not copied, to
 * the starting thread, and per piece its id and where in the read it was made (trace.ts's
 * RecordOrder, the key one thread makes its records in). Each batch also says how far the thread
 * has read (`through`: every record made at a packet up to it is in this batch or an earlier one).
 * The starting thread (`PieceMerge`) takes the piece with the smallest key among the threads'
 * first unsent ones, once every thread without one has read past its packet (or ended): a thread
 * makes its records in increasing key order, so nothing smaller can come. The threads give every
 * record the key one thread gives it, so the merge is one thread's order exactly.
 *
 * Memory: each thread has a credit word (bytes of its batches not yet taken by the output) and
 * waits (Atomics.wait) while it is over its credit (CREDIT_BYTES, 8 MB); the starting thread takes pieces only while
 * the output takes them (`take` returns a promise when it is behind), and gives the credit back as
 * it does. A slow reader of stdout therefore stops the threads instead of filling the heap.
 *
 * No deadlock. A thread waits for one of two things: another thread's progress (ids.ts: for the
 * id of a connection it started at packet p, until that thread has read past p - 1), or credit.
 * Before either wait it sends every piece it has, with `through` = the last packet it read to the
 * end, and publishes that progress for the ids (ids.ts calls the listener; `waitCredit` publishes).
 * Suppose every thread still running waits and the output takes what it is given. Let L be the
 * piece with the smallest key held by the starting thread (received or on its way). If none is
 * held, no thread waits for credit (only a thread with pieces held can be over its credit), so
 * every thread waits for the progress of one that has read less than itself: such a chain ends
 * at a thread that does not wait, a contradiction. Else L cannot go out only because some thread
 * X holds no piece and has sent `through` < L's packet. X is not over its credit (it has nothing
 * held), so it waits for a thread K whose published progress is below p - 1 <= X's `through`;
 * K sent everything up to its progress, so its pieces are at packets <= its progress + 1 <= X's
 * `through` < L's packet: K holds none (L is the smallest), and K is another such X that has read
 * less. Take X the one that has read least: a contradiction. So the merge always has a piece to
 * write, and writing it gives credit back.
 */
import { READ_OVER, type ShardIds } from './ids.js';
import type { RecordOrder } from '../trace.js';

/** Bytes of one batch's buffer (a piece longer than this gets a buffer of its own). */
const BATCH_BYTES = 1 << 18;
/** Bytes of a thread's batches the output may not have taken yet before the thread waits (default). */
export const CREDIT_BYTES = 8 << 20;
/** Frames between two batches that say how far a thread has read, when it renders nothing meanwhile. */
const PROGRESS_FRAMES = 1024;
/** Numbers per piece in a batch's `meta`: its key (RecordOrder's four), its id, where its bytes end. */
const META = 6;

/** Int32 slots of the flow word block: the flags, then one credit per thread. */
const FLAGS = 0;
const CREDIT = 1;
/** FLAGS: the read is to stop (Ctrl-C): a thread waiting for credit stops its read too. */
const STOP = 1;
/** FLAGS: nobody reads the output any more: threads render nothing and never wait for credit. */
const DROP = 2;

/** The shared words of a trace over `count` threads that render (made by the starting thread). */
export function sharedFlow(count: number): SharedArrayBuffer {
  return new SharedArrayBuffer((CREDIT + count) * 4);
}

/** One batch of rendered records from a thread to the starting thread. */
export interface PiecesMessage {
  type: 'pieces';
  /** The pieces' UTF-8 bytes, one after another (transferred), or null when there are none. */
  bytes: ArrayBuffer | null;
  /** META numbers per piece. */
  meta: Float64Array | null;
  count: number;
  /** Every piece made at a packet up to this one has been sent; READ_OVER with the last batch. */
  through: number;
  /** Bytes charged to the thread's credit for this batch. */
  size: number;
}

/** A rendered record as the starting thread takes it: its id and its bytes (a view into its batch). */
export interface Piece {
  id: number;
  bytes: Uint8Array;
}

/** A thread's side: collects its rendered records into batches and sends them. */
export class PieceBatcher {
  private buf: Buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private n = 0;
  private meta = new Float64Array(META * 64);
  private count = 0;
  /** `through` of the last batch sent. */
  private sent = -1;
  private readonly flow: Int32Array;

  constructor(
    flow: SharedArrayBuffer,
    private readonly index: number,
    private readonly ids: ShardIds,
    private readonly post: (m: PiecesMessage, transfer: ArrayBuffer[]) => void,
    /** Stops this thread's read (the starting thread said STOP while this one waited). */
    private readonly stopRead: () => void,
    /** Bytes of its batches not taken yet beyond which it waits. */
    private readonly credit = CREDIT_BYTES,
  ) {
    this.flow = new Int32Array(flow);
  }

  /** Whether nobody reads the output any more: nothing is worth rendering. */
  get dropping(): boolean {
    return (Atomics.load(this.flow, FLAGS) & DROP) !== 0;
  }

  /** Adds one rendered record (text, or UTF-8 bytes), made at `made`. */
  add(made: RecordOrder, id: number, text: string | Uint8Array): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact length is counted only near the end.
    const most = typeof text === 'string' ? 3 * text.length : text.length;
    if (this.n + most > this.buf.length) {
      const need = typeof text === 'string' ? Buffer.byteLength(text) : most;
      if (this.n + need > this.buf.length) {
        if (this.count > 0) this.send(this.ids.progress);
        if (need > this.buf.length) this.buf = Buffer.allocUnsafeSlow(need);
      }
    }
    if (typeof text === 'string') this.n += this.buf.write(text, this.n, 'utf8');
    else {
      // JSON comes as the JSON writer's bytes (report/json-writer.ts): copied, never encoded.
      this.buf.set(text, this.n);
      this.n += text.length;
    }
    if (META * (this.count + 1) > this.meta.length) {
      const grown = new Float64Array(2 * this.meta.length);
      grown.set(this.meta);
      this.meta = grown;
    }
    const m = this.meta;
    const o = META * this.count++;
    m[o] = made.packet;
    m[o + 1] = made.phase;
    m[o + 2] = made.time;
    m[o + 3] = made.rank;
    m[o + 4] = id;
    m[o + 5] = this.n;
  }

  /**
   * ShardIds' listener: the thread has read frame `read` to the end. Before it waits for another
   * thread, everything goes (see the top); else a batch goes when it is full enough or when the
   * starting thread has not heard of this thread for PROGRESS_FRAMES frames.
   */
  progress(read: number, waiting: boolean): void {
    const through = Math.min(read, READ_OVER - 1);
    if (waiting ? this.count > 0 || through > this.sent : this.n >= BATCH_BYTES / 2 || through - this.sent >= PROGRESS_FRAMES) this.send(read);
  }

  /** The last batch: everything this thread made (its read is over, or failed). */
  finish(): void {
    this.send(READ_OVER, true);
  }

  /**
   * Sends what is collected, saying the thread has read `read` to the end (`last`: and will send
   * nothing more); then waits for credit if it is over it (not after the last: nothing follows).
   */
  private send(read: number, last = false): void {
    // Records made after the read (those still tracked at its end, at READ_OVER) come until the last batch.
    const through = last ? READ_OVER : Math.min(read, READ_OVER - 1);
    const size = this.count > 0 ? this.buf.buffer.byteLength : 0;
    const m: PiecesMessage = {
      type: 'pieces',
      bytes: this.count > 0 ? (this.buf.buffer as ArrayBuffer) : null,
      meta: this.count > 0 ? this.meta.subarray(0, META * this.count) : null,
      count: this.count,
      through,
      size,
    };
    if (size > 0) Atomics.add(this.flow, CREDIT + this.index, size);
    this.post(m, this.count > 0 ? [this.buf.buffer as ArrayBuffer, this.meta.buffer as ArrayBuffer] : []);
    this.sent = through;
    if (this.count > 0) {
      this.buf = Buffer.allocUnsafeSlow(BATCH_BYTES);
      this.meta = new Float64Array(META * 64);
      this.n = 0;
      this.count = 0;
    }
    if (!last) this.waitCredit();
  }

  /** Waits while the output has not taken `credit` bytes of this thread's batches (never once it is dropped). */
  private waitCredit(): void {
    const f = this.flow;
    const at = CREDIT + this.index;
    for (;;) {
      const owed = Atomics.load(f, at);
      const flags = Atomics.load(f, FLAGS);
      if (owed <= this.credit || (flags & DROP) !== 0) return;
      // Still waits for the output (memory stays bounded), but reads no further once woken.
      if ((flags & STOP) !== 0) this.stopRead();
      // Another thread may be waiting for this one's progress: published before the wait (see the top).
      this.ids.publish();
      Atomics.wait(f, at, owed, 1000);
    }
  }
}

/** One received batch and how far it has been taken. */
interface Batch {
  bytes: ArrayBuffer;
  meta: Float64Array;
  count: number;
  size: number;
  /** The next piece to take. */
  next: number;
}

/** The starting thread's side: merges the threads' batches into one thread's order. */
export class PieceMerge {
  private readonly queues: Batch[][];
  private readonly through: number[];
  private readonly flow: Int32Array;
  private pumping = false;
  private failure: unknown = null;
  private idle: (() => void) | null = null;

  constructor(
    private readonly count: number,
    flow: SharedArrayBuffer,
    /** Takes the next piece; a promise when the output must drain before the next one. */
    private readonly take: (p: Piece) => Promise<void> | null,
  ) {
    this.queues = Array.from({ length: count }, () => []);
    this.through = new Array<number>(count).fill(-1);
    this.flow = new Int32Array(flow);
  }

  /** A batch from thread `w`. */
  add(w: number, m: PiecesMessage): void {
    if (m.count > 0) this.queues[w]!.push({ bytes: m.bytes!, meta: m.meta!, count: m.count, size: m.size, next: 0 });
    this.through[w] = m.through;
    void this.pump();
  }

  /** Thread `w` sends nothing more (it failed, or was ended): what it sent still counts. */
  close(w: number): void {
    this.through[w] = READ_OVER;
    void this.pump();
  }

  /** Tells the threads to stop reading (and, if `drop`, to render nothing more: nobody reads). */
  signal(drop: boolean): void {
    Atomics.or(this.flow, FLAGS, drop ? STOP | DROP : STOP);
    for (let w = 0; w < this.count; w++) Atomics.notify(this.flow, CREDIT + w);
  }

  /** Resolves once every piece the threads sent is taken (call when every thread has ended); rejects if taking one failed. */
  async drained(): Promise<void> {
    await this.pump();
    while (this.pumping) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.failure !== null) throw this.failure;
  }

  /** Takes pieces while the next one in order is known, waiting for the output when it is behind. */
  private async pump(): Promise<void> {
    if (this.pumping || this.failure !== null) return;
    this.pumping = true;
    try {
      for (let w = this.next(); w >= 0; w = this.next()) {
        const b = this.queues[w]![0]!;
        const i = b.next++;
        const start = i === 0 ? 0 : b.meta[META * i - 1]!;
        const bytes = new Uint8Array(b.bytes, start, b.meta[META * i + 5]! - start);
        if (b.next === b.count) {
          this.queues[w]!.shift();
          // The output holds a view of the batch until it has written it: at most one batch more.
          Atomics.sub(this.flow, CREDIT + w, b.size);
          Atomics.notify(this.flow, CREDIT + w);
        }
        const wait = this.take({ id: b.meta[META * i + 4]!, bytes });
        if (wait !== null) await wait;
      }
    } catch (e) {
      this.failure = e;
      // Nobody takes pieces any more: the threads must not wait for credit.
      this.signal(true);
    } finally {
      this.pumping = false;
      const idle = this.idle;
      this.idle = null;
      idle?.();
    }
  }

  /** The thread whose first piece goes next, or -1 while that is not known yet (or nothing is left). */
  private next(): number {
    let best = -1;
    let bm: Float64Array | null = null;
    let bo = 0;
    for (let w = 0; w < this.count; w++) {
      const q = this.queues[w]!;
      if (q.length === 0) continue;
      const b = q[0]!;
      const m = b.meta;
      const o = META * b.next;
      // Ties (only within one thread) keep the smaller thread index.
      if (
        bm === null ||
        m[o]! < bm[bo]! ||
        (m[o] === bm[bo] &&
          (m[o + 1]! < bm[bo + 1]! || (m[o + 1] === bm[bo + 1] && (m[o + 2]! < bm[bo + 2]! || (m[o + 2] === bm[bo + 2] && m[o + 3]! < bm[bo + 3]!)))))
      ) {
        best = w;
        bm = m;
        bo = o;
      }
    }
    if (bm === null) return -1;
    const packet = bm[bo]!;
    for (let w = 0; w < this.count; w++) if (this.queues[w]!.length === 0 && this.through[w]! < packet) return -1;
    return best;
  }
}
