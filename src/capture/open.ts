/**
 * Capture sources for files and standard input.
 *
 * A file is read with fs read calls into one reused 1 MiB buffer, never whole: the parser emits
 * each frame straight from that buffer, so a capture of any size runs in constant memory.
 * Standard input ('-') is read as the stream's own chunks, so `tcpdump -w - | tcptrace -` works
 * (and shows packets as they arrive: nothing waits for a full buffer). So is a FIFO (`openFifo`).
 *
 * Either kind of input may be compressed: the first bytes say so (compression.ts), and the rest is
 * read through a streaming decompressor (decompress.ts) into the same parser. Offsets in the
 * parser's warnings then count decompressed bytes and say so; damage in the compressed stream
 * itself is one more warning (or, when nothing could be read, the error) at its compressed offset.
 */
import { closeSync, constants, open as openFd } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Socket } from 'node:net';
import { COMPRESSION_SNIFF_LEN, decompressCommand, sniffCompression, type Compression } from './compression.js';
import { decompress, DecompressorMissing, type Decompressed } from './decompress.js';
import { createParser } from './detect.js';
import { CaptureError } from './frame.js';
import type { CaptureSource, CaptureStats, FrameSink, ProgressFn } from './frame.js';
import type { CaptureParser } from './parser.js';

/** Options of `openCapture`. */
export interface OpenOptions {
  /** What '-' reads (default `process.stdin`); lets tests and embedders supply a stream. */
  stdin?: AsyncIterable<Uint8Array>;
  /** Size in bytes of the reused read buffer for files (default 1 MiB). */
  chunkSize?: number;
}

/** Options of `CaptureSource.run`. */
type RunOptions = { signal?: AbortSignal; onProgress?: ProgressFn };

const DEFAULT_CHUNK = 1024 * 1024;

/** What messages call standard input. */
export const STDIN_NAME = 'standard input';

