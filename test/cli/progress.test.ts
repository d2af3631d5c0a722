import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../src/cli/progress.js';

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
  Object.assign(w, { cursorTo: (_x: number, cb?: () => void) => (cb?.(), true), clearLine: (_d: number, cb?: () => void) => (cb?.(), true), moveCursor: (_x: number, _y: number, cb?: () => void) => (cb?.(), true) });
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

  it('prints nothing when disabled (not a terminal, --json, --ndjson)', async () => {
    const s = tty();
    const p = startProgress('x.pcap', s, false, 0);
    p.update(1, 1);
    await sleep(30);
    p.stop();
    expect(s.text()).toBe('');
  });
});
