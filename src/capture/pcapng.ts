/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks, each
 *   type (u32) | total length (u32) | body | total length again (u32),
 * the length counting all of it and a multiple of 4 (§3.1).
 *
 * - Section Header Block (§4.1): starts a section and fixes its byte order through the
 *   byte-order magic 0x1A2B3C4D. A file may hold several sections (e.g. concatenated captures);
 *   each starts with no interfaces, so interface numbers restart from 0.
 * - Interface Description Block (§4.2): link type, snaplen, and the options we need:
 *   if_tsresol (9) and if_tsoffset (14). Interfaces of one file may have different link types;
 *   each frame carries its own interface's.
 * - Enhanced Packet Block (§4.3), Simple Packet Block (§4.4: interface 0, no timestamp, captured
 *   length = min(original length, snaplen, block body)), and the obsolete Packet Block
 *   (Appendix A, still written by old tools) yield frames.
 * - Interface Statistics Block (§4.6): the last one of each interface is kept in the stats
 *   (`isb`), for what dumpcap counted at the end of a live capture (isb_ifrecv, isb_ifdrop,
 *   isb_osdrop; all-ones means unknown, as dumpcap writes when pcap_stats failed).
 * - Every other block (name resolution, decryption secrets, custom, anything unknown) is
 *   skipped; one that straddles two chunks is skipped without buffering.
 *
 * Framing damage (a length under 12 or not a multiple of 4, an absurd length, trailing length
 * differing from the leading one) stops reading with a warning: past it nothing can be trusted.
 * A block that is well framed but wrong inside (packet for an undefined interface, captured
 * length beyond its block) is skipped with a warning, and reading goes on. A packet whose time is
 * out of range (64-bit units and offset reach far past year 9999) keeps the last good time, with
 * one warning for all such packets (parser.ts, `clampTime`).
 */
import { hex32, i64, u16, u32 } from './bytes.js';
import { CaptureError } from './frame.js';
import type { FrameSink } from './frame.js';
import { maxCapLen } from './link-types.js';
import { RecordParser } from './parser.js';
import { describeTimestamp, MICROSECONDS, splitTimestamp, tsResolution } from './timestamp.js';
import type { TsResolution } from './timestamp.js';

