/**
 * Classic pcap (libpcap's savefile format; draft-ietf-opsawg-pcap).
 *
 * File header (24 bytes): magic, version major/minor (u16), thiszone, sigfigs, snaplen, and the
 * link type, whose upper bits carry FCS information (draft-ietf-opsawg-pcap §4, "LinkType and
 * additional information"): we keep the low 16 bits, as libpcap's LT_LINKTYPE() does.
 * Record header (16 bytes): ts_sec, ts_usec (ns in the 0xa1b23c4d variant), incl_len, orig_len.
 *
 * Accepted magics, in either byte order (the writer's host order):
 *   0xa1b2c3d4  microsecond timestamps                        -> format 'pcap'
 *   0xa1b23c4d  nanosecond timestamps                         -> format 'pcap-ns'
 *   0xa1b2cd34  Kuznetsov's patched libpcap: 24-byte records  -> format 'pcap'
 *               (ifindex, protocol, pkt_type and padding after the usual 16 bytes; tshark and
 *               libpcap read it, so do we)
 *
 * Versions follow libpcap (sf-pcap.c): 2.0 to 2.4, plus 543.0 (DG/UX tcpdump). Before 2.3 the
 * record header had caplen and len the other way round; in 2.3 files either order occurs, and
 * the larger of the two is the wire length.
 *
 * Records are framed only by incl_len, so a garbage incl_len loses the rest of the file: we stop
 * there with a warning rather than guess. The limit is link-types.ts' maxCapLen (1 MiB for
 * frames: four times libpcap's 262144, so legitimately large records still pass). incl_len is
 * not compared with the header's snaplen (libpcap tolerates incl_len > snaplen: Solaris 2.3
 * wrote files like that) nor with orig_len (some writers record less on the wire than they
 * captured; decode/ takes lengths from the IP header anyway).
 */
import { u16, u32, hex32 } from './bytes.js';
import { CaptureError } from './frame.js';
import type { FrameSink } from './frame.js';
import { maxCapLen } from './link-types.js';
import { RecordParser } from './parser.js';

/** The pcap magic numbers, as read big-endian from the first four bytes. */
export const PcapMagic = {
  USEC: 0xa1b2c3d4,
  NSEC: 0xa1b23c4d,
  KUZNETSOV: 0xa1b2cd34,
} as const;

/** Whether a big-endian read of the first four bytes is a classic pcap magic (either byte order). */
export function isPcapMagic(be: number): boolean {
  const le = swap32(be);
  return (
    be === PcapMagic.USEC || be === PcapMagic.NSEC || be === PcapMagic.KUZNETSOV || le === PcapMagic.USEC || le === PcapMagic.NSEC || le === PcapMagic.KUZNETSOV
  );
}

function swap32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

const FILE_HEADER_LEN = 24;

/** How the record header orders caplen and len (libpcap's swapped_type_t). */
const enum Lengths {
  InOrder = 0,
  Swapped = 1,
  MaybeSwapped = 2,
}

/** Push parser for classic pcap: feed chunks, get frames. */
export class PcapParser extends RecordParser {
  private headerDone = false;
  private le = true;
  /** Timestamp fraction units per second: 1e6 or 1e9. */
  private fracPerSec = 1e6;
  /** Nanoseconds per fraction unit: 1000 or 1. */
  private nsPerFrac = 1000;
  private recHdrLen = 16;
  private linkType = 0;
  private maxCap = 0;
  private lengths: Lengths = Lengths.InOrder;
  /** Header fields, for tests and tools. */
  snapLen = 0;
  versionMajor = 0;
  versionMinor = 0;

  /** @param name the input's name for messages; @param sink receives frames */
  constructor(name: string, sink: FrameSink) {
    super(name, sink, 'pcap', 16);
  }

  protected headerComplete(): boolean {
    return this.headerDone;
  }

  protected headerCutMessage(have: number): string {
    return `file ends inside the pcap file header (${have} of ${FILE_HEADER_LEN} bytes)`;
  }

  protected measure(b: Uint8Array, off: number, at: number): number {
    if (!this.headerDone) return FILE_HEADER_LEN;
    let incl = u32(b, off + 8, this.le);
    if (this.lengths !== Lengths.InOrder) {
      const orig = u32(b, off + 12, this.le);
      if (this.lengths === Lengths.Swapped || incl > orig) incl = orig;
    }
    if (incl > this.maxCap) {
      this.damage(at, `record at offset ${at}: captured length ${incl} exceeds the limit of ${this.maxCap} bytes`);
      return -1;
    }
    return this.recHdrLen + incl;
  }

