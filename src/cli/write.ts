/**
 * Writing outputs of any size at the pace of whoever reads them: every byte the CLI prints on
 * stdout goes through one `Output`.
 *
 * Writers hand it strings synchronously (an NDJSON record from inside the parser's callback, a
 * text ladder, a piece of a JSON document); it queues them and gives them to the stream (small
 * ones joined into writes of about 16 Ki characters) only while the stream takes them (Node's
 * backpressure: `write()` returns false, then 'drain'). The stream's own buffer therefore never
 * holds more than its high-water mark and one write.
 *
 * That bound is what issue 10's "cannot write the output: write ENOBUFS" was about. It was not
 * the kernel's: a pipe that is full makes write(2) fail with EAGAIN (ENOBUFS on some systems), and
 * libuv treats both as "not now", waits until the pipe is writable and retries (its
 * IS_TRANSIENT_WRITE_ERROR; test/cli/pipes.test.ts makes every EAGAIN an ENOBUFS and still gets
 * every line). It was Node's: records written straight to process.stdout from a synchronous
 * callback all wait in the Writable's buffer while the pipe is full, and when the pipe drains, the
 * Writable hands everything it buffered to one writev(); Node's StreamBase::Writev refuses a
 * writev of strings that could need more than INT_MAX bytes once encoded (a piece under 64 Ki
 * characters is counted as 3 bytes a character: 716 M characters of NDJSON) with UV_ENOBUFS, and
 * the stream is destroyed. `pacedCapture` could not prevent it: it holds the reading back between
 * 64 KiB chunks of input, but the end of a capture (or an idle sweep, a full table) ends every open
 * connection at once, and 500,000 SYNs flush 850 MB of NDJSON in one synchronous call. Queued here
 * instead, the backlog reaches the stream a write at a time, so no writev can come near the limit,
 * however far behind the reader is.
 *
 * A reader that goes away (`| head -1`: the next write fails with EPIPE, or the stream closes)
 * ends the output quietly: `signal` aborts, so the run can stop reading, and what is written after
 * that is dropped. Any other write error (ENOSPC on a file, a reset socket) aborts it too and is
 * kept in `error`, for the caller to report: a failed write is never silent.
 *
 * `pacedCapture` holds the reading of the input back while the output is behind (`ready()`), so
 * that a slow reader keeps the queue small instead of letting it hold the whole output.
 *
 * stdout on a regular file or /dev/null (`directFd`) is written without the stream: each piece is
 * encoded (or copied) as it comes into one reused buffer, written with write(2) when full and at the
 * end of the current job; write(2) never blocks there. A failed write (ENOSPC) ends the output as above.
 *
 * Bytes come two ways: `write` keeps them until written (a thread's batch, which nobody writes
 * again), `copy` takes them at once (the JSON writer's buffer, reused for the next record). A
 * record's bytes copied out of one reused buffer leave no garbage behind; views of fresh 64 KiB
 * buffers, one every few records, were 2.7 GB of short-lived external memory on the `--json` run
 * of the short benchmark, held until the next garbage collection (17 MB more peak RSS).
 */
import { fstatSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { openFifo, openStream } from '../capture/open.js';
import type { CaptureSource } from '../capture/frame.js';

/** The stream events the writer waits on. */
type WaitEvent = 'drain' | 'close' | 'error';

/**
 * A stream the CLI writes to: only `write` is required. Node's Writable adds backpressure
 * (`write()` returning false, 'drain'), write callbacks and errors, and `Output` uses them when the
 * stream has events (`on`/`once`): such a stream must call every write's callback, as a Writable
 * does (`flush()` waits for them). A stream without events is written to synchronously.
 */
export interface OutStream {
  write(chunk: string, cb?: (err?: Error | null) => void): unknown;
  isTTY?: boolean;
  on?(event: 'error', listener: (err: Error) => void): unknown;
  once?(event: WaitEvent, listener: () => void): unknown;
  off?(event: WaitEvent, listener: () => void): unknown;
}

/**
 * Small pieces (a piece of a JSON document, a short ladder) are joined into writes of at least this
 * many characters, when there are that many: one write call each would cost more than the copy.
 * The writer also waits for the stream once this much is queued.
 */
const BATCH = 1 << 14;
/**
 * A piece this long is written alone: copying it into a batch costs more than the write it saves
 * (joining 6.5 K-character NDJSON lines cost 0.5 to 1.4 s of a 5 s run). Joined batches are thus
 * at most BATCH + SMALL characters, far from the 128 KiB beyond which V8 allocates a string in its
 * large-object space (64 Ki characters that do not all fit in Latin-1, as NDJSON's "§" and "→" do
 * not): 64 Ki-character batches of NDJSON lines took 1.9 s of a 6 s run.
 */
const SMALL = 1 << 12;

/**
 * Bytes of the buffer a direct output (a file, /dev/null: see `directFd`) encodes each piece into as
 * it comes, without joining pieces into one string first; written by write(2) when the next piece
 * might not fit (UTF-8 takes at most 3 bytes a character).
 */
const DIRECT_BYTES = 1 << 18;

/** Bytes of each buffer `copy` fills for a stream; the stream holds it until written, so each is new. */
const ARENA_BYTES = 1 << 18;

/**
 * The descriptor of `stream` when it is this process's stdout on a regular file or a character
 * device that is not a terminal (`> out.txt`, `> /dev/null`): writes there never block or come
 * back partial for lack of room, so the output writes the descriptor itself, synchronously, from a
 * reused buffer. Through the Writable, each piece became a new Buffer and a write call of its own:
 * a fifth of an `--ndjson` run's CPU profile on the short benchmark workload. Else null (a pipe, a socket, a terminal: the stream).
 */
export function directFd(stream: OutStream): number | null {
  if (stream !== process.stdout || stream.isTTY === true) return null;
  try {
    const st = fstatSync(1);
    return st.isFile() || st.isCharacterDevice() ? 1 : null;
  } catch {
    return null;
  }
}

/**
 * Resolves when `out` has drained (or closed, or failed: the caller looks at why). A stream
 * without events never makes anyone wait.
 */
export function drained(out: OutStream): Promise<void> {
  const { once, off } = out;
  if (!once) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      off?.call(out, 'drain', done);
      off?.call(out, 'close', done);
      off?.call(out, 'error', done);
      resolve();
    };
    once.call(out, 'drain', done);
    once.call(out, 'close', done);
    once.call(out, 'error', done);
  });
}

/** Whether `e` says the reader went away (`| head`), which is not a failure of the writer. */
function readerGone(e: Error | null): boolean {
  return e === null || (e as NodeJS.ErrnoException).code === 'EPIPE';
}

/** The one writer of an output stream (stdout); see the top of this file. */
export class Output {
  /**
   * Queued pieces, `q[head]` first (an index, not shift(): a backlog can be a million pieces):
   * text, or UTF-8 bytes already encoded (records rendered in the threads of `--threads`).
   */
  private q: Array<string | Uint8Array> = [];
  private head = 0;
  /** Characters (or bytes) queued and not yet handed to the stream. */
  private queued = 0;
  /** The stream said it is full: nothing more is handed to it before 'drain'. */
  private waiting = false;
  /** Writes handed to the stream whose callback has not come yet (a Node Writable's). */
  private inflight = 0;
  /** A flush of the pieces below one batch is scheduled (at the end of the current job). */
  private scheduled = false;
  /** Whether the stream is a Node Writable (events, backpressure, write callbacks): only then can anyone wait for it. */
  readonly evented: boolean;
  private readonly ended = new AbortController();
  private failure: Error | null = null;
  private readyWaiters: Array<() => void> = [];
  private flushWaiters: Array<() => void> = [];

  /** Where pieces are encoded for a direct write (`fd`), made at the first one; `staged` bytes of it wait. */
  private scratch: Buffer | null = null;
  private staged = 0;
  /** Where `copy` puts bytes for a stream (not direct): views of it are queued; a new one when full. */
  private arena: Buffer | null = null;
  private arenaUsed = 0;

