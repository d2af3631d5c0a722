import { describe, expect, it } from 'vitest';
import { createParser } from '../../src/capture/detect.js';
import type { Frame } from '../../src/capture/frame.js';
import { concat, parse, payload, pcapFile, pcapHeader, pcapRecord, Writer } from './build.js';
import type { ParseResult, PcapHeaderSpec } from './build.js';

function ok(r: ParseResult) {
  if (r.error !== undefined) throw new Error(`unexpected error: ${r.error}`);
  return r;
}

const A = payload(60, 1);
const B = payload(1514, 5);

describe('classic pcap headers', () => {
  it.each([
    ['µs little-endian', { le: true }, 'pcap', 1000],
    ['µs big-endian', { le: false }, 'pcap', 1000],
    ['ns little-endian', { le: true, variant: 'ns' }, 'pcap-ns', 1],
    ['ns big-endian', { le: false, variant: 'ns' }, 'pcap-ns', 1],
  ] as Array<[string, PcapHeaderSpec, string, number]>)('%s', (_name, h, format, nsPerFrac) => {
    const file = pcapFile(h, [
      { sec: 1_700_000_000, frac: 123_456, data: A },
      { sec: 4_000_000_000, frac: 999_999, data: B, wire: 9000 },
    ]);
    const { frames, stats } = ok(parse(file));
    expect(stats).toEqual({ format, linkTypes: [1], packets: 2, bytes: file.length, warnings: [] });
    expect(frames).toEqual([
      { index: 1, tsSec: 1_700_000_000, tsNsec: 123_456 * nsPerFrac, linkType: 1, iface: 0, capLen: 60, wireLen: 60, bytes: Array.from(A) },
      { index: 2, tsSec: 4_000_000_000, tsNsec: 999_999 * nsPerFrac, linkType: 1, iface: 0, capLen: 1514, wireLen: 9000, bytes: Array.from(B) },
    ]);
  });

  it('keeps only the low 16 bits of the link type (the upper bits carry FCS information)', () => {
    // 0x1c000071: FCS length 1 (4 bytes, bits 28-31), F bit (26) set, LINUX_SLL.
    const { frames, stats } = ok(parse(pcapFile({ linkType: 0x1c000071 }, [{ sec: 1, frac: 0, data: A }])));
    expect(stats.linkTypes).toEqual([113]);
    expect(frames[0]!.linkType).toBe(113);
  });

  it("reads Kuznetsov's patched format (24-byte record headers)", () => {
    const h: PcapHeaderSpec = { variant: 'kuznetsov' };
    const { frames, stats } = ok(
      parse(
        pcapFile(h, [
          { sec: 5, frac: 6, data: A },
          { sec: 7, frac: 8, data: B },
        ]),
      ),
    );
    expect(stats.format).toBe('pcap');
    expect(frames.map((f) => [f.tsSec, f.tsNsec, f.capLen, f.bytes[0]])).toEqual([
      [5, 6000, 60, A[0]],
      [7, 8000, 1514, B[0]],
    ]);
  });

  it('reads version 2.2 files, whose record headers have caplen and len the other way round', () => {
    const h: PcapHeaderSpec = { minor: 2 };
    // Written as libpcap < 0.4 did: the first length field is the wire length.
    const rec = new Writer(true).u32(1).u32(2).u32(1500).u32(60).raw(A).build();
    const { frames } = ok(parse(concat(pcapHeader(h), rec)));
    expect(frames[0]).toMatchObject({ capLen: 60, wireLen: 1500 });
  });

  it('reads version 2.3 files in either length order', () => {
    const h: PcapHeaderSpec = { minor: 3 };
    const swapped = new Writer(true).u32(1).u32(2).u32(1500).u32(60).raw(A).build();
    const inOrder = new Writer(true).u32(1).u32(2).u32(60).u32(1500).raw(A).build();
    const { frames } = ok(parse(concat(pcapHeader(h), swapped, inOrder)));
    expect(frames.map((f) => [f.capLen, f.wireLen])).toEqual([
      [60, 1500],
      [60, 1500],
    ]);
  });

  it('carries an out-of-range fraction into the seconds', () => {
    const { frames } = ok(parse(pcapFile({}, [{ sec: 10, frac: 2_500_000, data: A }])));
    expect([frames[0]!.tsSec, frames[0]!.tsNsec]).toEqual([12, 500_000_000]);
  });

  it('accepts incl_len above the snaplen and above orig_len (libpcap does)', () => {
    const file = pcapFile({ snapLen: 64 }, [{ sec: 1, frac: 0, data: B, wire: 100 }]);
    const { frames, stats } = ok(parse(file));
    expect(stats.warnings).toEqual([]);
    expect(frames[0]).toMatchObject({ capLen: 1514, wireLen: 100 });
  });

  it('reads a header with no records as an empty capture', () => {
    const { frames, stats } = ok(parse(pcapHeader({ le: false, linkType: 101 })));
    expect(frames).toEqual([]);
    expect(stats).toMatchObject({ packets: 0, linkTypes: [101], warnings: [], bytes: 24 });
  });

  it('emits frames in place from the chunk it was given (no per-packet copy)', () => {
    const file = pcapFile({}, [
      { sec: 1, frac: 0, data: A },
      { sec: 2, frac: 0, data: B },
    ]);
    const seen: Array<{ buf: Uint8Array; offset: number; frame: Frame }> = [];
    const p = createParser('x', { frame: (f) => seen.push({ buf: f.buf, offset: f.offset, frame: f }) });
    p.push(file);
    p.end();
    expect(seen[0]!.buf).toBe(file);
    expect(seen[1]!.buf).toBe(file);
    expect([seen[0]!.offset, seen[1]!.offset]).toEqual([40, 40 + 60 + 16]);
    expect(seen[0]!.frame).toBe(seen[1]!.frame); // one reused Frame object
  });
});

