// Output at the reader's pace: batched pieces with backpressure (--json, text), and --ndjson's
// reading held back while its output drains.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { FrameSink } from '../../src/capture/frame.js';
import { main } from '../../src/cli/main.js';
import { pacedCapture, writeChunks } from '../../src/cli/write.js';
import { trace } from '../../src/trace.js';
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
  const write = w.write.bind(w);
  w.write = ((chunk: string) => {
    const r = write(chunk);
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
    expect(await s.text()).toBe(JSON.stringify(r, null, 2) + '\n');
    expect(s.maxBuffered()).toBeLessThan(4096 + 65536 * 3);
  });

  it('--ndjson: the same lines as without backpressure', async () => {
    const s = slowWritable(1024, 0);
    const code = await main(argv('--ndjson', FIX('closewait-leak.pcap')), { stdout: s.w, stderr: { write: () => true }, env: {} });
    expect(code).toBe(0);
    const r = await trace(openCapture(FIX('closewait-leak.pcap')));
    // In the order they finished, each once.
    const ids = (await s.text()).trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
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
  const count = (): FrameSink & { n: number } => ({ n: 0, frame() { this.n++; } });

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
    const stats = await pacedCapture(FIX('loss.pcap'), undefined, () => (asked++, null), () => openCapture(FIX('loss.pcap'))).run(sink);
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
