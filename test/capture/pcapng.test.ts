import { describe, expect, it } from 'vitest';
import { block, concat, epb, idb, otherBlock, parse, payload, pb, shb, spb, Writer } from './build.js';
import type { ParseResult } from './build.js';

function ok(r: ParseResult) {
  if (r.error !== undefined) throw new Error(`unexpected error: ${r.error}`);
  return r;
}

const A = payload(60, 1);
const B = payload(1514, 5);
const C = payload(42, 9);

describe('pcapng sections and interfaces', () => {
  it.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('reads a %s section with µs timestamps (the default if_tsresol)', (_n, le) => {
    const file = concat(shb(le), idb(le, { linkType: 1, snapLen: 262144 }), epb(le, 0, 1_700_000_000_123_456n, A), epb(le, 0, 1_700_000_001_000_000n, B, 9000));
    const { frames, stats } = ok(parse(file, [], 'x.pcapng'));
    expect(stats).toEqual({ format: 'pcapng', linkTypes: [1], packets: 2, bytes: file.length, warnings: [] });
    expect(frames).toEqual([
      { index: 1, tsSec: 1_700_000_000, tsNsec: 123_456_000, linkType: 1, iface: 0, capLen: 60, wireLen: 60, bytes: Array.from(A) },
      { index: 2, tsSec: 1_700_000_001, tsNsec: 0, linkType: 1, iface: 0, capLen: 1514, wireLen: 9000, bytes: Array.from(B) },
    ]);
  });

  it('gives each frame the link type of its own interface', () => {
    const le = true;
    const file = concat(
      shb(le),
      idb(le, { linkType: 1 }),
      idb(le, { linkType: 113 }),
      idb(le, { linkType: 276 }),
      epb(le, 1, 1n, A),
      epb(le, 0, 2n, B),
      epb(le, 2, 3n, C),
      epb(le, 1, 4n, C),
    );
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => [f.iface, f.linkType, f.capLen])).toEqual([
      [1, 113, 60],
      [0, 1, 1514],
      [2, 276, 42],
      [1, 113, 42],
    ]);
    expect(stats.linkTypes).toEqual([1, 113, 276]);
  });

  it("starts each new section with no interfaces, in that section's byte order", () => {
    const file = concat(
      shb(true),
      idb(true, { linkType: 1 }),
      idb(true, { linkType: 113 }),
      epb(true, 1, 10n, A),
      shb(false),
      idb(false, { linkType: 101, tsresol: 9 }),
      epb(false, 0, 20n, B),
      epb(false, 1, 30n, C), // interface 1 existed only in the first section
      shb(true),
      idb(true, { linkType: 1 }),
      epb(true, 0, 40n, C),
    );
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => [f.index, f.iface, f.linkType, f.tsNsec])).toEqual([
      [1, 1, 113, 10_000],
      [2, 0, 101, 20],
      [3, 0, 1, 40_000],
    ]);
    expect(stats.linkTypes).toEqual([1, 113, 101]);
    // Packet 2 (20 ns) is earlier than packet 1 (10 µs): the sections' times go back, and say so.
    expect(stats.warnings).toHaveLength(2);
    expect(stats.warnings[0]!.message).toMatch(/^packet 2 at offset \d+: timestamp goes back 0\.00000998 s before packet 1's; it is the only packet/);
    expect(stats.warnings[1]!.message).toMatch(/^enhanced packet block at offset \d+: interface 1 is not defined \(1 in this section\); block skipped$/);
  });

  it('reads an empty section (header and interface, no packets)', () => {
    const { frames, stats } = ok(parse(concat(shb(true), idb(true, { linkType: 1 }))));
    expect(frames).toEqual([]);
    expect(stats).toMatchObject({ packets: 0, linkTypes: [1], warnings: [] });
  });
});

