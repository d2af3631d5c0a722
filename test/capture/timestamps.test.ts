/**
 * Capture times out of range (issue 10, "never crash on hostile input"): a pcapng timestamp is a
 * 64-bit count of units plus a signed 64-bit if_tsoffset, so a file can say 2^64 seconds, far
 * past what a JavaScript Date holds; text output and --explain died on it ("Invalid time value",
 * exit 70). The reader now takes such a time as the last one in range and says so in one warning.
 *
 * How the hostile files are made: the packets are the first four of a real recorded fixture
 * (recorded.ts: SYN, SYN-ACK, ACK, 100 bytes of data); build.ts wraps them in a pcapng whose
 * IDB options and EPB timestamp fields the test chooses, or a classic pcap whose ts_sec and
 * fraction fields it chooses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TS_SEC } from '../../src/capture/timestamp.js';
import { main } from '../../src/cli/main.js';
import { argv, fakeIO } from '../cli/io.js';
import { concat, epb, idb, parse, pcapFile, shb, type FrameData, type IdbSpec, type ParseResult } from './build.js';
import { recordedHandshake } from './recorded.js';

const HS = recordedHandshake();
const LINK = HS[0]!.linkType;
const bytesOf = (f: FrameData) => Uint8Array.from(f.bytes);

/** 2023-11-14T22:13:20Z, a time in range. */
const T0 = 1_700_000_000;

/** A little-endian pcapng: one interface (`spec`), the four recorded packets at `stamps` (in its units). */
function pcapng(spec: Omit<IdbSpec, 'linkType'>, stamps: bigint[]): { file: Uint8Array; offsets: number[] } {
  const head = [shb(true), idb(true, { linkType: LINK, ...spec })];
  const blocks = HS.map((f, i) => epb(true, 0, stamps[i]!, bytesOf(f)));
  // Where each EPB starts, for the offsets the warning names.
  let at = head.reduce((n, b) => n + b.length, 0);
  const offsets = blocks.map((b) => ((at += b.length), at - b.length));
  return { file: concat(...head, ...blocks), offsets };
}

function ok(r: ParseResult): Extract<ParseResult, { error?: undefined }> {
  if (r.error !== undefined) throw new Error(r.error);
  return r;
}

const TOO_LATE = (0xffffffffn << 32n) | 7n; // the EPB's high word 0xffffffff: year 584,554 in µs
const MAX_U64 = 2n ** 64n - 1n;

interface Case {
  name: string;
  spec: Omit<IdbSpec, 'linkType'>;
  stamps: bigint[];
  /** Warning text, given the offsets of the four EPBs. */
  warning: (off: number[]) => string;
  /** What every packet's time is taken as, and so where the connection starts. */
  start: number;
  iso: string;
}

const MORE = (n: number) => `; so were ${n} more packets, each taken as the last time in range before it`;

/** The hostile files of issue 10's row, each with the one warning it must give. */
const CASES: Case[] = [
  {
    name: 'EPB timestamp high word 0xffffffff (after a good first packet)',
    spec: {},
    stamps: [BigInt(T0) * 1_000_000n, TOO_LATE, TOO_LATE, TOO_LATE],
    warning: (off) =>
      `packet 2 at offset ${off[1]}: timestamp out of range (18446744069414584327 units of 10^-6 s = 18446744069414 s since 1970, ` +
      `after the year 9999), taken as packet 1's time, 2023-11-14T22:13:20.000000000Z` +
      MORE(2),
    start: T0,
    iso: '2023-11-14T22:13:20.000000Z',
  },
  {
    name: 'if_tsoffset +2^62',
    spec: { tsoffset: 2n ** 62n },
    stamps: [1n, 2n, 3n, 4n],
    warning: (off) =>
      `packet 1 at offset ${off[0]}: timestamp out of range (1 units of 10^-6 s + if_tsoffset 4611686018427387904 s = 4611686018427387904 s since 1970, ` +
      `after the year 9999), taken as 1970-01-01T00:00:00.000000000Z (no earlier time in range)` +
      MORE(3),
    start: 0,
    iso: '1970-01-01T00:00:00.000000Z',
  },
  {
    name: 'if_tsoffset -2^62',
    spec: { tsoffset: -(2n ** 62n) },
    stamps: [1n, 2n, 3n, 4n],
    warning: (off) =>
      `packet 1 at offset ${off[0]}: timestamp out of range (1 units of 10^-6 s - if_tsoffset 4611686018427387904 s = -4611686018427387904 s since 1970, ` +
      `before 1970), taken as 1970-01-01T00:00:00.000000000Z (no earlier time in range)` +
      MORE(3),
    start: 0,
    iso: '1970-01-01T00:00:00.000000Z',
  },
  {
    name: 'if_tsresol 0 (one-second units) and timestamp 2^64-1 (after a good first packet)',
    spec: { tsresol: 0 },
    stamps: [BigInt(T0), MAX_U64, MAX_U64, MAX_U64],
    warning: (off) =>
      `packet 2 at offset ${off[1]}: timestamp out of range (18446744073709551615 units of 1 s = 18446744073709551615 s since 1970, ` +
      `after the year 9999), taken as packet 1's time, 2023-11-14T22:13:20.000000000Z` +
      MORE(2),
    start: T0,
    iso: '2023-11-14T22:13:20.000000Z',
  },
];