  protected record(b: Uint8Array, off: number, len: number, at: number): void {
    if (!this.headerDone) {
      this.fileHeader(b, off);
      return;
    }
    this.emit(b, off, len, at);
  }

  /**
   * Fills the frame from the record at `b[off]` (`len` bytes with its header), which starts at
   * input offset `at`, and hands it on.
   */
  private emit(b: Uint8Array, off: number, len: number, at: number): void {
    const le = this.le;
    const f = this.frame;
    let sec = u32(b, off, le);
    let frac = u32(b, off + 4, le);
    let wire = u32(b, off + 12, le);
    if (this.lengths !== Lengths.InOrder) {
      const a = u32(b, off + 8, le);
      if (this.lengths === Lengths.Swapped || a > wire) wire = a;
    }
    if (frac >= this.fracPerSec) {
      // Out-of-range fraction: carry it into the seconds so tsNsec stays below 1e9. Even at its
      // most extreme (ts_sec 0xffffffff, fraction 0xffffffff µs: year 2106 plus 4,294 s) the
      // time stays inside the range pcapng times are checked against (timestamp.ts MAX_TS_SEC),
      // so classic records need no check (test/capture/timestamps.test.ts renders that record).
      const carry = Math.floor(frac / this.fracPerSec);
      sec += carry;
      frac -= carry * this.fracPerSec;
    }
    const hl = this.recHdrLen;
    f.index = ++this.packetCount;
    f.tsSec = sec;
    f.tsNsec = frac * this.nsPerFrac;
    this.checkOrder(at);
    f.linkType = this.linkType;
    f.iface = 0;
    f.buf = b;
    f.offset = off + hl;
    f.capLen = len - hl;
    f.wireLen = wire;
    this.sink.frame(f);
  }

  protected override scan(b: Uint8Array, pos: number, end: number): number {
    if (!this.headerDone) {
      if (end - pos < FILE_HEADER_LEN) return pos;
      this.fileHeader(b, pos);
      pos += FILE_HEADER_LEN;
    }
    // The record loop, by hand: this is the hottest code in the program.
    const le = this.le;
    const hl = this.recHdrLen;
    const maxCap = this.maxCap;
    const inOrder = this.lengths === Lengths.InOrder;
    while (end - pos >= hl) {
      let incl: number;
      if (inOrder) {
        incl = le
          ? (b[pos + 8] | (b[pos + 9] << 8) | (b[pos + 10] << 16) | (b[pos + 11] << 24)) >>> 0
          : ((b[pos + 8] << 24) | (b[pos + 9] << 16) | (b[pos + 10] << 8) | b[pos + 11]) >>> 0;
        if (incl > maxCap) {
          this.measure(b, pos, this.base + pos); // records the damage and stops
          return pos;
        }
      } else {
        const m = this.measure(b, pos, this.base + pos);
        if (m < 0) return pos;
        incl = m - hl;
      }
      const len = hl + incl;
      if (end - pos < len) return pos;
      this.emit(b, pos, len, this.base + pos);
      pos += len;
      if (this.stopped) return pos;
    }
    return pos;
  }

  /** Reads the 24-byte file header at `b[off]`; a bad one means this is not a capture we can read. */
  private fileHeader(b: Uint8Array, off: number): void {
    const be = u32(b, off, false);
    let magic = be;
    this.le = false;
    if (!(be === PcapMagic.USEC || be === PcapMagic.NSEC || be === PcapMagic.KUZNETSOV)) {
      magic = swap32(be);
      this.le = true;
    }
    const le = this.le;
    if (magic === PcapMagic.NSEC) {
      this.fracPerSec = 1e9;
      this.nsPerFrac = 1;
      this.stats.format = 'pcap-ns';
    } else if (magic === PcapMagic.KUZNETSOV) {
      this.recHdrLen = 24;
      this.peekLen = 24;
    } else if (magic !== PcapMagic.USEC) {
      throw new CaptureError(this.name, 0, `not a pcap file (magic ${hex32(be)})`);
    }
    const major = u16(b, off + 4, le);
    const minor = u16(b, off + 6, le);
    this.versionMajor = major;
    this.versionMinor = minor;
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      throw new CaptureError(this.name, 4, `unsupported pcap version ${major}.${minor} (2.0 to 2.4 are known)`);
    }
    if (major === 2 && minor < 3) this.lengths = Lengths.Swapped;
    else if (major === 2 && minor === 3) this.lengths = Lengths.MaybeSwapped;
    this.snapLen = u32(b, off + 16, le);
    this.linkType = u32(b, off + 20, le) & 0xffff;
    this.maxCap = maxCapLen(this.linkType);
    this.noteLinkType(this.linkType);
    this.headerDone = true;
  }
}