/** A source reading the capture file at `path`, or standard input when `path` is '-'. */
export function openCapture(path: string, opts: OpenOptions = {}): CaptureSource {
  if (path === '-') {
    return {
      name: path,
      run(sink, options) {
        const stdin = opts.stdin ?? process.stdin;
        // A terminal would wait for typed bytes that never make a capture.
        if ((stdin as { isTTY?: boolean }).isTTY === true) {
          return Promise.reject(new CaptureError(STDIN_NAME, null, 'is a terminal; pipe a capture into it (tcpdump -w - ... | tcptrace -)'));
        }
        return runStream(STDIN_NAME, stdin, sink, options);
      },
    };
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  return { name: path, run: (sink, options) => runFile(path, chunkSize, sink, options) };
}

/** A source reading a capture from any stream of byte chunks (a socket, a decompressor, a test). */
export function openStream(name: string, stream: AsyncIterable<Uint8Array>): CaptureSource {
  return { name, run: (sink, options) => runStream(name, stream, sink, options) };
}

/** A one-line reason for a system error: "no such file or directory" rather than a stack. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    default: {
      const first = String(err?.message ?? e).split('\n')[0]!;
      return err?.code && !first.startsWith(err.code) ? `${err.code}: ${first}` : first;
    }
  }
}

/** Starts the parser, wires the abort signal, and always detaches it again. */
function withAbort<T>(parser: CaptureParser, signal: AbortSignal | undefined, body: () => Promise<T>): Promise<T> {
  if (!signal) return body();
  const onAbort = () => parser.stop();
  if (signal.aborted) parser.stop();
  signal.addEventListener('abort', onAbort);
  return body().finally(() => signal.removeEventListener('abort', onAbort));
}

/** After a read error past the start: keep what was read and say where reading failed. */
function endAfterReadError(parser: CaptureParser, at: number, e: unknown): CaptureStats {
  const stats = parser.stopped ? parser.end() : (parser.stop(), parser.end());
  stats.warnings.push({ offset: at, message: `read error at offset ${at}: ${reason(e)}; reading stopped` });
  return stats;
}

/**
 * The FIFO at `path` (a `mkfifo` pipe, or the /dev/fd/N of `tcptrace <(tcpdump -w -)`) opened as a
 * socket, or null when `path` is not a FIFO (or cannot be stat'ed: opening it then says why).
 *
 * Not with fs reads, as a regular file is: a read of a quiet FIFO blocks a libuv threadpool
 * thread in read(2) until a writer writes or closes, nothing can cancel it, and process.exit()
 * joins every pool thread (uv__threadpool_cleanup), so not even a second Ctrl-C ended the
 * process (issue 10). A socket waits in the event loop instead, and `destroy()` lets go at once.
 * O_NONBLOCK keeps open(2) itself from blocking a pool thread until a writer comes; the socket
 * still waits for one (Linux reports no end of input before a writer has come and gone).
 * The socket owns the descriptor: `destroy()` closes it.
 */
export async function openFifo(path: string): Promise<Socket | null> {
  const isFifo = await stat(path).then(
    (s) => s.isFIFO(),
    () => false,
  );
  if (!isFifo) return null;
  const fd = await new Promise<number>((resolve, reject) => openFd(path, constants.O_RDONLY | constants.O_NONBLOCK, (e, fd) => (e ? reject(e) : resolve(fd))));
  try {
    return new Socket({ fd, readable: true, writable: false });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

async function runFile(path: string, chunkSize: number, sink: FrameSink, options: RunOptions = {}): Promise<CaptureStats> {
  const { signal, onProgress } = options;
  let input: FileHandle | Socket;
  try {
    input = (await openFifo(path)) ?? (await open(path, 'r'));
  } catch (e) {
    throw new CaptureError(path, null, `cannot open: ${reason(e)}`);
  }
  if (input instanceof Socket) {
    // runStream's it.return() waits behind a pending read (an async generator queues it): only
    // destroying the socket ends that read and releases the event loop.
    try {
      return await runStream(path, input, sink, options);
    } finally {
      input.destroy();
    }
  }
  const fh = input;
  // allocUnsafeSlow: a buffer of our own, not a slice of Node's shared pool.
  const buf = Buffer.allocUnsafeSlow(chunkSize);
  let first: number;
  try {
    first = (await fh.read(buf, 0, chunkSize, null)).bytesRead;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw new CaptureError(path, null, `cannot read: ${reason(e)}`);
  }
  const kind = sniffCompression(buf.subarray(0, Math.min(first, COMPRESSION_SNIFF_LEN)));
  if (kind !== null) {
    // The decompressor holds on to what it is given: fresh chunks from here on, not `buf`.
    try {
      return await runCompressed(path, kind, [Buffer.from(buf.subarray(0, first))], fileChunks(fh, chunkSize), sink, options);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
  const parser = createParser(path, sink);
  try {
    return await withAbort(parser, signal, async () => {
      let total = 0;
      let pending = first;
      while (!parser.stopped) {
        let n: number;
        if (pending >= 0) {
          n = pending;
          pending = -1;
        } else {
          try {
            n = (await fh.read(buf, 0, chunkSize, null)).bytesRead;
          } catch (e) {
            if (total === 0) throw new CaptureError(path, null, `cannot read: ${reason(e)}`);
            return endAfterReadError(parser, total, e);
          }
        }
        if (n === 0) break;
        total += n;
        const more = parser.push(n === chunkSize ? buf : buf.subarray(0, n));
        onProgress?.(total, parser.packets);
        if (!more) break;
      }
      return parser.end();
    });
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The stream's next chunk, or null as soon as `signal` aborts: an abort must end a read that is
 * waiting on a quiet pipe, not only the next one. Wired per read and unwired when it settles; a
 * race against one promise that never settles would keep a reaction, and with it every chunk
 * read, alive until the end of the run (1.6 GB of buffers on a 1.9 GB capture read from stdin).
 */
function nextOrAbort(it: AsyncIterator<Uint8Array>, signal: AbortSignal | undefined): Promise<IteratorResult<Uint8Array> | null> {
  if (!signal) return it.next();
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** A file handle as an iterator of fresh chunks (a decompressor may keep each one a while). */
function fileChunks(fh: FileHandle, size: number): AsyncIterator<Uint8Array> {
  return {
    async next(): Promise<IteratorResult<Uint8Array>> {
      const b = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(b, 0, size, null);
      return bytesRead === 0 ? { done: true, value: undefined } : { done: false, value: b.subarray(0, bytesRead) };
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      return { done: true, value: undefined };
    },
  };
}

/**
 * Reads a stream: its first bytes decide whether it is compressed (then runCompressed takes it);
 * otherwise every chunk goes to the parser as it comes.
 */
async function runStream(name: string, stream: AsyncIterable<Uint8Array>, sink: FrameSink, options: RunOptions = {}): Promise<CaptureStats> {
  const it = stream[Symbol.asyncIterator]();
  // The magic may come in pieces (a pipe hands over what it has): wait for enough of it.
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < COMPRESSION_SNIFF_LEN) {
    let r: IteratorResult<Uint8Array> | null;
    try {
      r = await nextOrAbort(it, options.signal);
    } catch (e) {
      void it.return?.()?.catch?.(() => undefined);
      throw new CaptureError(name, null, `cannot read: ${reason(e)}`);
    }
    if (r === null || r.done) break;
    if (r.value.length === 0) continue;
    head.push(r.value);
    have += r.value.length;
  }
  const magic = head.length === 1 ? head[0]! : concat(head, COMPRESSION_SNIFF_LEN);
  const kind = sniffCompression(magic.subarray(0, Math.min(magic.length, COMPRESSION_SNIFF_LEN)));
  if (kind !== null) return runCompressed(name, kind, head, it, sink, options);
  return parseStream(name, head, it, sink, options);
}

/** The first `n` bytes of `parts` (or all of them, if fewer), in one array. */
function concat(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(
    Math.min(
      n,
      parts.reduce((a, p) => a + p.length, 0),
    ),
  );
  let o = 0;
  for (const p of parts) {
    if (o >= out.length) break;
    const take = p.subarray(0, out.length - o);
    out.set(take, o);
    o += take.length;
  }
  return out;
}

/** What an offset means in a warning about decompressed data. */
const DECOMPRESSED = ' (offset in the decompressed data)';
const STOPPED = '; reading stopped';

/**
 * Reads a compressed stream whose first chunks (`head`) were already taken from `it`: through the
 * decompressor into the parser. Damage in the compressed stream ends the reading with a warning
 * and the packets before it, or, when not even a capture header came out, is the error.
 */
async function runCompressed(
  name: string,
  kind: Compression,
  head: Uint8Array[],
  it: AsyncIterator<Uint8Array>,
  sink: FrameSink,
  options: RunOptions,
): Promise<CaptureStats> {
  const release = () => void it.return?.()?.catch?.(() => undefined);
  if (kind === 'bzip2' || kind === 'xz') {
    release();
    throw new CaptureError(name, 0, `${kind}-compressed: decompress it first (${decompressCommand(kind)})`);
  }
  let d: Decompressed;
  try {
    d = decompress(kind, head, it);
  } catch (e) {
    release();
    if (e instanceof DecompressorMissing) throw new CaptureError(name, 0, e.message);
    throw e;
  }
  let stats: CaptureStats;
  try {
    stats = await parseStream(name, [], d.chunks[Symbol.asyncIterator](), sink, options);
  } catch (e) {
    const damage = d.damage();
    d.close();
    if (damage !== null) throw new CaptureError(name, damage.offset, damage.message);
    if (e instanceof CaptureError && e.offset !== null) {
      throw new CaptureError(name, e.offset, `${e.detail} in the ${kind}-decompressed data`);
    }
    throw e;
  }
  d.close();
  const damage = d.damage();
  if (damage?.fatal) throw new CaptureError(name, damage.offset, damage.message);
  for (const w of stats.warnings) {
    if (w.offset === null) continue;
    const stop = w.message.endsWith(STOPPED) ? STOPPED : '';
    w.message = w.message.slice(0, w.message.length - stop.length) + DECOMPRESSED + stop;
  }
  if (damage !== null) stats.warnings.push({ offset: damage.offset, message: `${damage.message}; reading stopped` });
  stats.compression = kind;
  return stats;
}

/** Parses the `head` chunks, then every chunk of `it`, as they come. */
function parseStream(name: string, head: Uint8Array[], it: AsyncIterator<Uint8Array>, sink: FrameSink, options: RunOptions = {}): Promise<CaptureStats> {
  const { signal, onProgress } = options;
  const parser = createParser(name, sink);
  let h = 0;
  return withAbort(parser, signal, async () => {
    let total = 0;
    try {
      while (!parser.stopped) {
        let r: IteratorResult<Uint8Array> | null;
        if (h < head.length) r = { done: false, value: head[h++]! };
        else {
          try {
            r = await nextOrAbort(it, signal);
          } catch (e) {
            if (total === 0) throw new CaptureError(name, null, `cannot read: ${reason(e)}`);
            return endAfterReadError(parser, total, e);
          }
        }
        if (r === null || r.done) break;
        const chunk = r.value;
        total += chunk.length;
        const more = parser.push(chunk);
        onProgress?.(total, parser.packets);
        if (!more) break;
      }
      return parser.end();
    } finally {
      // Tell the stream we are done with it (closes a file stream, releases stdin).
      void it.return?.()?.catch?.(() => undefined);
    }
  });
}