  constructor(
    private readonly stream: OutStream,
    /** A descriptor written directly instead of the stream (`directFd`), or null. */
    private readonly fd: number | null = null,
  ) {
    this.evented = fd === null && typeof stream.on === 'function' && typeof stream.once === 'function';
    if (this.evented) {
      // `on`, not `once`: a stream can emit several errors (each failed write), and an 'error'
      // without a listener would end the process with a stack trace.
      stream.on!('error', (e) => this.stop(e));
      stream.once!('close', () => this.stop(null));
    }
  }

  /** Aborts when the output can take nothing more: the reader went away, or a write failed. */
  get signal(): AbortSignal {
    return this.ended.signal;
  }

  /** The reader went away (EPIPE, or the stream closed): not an error of this run. */
  get closed(): boolean {
    return this.ended.signal.aborted && this.failure === null;
  }

  /** The write error that ended the output, if one did (not a reader going away). */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Queues `s`, text or UTF-8 bytes (which the output holds until written: they must not change);
   * true when the output can take more right now (see `ready()`).
   */
  write(s: string | Uint8Array): boolean {
    if (this.ended.signal.aborted) return false;
    if (this.fd !== null) {
      this.stage(s);
      return true;
    }
    if (s.length > 0) {
      const q = this.q;
      const last = q.length > this.head ? q[q.length - 1]! : '';
      // Bytes right after the last piece's in one buffer (a thread's batch) join it: one write.
      if (typeof s !== 'string' && typeof last !== 'string' && last.buffer === s.buffer && last.byteOffset + last.length === s.byteOffset) {
        q[q.length - 1] = new Uint8Array(s.buffer, last.byteOffset, last.length + s.length);
      } else q.push(s);
      this.queued += s.length;
      if (this.queued >= BATCH) this.pump(false);
      else this.pumpLater();
    }
    return this.canTakeMore();
  }

