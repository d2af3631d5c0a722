/**
 * Byte-array builders for the reader unit tests.
 *
 * These are crafted captures, on purpose: each variant (byte order, ns magic, if_tsresol 2^-10,
 * SPB, the obsolete PB, several sections, damage) needs a file whose every header field we
 * chose, and most of them no kernel capture on this machine produces. Real captures are tested
 * in corpus.test.ts.
 */
import { CaptureError } from '../../src/capture/frame.js';
import type { CaptureStats, Frame } from '../../src/capture/frame.js';
import { createParser } from '../../src/capture/detect.js';
import { concat } from '../helpers/bytes.js';
import { expect } from 'vitest';

/** A frame as plain data, with its bytes copied out of the reader's buffer. */
export interface FrameData {
  index: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  iface: number;
  capLen: number;
  wireLen: number;
  bytes: number[];
}

/** Copies what a test needs out of a (reused) Frame. */
export function snapshot(f: Frame): FrameData {
  return {
    index: f.index,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    linkType: f.linkType,
    iface: f.iface,
    capLen: f.capLen,
    wireLen: f.wireLen,
    bytes: Array.from(f.buf.subarray(f.offset, f.offset + f.capLen)),
  };
}

/** What parsing produced: frames and stats, or the CaptureError's message. */
export type ParseResult = { frames: FrameData[]; stats: CaptureStats; error?: undefined } | { frames: FrameData[]; error: string; stats?: undefined };

/**
 * Parses `bytes` fed in chunks that end at `cuts` (sorted offsets; none = one chunk). Each chunk
 * is a fresh copy, and is overwritten with 0xEE after `push` returns, so a reader that kept a
 * reference to it past the sink call would produce wrong bytes in a later frame.
 */
export function parse(bytes: Uint8Array, cuts: number[] = [], name = 'x.pcap'): ParseResult {
  const frames: FrameData[] = [];
  const p = createParser(name, { frame: (f) => frames.push(snapshot(f)) });
  try {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      if (cut < from) continue;
      const chunk = Uint8Array.prototype.slice.call(bytes, from, cut); // a copy, even of a Buffer
      if (chunk.length > 0) p.push(chunk);
      chunk.fill(0xee);
      from = cut;
    }
    return { frames, stats: p.end() };
  } catch (e) {
    if (e instanceof CaptureError) return { frames, error: e.message };
    throw e;
  }
}

export { concat };

/** A little writer of integers in one byte order. */
export class Writer {
  private bytes: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    v = v >>> 0;
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    const hi = Number((BigInt.asUintN(64, v) >> 32n) & 0xffffffffn);
    const lo = Number(BigInt.asUintN(64, v) & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]! & 0xff);
    return this;
  }
  pad4(): this {
    while (this.bytes.length % 4 !== 0) this.bytes.push(0);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Deterministic frame contents: `n` bytes starting at `seed`. */
export function payload(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 7) & 0xff;
  return b;
}

// ---- classic pcap ----

export interface PcapHeaderSpec {
  le?: boolean;
  /** 'us' 0xa1b2c3d4, 'ns' 0xa1b23c4d, 'kuznetsov' 0xa1b2cd34 */
  variant?: 'us' | 'ns' | 'kuznetsov';
  major?: number;
  minor?: number;
  snapLen?: number;
  /** The whole 32-bit link type field (upper bits may carry FCS information). */
  linkType?: number;
}

export interface PcapRecordSpec {
  sec: number;
  /** µs or ns, as the variant says. */
  frac: number;
  data: Uint8Array;
  /** orig_len (default data.length). */
  wire?: number;
  /** incl_len to write instead of data.length (for damage). */
  incl?: number;
}

