// Issue 10: a read stopped from outside (Ctrl-C, SIGTERM) between two chunks is not damage, and a
// FIFO read is stopped at once, not only when its writer next writes or closes.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createParser } from '../../src/capture/detect.js';
import { openCapture } from '../../src/capture/open.js';
import { concat, epb, idb, otherBlock, payload, pcapFile, shb } from './build.js';

const A = payload(60, 1);
const B = payload(1514, 5);

describe('a parser stopped between chunks', () => {
  // Four records; the cut falls inside the third record's data.
  const file = pcapFile(
    {},
    [1, 2, 3, 4].map((s) => ({ sec: s, frac: 0, data: s % 2 ? A : B })),
  );
  const third = 24 + (16 + 60) + (16 + 1514);

  it('keeps a record held incomplete without a "file ends mid-record" warning', () => {
    const p = createParser('x', { frame() {} });
    expect(p.push(file.subarray(0, third + 30))).toBe(true);
    p.stop();
    expect(p.push(file.subarray(third + 30))).toBe(false);
    const stats = p.end();
    expect(stats).toMatchObject({ packets: 2, bytes: third, warnings: [] });
  });

  it('still warns when the input really ends there', () => {
    const p = createParser('x', { frame() {} });
    p.push(file.subarray(0, third + 30));
    expect(p.end().warnings.map((w) => w.message)).toEqual([`file ends mid-record at offset ${third} (30 of 76 bytes)`]);
  });

  it('stopped with the record header itself incomplete', () => {
    const p = createParser('x', { frame() {} });
    p.push(file.subarray(0, third + 5));
    p.stop();
    expect(p.end()).toMatchObject({ packets: 2, bytes: third, warnings: [] });
  });

  it('pcapng: stopped while skipping a block that straddles chunks', () => {
    const head = concat(shb(true), idb(true, { linkType: 1 }), epb(true, 0, 1n, A));
    const ng = concat(head, otherBlock(true, 5, 4000), epb(true, 0, 2n, A));
    const p = createParser('x', { frame() {} });
    p.push(ng.subarray(0, head.length + 100));
    p.stop();
    expect(p.end()).toMatchObject({ format: 'pcapng', packets: 1, bytes: head.length, warnings: [] });
  });
});

describe.skipIf(process.platform === 'win32')('openCapture on a FIFO', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cap-fifo-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const file = pcapFile(
    {},
    [1, 2, 3].map((s) => ({ sec: s, frac: 0, data: A })),
  );

  function fifo(name: string): string {
    const p = join(tmp, name);
    execFileSync('mkfifo', [p]);
    return p;
  }

  /**
   * The FIFO's write end, once the reader has opened it: the reader opens without waiting for a
   * writer (O_NONBLOCK), and a non-blocking writer can open only once it has.
   */
  async function writer(p: string): Promise<number> {
    for (let i = 0; ; i++) {
      try {
        return openSync(p, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || i > 3000) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  const pipes = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap').length;

  it('an abort ends a read waiting on a FIFO whose writer keeps it open, and lets go of it', async () => {
    const p = fifo('held');
    const ac = new AbortController();
    let n = 0;
    const before = pipes();
    const run = openCapture(p).run(
      {
        frame: () => {
          // All three records came: now only the abort can end the read.
          if (++n === 3) setTimeout(() => ac.abort(), 50);
        },
      },
      { signal: ac.signal },
    );
    const w = await writer(p);
    try {
      writeSync(w, file);
      // A record's first 10 bytes too: a stop is not a cut, so no warning for it.
      writeSync(w, pcapFile({}, [{ sec: 4, frac: 0, data: A }]).subarray(24, 34));
      const stats = await run;
      expect(n).toBe(3);
      expect(stats).toMatchObject({ packets: 3, bytes: file.length, warnings: [] });
      // The read socket is gone (not left waiting on the pipe, keeping the process alive); a
      // handle closes in a later turn of the event loop.
      for (let i = 0; i < 100 && pipes() > before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(pipes()).toBe(before);
    } finally {
      closeSync(w);
    }
  });

  it('a FIFO read to its end reads like the file', async () => {
    const p = fifo('whole');
    const bytes = pcapFile(
      {},
      [1, 2, 3, 4, 5].map((s) => ({ sec: s, frac: s, data: s % 2 ? A : B })),
    );
    const path = join(tmp, 'whole.pcap');
    writeFileSync(path, bytes);
    const fromFile = await openCapture(path).run({ frame() {} });
    const frames: number[] = [];
    const run = openCapture(p).run({ frame: (f) => frames.push(f.tsSec) });
    // A writer that opens after the reader and writes in two pieces; its close is the end.
    const w = await writer(p);
    writeSync(w, bytes.subarray(0, 100));
    await new Promise((r) => setTimeout(r, 20));
    writeSync(w, bytes.subarray(100));
    closeSync(w);
    expect(await run).toEqual(fromFile);
    expect(frames).toEqual([1, 2, 3, 4, 5]);
  });

  it('an abort before any writer came ends the read too', async () => {
    const p = fifo('nobody');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const stats = await openCapture(p).run({ frame() {} }, { signal: ac.signal });
    expect(stats.packets).toBe(0);
  });
});