describe('pcapng timestamps', () => {
  const one = (le: boolean, spec: { tsresol?: number; tsoffset?: bigint }, ts: bigint) => {
    const { frames } = ok(parse(concat(shb(le), idb(le, { linkType: 1, ...spec }), epb(le, 0, ts, A))));
    return [frames[0]!.tsSec, frames[0]!.tsNsec];
  };

  it('if_tsresol 10^-9: exact nanoseconds, beyond what a double holds', () => {
    // 1_700_000_000_123_456_789 > 2^53: a plain double would round the last digits.
    expect(one(true, { tsresol: 9 }, 1_700_000_000_123_456_789n)).toEqual([1_700_000_000, 123_456_789]);
    expect(one(false, { tsresol: 9 }, 4_102_444_800_999_999_999n)).toEqual([4_102_444_800, 999_999_999]);
  });

  it('if_tsresol 2^-10 (the high bit selects a power of two)', () => {
    expect(one(true, { tsresol: 0x8a }, 1_700_000_000n * 1024n + 512n)).toEqual([1_700_000_000, 500_000_000]);
    // 513/1024 s = 0.5009765625 s: nanoseconds are truncated, as Wireshark does.
    expect(one(false, { tsresol: 0x8a }, 1_700_000_000n * 1024n + 513n)).toEqual([1_700_000_000, 500_976_562]);
  });

  it('if_tsresol 10^-3 and 10^-12', () => {
    expect(one(true, { tsresol: 3 }, 1_700_000_000_123n)).toEqual([1_700_000_000, 123_000_000]);
    expect(one(true, { tsresol: 12 }, 1_700_000_000_123_456_789_012n & 0xffffffffffffffffn)).toEqual(
      (() => {
        const u = 1_700_000_000_123_456_789_012n & 0xffffffffffffffffn;
        return [Number(u / 10n ** 12n), Number(((u % 10n ** 12n) * 10n ** 9n) / 10n ** 12n)];
      })(),
    );
  });

  it('if_tsoffset adds whole seconds, either sign', () => {
    expect(one(true, { tsoffset: 100n }, 5_000_001n)).toEqual([105, 1000]);
    expect(one(false, { tsoffset: -3n, tsresol: 9 }, 10_000_000_007n)).toEqual([7, 7]);
  });

  it('warns about a resolution it cannot represent and assumes microseconds', () => {
    const { frames, stats } = ok(parse(concat(shb(true), idb(true, { linkType: 1, tsresol: 30 }), epb(true, 0, 2_000_001n, A))));
    expect([frames[0]!.tsSec, frames[0]!.tsNsec]).toEqual([2, 1000]);
    expect(stats.warnings[0]!.message).toMatch(/if_tsresol 30 is not supported; microseconds assumed/);
  });
});

