/**
 * Writing outputs of any size at the pace of whoever reads them.
 *
 * A report is rendered in pieces (report/'s `jsonChunks`, `textChunks`) because the whole of a
 * big capture's output is longer than the longest string V8 can build. The pieces are batched
 * into writes of about 64 KiB, and when the stream says its buffer is full (`write()` returns
 * false, Node's backpressure signal) nothing more is written until it drains: a slow reader
 * (`| jq`, a socket) then holds the writer back instead of making it buffer the whole output.
 *
 * `--ndjson` writes while the capture is read, from a synchronous callback that cannot wait;
 * `pacedCapture` holds the reading back instead, between chunks of input, until the output drains.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { openStream } from '../capture/open.js';
import type { CaptureSource } from '../capture/frame.js';

/** The stream events a writer waits on. */
type WaitEvent = 'drain' | 'close' | 'error';

/** A stream the CLI writes to: only `write` is required; Node's Writable adds backpressure. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** Node's Writable: true while its buffer is over the high-water mark (wait for 'drain'). */
  writableNeedDrain?: boolean;
  once?(event: WaitEvent, listener: () => void): unknown;
  off?(event: WaitEvent, listener: () => void): unknown;
}

/** Pieces are joined into writes of about this many characters. */
const BATCH = 1 << 16;

/**
 * Resolves when `out` has drained (or closed, or failed: the process's error handler deals with
 * a broken pipe). A stream without events never makes anyone wait.
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

/** A promise to wait on before producing more output, or null when `out` can take more now. */
export function backpressure(out: OutStream): Promise<void> | null {
  return out.writableNeedDrain === true ? drained(out) : null;
}

/** Writes the pieces in order, batched, waiting for 'drain' whenever `out` asks to. */
export async function writeChunks(out: OutStream, chunks: Iterable<string>): Promise<void> {
  let buf = '';
  for (const chunk of chunks) {
    buf += chunk;
    if (buf.length < BATCH) continue;
    const more = out.write(buf);
    buf = '';
    if (more === false) await drained(out);
  }
  if (buf !== '' && out.write(buf) === false) await drained(out);
}

/**
 * Size of each read of a paced file: 64 KiB, not the regular reader's 1 MiB. The output one chunk's
 * connections write (NDJSON of about a hundred records here, several MB for 1 MiB) sits in the
 * stream's queue until the reader takes it; kept small it dies young instead of piling up in the
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
