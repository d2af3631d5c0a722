/**
 * Streaming decompression of a capture: compressed chunks in, decompressed chunks out, never the
 * whole file in memory.
 *
 * gzip goes through Node's zlib (a Gunzip reads concatenated members, RFC 1952 §2.2, as gzip -d
 * does). Node 20's zlib has no zstd (zlib.createZstdDecompress came in Node 22.15 and 23.8), so
 * zstd uses it where it exists and otherwise runs the `zstd` program as a child (`zstd -dcq`,
 * stdin to stdout), which is killed as soon as the reading stops.
 *
 * Memory: the input is handed to the decompressor in slices of SLICE bytes, and only while fewer
 * than HIGH decompressed bytes wait for the reader; the reader's pace (the parser, and through the
 * paced reader the output) therefore holds the whole chain back. One slice of deflate data inflates
 * to at most about 1032 times its size (zlib's own limit), so the worst burst is bounded too.
 *
 * Damage: zlib says what is wrong but not where. It stops in the middle of one of its calls, and
 * what that call inflated (at most zlib's chunkSize, 16 KiB) is lost with it; `bytesWritten`, the
 * compressed bytes of the calls that succeeded, is where the damaged stretch starts at the
 * earliest, so that is the offset given ("at or after"). An input that ends inside a member is cut
 * short at its own end. A child program says what it says on stderr, and its exit status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as zlib from 'node:zlib';
import type { Compression } from './compression.js';

/** Compressed bytes handed to the decompressor at a time. */
const SLICE = 16 * 1024;
/** Decompressed bytes waiting for the reader above which no more input is handed over. */
const HIGH = 1024 * 1024;

/** What went wrong in the compressed stream: an offset in the compressed input and the words. */
export interface CompressionDamage {
  /** Offset in the compressed input where the damage starts at the earliest (null: unknown). */
  offset: number | null;
  message: string;
  /** True when nothing could be decompressed because no decompressor could run (not damage). */
  fatal?: boolean;
}

/** A decompressing stream: iterate `chunks`; once it ended, `damage()` says whether it ended well. */
export interface Decompressed {
  readonly chunks: AsyncIterable<Uint8Array>;
  /** The damage that ended the decompressed stream, or null when it ended at a proper end. */
  damage(): CompressionDamage | null;
  /** Compressed bytes read from the input so far. */
  readonly compressedBytes: number;
  /** Lets go of everything at once (the child is killed): the reader stopped early. */
  close(): void;
  /** Decompressed bytes waiting for the reader (what backpressure bounds). */
  readonly queuedBytes: number;
}

/** The two ends of a decompressor: a writable side taking compressed bytes, a readable side giving the rest. */
interface Engine {
  input: NodeJS.WritableStream & { destroy(): void; writableNeedDrain?: boolean };
  output: NodeJS.ReadableStream & { destroy(): void };
  /** Called once the output ended or failed: the damage, or null for a proper end. */
  verdict(error: Error | null, compressedBytes: number): Promise<CompressionDamage | null>;
  kill(): void;
  /**
   * Whether the output may be paused while the reader is behind. Not zlib's: output it holds when
   * it fails is lost with the error; its input is held back instead. A child's pipe loses nothing.
   */
  pausable: boolean;
}

/** The `zstd` program's path, or null: what to run when Node's zlib has no zstd. Replaceable by tests. */
let zstdProgram: string | null = 'zstd';

/** Replaces the zstd program (tests: a missing one is `null` or a path that does not exist). */
export function setZstdProgram(path: string | null): void {
  zstdProgram = path;
}

/** Whether this Node's zlib decompresses zstd itself (Node >= 22.15 / 23.8). */
function nodeHasZstd(): boolean {
  return typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
}

/** Thrown when a decompressor cannot be started at all (no zstd anywhere): one line, the fix in it. */
export class DecompressorMissing extends Error {}

/**
 * Decompresses `input` (whose first bytes are `head`, already read from it) as `kind`.
 * Throws DecompressorMissing when nothing here can decompress it.
 */
export function decompress(kind: Compression, head: Uint8Array[], input: AsyncIterator<Uint8Array>): Decompressed {
  const engine = startEngine(kind);
  return new DecompressedStream(engine, head, input);
}