describe('classic pcap errors', () => {
  it('rejects an unknown magic in one line naming file and offset', () => {
    const r = parse(Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0), [], 'x.pcap');
    expect(r.error).toBe('x.pcap: offset 0: not a pcap or pcapng file (magic 0x12345678)');
  });

  it('says what a gzip-compressed capture is', () => {
    const r = parse(Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 1, 2, 3), [], 'x.pcap.gz');
    expect(r.error).toBe('x.pcap.gz: offset 0: not a pcap or pcapng file (magic 0x1f8b0800); it is gzip-compressed: decompress it first');
  });

  it('rejects an empty input', () => {
    expect(parse(new Uint8Array(0)).error).toBe('x.pcap: offset 0: empty file: not a pcap or pcapng file');
  });

  it('rejects an input shorter than a magic number', () => {
    expect(parse(Uint8Array.of(0xd4, 0xc3)).error).toBe('x.pcap: offset 0: file too short to be a capture (2 bytes)');
  });

  it('rejects a file cut inside its 24-byte header', () => {
    expect(parse(pcapHeader().subarray(0, 20)).error).toBe('x.pcap: offset 0: file ends inside the pcap file header (20 of 24 bytes)');
  });

  it('rejects versions libpcap does not know', () => {
    expect(parse(pcapHeader({ major: 3, minor: 0 })).error).toBe('x.pcap: offset 4: unsupported pcap version 3.0 (2.0 to 2.4 are known)');
    expect(parse(pcapHeader({ major: 2, minor: 5 })).error).toMatch(/^x\.pcap: offset 4: unsupported pcap version 2\.5/);
  });

  it('stops at an impossible captured length, keeps the records before it, and says where', () => {
    const good = pcapFile({}, [{ sec: 1, frac: 0, data: A }]);
    const bad = pcapRecord({ sec: 2, frac: 0, data: A, incl: 0x7fffffff });
    const { frames, stats } = ok(parse(concat(good, bad, pcapRecord({ sec: 3, frac: 0, data: A }))));
    expect(frames.map((f) => f.tsSec)).toEqual([1]);
    expect(stats.warnings).toEqual([
      { offset: good.length, message: `record at offset ${good.length}: captured length 2147483647 exceeds the limit of 1048576 bytes; reading stopped` },
    ]);
    expect(stats.bytes).toBe(good.length);
    expect(stats.packets).toBe(1);
  });

  it("allows records up to 1 MiB (4x libpcap's snaplen) and no more", () => {
    const big = payload(1024 * 1024);
    const { frames, stats } = ok(parse(pcapFile({}, [{ sec: 1, frac: 0, data: big }])));
    expect(stats.warnings).toEqual([]);
    expect(frames[0]!.capLen).toBe(1024 * 1024);
    const over = ok(parse(pcapFile({}, [{ sec: 1, frac: 0, data: payload(1024 * 1024 + 1) }])));
    expect(over.frames).toEqual([]);
    expect(over.stats.warnings[0]!.message).toMatch(/captured length 1048577 exceeds the limit of 1048576 bytes/);
  });

  it('allows D-Bus records beyond 1 MiB (libpcap allows 128 MiB for them)', () => {
    const { frames, stats } = ok(parse(pcapFile({ linkType: 231 }, [{ sec: 1, frac: 0, data: payload(2 * 1024 * 1024) }])));
    expect(stats.warnings).toEqual([]);
    expect(frames).toHaveLength(1);
  });

  it('warns when the file ends mid-record, keeping the records before it', () => {
    const file = pcapFile({}, [
      { sec: 1, frac: 0, data: A },
      { sec: 2, frac: 0, data: B },
    ]);
    const cut = file.length - 100;
    const { frames, stats } = ok(parse(file.subarray(0, cut)));
    expect(frames.map((f) => f.tsSec)).toEqual([1]);
    const at = 24 + 16 + 60;
    expect(stats.warnings).toEqual([{ offset: at, message: `file ends mid-record at offset ${at} (${cut - at} of ${16 + 1514} bytes)` }]);
    expect(stats.bytes).toBe(cut);
  });

  it('warns when the file ends inside a record header', () => {
    const file = pcapFile({}, [{ sec: 1, frac: 0, data: A }]);
    const { frames, stats } = ok(parse(concat(file, Uint8Array.of(1, 2, 3, 4, 5))));
    expect(frames).toHaveLength(1);
    expect(stats.warnings).toEqual([{ offset: file.length, message: `file ends mid-record at offset ${file.length} (5 bytes, record header incomplete)` }]);
  });

  it('stops at the next record when the sink asks (abort), with stats so far', () => {
    const file = pcapFile(
      {},
      [1, 2, 3, 4].map((s) => ({ sec: s, frac: 0, data: A })),
    );
    const seen: number[] = [];
    const p = createParser('x', {
      frame: (f) => {
        seen.push(f.tsSec);
        if (f.index === 2) p.stop();
      },
    });
    expect(p.push(file)).toBe(false);
    const stats = p.end();
    expect(seen).toEqual([1, 2]);
    expect(stats).toMatchObject({ packets: 2, bytes: 24 + 2 * 76, warnings: [] });
  });
});
