// Output at the reader's pace: batched pieces with backpressure (--json, text), and --ndjson's
// reading held back while its output drains.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { FrameSink } from '../../src/capture/frame.js';
import { main } from '../../src/cli/main.js';
import { Output, pacedCapture, writeChunks } from '../../src/cli/write.js';
import { trace } from '../../src/trace.js';
import { jsonDocument } from '../../src/report/json.js';
import { BIN } from '../helpers/built.js';
import { argv } from './io.js';

const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', name);
const tick = () => new Promise((r) => setTimeout(r, 2));

/** A Writable that takes one write per `delayMs`, recording the most it ever had buffered. */
function slowWritable(highWaterMark: number, delayMs = 1) {
  const chunks: Buffer[] = [];
  let maxBuffered = 0;
  let writes = 0;
  const w = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      writes++;
      setTimeout(cb, delayMs);
    },
  });
  const write = w.write.bind(w) as (...args: unknown[]) => boolean;
  // Everything passed on (the writer counts on its write callbacks), the buffer measured after.
  w.write = ((...args: unknown[]) => {
    const r = write(...args);
    maxBuffered = Math.max(maxBuffered, w.writableLength);
    return r;
  }) as typeof w.write;
  /** Everything written, once the stream has taken all of it. */
  const text = async () => {
    await new Promise<void>((r) => w.end(r));
    return Buffer.concat(chunks).toString('utf8');
  };
  return { w, text, maxBuffered: () => maxBuffered, writes: () => writes };
}

/** A Writable that takes every write at once, keeping each chunk as it came (text or a Buffer). */
function recordingWritable() {
  const writes: Array<string | Buffer> = [];
  const w = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      writes.push(chunk);
      cb();
    },
  });
  return { w, writes };
}

describe('writeChunks', () => {
  it('writes every piece in order, batched, and waits for drain: the buffer never holds much more than one batch', async () => {
    const pieces = Array.from({ length: 5000 }, (_, i) => `piece ${i} ${'x'.repeat(i % 300)}\n`);
    const s = slowWritable(16 * 1024);
    await writeChunks(s.w, pieces);
    expect(await s.text()).toBe(pieces.join(''));
    const total = pieces.join('').length;
    expect(total).toBeGreaterThan(700_000);
    // Without waiting, everything (700 KB) would pile up in the buffer of a reader this slow.
    expect(s.maxBuffered()).toBeLessThan(16 * 1024 + 65536 + 400);
    expect(s.writes()).toBeLessThan(pieces.length / 10);
  });

  it('a stream without events (a plain object with write) is written without waiting', async () => {
    const got: string[] = [];
    await writeChunks({ write: (c: string) => (got.push(c), false) }, ['a', 'b', 'c']);
    expect(got.join('')).toBe('abc');
  });
});

/** A Writable whose writes complete only when `release()` is called: a reader that is not reading. */
function stalledWritable(highWaterMark: number) {
  const chunks: string[] = [];
  const pending: Array<() => void> = [];
  let maxLength = 0;
  let writes = 0;
  const w = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      chunks.push(chunk);
      writes++;
      pending.push(cb);
    },
  });
  const write = w.write.bind(w) as (...args: unknown[]) => boolean;
  w.write = ((...args: unknown[]) => {
    const r = write(...args);
    maxLength = Math.max(maxLength, w.writableLength);
    return r;
  }) as typeof w.write;
  /** Lets every write complete from now on (and those waiting now). */
  const release = () => {
    for (const cb of pending.splice(0)) setImmediate(cb);
    (w as unknown as { _write: unknown })._write = (chunk: string, _enc: unknown, cb: () => void) => {
      chunks.push(chunk);
      writes++;
      setImmediate(cb);
    };
  };
  return { w, release, text: () => chunks.join(''), maxLength: () => maxLength, writes: () => writes };
}