function startEngine(kind: Compression): Engine {
  if (kind === 'gzip') return zlibEngine('gzip', zlib.createGunzip());
  if (kind === 'zstd') {
    if (nodeHasZstd()) {
      const create = (zlib as unknown as { createZstdDecompress(): zlib.Gunzip }).createZstdDecompress;
      return zlibEngine('zstd', create());
    }
    return childEngine('zstd', zstdProgram, ['-dcq']);
  }
  throw new DecompressorMissing(`${kind}-compressed input is not read directly`);
}

/** zlib's own error text for each code, in words about a capture file. */
function zlibEngine(kind: 'gzip' | 'zstd', z: zlib.Gunzip): Engine {
  return {
    input: z,
    output: z,
    async verdict(error, compressedBytes) {
      if (error === null) return null;
      const code = (error as NodeJS.ErrnoException).code;
      // Z_BUF_ERROR at the end: the input ran out inside a member (a capture still being written,
      // a download cut short). Everything before it was inflated.
      if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(error.message)) {
        return { offset: compressedBytes, message: `${kind} data cut short at offset ${compressedBytes} (the input ends inside a ${kind} member)` };
      }
      const at = z.bytesWritten;
      return { offset: at, message: `${kind} data damaged at or after offset ${at} (zlib: ${error.message})` };
    },
    kill() {
      z.destroy();
    },
    pausable: false,
  };
}

/** A decompressing program as a child: compressed bytes on its stdin, the capture on its stdout. */
function childEngine(kind: Compression, program: string | null, args: string[]): Engine {
  const fix = `decompress it first (${kind} -dc FILE | tcptrace -), or install the ${kind} program${kind === 'zstd' ? ' (apt-get install zstd), or use Node >= 22.15, whose zlib reads zstd' : ''}`;
  if (program === null) throw new DecompressorMissing(`${kind}-compressed, and no ${kind} program is installed: ${fix}`);
  let child: ChildProcess;
  try {
    // Its own process group, so a Ctrl-C at the terminal reaches tcptrace only, which then ends it.
    child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  } catch (e) {
    throw new DecompressorMissing(`${kind}-compressed, and ${program} cannot be run (${(e as Error).message}): ${fix}`);
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  // A child that could not start reports it here, asynchronously (ENOENT: not installed).
  const spawned = new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (e) => resolve(e));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // A child that died leaves its stdin unwritable (EPIPE): its exit status says why, not this.
  child.stdin!.on('error', () => undefined);
  return {
    input: child.stdin!,
    output: child.stdout!,
    async verdict(error, compressedBytes) {
      const startError = await spawned;
      if (startError !== null) {
        const missing = (startError as NodeJS.ErrnoException).code === 'ENOENT';
        return {
          offset: null,
          message: missing
            ? `${kind}-compressed, and no ${kind} program is installed: ${fix}`
            : `${kind}-compressed, and ${program} cannot be run (${startError.message}): ${fix}`,
          fatal: true,
        };
      }
      const { code, signal } = await exited;
      if (error === null && code === 0) return null;
      const said = stderr
        .split('\n')
        .map((l) =>
          l
            .replace(/^zstd:\s*/, '')
            .replace(/^\/\*stdin\*\\\s*:\s*/, '')
            .trim(),
        )
        .filter((l) => l !== '')[0];
      const why = said ?? (signal !== null ? `killed by ${signal}` : `exit status ${code}`);
      return { offset: null, message: `${kind} data damaged or cut short in its ${compressedBytes} bytes (${kind}: ${why})` };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
      child.stdin!.destroy();
      child.stdout!.destroy();
      child.stderr!.destroy();
    },
    pausable: true,
  };
}

/** The async iterable of decompressed chunks, fed from the compressed input at the reader's pace. */
class DecompressedStream implements Decompressed {
  readonly chunks: AsyncIterable<Uint8Array>;
  compressedBytes = 0;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private closed = false;
  private failure: Error | null = null;
  private result: CompressionDamage | null = null;
  /** The reader waiting for a chunk or the end. */
  private wakeReader: (() => void) | null = null;
  /** The feeder waiting for the queue to go down. */
  private wakeFeeder: (() => void) | null = null;
  /** The whole input was read (and handed over, unless the stream had ended first). */
  private fed = false;