/** A classic pcap file header. */
export function pcapHeader(h: PcapHeaderSpec = {}): Uint8Array {
  const magic = h.variant === 'ns' ? 0xa1b23c4d : h.variant === 'kuznetsov' ? 0xa1b2cd34 : 0xa1b2c3d4;
  return new Writer(h.le ?? true)
    .u32(magic)
    .u16(h.major ?? 2)
    .u16(h.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(h.snapLen ?? 262144)
    .u32(h.linkType ?? 1)
    .build();
}

/** One classic pcap record (16-byte header, 24 for the Kuznetsov variant). */
export function pcapRecord(r: PcapRecordSpec, h: PcapHeaderSpec = {}): Uint8Array {
  const w = new Writer(h.le ?? true)
    .u32(r.sec)
    .u32(r.frac)
    .u32(r.incl ?? r.data.length)
    .u32(r.wire ?? r.data.length);
  if (h.variant === 'kuznetsov') w.u32(7).u16(0x0800).u8(0).u8(0); // ifindex, protocol, pkt_type, pad
  return w.raw(r.data).build();
}

/** A whole classic pcap file. */
export function pcapFile(h: PcapHeaderSpec, records: PcapRecordSpec[]): Uint8Array {
  return concat(pcapHeader(h), ...records.map((r) => pcapRecord(r, h)));
}

// ---- pcapng ----

/** A block: type, total length, body padded to 32 bits, total length. */
export function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = padded + 12;
  return new Writer(le).u32(type).u32(total).raw(body).pad4().u32(total).build();
}

/** Options list: [code, value] pairs, then opt_endofopt. */
export function options(le: boolean, opts: Array<[number, Uint8Array]>): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const w = new Writer(le);
  for (const [code, value] of opts) w.u16(code).u16(value.length).raw(value).pad4();
  return w.u16(0).u16(0).build();
}

/** Section Header Block, version 1.0 unless told. */
export function shb(le: boolean, major = 1, minor = 0): Uint8Array {
  const body = new Writer(le).u32(0x1a2b3c4d).u16(major).u16(minor).u64(-1n).build();
  return block(le, 0x0a0d0d0a, body);
}

export interface IdbSpec {
  linkType: number;
  snapLen?: number;
  /** if_tsresol byte (9). */
  tsresol?: number;
  /** if_tsoffset seconds (14). */
  tsoffset?: bigint;
}

/** Interface Description Block. */
export function idb(le: boolean, spec: IdbSpec): Uint8Array {
  const opts: Array<[number, Uint8Array]> = [];
  if (spec.tsresol !== undefined) opts.push([9, Uint8Array.of(spec.tsresol)]);
  if (spec.tsoffset !== undefined) opts.push([14, new Writer(le).u64(spec.tsoffset).build()]);
  const body = new Writer(le)
    .u16(spec.linkType)
    .u16(0)
    .u32(spec.snapLen ?? 0)
    .raw(options(le, opts))
    .build();
  return block(le, 1, body);
}

/** Enhanced Packet Block with a 64-bit timestamp in the interface's units. */
export function epb(le: boolean, iface: number, ts: bigint, data: Uint8Array, wire = data.length, capLen = data.length): Uint8Array {
  const body = new Writer(le)
    .u32(iface)
    .u32(Number(ts >> 32n))
    .u32(Number(ts & 0xffffffffn))
    .u32(capLen)
    .u32(wire)
    .raw(data)
    .pad4()
    .raw(options(le, [[1, new TextEncoder().encode('a comment')]]))
    .build();
  return block(le, 6, body);
}

/** Simple Packet Block (interface 0, no timestamp). */
export function spb(le: boolean, data: Uint8Array, wire = data.length): Uint8Array {
  return block(le, 3, new Writer(le).u32(wire).raw(data).build());
}

/** The obsolete Packet Block (16-bit interface id and drops count). */
export function pb(le: boolean, iface: number, ts: bigint, data: Uint8Array, wire = data.length): Uint8Array {
  const body = new Writer(le)
    .u16(iface)
    .u16(0)
    .u32(Number(ts >> 32n))
    .u32(Number(ts & 0xffffffffn))
    .u32(data.length)
    .u32(wire)
    .raw(data)
    .build();
  return block(le, 2, body);
}

/** Any other block (NRB 4, ISB 5, DSB 10, custom 0xBAD, unknown) with `n` body bytes. */
export function otherBlock(le: boolean, type: number, n: number): Uint8Array {
  return block(le, type, payload(n, 99));
}

/** The CaptureError `p` rejects with, checked to be one line (fails the test if `p` resolves). */
export async function errorOf(p: Promise<unknown>): Promise<CaptureError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    expect((e as Error).message).not.toContain('\n');
    return e as CaptureError;
  }
  throw new Error('expected a rejection');
}