describe('pcapng packet blocks', () => {
  it('Simple Packet Block: interface 0, captured length = min(original length, snaplen, block body)', () => {
    const le = false;
    const file = concat(
      shb(le),
      idb(le, { linkType: 101, snapLen: 64 }),
      spb(le, payload(100), 100), // cut by the snaplen: 64
      spb(le, payload(30), 30), // padded to 32 in the block: 30
      spb(le, payload(40), 1000), // body shorter than the original length: 40
    );
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => [f.iface, f.linkType, f.capLen, f.wireLen, f.tsSec, f.tsNsec])).toEqual([
      [0, 101, 64, 100, 0, 0],
      [0, 101, 30, 30, 0, 0],
      [0, 101, 40, 1000, 0, 0],
    ]);
    expect(frames[0]!.bytes).toEqual(Array.from(payload(64)));
    expect(stats.warnings).toEqual([]);
  });

  it('the obsolete Packet Block', () => {
    const le = true;
    const file = concat(shb(le), idb(le, { linkType: 9 }), idb(le, { linkType: 1 }), pb(le, 1, 3_000_004n, B, 2000));
    const { frames } = ok(parse(file));
    expect(frames).toEqual([{ index: 1, tsSec: 3, tsNsec: 4000, linkType: 1, iface: 1, capLen: 1514, wireLen: 2000, bytes: Array.from(B) }]);
  });

  it('skips name resolution, statistics, secrets, custom and unknown blocks', () => {
    const le = true;
    const file = concat(
      shb(le),
      otherBlock(le, 4, 20), // NRB
      idb(le, { linkType: 1 }),
      epb(le, 0, 1n, A),
      otherBlock(le, 5, 28), // ISB
      otherBlock(le, 10, 3000), // DSB
      otherBlock(le, 0xbad, 16), // custom, copiable
      otherBlock(le, 0x40000bad, 16), // custom, not copiable
      otherBlock(le, 0x80001234, 8), // local use
      otherBlock(le, 0x4242, 0), // unknown, empty body
      epb(le, 0, 2n, C),
    );
    const { frames, stats } = ok(parse(file));
    expect(frames.map((f) => f.tsNsec)).toEqual([1000, 2000]);
    expect(stats.warnings).toEqual([]);
    // Fed a few bytes at a time, the 3 kB block straddles many chunks and is skipped unbuffered.
    const cuts = Array.from({ length: Math.floor(file.length / 7) }, (_, i) => (i + 1) * 7);
    expect(ok(parse(file, cuts)).frames).toEqual(frames);
  });
});

