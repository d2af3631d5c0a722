/**
 * Capture times that go backwards (issue 11, item 6): capture order is not time order in a
 * merged capture or across a clock step. The times stay as captured (they are in range, unlike
 * timestamps.test.ts's), but the reader counts the packets whose time is earlier than the packet
 * before them and says so in ONE warning per input: the first such packet, its offset, how far
 * back it went, and the count of all of them.
 *
 * The packets are the first four of a real recorded fixture (recorded.ts: SYN, SYN-ACK, ACK, 100
 * bytes of data); build.ts wraps them in a classic pcap or a pcapng whose times the test chooses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatGap } from '../../src/capture/parser.js';
import { main } from '../../src/cli/main.js';
import { argv, fakeIO } from '../cli/io.js';
import { concat, epb, idb, parse, pcapFile, shb, type FrameData, type ParseResult, type PcapRecordSpec } from './build.js';
import { recordedHandshake } from './recorded.js';

const HS = recordedHandshake();
const LINK = HS[0]!.linkType;
const bytesOf = (f: FrameData) => Uint8Array.from(f.bytes);

/** 2023-11-14T22:13:20Z. */
const T0 = 1_700_000_000;

function ok(r: ParseResult): Extract<ParseResult, { error?: undefined }> {
  if (r.error !== undefined) throw new Error(r.error);
  return r;
}

/** A classic µs pcap of the packets at `times` ([sec, µs]), packet i being HS[i % 4]; and each record's offset. */
function pcap(times: [number, number][]): { file: Uint8Array; offsets: number[] } {
  const records: PcapRecordSpec[] = times.map(([sec, frac], i) => ({ sec, frac, data: bytesOf(HS[i % 4]!) }));
  const offsets: number[] = [];
  let at = 24;
  for (const r of records) {
    offsets.push(at);
    at += 16 + r.data.length;
  }
  return { file: pcapFile({ linkType: LINK }, records), offsets };
}

/** A little-endian pcapng (µs) of the packets at `stamps`; and each EPB's offset. */
function pcapng(stamps: bigint[]): { file: Uint8Array; offsets: number[] } {
  const head = [shb(true), idb(true, { linkType: LINK })];
  const blocks = stamps.map((s, i) => epb(true, 0, s, bytesOf(HS[i % 4]!)));
  let at = head.reduce((n, b) => n + b.length, 0);
  const offsets = blocks.map((b) => ((at += b.length), at - b.length));
  return { file: concat(...head, ...blocks), offsets };
}

const TAIL = (n: number) =>
  n === 1
    ? '; it is the only packet that went back in time: times are used as captured, and durations within a connection are not measured across it (its clock does not go back)'
    : `; ${n} packets in all went back in time: times are used as captured, and durations within a connection are not measured across one (its clock does not go back)`;

/** SYN at T0, SYN-ACK at T0+1, ACK 3.2 s before it, data at T0+2: one packet back. */
const ONE_BACK: [number, number][] = [
  [T0, 0],
  [T0 + 1, 0],
  [T0 - 3, 800_000],
  [T0 + 2, 0],
];

describe('times going backwards: one warning per input, with the count', () => {
  it('classic pcap: names the first packet, its offset and how far back; times stay as captured', () => {
    const { file, offsets } = pcap(ONE_BACK);
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([
      [T0, 0],
      [T0 + 1, 0],
      [T0 - 3, 800_000_000],
      [T0 + 2, 0],
    ]);
    expect(stats.warnings).toEqual([
      { offset: offsets[2], message: `packet 3 at offset ${offsets[2]}: timestamp goes back 3.2 s before packet 2's` + TAIL(1) },
    ]);
  });

  it('pcapng, fed one byte at a time too: the same one warning, the count of all packets that went back', () => {
    // 1: T0, 2: T0+5 s, 3: T0+1 µs (back 4.999999 s), 4: T0+2 s, 5: T0 (back 2 s), 6: T0 (equal: not back)
    const us = (s: number) => BigInt(s) * 1_000_000n;
    const stamps = [us(T0), us(T0 + 5), us(T0) + 1n, us(T0 + 2), us(T0), us(T0)];
    const { file, offsets } = pcapng(stamps);
    const expected = [{ offset: offsets[2], message: `packet 3 at offset ${offsets[2]}: timestamp goes back 4.999999 s before packet 2's` + TAIL(2) }];
    expect(ok(parse(file, [], 'x.pcapng')).stats.warnings).toEqual(expected);
    const bytewise = ok(
      parse(
        file,
        Array.from({ length: file.length }, (_, i) => i),
        'x.pcapng',
      ),
    );
    expect(bytewise.stats.warnings).toEqual(expected);
    expect(bytewise.frames.map((f) => f.tsSec)).toEqual([T0, T0 + 5, T0, T0 + 2, T0, T0]);
  });

  it('times in order (equal ones included) give no warning', () => {
    const { file } = pcap([
      [T0, 0],
      [T0, 0],
      [T0, 1],
      [T0 + 1, 0],
    ]);
    expect(ok(parse(file)).stats.warnings).toEqual([]);
  });

  it('stays one line for many thousands of such packets, past the cap on warnings', () => {
    // 20,000 packets alternating T0+1, T0: every second one goes back 1 s.
    const n = 20_000;
    const { file, offsets } = pcap(Array.from({ length: n }, (_, i) => [i % 2 === 0 ? T0 + 1 : T0, 0] as [number, number]));
    const { frames, stats } = ok(parse(file, [65536, 131072, 500_000]));
    expect(frames.length).toBe(n);
    expect(stats.warnings).toEqual([
      { offset: offsets[1], message: `packet 2 at offset ${offsets[1]}: timestamp goes back 1 s before packet 1's` + TAIL(n / 2) },
    ]);
  });

  it('says how far back exactly, with days or years when long', () => {
    expect(formatGap(3, 200_000_000)).toBe('3.2 s');
    expect(formatGap(4, -1)).toBe('3.999999999 s');
    expect(formatGap(0, 1000)).toBe('0.000001 s');
    expect(formatGap(3 * 86400, 0)).toBe('259200 s (about 3 days)');
    expect(formatGap(65_758_474_681, 900_000_000)).toBe('65758474681.9 s (about 2,084 years)');
  });
});

describe('through the CLI: exit 0, the one warning on stderr', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcptrace-back-'));
  const run = async (file: string, ...args: string[]) => {
    const io = fakeIO();
    const code = await main(argv(...args, file), io);
    return { code, out: io.out(), err: io.err() };
  };

  it.each([
    { name: 'pcap', ext: 'pcap', make: () => pcap(ONE_BACK) },
    {
      name: 'pcapng, times far apart (a clock stepped back years)',
      ext: 'pcapng',
      make: () => pcapng([BigInt(T0) * 1_000_000n, 4_000_000_000n * 1_000_000n, BigInt(T0 + 1) * 1_000_000n, BigInt(T0 + 2) * 1_000_000n]),
    },
  ])('$name', async (c) => {
    const { file, offsets } = c.make();
    const p = path.join(dir, `back.${c.ext}`);
    writeFileSync(p, file);
    for (const mode of [[], ['--explain'], ['--json']]) {
      const r = await run(p, ...mode);
      expect(r.code).toBe(0);
      const lines = r.err.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^tcptrace: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: packet 3 at offset ${offsets[2]}: timestamp goes back .* before packet 2's; it is the only packet that went back in time`,
        ),
      );
      expect(r.out).not.toBe('');
    }
  });
});
