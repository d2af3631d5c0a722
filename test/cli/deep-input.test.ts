/**
 * Inputs that choose how deep the stack goes (issue 10, "never crash on hostile input"):
 *
 * - 100,000 identical copies of one data segment with --all: every segment is a row of the
 *   ladder, and the ladder's geometry was measured with Math.max(...rows), one argument per row:
 *   "internal error: Maximum call stack size exceeded", exit 70.
 * - --filter with 5,000 nested parentheses: the recursive-descent parser went 5,000 levels deep.
 *
 * How the capture is made: the first four packets of a real recorded fixture (recorded.ts: SYN,
 * SYN-ACK, ACK, the client's first 100-byte data segment), then 100,000 more copies of that data
 * segment, one microsecond apart, in a classic pcap (build.ts), written to a temporary file and
 * run through main() as the CLI runs it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MAX_FILTER_DEPTH } from '../../src/cli/filter.js';
import { pcapHeader, pcapRecord } from '../capture/build.js';
import { recordedHandshake } from '../capture/recorded.js';
import { argv, fakeIO } from './io.js';

const COPIES = 100_000;

function duplicates(): string {
  const hs = recordedHandshake();
  const t0 = hs[0]!.tsSec;
  const rec = (i: number, bytes: number[]) => pcapRecord({ sec: t0 + Math.floor(i / 1e6), frac: i % 1e6, data: Uint8Array.from(bytes) });
  const parts = [pcapHeader({ linkType: hs[0]!.linkType })];
  hs.forEach((f, i) => parts.push(rec(i, f.bytes)));
  for (let i = 0; i < COPIES; i++) parts.push(rec(4 + i, hs[3]!.bytes));
  const size = parts.reduce((n, p) => n + p.length, 0);
  const file = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    file.set(p, at);
    at += p.length;
  }
  const p = path.join(mkdtempSync(path.join(tmpdir(), 'tcptrace-deep-')), 'duplicates.pcap');
  writeFileSync(p, file);
  return p;
}

async function run(...args: string[]) {
  const io = fakeIO();
  const code = await main(argv(...args), io);
  return { code, out: io.out(), err: io.err() };
}

describe('100,000 identical duplicate segments with --all', () => {
  const file = duplicates();
  const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;
  // The data segment's arrow: the recorded one and every copy of it.
  const DATA = /│── PSH\+ACK seq=1 ack=1 win=63 len=100 ─+►│/;

  it.each([[[] as string[]], [['--explain']]])('text %j: exit 0, every copy drawn and marked (duplicate frame or retransmission)', async (mode) => {
    // Unwrapped (--width 0): each arrow with its numbers on one line.
    const r = await run('--width', '0', '--all', ...mode, file);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain(`${(COPIES + 4).toLocaleString('en-US')} packets`);
    expect(count(r.out, DATA)).toBe(COPIES + 1);
    // The last copy's row, with its packet number: the ladder was drawn to the end.
    expect(r.out).toMatch(new RegExp(`^\\s+${COPIES + 4}\\s+0\\.\\d{6}\\s+│── PSH\\+ACK`, 'm'));
    // Same IP id, 1 µs apart: the same frame captured again (analysis.ts), not a retransmission,
    // as long as it is within 1 ms of the transmission it copies; each copy 1 ms or more after it is
    // a new transmission (a retransmission), which later copies then copy: one in a thousand here.
    const dups = count(r.out, /│\s+duplicate frame \(captured twice\)\s+│/);
    const rexmits = count(r.out, /│\s+retransmission\s+│/);
    expect([dups + rexmits, rexmits]).toEqual([COPIES, COPIES / 1000]);
  });

  it('--json: exit 0 and every segment in the record', async () => {
    const r = await run('--all', '--json', file);
    expect([r.code, r.err]).toEqual([0, '']);
    const doc = JSON.parse(r.out) as { connections: Array<{ packets: number; segments: unknown[] }> };
    expect(doc.connections.map((c) => [c.packets, c.segments.length])).toEqual([[COPIES + 4, COPIES + 4]]);
  });
});

describe('--filter nesting', () => {
  const fixture = path.resolve(import.meta.dirname, '../../fixtures/handshake-client-close.pcap');
  const nested = (n: number, inner: string) => '('.repeat(n) + inner + ')'.repeat(n);

  it(`5,000 nested parentheses: the one-line usage error, exit 2, nothing on stdout`, async () => {
    const r = await run('--filter', nested(5000, 'port 4700'), fixture);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `tcptrace: --filter: nested more than ${MAX_FILTER_DEPTH} deep at "(" (word ${MAX_FILTER_DEPTH + 1})\n`,
    });
  });

  it(`${MAX_FILTER_DEPTH} nested parentheses still work (one deeper does not)`, async () => {
    const hit = await run('--filter', nested(MAX_FILTER_DEPTH, 'port 4700'), fixture);
    expect([hit.code, hit.err]).toEqual([0, '']);
    expect(hit.out).toContain('#0  198.18.0.1:41001 ⇄ 198.18.0.2:4700');
    const miss = await run('--filter', nested(MAX_FILTER_DEPTH, 'port 4701'), fixture);
    expect([miss.code, miss.err]).toEqual([0, '']);
    expect(miss.out).toContain('no TCP connections');
    expect((await run('--filter', nested(MAX_FILTER_DEPTH + 1, 'port 4700'), fixture)).code).toBe(2);
  });

  it('100,000 "not"s in a row are counted, not nested: exit 0, and the parity decides', async () => {
    const even = await run('--filter', `${'not '.repeat(100_000)}port 4700`, fixture);
    expect([even.code, even.err]).toEqual([0, '']);
    expect(even.out).toContain('#0  198.18.0.1:41001');
    const odd = await run('--filter', `${'! '.repeat(100_001)}port 4700`, fixture);
    expect([odd.code, odd.err]).toEqual([0, '']);
    expect(odd.out).toContain('no TCP connections');
  });
});