describe('the pcapng reader: a time out of range is taken as the last one in range, with one warning', () => {
  it.each(CASES)('$name', (c) => {
    const { file, offsets } = pcapng(c.spec, c.stamps);
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => [f.index, f.tsSec, f.tsNsec])).toEqual([1, 2, 3, 4].map((i) => [i, c.start, 0]));
    expect(stats.warnings).toEqual([{ offset: offsets[c.warning(offsets).startsWith('packet 1 ') ? 0 : 1], message: c.warning(offsets) }]);
    // One-byte chunks send every block through the straddling path (packet(), not the fast
    // loop): the same frames and the same warning.
    const bytewise = ok(
      parse(
        file,
        Array.from({ length: file.length }, (_, i) => i),
      ),
    );
    expect(bytewise.frames).toEqual(frames);
    expect(bytewise.stats.warnings).toEqual(stats.warnings);
  });

  it('a bad time between good ones takes the previous good time; the next good one is kept', () => {
    const us = BigInt(T0) * 1_000_000n;
    const { file, offsets } = pcapng({}, [us + 1n, us + 2n, TOO_LATE, us + 4n]);
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([
      [T0, 1000],
      [T0, 2000],
      [T0, 2000],
      [T0, 4000],
    ]);
    expect(stats.warnings.map((w) => w.message)).toEqual([
      `packet 3 at offset ${offsets[2]}: timestamp out of range (18446744069414584327 units of 10^-6 s = 18446744069414 s since 1970, ` +
        `after the year 9999), taken as packet 2's time, 2023-11-14T22:13:20.000002000Z`,
    ]);
  });

  it('the range is 1970-01-01T00:00:00Z to the end of 9999-12-31T23:59:59Z, both ends included', () => {
    // One-second units: the timestamp is the second itself.
    const times = (spec: Omit<IdbSpec, 'linkType'>, s: bigint[]) => {
      const { frames, stats } = ok(parse(pcapng(spec, s).file));
      return { secs: frames.map((f) => f.tsSec), warned: stats.warnings.length };
    };
    expect(MAX_TS_SEC).toBe(Date.UTC(9999, 11, 31, 23, 59, 59) / 1000);
    expect(times({ tsresol: 0 }, [0n, 1n, BigInt(MAX_TS_SEC), BigInt(MAX_TS_SEC)])).toEqual({ secs: [0, 1, MAX_TS_SEC, MAX_TS_SEC], warned: 0 });
    expect(times({ tsresol: 0 }, [5n, BigInt(MAX_TS_SEC) + 1n, 6n, 7n])).toEqual({ secs: [5, 5, 6, 7], warned: 1 });
    // An offset of -1 s: unit 1 is second 0, unit 0 is a second before 1970.
    expect(times({ tsresol: 0, tsoffset: -1n }, [1n, 0n, 2n, 3n])).toEqual({ secs: [0, 0, 1, 2], warned: 1 });
    // Microseconds up to the last one of 9999 (in nanoseconds 9999 would not fit 64 bits).
    const lastUs = BigInt(MAX_TS_SEC) * 1_000_000n + 999_999n;
    const { frames, stats } = ok(parse(pcapng({}, [lastUs, lastUs, lastUs + 1n, lastUs]).file));
    expect(frames.map((f) => [f.tsSec, f.tsNsec])).toEqual(Array(4).fill([MAX_TS_SEC, 999_999_000]));
    expect(stats.warnings.length).toBe(1);
  });

  it('100,000 packets out of range give one warning line with the count', () => {
    // The recorded ACK in an EPB at 2^62 s (if_tsoffset), copied 100,000 times; read in 64 KiB
    // chunks, so blocks straddle chunk ends too.
    const head = concat(shb(true), idb(true, { linkType: LINK, tsoffset: 2n ** 62n }));
    const one = epb(true, 0, 1n, bytesOf(HS[2]!));
    const n = 100_000;
    const file = new Uint8Array(head.length + n * one.length);
    file.set(head);
    for (let i = 0; i < n; i++) file.set(one, head.length + i * one.length);
    const cuts = Array.from({ length: Math.floor(file.length / 65536) }, (_, i) => (i + 1) * 65536);
    const { frames, stats } = ok(parse(file, cuts));
    expect(frames.length).toBe(n);
    expect(frames.every((f) => f.tsSec === 0 && f.tsNsec === 0)).toBe(true);
    expect(stats.warnings.length).toBe(1);
    expect(stats.warnings[0]!.message).toMatch(/^packet 1 at offset \d+: timestamp out of range \(.*\); so were 99999 more packets, each taken/);
  });

  it('the one warning is kept even after 100 others filled the list', () => {
    // 150 EPBs for an interface that does not exist (each a warning; 100 are kept), then the
    // four recorded packets at an if_tsoffset of 2^62.
    const stray = epb(true, 5, 1n, bytesOf(HS[0]!));
    const file = concat(
      shb(true),
      idb(true, { linkType: LINK, tsoffset: 2n ** 62n }),
      ...Array<Uint8Array>(150).fill(stray),
      ...HS.map((f) => epb(true, 0, 1n, bytesOf(f))),
    );
    const { stats } = ok(parse(file));
    const messages = stats.warnings.map((w) => w.message);
    expect(messages.length).toBe(102);
    expect(messages.filter((m) => m.includes('interface 5 is not defined')).length).toBe(100);
    expect(messages[100]).toMatch(/^packet 1 at offset \d+: timestamp out of range .*; so were 3 more packets/);
    expect(messages[101]).toBe('50 more warnings not shown');
  });
});

