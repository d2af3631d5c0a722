import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { etaText, startProgress } from '../../src/cli/progress.js';

/** A terminal-like stream that records what was written. */
function tty(): Writable & { isTTY: boolean; columns: number; text(): string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY: boolean; columns: number; text(): string };
  w.isTTY = true;
  w.columns = 100;
  // The tty.WriteStream cursor methods ora uses to redraw its line.
  Object.assign(w, {
    cursorTo: (_x: number, cb?: () => void) => (cb?.(), true),
    clearLine: (_d: number, cb?: () => void) => (cb?.(), true),
    moveCursor: (_x: number, _y: number, cb?: () => void) => (cb?.(), true),
  });
  w.text = () => chunks.join('');
  return w;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress spinner', () => {
  it('shows bytes and packets once a read takes longer than the delay, and clears itself', async () => {
    const s = tty();
    const p = startProgress('big.pcap', s, true, 20);
    p.update(12_345_678, 45_678);
    await sleep(60);
    p.update(23_456_789, 91_000);
    await sleep(120);
    p.stop();
    expect(s.text()).toContain('reading big.pcap: 12.3 MB, 45,678 packets');
    expect(s.text()).toContain('reading big.pcap: 23.5 MB, 91,000 packets');
  });

  it('prints nothing when the read ends before the delay', async () => {
    const s = tty();
    const p = startProgress('small.pcap', s, true, 50);
    p.update(1000, 10);
    p.stop();
    await sleep(80);
    expect(s.text()).toBe('');
  });

  it('with the size known: the share read, and after a second the time left at the pace so far', async () => {
    const s = tty();
    let t = 0;
    const p = startProgress('big.pcap', s, true, 0, 100_000_000, () => t);
    p.update(10_000_000, 1);
    await sleep(30);
    t = 2000; // 2 s for a quarter: 6 s left
    p.update(25_000_000, 91_000);
    await sleep(120);
    p.stop();
    expect(s.text()).toContain('reading big.pcap: 10.0 MB of 100.0 MB (10%), 1 packet');
    expect(s.text()).toContain('reading big.pcap: 25.0 MB of 100.0 MB (25%), 91,000 packets, about 6 s left');
  });

  it('says a time left in seconds, minutes or hours', () => {
    expect([etaText(0.2), etaText(45), etaText(200), etaText(3 * 3600 + 5 * 60)]).toEqual(['1 s', '45 s', '3 min 20 s', '3 h 05 min']);
  });

  it('prints nothing when disabled (not a terminal)', async () => {
    const s = tty();
    const p = startProgress('x.pcap', s, false, 0);
    p.update(1, 1);
    await sleep(30);
    p.stop();
    expect(s.text()).toBe('');
  });
});

/**
 * A terminal reporting `columns` 0 (script(1), serial consoles, some `docker -t`). ora divides
 * the text width by the columns to count the lines it must clear: with 0 that is Infinity and its
 * clear loop never ends. Every write and cursor move is counted, and past a cap the stream throws,
 * so a regression fails the run (as an uncaught error) instead of hanging the worker.
 */
function zeroSizedTty(columns = 0): Writable & { isTTY: boolean; columns: number; rows: number; ops(): number } {
  let ops = 0;
  const touch = () => {
    if (++ops > 10_000) throw new Error('runaway spinner: more than 10,000 terminal writes');
  };
  const w = new Writable({
    write(_chunk, _enc, cb) {
      touch();
      cb();
    },
  }) as Writable & { isTTY: boolean; columns: number; rows: number; ops(): number };
  w.isTTY = true;
  w.columns = columns;
  w.rows = 0;
  Object.assign(w, {
    cursorTo: (_x: number, cb?: () => void) => (touch(), cb?.(), true),
    clearLine: (_d: number, cb?: () => void) => (touch(), cb?.(), true),
    moveCursor: (_x: number, _y: number, cb?: () => void) => (touch(), cb?.(), true),
  });
  w.ops = () => ops;
  return w;
}

describe('progress spinner on a terminal of size 0x0', () => {
  it('never starts: nothing is written and every call returns', async () => {
    const s = zeroSizedTty();
    const p = startProgress('big.pcap', s, true, 0);
    p.update(12_345_678, 45_678);
    // Past the delay and two of ora's 80 ms frames: a started spinner would have drawn by now.
    await sleep(200);
    p.update(23_456_789, 91_000);
    p.stop();
    expect(s.ops()).toBe(0);
  });

  it('still spins on a terminal that reports no size (ora assumes 80 columns then)', async () => {
    const s = zeroSizedTty();
    delete (s as { columns?: number }).columns;
    const p = startProgress('big.pcap', s, true, 0);
    await sleep(50);
    p.stop();
    expect(s.ops()).toBeGreaterThan(0);
  });

  it('stops when the terminal is resized to 0 columns while it spins', async () => {
    const s = zeroSizedTty(100);
    const p = startProgress('big.pcap', s, true, 0);
    await sleep(50);
    // It did start on the 100-column terminal.
    expect(s.ops()).toBeGreaterThan(0);
    // As Node's tty.WriteStream does on SIGWINCH: new size first, then 'resize'.
    s.columns = 0;
    s.emit('resize');
    const afterResize = s.ops();
    await sleep(200);
    p.update(1, 1);
    p.stop();
    expect(s.ops()).toBe(afterResize);
  });
});