  /**
   * Everything waiting goes out at the end of the current job (one microtask, however many pieces
   * come first): the records of one chunk of input go out as few writes, and a lone line (a live
   * capture's) right after.
   */
  private pumpLater(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump(true);
    });
  }

  /**
   * Queues a copy of the UTF-8 bytes `b`, which the caller may write over after the call (the JSON
   * writer's buffer); true when the output can take more right now.
   */
  copy(b: Uint8Array): boolean {
    if (this.ended.signal.aborted) return false;
    if (this.fd !== null) {
      this.stage(b);
      return true;
    }
    if (b.length === 0) return this.canTakeMore();
    // Into the current arena, after the last copy: consecutive copies join into one write there.
    if (this.arena === null || this.arenaUsed + b.length > this.arena.length) {
      this.arena = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, b.length));
      this.arenaUsed = 0;
    }
    const at = this.arenaUsed;
    this.arena.set(b, at);
    this.arenaUsed += b.length;
    return this.write(this.arena.subarray(at, this.arenaUsed));
  }

  /**
   * Null when the output can take more now; otherwise a promise that resolves once it can (or
   * once it has ended). Producers that can wait (writeChunks, the paced reader) ask before more.
   */
  ready(): Promise<void> | null {
    if (this.canTakeMore()) return null;
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Resolves when everything written so far has been taken by the stream (or the output ended). */
  flush(): Promise<void> {
    this.pump(true);
    if (this.flushed()) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private canTakeMore(): boolean {
    return this.ended.signal.aborted || (!this.waiting && this.queued < BATCH);
  }

  private flushed(): boolean {
    return this.ended.signal.aborted || (!this.waiting && this.queued === 0 && this.staged === 0 && this.inflight === 0);
  }

  /**
   * A direct output's write: `s` encoded (or copied) into the scratch buffer after what is staged
   * there, which goes out by write(2) first when `s` might not fit; what is too long for the buffer
   * goes out on its own. The staged rest goes out at the end of the current job (or a flush()).
   */
  private stage(s: string | Uint8Array): void {
    if (s.length === 0) return;
    const buf = (this.scratch ??= Buffer.allocUnsafe(DIRECT_BYTES));
    try {
      if (typeof s !== 'string') {
        // Bytes: copied when small, else written from where they are (a thread's batch).
        const big = s.length >= buf.length / 4;
        if (this.staged > 0 && (big || this.staged + s.length > buf.length)) this.writeStaged();
        if (big) this.writeAll(s, s.length);
        else {
          buf.set(s, this.staged);
          this.staged += s.length;
        }
      } else {
        // UTF-8 takes at most 3 bytes per UTF-16 unit: what might not fit goes after a write, and
        // what might not fit in the whole buffer is encoded on its own.
        if (this.staged > 0 && this.staged + 3 * s.length > buf.length) this.writeStaged();
        if (3 * s.length > buf.length) {
          const alone = Buffer.from(s, 'utf8');
          this.writeAll(alone, alone.length);
        } else this.staged += buf.write(s, this.staged, 'utf8');
      }
    } catch (e) {
      this.stop(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (this.staged > 0) this.pumpLater();
  }

  /** Writes what is staged in the scratch buffer. */
  private writeStaged(): void {
    const n = this.staged;
    this.staged = 0;
    this.writeAll(this.scratch!, n);
  }

  /** write(2) until the first `n` bytes of `b` are out. */
  private writeAll(b: Uint8Array, n: number): void {
    for (let off = 0; off < n; ) off += writeSync(this.fd!, b, off, n - off);
  }

  /** Hands batches to the stream while it takes them: full batches, and the rest too if `all`. */
  private pump(all: boolean): void {
    if (this.fd !== null) {
      if (this.staged > 0 && !this.ended.signal.aborted) {
        try {
          this.writeStaged();
        } catch (e) {
          this.stop(e instanceof Error ? e : new Error(String(e)));
        }
      }
      this.wake();
      return;
    }
    while (!this.waiting && !this.ended.signal.aborted && (this.queued >= BATCH || (all && this.queued > 0))) {
      const taken = this.take();
      let more: unknown;
      try {
        if (this.evented) {
          this.inflight++;
          // A Node Writable takes bytes as they are (as a Buffer: a plain Uint8Array is not a chunk everywhere).
          const batch = typeof taken === 'string' ? taken : Buffer.from(taken.buffer, taken.byteOffset, taken.length);
          more = (this.stream.write as (chunk: string | Buffer, cb: (err?: Error | null) => void) => unknown)(batch, this.written);
        } else more = this.stream.write(typeof taken === 'string' ? taken : Buffer.from(taken.buffer, taken.byteOffset, taken.length).toString('utf8'));
      } catch (e) {
        this.stop(e instanceof Error ? e : new Error(String(e)));
        break;
      }
      if (more === false && this.evented) {
        this.waiting = true;
        void drained(this.stream).then(() => {
          this.waiting = false;
          this.pump(true);
        });
      }
    }
    this.wake();
  }

  /** The next write: a long piece alone, or small pieces (all text, or all bytes) joined up to about BATCH characters. */
  private take(): string | Uint8Array {
    const q = this.q;
    let end = this.head;
    const first = q[end++]!;
    const text = typeof first === 'string';
    let n = first.length;
    if (n < SMALL) while (end < q.length && n < BATCH && q[end]!.length < SMALL && (typeof q[end] === 'string') === text) n += q[end++]!.length;
    const batch =
      end - this.head === 1 ? first : text ? (q.slice(this.head, end) as string[]).join('') : Buffer.concat(q.slice(this.head, end) as Uint8Array[]);
    if (end === q.length) {
      this.q = [];
      this.head = 0;
    } else {
      // Let go of what was written (the backlog can be large); compact now and then.
      for (let i = this.head; i < end; i++) q[i] = '';
      this.head = end;
      if (this.head > 4096 && this.head * 2 > q.length) {
        this.q = q.slice(this.head);
        this.head = 0;
      }
    }
    this.queued -= n;
    return batch;
  }

  /** A Node Writable's callback for each batch. */
  private readonly written = (err?: Error | null): void => {
    this.inflight--;
    if (err) this.stop(err);
    this.wake();
  };

  /** Ends the output: the reader went away (`e` null or EPIPE), or a write failed (kept). */
  private stop(e: Error | null): void {
    if (this.ended.signal.aborted) return; // the first cause is the one that counts
    if (!readerGone(e)) this.failure = e;
    this.q = [];
    this.head = 0;
    this.queued = 0;
    this.ended.abort();
    this.wake();
  }

  private wake(): void {
    if (this.readyWaiters.length > 0 && this.canTakeMore()) {
      const w = this.readyWaiters;
      this.readyWaiters = [];
      for (const r of w) r();
    }
    if (this.flushWaiters.length > 0 && this.flushed()) {
      const w = this.flushWaiters;
      this.flushWaiters = [];
      for (const r of w) r();
    }
  }
}

/**
 * Writes the pieces in order through `out` (an Output, or a stream it wraps), waiting whenever the
 * reader is behind. Stops early when the output has ended (nobody reads, or a write failed).
 */
export async function writeChunks(out: Output | OutStream, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const o = out instanceof Output ? out : new Output(out);
  for (const chunk of chunks) {
    if (o.signal.aborted) return;
    o.write(chunk);
    const wait = o.ready();
    if (wait !== null) await wait;
  }
  // An Output of our own is not flushed by anyone else.
  if (o !== out) await o.flush();
}

/**
 * The first error an output stream reports that is not its reader going away (stderr: where
 * would it be reported?). Listening also keeps an EPIPE on it from ending the process.
 */
export function watchErrors(stream: OutStream): () => Error | null {
  let first: Error | null = null;
  stream.on?.('error', (e) => {
    if (first === null && !readerGone(e)) first = e;
  });
  return () => first;
}

/**
 * Size of each read of a paced file: 64 KiB, not the regular reader's 1 MiB. The output one chunk's
 * connections write (NDJSON of about a hundred records here, several MB for 1 MiB) sits in the
 * output's queue until the reader takes it; kept small it dies young instead of piling up in the
 * old generation (1.1 GB peak RSS with 1 MiB reads on the bench capture, 0.69 GB with 64 KiB).
 */
const CHUNK = 1 << 16;

/** An async iterable that asks `gate` before each next chunk, so it is read no faster than allowed. */
function gated(src: AsyncIterable<Uint8Array>, gate: () => Promise<void> | null): AsyncIterable<Uint8Array> {
  return {
    // openCapture('-') refuses a terminal: keep what the real stream says.
    ...('isTTY' in src ? { isTTY: (src as { isTTY?: boolean }).isTTY } : {}),
    [Symbol.asyncIterator]() {
      const it = src[Symbol.asyncIterator]();
      return {
        async next() {
          const wait = gate();
          if (wait !== null) await wait;
          return it.next();
        },
        // Straight through, even while a next() is pending: that is how a read is let go of.
        return(value?: unknown) {
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
}

/** A file as an async iterable of fresh chunks (the parser may look at a chunk until the next). */
function fileChunks(fh: FileHandle): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          const buf = Buffer.allocUnsafe(CHUNK);
          const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
          return bytesRead === 0 ? { done: true, value: undefined } : { done: false, value: buf.subarray(0, bytesRead) };
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * A capture source for `path` (or '-' reading `stdin`) that reads its next chunk of input only
 * once `gate` allows it. `regular` is the ordinary source for the same input: a file that cannot
 * be opened is handed to it, so the error says why exactly as it always does.
 */
export function pacedCapture(
  path: string,
  stdin: AsyncIterable<Uint8Array> | undefined,
  gate: () => Promise<void> | null,
  regular: (stdin: AsyncIterable<Uint8Array> | undefined) => CaptureSource,
): CaptureSource {
  if (path === '-') return regular(gated(stdin ?? process.stdin, gate));
  return {
    name: path,
    async run(sink, options) {
      // A FIFO is read as a socket, as openCapture reads it (openFifo says why: a read of a quiet
      // FIFO on the thread pool cannot be interrupted), paced the same way.
      const fifo = await openFifo(path).catch(() => null);
      if (fifo !== null) {
        try {
          return await openStream(path, gated(fifo, gate)).run(sink, options);
        } finally {
          fifo.destroy();
        }
      }
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch {
        return regular(stdin).run(sink, options);
      }
      try {
        return await openStream(path, gated(fileChunks(fh), gate)).run(sink, options);
      } finally {
        await fh.close().catch(() => undefined);
      }
    },
  };
}