describe('Output (the one writer of stdout)', () => {
  it('a synchronous burst far bigger than the pipe: the stream never holds more than about one batch, and gets all of it in order', async () => {
    // What broke --ndjson (issue 10): the records of every connection still open at the end of a
    // capture are written in one synchronous call. Straight to the stream, all of them sat in its
    // buffer (here 20 MB; 716 M characters make Node's writev fail with ENOBUFS).
    const s = stalledWritable(16 * 1024);
    const out = new Output(s.w);
    const lines = Array.from({ length: 12_000 }, (_, i) => `{"id":${i},"pad":"${'x'.repeat(1700)}"}\n`);
    for (const l of lines) out.write(l);
    const total = lines.join('').length;
    expect(total).toBeGreaterThan(20_000_000);
    expect(s.maxLength()).toBeLessThanOrEqual(16 * 1024 + 16 * 1024 + 4096); // high-water mark + one write
    expect(out.ready()).not.toBeNull(); // behind: a producer that can wait, waits
    s.release();
    await out.flush();
    expect(s.text()).toBe(lines.join(''));
    expect(s.maxLength()).toBeLessThanOrEqual(16 * 1024 + 16 * 1024 + 4096); // high-water mark + one write
    expect(s.writes()).toBeLessThan(lines.length / 5); // batched, not one write per line
    expect(out.ready()).toBeNull();
    expect([out.closed, out.error]).toEqual([false, null]);
  });

  it('bytes (records rendered by the threads of --threads): in order with text, adjacent views of one buffer in one write', async () => {
    const batch = new TextEncoder().encode('{"id":1}\n{"id":2}\n{"id":3}\n');
    const view = (from: number, to: number) => new Uint8Array(batch.buffer, from, to - from);
    const { w, writes } = recordingWritable();
    const out = new Output(w);
    out.write('[');
    out.write(view(0, 9));
    out.write(view(9, 18));
    out.write(view(18, 27));
    out.write(']\n');
    await out.flush();
    expect(writes.map(String).join('')).toBe('[{"id":1}\n{"id":2}\n{"id":3}\n]\n');
    // The three views went as one Buffer: bytes are not joined with text.
    expect(writes.filter((c) => Buffer.isBuffer(c)).map(String)).toEqual(['{"id":1}\n{"id":2}\n{"id":3}\n']);
    // A stream without events gets text.
    const plain: unknown[] = [];
    await writeChunks({ write: (s: string) => void plain.push(s) }, ['a', new TextEncoder().encode('→b')]);
    expect(plain).toEqual(['a', '→b']);
  });

  it('copy: bytes the caller writes over right after (the JSON writer reuses its buffer) come out as they were, consecutive ones in one write', async () => {
    const { w, writes } = recordingWritable();
    const out = new Output(w);
    const reused = new Uint8Array(16);
    const put = (text: string) => {
      const n = new TextEncoder().encodeInto(text, reused).written;
      out.copy(reused.subarray(0, n));
      reused.fill(0x21); // what the writer's next record would write there
    };
    out.write('[');
    put('{"id":1}');
    put(',{"id":2}');
    out.write(']\n');
    await out.flush();
    expect(writes.map(String).join('')).toBe('[{"id":1},{"id":2}]\n');
    expect(writes.filter((c) => Buffer.isBuffer(c)).map(String)).toEqual(['{"id":1},{"id":2}']);
  });

  it('copy on a descriptor (a file, /dev/null): taken at once, in order with text, written when the job ends', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'copy-')), 'out');
    const fd = openSync(file, 'w');
    const out = new Output(process.stdout, fd);
    const reused = new TextEncoder().encode('→bytes ');
    out.write('text ');
    out.copy(reused);
    reused.fill(0x21);
    out.write('more text ');
    // A piece longer than the descriptor's buffer goes out on its own, after what came before it.
    const long = new Uint8Array(300_000).fill(0x78);
    out.copy(long);
    long.fill(0x21);
    out.write('end');
    await out.flush();
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe(`text →bytes more text ${'x'.repeat(300_000)}end`);
  });

  it('the reader going away (EPIPE) ends the output quietly: signal aborted, no error, later writes dropped', async () => {
    const s = stalledWritable(1024);
    const out = new Output(s.w);
    for (let i = 0; i < 100; i++) out.write(`line ${i} ${'x'.repeat(1000)}\n`);
    const waiting = out.ready();
    expect(waiting).not.toBeNull(); // the reader is behind
    s.w.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await new Promise((r) => setImmediate(r));
    expect(out.signal.aborted).toBe(true);
    expect(out.closed).toBe(true);
    expect(out.error).toBeNull();
    expect(out.write('more\n')).toBe(false);
    await waiting; // whoever waited is let go
    await out.flush();
  });

  it('any other write error ends the output and is kept for the caller to report', async () => {
    const w = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      },
    });
    const out = new Output(w);
    out.write('a line\n');
    await out.flush();
    expect(out.signal.aborted).toBe(true);
    expect(out.closed).toBe(false);
    expect((out.error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });
});

describe('main with a stdout that fails', () => {
  it('a write error is one line on stderr and exit 2, and the read stops', async () => {
    let writes = 0;
    const w = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      },
    });
    const err: string[] = [];
    const code = await main(argv('--ndjson', FIX('syn-flood.pcap'), FIX('closewait-leak.pcap')), {
      stdout: w,
      stderr: { write: (c: string) => err.push(c) },
      env: {},
    });
    expect(code).toBe(2);
    expect(err.join('')).toBe('tcptrace: cannot write the output: ENOSPC: no space left on device, write\n');
    expect(writes).toBe(1); // nothing more is tried once a write failed
  });

  it('a reader that went away is not an error: the status is the one earned (2: the first input could not be read)', async () => {
    const w = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const err: string[] = [];
    const code = await main(argv('/nonexistent/x.pcap', FIX('closewait-leak.pcap')), {
      stdout: w,
      stderr: { write: (c: string) => err.push(c) },
      env: {},
    });
    expect(code).toBe(2);
    expect(err.join('')).toBe('tcptrace: /nonexistent/x.pcap: cannot open: no such file or directory\n');
  });
});