/** pcapng block types (§10.1 of the draft) that this reader acts on. */
export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** Non-packet blocks longer than this are damage (Wireshark's limit is about as large). */
const MAX_OTHER_BLOCK = 128 * 1024 * 1024;
/** Room in a packet block beyond the frame itself, for its header and options. */
const PACKET_BLOCK_SLACK = 64 * 1024;
/** Packet blocks up to this long pass the fast path's framing check (any link type allows this). */
const FAST_BLOCK_LIMIT = 1024 * 1024 + PACKET_BLOCK_SLACK;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const OPT_ISB_IFRECV = 4;
const OPT_ISB_IFDROP = 5;
const OPT_ISB_OSDROP = 7;

/** A u64 counter option as a number; null for all-ones (the writer did not know it). */
function counter(b: Uint8Array, o: number, le: boolean): number | null {
  const hi = le ? u32(b, o + 4, true) : u32(b, o, false);
  const lo = le ? u32(b, o, true) : u32(b, o + 4, false);
  if (hi === 0xffffffff && lo === 0xffffffff) return null;
  return hi * 4294967296 + lo;
}

/** Push parser for pcapng: feed chunks, get frames. */
export class PcapngParser extends RecordParser {
  /** Byte order of the current section. */
  private le = true;
  /** Sections seen so far. */
  sections = 0;
  /** Interfaces of the current section, by IDB number. */
  private ifLink: number[] = [];
  private ifSnap: number[] = [];
  private ifTs: TsResolution[] = [];

  /** @param name the input's name for messages; @param sink receives frames */
  constructor(name: string, sink: FrameSink) {
    super(name, sink, 'pcapng', 12);
  }

  protected headerComplete(): boolean {
    return this.sections > 0;
  }

  protected headerCutMessage(have: number): string {
    return `file ends inside the pcapng section header block (${have} bytes)`;
  }

  protected measure(b: Uint8Array, off: number, at: number): number {
    let le = this.le;
    const isShb = b[off] === 0x0a && b[off + 1] === 0x0d && b[off + 2] === 0x0d && b[off + 3] === 0x0a;
    if (isShb) {
      const bom = u32(b, off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === BYTE_ORDER_MAGIC_SWAPPED) le = false;
      else {
        return this.fail(at, `section header block at offset ${at}: bad byte-order magic ${hex32(u32(b, off + 8, false))}`);
      }
    }
    const len = u32(b, off + 4, le);
    if (len < 12 || (len & 3) !== 0) {
      return this.fail(at, `block at offset ${at}: impossible block length ${len}`);
    }
    const type = u32(b, off, le);
    let limit = MAX_OTHER_BLOCK;
    if (type === BlockType.EPB || type === BlockType.PB || type === BlockType.SPB) {
      const iface = type === BlockType.EPB ? u32(b, off + 8, le) : type === BlockType.PB ? u16(b, off + 8, le) : 0;
      limit = maxCapLen(iface < this.ifLink.length ? this.ifLink[iface]! : 1) + PACKET_BLOCK_SLACK;
    }
    if (len > limit) {
      return this.fail(at, `block at offset ${at}: block length ${len} exceeds the limit of ${limit} bytes`);
    }
    return len;
  }

  /** Framing damage: before the first section it is no pcapng at all, after it a warning. */
  private fail(at: number, message: string): -1 {
    if (this.sections === 0) throw new CaptureError(this.name, at, message.replace(/ at offset \d+/, ''));
    this.damage(at, message);
    return -1;
  }

  /**
   * The hot loop. An Enhanced Packet Block that is whole, well framed and sane is emitted
   * inline; anything else (other block types, damage, a block cut by the chunk's end) goes
   * through measure/record, which say what is wrong.
   */
  protected override scan(b: Uint8Array, pos: number, end: number): number {
    const f = this.frame;
    const sink = this.sink;
    while (end - pos >= 12 && !this.stopped) {
      const le = this.le;
      const len = u32(b, pos + 4, le);
      if (u32(b, pos, le) === BlockType.EPB && len >= 32 && len <= FAST_BLOCK_LIMIT && (len & 3) === 0 && end - pos >= len) {
        const iface = u32(b, pos + 8, le);
        const capLen = u32(b, pos + 20, le);
        if (iface < this.ifLink.length && capLen <= len - 32 && u32(b, pos + len - 4, le) === len) {
          const hi = u32(b, pos + 12, le);
          const lo = u32(b, pos + 16, le);
          splitTimestamp(hi, lo, this.ifTs[iface]!, f);
          f.index = ++this.packetCount;
          if (!this.keepTime()) this.clampTime(this.base + pos, describeTimestamp(hi, lo, this.ifTs[iface]!));
          this.checkOrder(this.base + pos);
          f.linkType = this.ifLink[iface]!;
          f.iface = iface;
          f.buf = b;
          f.offset = pos + 28;
          f.capLen = capLen;
          f.wireLen = u32(b, pos + 24, le);
          sink.frame(f);
          pos += len;
          continue;
        }
      }
      const next = this.scanOne(b, pos, end);
      if (next === pos) return pos;
      pos = next;
    }
    return pos;
  }

  protected override skippable(b: Uint8Array, off: number, _len: number): boolean {
    const t = u32(b, off, this.le);
    return !(t === BlockType.SHB || t === BlockType.IDB || t === BlockType.EPB || t === BlockType.SPB || t === BlockType.PB || t === BlockType.ISB);
  }

  protected override skippedTail(tail: Uint8Array, len: number, at: number): boolean {
    const trailer = u32(tail, 0, this.le);
    if (trailer === len) return true;
    this.fail(at, `block at offset ${at}: trailing length ${trailer} differs from leading length ${len}`);
    return false;
  }

  protected record(b: Uint8Array, off: number, len: number, at: number): void {
    const isShb = b[off] === 0x0a && b[off + 1] === 0x0d && b[off + 2] === 0x0d && b[off + 3] === 0x0a;
    const le = isShb ? u32(b, off + 8, true) === BYTE_ORDER_MAGIC : this.le;
    const trailer = u32(b, off + len - 4, le);
    if (trailer !== len) {
      this.fail(at, `block at offset ${at}: trailing length ${trailer} differs from leading length ${len}`);
      return;
    }
    if (isShb) {
      this.sectionHeader(b, off, len, at, le);
      return;
    }
    switch (u32(b, off, le)) {
      case BlockType.EPB:
        this.packet(b, off, len, at, u32(b, off + 8, le), 'enhanced');
        return;
      case BlockType.SPB:
        this.simplePacket(b, off, len, at);
        return;
      case BlockType.PB:
        this.packet(b, off, len, at, u16(b, off + 8, le), 'obsolete');
        return;
      case BlockType.IDB:
        this.interfaceDescription(b, off, len, at);
        return;
      case BlockType.ISB:
        this.interfaceStatistics(b, off, len);
        return;
      default:
        return;
    }
  }

  private sectionHeader(b: Uint8Array, off: number, len: number, at: number, le: boolean): void {
    if (len < 28) {
      this.fail(at, `section header block at offset ${at}: length ${len} is shorter than 28`);
      return;
    }
    const major = u16(b, off + 12, le);
    const minor = u16(b, off + 14, le);
    if (major !== 1) {
      this.fail(at, `section header block at offset ${at}: unsupported pcapng version ${major}.${minor}`);
      return;
    }
    this.le = le;
    this.sections++;
    this.ifLink.length = 0;
    this.ifSnap.length = 0;
    this.ifTs.length = 0;
  }

  private interfaceDescription(b: Uint8Array, off: number, len: number, at: number): void {
    const le = this.le;
    if (len < 20) {
      // Without this interface every later packet's interface number would be off by one.
      this.damage(at, `interface description block at offset ${at}: length ${len} is shorter than 20`);
      return;
    }
    const linkType = u16(b, off + 8, le);
    const snapLen = u32(b, off + 12, le);
    let tsCode = 6;
    let tsOffset = 0;
    // Options (§3.5): code u16, length u16, value padded to 32 bits; opt_endofopt ends them.
    let p = off + 16;
    const e = off + len - 4;
    while (p + 4 <= e) {
      const code = u16(b, p, le);
      const olen = u16(b, p + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + olen > e) {
        this.warn(at, `interface description block at offset ${at}: option ${code} overruns the block; later options ignored`);
        break;
      }
      if (code === OPT_IF_TSRESOL && olen >= 1) tsCode = b[p + 4]!;
      else if (code === OPT_IF_TSOFFSET && olen >= 8) tsOffset = i64(b, p + 4, le);
      p += 4 + ((olen + 3) & ~3);
    }
    let ts = tsCode === 6 && tsOffset === 0 ? MICROSECONDS : tsResolution(tsCode, tsOffset);
    if (ts === null) {
      this.warn(at, `interface description block at offset ${at}: if_tsresol ${tsCode} is not supported; microseconds assumed`);
      ts = tsResolution(6, tsOffset)!;
    }
    this.ifLink.push(linkType);
    this.ifSnap.push(snapLen);
    this.ifTs.push(ts);
    this.noteLinkType(linkType);
  }

  /** The counters of an ISB, kept per interface (a later one replaces an earlier one: they count from the start). */
  private interfaceStatistics(b: Uint8Array, off: number, len: number): void {
    const le = this.le;
    if (len < 24) return;
    const iface = u32(b, off + 8, le);
    const got: { received: number | null; ifdrop: number | null; osdrop: number | null } = { received: null, ifdrop: null, osdrop: null };
    let p = off + 20;
    const e = off + len - 4;
    while (p + 4 <= e) {
      const code = u16(b, p, le);
      const olen = u16(b, p + 2, le);
      if (code === OPT_ENDOFOPT || p + 4 + olen > e) break;
      if (olen === 8) {
        if (code === OPT_ISB_IFRECV) got.received = counter(b, p + 4, le);
        else if (code === OPT_ISB_IFDROP) got.ifdrop = counter(b, p + 4, le);
        else if (code === OPT_ISB_OSDROP) got.osdrop = counter(b, p + 4, le);
      }
      p += 4 + ((olen + 3) & ~3);
    }
    const isb = (this.stats.isb ??= []);
    const key = `${this.sections}:${iface}`;
    const i = this.isbKeys.indexOf(key);
    if (i >= 0) isb[i] = got;
    else {
      this.isbKeys.push(key);
      isb.push(got);
    }
  }

  /** Section and interface of each entry of stats.isb. */
  private readonly isbKeys: string[] = [];

  /** EPB and the obsolete PB: same layout after the interface number. */
  private packet(b: Uint8Array, off: number, len: number, at: number, iface: number, kind: string): void {
    const le = this.le;
    if (len < 32) {
      this.warn(at, `${kind} packet block at offset ${at}: length ${len} is shorter than 32; block skipped`);
      return;
    }
    if (iface >= this.ifLink.length) {
      this.warn(at, `${kind} packet block at offset ${at}: interface ${iface} is not defined (${this.ifLink.length} in this section); block skipped`);
      return;
    }
    const capLen = u32(b, off + 20, le);
    if (capLen > len - 32) {
      this.warn(at, `${kind} packet block at offset ${at}: captured length ${capLen} exceeds the block's ${len - 32} data bytes; block skipped`);
      return;
    }
    const f = this.frame;
    const hi = u32(b, off + 12, le);
    const lo = u32(b, off + 16, le);
    splitTimestamp(hi, lo, this.ifTs[iface]!, f);
    f.index = ++this.packetCount;
    if (!this.keepTime()) this.clampTime(at, describeTimestamp(hi, lo, this.ifTs[iface]!));
    this.checkOrder(at);
    f.linkType = this.ifLink[iface]!;
    f.iface = iface;
    f.buf = b;
    f.offset = off + 28;
    f.capLen = capLen;
    f.wireLen = u32(b, off + 24, le);
    this.sink.frame(f);
  }

  private simplePacket(b: Uint8Array, off: number, len: number, at: number): void {
    if (this.ifLink.length === 0) {
      this.warn(at, `simple packet block at offset ${at}: no interface is defined in this section; block skipped`);
      return;
    }
    const wireLen = u32(b, off + 8, this.le);
    const snap = this.ifSnap[0]!;
    let capLen = len - 16;
    if (wireLen < capLen) capLen = wireLen;
    if (snap !== 0 && snap < capLen) capLen = snap;
    const f = this.frame;
    // An SPB has no timestamp (§4.4); 0 is what Wireshark shows too. Not a time to check, nor
    // one a later packet out of range should be taken as (keepTime is not called).
    f.tsSec = 0;
    f.tsNsec = 0;
    f.index = ++this.packetCount;
    f.linkType = this.ifLink[0]!;
    f.iface = 0;
    f.buf = b;
    f.offset = off + 12;
    f.capLen = capLen;
    f.wireLen = wireLen;
    this.sink.frame(f);
  }
}