describe('pcapng errors', () => {
  const good = concat(shb(true), idb(true, { linkType: 1 }), epb(true, 0, 1n, A));

  it('rejects a first section header with a bad byte-order magic', () => {
    const bad = shb(true);
    bad.set([1, 2, 3, 4], 8);
    expect(parse(bad, [], 'y.pcapng').error).toBe('y.pcapng: offset 0: section header block: bad byte-order magic 0x01020304');
  });

  it('rejects an unsupported pcapng version', () => {
    expect(parse(shb(true, 2, 0), [], 'y.pcapng').error).toBe('y.pcapng: offset 0: section header block: unsupported pcapng version 2.0');
  });

  it('rejects a file cut inside its first section header', () => {
    expect(parse(shb(true).subarray(0, 20), [], 'y.pcapng').error).toBe('y.pcapng: offset 0: file ends inside the pcapng section header block (20 bytes)');
  });

  it('stops at an impossible block length, keeping what came before', () => {
    const bad = new Writer(true).u32(6).u32(13).u32(0).build();
    const { frames, stats } = ok(parse(concat(good, bad, epb(true, 0, 2n, A))));
    expect(frames).toHaveLength(1);
    expect(stats.warnings).toEqual([{ offset: good.length, message: `block at offset ${good.length}: impossible block length 13; reading stopped` }]);
    expect(stats.bytes).toBe(good.length);
  });

  it('stops at a packet block longer than any frame may be', () => {
    const bad = new Writer(true)
      .u32(6)
      .u32(64 * 1024 * 1024)
      .u32(0)
      .build();
    const { frames, stats } = ok(parse(concat(good, bad)));
    expect(frames).toHaveLength(1);
    expect(stats.warnings[0]!.message).toBe(`block at offset ${good.length}: block length 67108864 exceeds the limit of 1114112 bytes; reading stopped`);
  });

  it('stops when the trailing length differs from the leading one', () => {
    const bad = epb(true, 0, 2n, C);
    bad[bad.length - 4] ^= 0x40;
    const { frames, stats } = ok(parse(concat(good, bad, epb(true, 0, 3n, A))));
    expect(frames).toHaveLength(1);
    expect(stats.warnings[0]!.message).toBe(
      `block at offset ${good.length}: trailing length ${bad.length ^ 0x40} differs from leading length ${bad.length}; reading stopped`,
    );
  });

  it('stops at a later section header with a bad byte-order magic', () => {
    const bad = shb(true);
    bad.set([0, 0, 0, 0], 8);
    const { frames, stats } = ok(parse(concat(good, bad)));
    expect(frames).toHaveLength(1);
    expect(stats.warnings[0]).toEqual({
      offset: good.length,
      message: `section header block at offset ${good.length}: bad byte-order magic 0x00000000; reading stopped`,
    });
  });

  it('skips a packet whose captured length overruns its block, and goes on', () => {
    const bad = epb(true, 0, 2n, C, 42, 500);
    const { frames, stats } = ok(parse(concat(good, bad, epb(true, 0, 3n, A))));
    expect(frames.map((f) => f.tsNsec)).toEqual([1000, 3000]);
    expect(frames.map((f) => f.index)).toEqual([1, 2]);
    expect(stats.warnings).toEqual([
      {
        offset: good.length,
        message: `enhanced packet block at offset ${good.length}: captured length 500 exceeds the block's ${bad.length - 32} data bytes; block skipped`,
      },
    ]);
  });

  it('skips packets that come before any interface is described', () => {
    const { frames, stats } = ok(parse(concat(shb(true), epb(true, 0, 1n, A), spb(true, A), idb(true, { linkType: 1 }), epb(true, 0, 2n, A))));
    expect(frames).toHaveLength(1);
    expect(stats.warnings.map((w) => w.message)).toEqual([
      'enhanced packet block at offset 28: interface 0 is not defined (0 in this section); block skipped',
      `simple packet block at offset ${28 + epb(true, 0, 1n, A).length}: no interface is defined in this section; block skipped`,
    ]);
  });

  it('warns when the file ends mid-block, keeping the blocks before it', () => {
    const last = epb(true, 0, 2n, B);
    const file = concat(good, last);
    const { frames, stats } = ok(parse(file.subarray(0, file.length - 10)));
    expect(frames).toHaveLength(1);
    expect(stats.warnings).toEqual([
      { offset: good.length, message: `file ends mid-record at offset ${good.length} (${last.length - 10} of ${last.length} bytes)` },
    ]);
  });

  it('warns when the file ends inside a block that is being skipped unread', () => {
    const dsb = otherBlock(true, 10, 4000);
    const file = concat(good, dsb).subarray(0, good.length + 1000);
    const cuts = [good.length + 100, good.length + 500]; // the block straddles: skip mode
    const { frames, stats } = ok(parse(file, cuts));
    expect(frames).toHaveLength(1);
    expect(stats.warnings).toEqual([{ offset: good.length, message: `file ends mid-record at offset ${good.length} (1000 of ${dsb.length} bytes)` }]);
  });

  it('checks the trailing length of a block skipped unread, whatever the chunking', () => {
    const dsb = otherBlock(true, 10, 4000);
    dsb[dsb.length - 1] = 0x77;
    const file = concat(good, dsb, epb(true, 0, 2n, A));
    const message = `block at offset ${good.length}: trailing length ${0x77000000 + dsb.length} differs from leading length ${dsb.length}; reading stopped`;
    for (const cuts of [[], [good.length + 100], [good.length + 100, good.length + dsb.length - 2], [good.length + 5]]) {
      const { frames, stats } = ok(parse(file, cuts));
      expect(frames).toHaveLength(1);
      expect(stats.warnings).toEqual([{ offset: good.length, message }]);
      expect(stats.bytes).toBe(good.length);
    }
  });

  it('ignores interface options that overrun their block, with a warning', () => {
    // if_tsresol claims 200 bytes in a 24-byte IDB: the option is ignored, the IDB kept.
    const body = new Writer(true).u16(1).u16(0).u32(0).u16(9).u16(200).u32(6).build();
    const { frames, stats } = ok(parse(concat(shb(true), block(true, 1, body), epb(true, 0, 7_000_000n, A))));
    expect([frames[0]!.tsSec, frames[0]!.tsNsec]).toEqual([7, 0]);
    expect(stats.warnings[0]!.message).toMatch(/option 9 overruns the block; later options ignored$/);
  });
});