  constructor(
    private readonly engine: Engine,
    head: Uint8Array[],
    private readonly input: AsyncIterator<Uint8Array>,
  ) {
    const out = engine.output;
    out.on('data', (d: Uint8Array) => {
      this.queue.push(d);
      this.queued += d.length;
      // A child reads ahead of what it was given: hold its output back too.
      if (engine.pausable && this.queued >= HIGH) out.pause();
      this.wake();
    });
    // 'close' too: a child that never started closes its pipes without an 'end'.
    const onEnd = () => {
      this.ended = true;
      this.wake();
    };
    out.on('end', onEnd);
    out.on('close', onEnd);
    out.on('error', (e: Error) => {
      if (this.failure === null) this.failure = e;
      this.ended = true;
      this.wake();
    });
    void this.feed(head).catch((e: unknown) => {
      // A read error of the compressed input itself: the stream ends there, said as damage.
      if (this.failure === null) this.failure = e instanceof Error ? e : new Error(String(e));
      this.engine.input.destroy();
      this.ended = true;
      this.wake();
    });
    const self = this;
    this.chunks = {
      [Symbol.asyncIterator]() {
        return {
          next: () => self.next(),
          return: () => {
            self.close();
            return Promise.resolve({ done: true as const, value: undefined });
          },
        };
      },
    };
  }

  damage(): CompressionDamage | null {
    return this.result;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.kill();
    void this.input.return?.()?.catch?.(() => undefined);
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const r = this.wakeReader;
    this.wakeReader = null;
    r?.();
    if (this.engine.pausable && this.queued < HIGH && this.engine.output.isPaused()) this.engine.output.resume();
    if (this.queued < HIGH || this.closed) {
      const f = this.wakeFeeder;
      this.wakeFeeder = null;
      f?.();
    }
  }

  /** Hands the compressed input over, a slice at a time, while the reader keeps up. */
  private async feed(head: Uint8Array[]): Promise<void> {
    const sink = this.engine.input;
    // The last write must be processed before end(): Node's zlib inflates a chunk written after
    // end() was called with Z_FINISH, and an error there (the input was cut short) would take that
    // chunk's output with it. Written before, only the empty final call can fail.
    let lastWrite: Promise<void> = Promise.resolve();
    const give = async (chunk: Uint8Array): Promise<void> => {
      for (let i = 0; i < chunk.length && !this.closed; i += SLICE) {
        while (this.queued >= HIGH && !this.closed && !this.ended) await new Promise<void>((r) => (this.wakeFeeder = r));
        if (this.closed || this.ended) return;
        const slice = chunk.subarray(i, i + SLICE);
        this.compressedBytes += slice.length;
        let more = true;
        lastWrite = new Promise<void>((resolve) => {
          more = sink.write(slice, () => resolve());
        });
        if (!more) await drainOrEnd(sink, () => this.closed || this.ended);
      }
    };
    for (const h of head) await give(h);
    while (!this.closed && !this.ended) {
      const r = await this.input.next();
      if (r.done) break;
      // Node's zlib keeps a reference to each written chunk until it is processed: a reader that
      // reuses its buffer (the file reader does) must hand over fresh chunks (open.ts's fileChunks).
      await give(r.value);
    }
    this.fed = true;
    await Promise.race([lastWrite, new Promise<void>((r) => sink.once('close', r))]);
    if (!this.closed && !this.ended) sink.end();
  }

  private async next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const c = this.queue.shift();
      if (c !== undefined) {
        this.queued -= c.length;
        this.wake();
        return { done: false, value: c };
      }
      if (this.ended) {
        // The feeder may be waiting on a quiet input: nothing it reads now can matter.
        if (!this.fed) void this.input.return?.()?.catch?.(() => undefined);
        this.result = await this.engine.verdict(this.failure, this.compressedBytes);
        if (this.result !== null) this.engine.kill();
        return { done: true, value: undefined };
      }
      await new Promise<void>((r) => (this.wakeReader = r));
    }
  }
}

/** Resolves once `w` drains, or once `gone()` (checked on close/error) says to stop waiting. */
function drainOrEnd(w: NodeJS.WritableStream, gone: () => boolean): Promise<void> {
  if (gone()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      w.removeListener('drain', done);
      w.removeListener('close', done);
      w.removeListener('error', done);
      resolve();
    };
    w.once('drain', done);
    w.once('close', done);
    w.once('error', done);
  });
}