describe('classic pcap: the most extreme ts_sec and fraction stay in range', () => {
  it('ts_sec 0xffffffff and a fraction of 0xffffffff µs or ns: carried, exact, no warning', () => {
    const data = bytesOf(HS[0]!);
    const us = ok(parse(pcapFile({}, [{ sec: 0xffffffff, frac: 0xffffffff, data }])));
    // 4294967295 µs = 4294 s + 967295 µs.
    expect([us.frames[0]!.tsSec, us.frames[0]!.tsNsec]).toEqual([0xffffffff + 4294, 967_295_000]);
    expect(us.stats.warnings).toEqual([]);
    const ns = ok(parse(pcapFile({ variant: 'ns', le: false }, [{ sec: 0xffffffff, frac: 0xffffffff, data }])));
    expect([ns.frames[0]!.tsSec, ns.frames[0]!.tsNsec]).toEqual([0xffffffff + 4, 294_967_295]);
    expect(ns.stats.warnings).toEqual([]);
    expect(0xffffffff + 4294).toBeLessThan(MAX_TS_SEC);
  });
});

describe('the CLI on these files: exit 0 in every mode, the warning on stderr and in the output', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcptrace-ts-'));
  const run = async (file: string, ...args: string[]) => {
    const io = fakeIO();
    const code = await main(argv(...args, file), io);
    return { code, out: io.out(), err: io.err() };
  };

  it.each(CASES)('$name', async (c) => {
    const { file, offsets } = pcapng(c.spec, c.stamps);
    const p = path.join(dir, `${c.name.replace(/\W+/g, '-')}.pcapng`);
    writeFileSync(p, file);
    const line = `tcptrace: ${p}: ${c.warning(offsets)}\n`;

    // Unwrapped (--width 0), so the warning reads in one line.
    for (const mode of [
      ['--width', '0'],
      ['--width', '0', '--explain'],
    ]) {
      const r = await run(p, ...mode);
      expect({ mode, code: r.code, err: r.err }).toEqual({ mode, code: 0, err: line });
      expect(r.out).toContain(`started ${c.iso}`);
      expect(r.out).toContain(`warnings         ${c.warning(offsets)}`);
      expect(r.out).not.toContain('Invalid');
    }

    const j = await run(p, '--json');
    expect([j.code, j.err]).toEqual([0, line]);
    const doc = JSON.parse(j.out) as { input: { warnings: string[] }; connections: Array<{ start: number; packets: number }> };
    expect(doc.input.warnings).toEqual([c.warning(offsets)]);
    expect(doc.connections.map((x) => [x.start, x.packets])).toEqual([[c.start, 4]]);
  });

  it('classic pcap with ts_sec 0xffffffff and fraction 0xffffffff: year 2106, in text, --explain and --json', async () => {
    const p = path.join(dir, 'extreme.pcap');
    writeFileSync(
      p,
      pcapFile(
        {},
        HS.map((f) => ({ sec: 0xffffffff, frac: 0xffffffff, data: bytesOf(f) })),
      ),
    );
    // Unwrapped (--width 0), so the warning reads in one line.
    for (const mode of [
      ['--width', '0'],
      ['--width', '0', '--explain'],
    ]) {
      const r = await run(p, ...mode);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toContain('started 2106-02-07T07:39:49.967295Z');
    }
    const j = await run(p, '--json');
    expect([j.code, j.err]).toEqual([0, '']);
    expect((JSON.parse(j.out) as { connections: Array<{ start: number }> }).connections[0]!.start).toBe(4294971589.967295);
  });
});