describe('main with a slow stdout', () => {
  it('--json: the document is JSON.stringify(report, null, 2) + newline, written at the reader’s pace', async () => {
    const s = slowWritable(4096, 0);
    const err: string[] = [];
    const code = await main(argv('--json', FIX('syn-flood.pcap')), {
      stdout: s.w,
      stderr: { write: (c: string) => err.push(c) },
      env: {},
    });
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const r = await trace(openCapture(FIX('syn-flood.pcap')));
    expect(await s.text()).toBe(JSON.stringify(jsonDocument(r), null, 2) + '\n');
    expect(s.maxBuffered()).toBeLessThan(4096 + 65536 * 3);
  });

  it('--ndjson: the same lines as without backpressure', async () => {
    const s = slowWritable(1024, 0);
    const code = await main(argv('--ndjson', FIX('closewait-leak.pcap')), { stdout: s.w, stderr: { write: () => true }, env: {} });
    expect(code).toBe(0);
    const r = await trace(openCapture(FIX('closewait-leak.pcap')));
    // In the order they finished, each once.
    const ids = (await s.text())
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids.sort((a, b) => a - b)).toEqual(r.connections.map((c) => c.id));
  });

  it('--ndjson on an unreadable file: the usual one-line error', async () => {
    const s = slowWritable(1024, 0);
    const err: string[] = [];
    const code = await main(argv('--ndjson', '/nonexistent/x.pcap'), { stdout: s.w, stderr: { write: (c: string) => err.push(c) }, env: {} });
    expect(code).toBe(2);
    expect(err.join('')).toBe('tcptrace: /nonexistent/x.pcap: cannot open: no such file or directory\n');
  });
});

describe('pacedCapture (--ndjson reads no faster than its output drains)', () => {
  const count = (): FrameSink & { n: number } => ({
    n: 0,
    frame() {
      this.n++;
    },
  });

  it('standard input: no next chunk is read while the gate is closed', async () => {
    const bytes = readFileSync(FIX('handshake-client-close.pcap'));
    let pulled = 0;
    const stdin: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        for (let o = 0; o < bytes.length; o += 100) {
          pulled++;
          yield bytes.subarray(o, o + 100);
        }
      },
    };
    let open: (() => void) | null = null;
    let closed = true;
    const gate = () => (closed ? new Promise<void>((r) => (open = r)) : null);
    const sink = count();
    const src = pacedCapture('-', stdin, gate, (s) => openCapture('-', { stdin: s }));
    const done = src.run(sink);
    await tick();
    expect(pulled).toBe(0); // held at the gate before the first chunk
    closed = false;
    open!();
    const stats = await done;
    expect(pulled).toBe(Math.ceil(bytes.length / 100));
    expect(stats.packets).toBe(10);
    expect(sink.n).toBe(10);
  });

  it('a file: read in chunks through the gate, the same frames as the regular reader', async () => {
    let asked = 0;
    const sink = count();
    const stats = await pacedCapture(
      FIX('loss.pcap'),
      undefined,
      () => (asked++, null),
      () => openCapture(FIX('loss.pcap')),
    ).run(sink);
    const plain = count();
    const ref = await openCapture(FIX('loss.pcap')).run(plain);
    expect(stats.packets).toBe(ref.packets);
    expect(sink.n).toBe(plain.n);
    expect(stats.format).toBe(ref.format);
    // Asked before each 64 KiB read: 231,578 bytes are 4 reads, then the read that finds the end.
    expect(statSync(FIX('loss.pcap')).size).toBe(231578);
    expect(asked).toBe(5);
  });
});

describe('stdout on a file or /dev/null: written directly (directFd)', () => {
  const run = (args: string[], stdout: number | 'pipe') =>
    spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28 });

  it('writes to a file what it writes to a pipe, whatever the sizes of its pieces', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'direct-'));
    // NDJSON's pieces are 7 K characters each, 50 of them more than one buffer of 256 KiB; text's
    // and JSON's come in all sizes; --lang zh is not Latin-1.
    for (const args of [
      ['--ndjson', FIX('timewait-pile.pcap')],
      [FIX('timewait-pile.pcap')],
      ['--json', FIX('loss.pcap')],
      ['--lang', 'zh', '--explain', FIX('loss.pcap')],
    ]) {
      const file = path.join(dir, 'out');
      const fd = openSync(file, 'w');
      const toFile = run(args, fd);
      closeSync(fd);
      const piped = run(args, 'pipe');
      expect(toFile.status).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(piped.stdout);
      expect(piped.stdout.length).toBeGreaterThan(1000);
    }
  }, 60_000);

  it('--threads: the rendered records the threads send, written to a file, are what one thread writes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'direct-'));
    for (const args of [['--ndjson', FIX('timewait-pile.pcap')], [FIX('timewait-pile.pcap')], ['--json', FIX('loss.pcap')]]) {
      const file = path.join(dir, 'out');
      const fd = openSync(file, 'w');
      const toFile = run(['--threads', '2', ...args], fd);
      closeSync(fd);
      expect(toFile.status).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(run(args, 'pipe').stdout);
    }
  }, 60_000);

  it('a full device: one line on stderr, exit 2', () => {
    const fd = openSync('/dev/full', 'w');
    const r = run(['--ndjson', FIX('timewait-pile.pcap')], fd);
    closeSync(fd);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tcptrace: cannot write the output: ENOSPC: no space left on device, write\n');
  });
});
