/**
 * Classic pcap writer (pcap-savefile(5); draft-ietf-opsawg-pcap): version 2.4, microsecond
 * timestamps, little-endian. Live capture's `-w` streams what it captured through it.
 *
 * Buffer ownership: `write` copies the frame bytes into a chunk buffer before returning, so it can
 * be called from a FrameSink (whose frame is only valid during the call). The chunk is handed to
 * `out` when it fills and on `flush()`; `out` must consume it before returning (it is reused).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Frame } from './frame.js';

/** Magic number of a microsecond pcap file (written little-endian: d4 c3 b2 a1). */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
/** Length of the pcap global (file) header. */
export const PCAP_FILE_HEADER_LEN = 24;
/** Length of each per-record header. */
export const PCAP_RECORD_HEADER_LEN = 16;

const DEFAULT_CHUNK = 256 * 1024;

function putU32LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** The 24-byte file header for `linkType` (a LINKTYPE_* value) and `snaplen`. */
export function pcapFileHeader(linkType: number, snaplen: number): Uint8Array {
  const h = new Uint8Array(PCAP_FILE_HEADER_LEN);
  putU32LE(h, 0, PCAP_MAGIC_US);
  h[4] = 2; // version_major 2
  h[6] = 4; // version_minor 4
  // thiszone (8) and sigfigs (12) stay 0: timestamps are UTC, as every modern writer does.
  putU32LE(h, 16, snaplen);
  // The link-type field's upper bits carry FCS information; 0 = unknown/absent (pcap-savefile(5)).
  putU32LE(h, 20, linkType & 0xffff);
  return h;
}

/** Streams pcap records into fixed-size chunks handed to `out`. */
export class PcapWriter {
  private readonly chunk: Uint8Array;
  private used = 0;
  /** Records written so far. */
  records = 0;
  /** Bytes handed to `out` plus bytes still buffered (header included). */
  bytes = 0;

  constructor(
    private readonly out: (chunk: Uint8Array) => void,
    readonly linkType: number,
    readonly snaplen: number,
    chunkSize = DEFAULT_CHUNK,
  ) {
    this.chunk = new Uint8Array(Math.max(chunkSize, PCAP_FILE_HEADER_LEN + PCAP_RECORD_HEADER_LEN));
    this.chunk.set(pcapFileHeader(linkType, snaplen), 0);
    this.used = PCAP_FILE_HEADER_LEN;
    this.bytes = PCAP_FILE_HEADER_LEN;
  }

  /** Appends one frame; bytes beyond the snaplen are cut (incl_len <= snaplen, as readers require). */
  write(f: Frame): void {
    this.writeRecord(f.tsSec, f.tsNsec, f.buf, f.offset, f.capLen, f.wireLen);
  }

  /** Appends one record from its parts (time in seconds + nanoseconds; written as microseconds). */
  writeRecord(tsSec: number, tsNsec: number, buf: Uint8Array, offset: number, capLen: number, wireLen: number): void {
    const incl = capLen > this.snaplen ? this.snaplen : capLen;
    const orig = wireLen > incl ? wireLen : incl;
    if (this.used + PCAP_RECORD_HEADER_LEN > this.chunk.length) this.flush();
    const c = this.chunk;
    let o = this.used;
    putU32LE(c, o, tsSec);
    // Truncate, never round: rounding 999_999_500 ns up would need a carry into the seconds.
    putU32LE(c, o + 4, Math.floor(tsNsec / 1000));
    putU32LE(c, o + 8, incl);
    putU32LE(c, o + 12, orig);
    o += PCAP_RECORD_HEADER_LEN;
    this.used = o;
    let from = offset;
    let left = incl;
    // A record larger than the free space spans chunks: fill, flush, continue.
    while (left > 0) {
      const room = c.length - this.used;
      if (room === 0) {
        this.flush();
        continue;
      }
      const n = left < room ? left : room;
      c.set(buf.subarray(from, from + n), this.used);
      this.used += n;
      from += n;
      left -= n;
    }
    this.records++;
    this.bytes += PCAP_RECORD_HEADER_LEN + incl;
  }

  /** Hands everything buffered to `out`. */
  flush(): void {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    this.out(this.chunk.subarray(0, n));
  }
}

/** A PcapWriter on a file opened for writing (created or truncated). */
export class PcapFileWriter extends PcapWriter {
  private fd: number | null;

  /** Opens `path` now, so a bad path fails before capturing starts; throws the fs error. */
  constructor(
    readonly path: string,
    linkType: number,
    snaplen: number,
  ) {
    const fd = openSync(path, 'w');
    super((chunk) => writeAll(fd, chunk), linkType, snaplen);
    this.fd = fd;
  }

  /** Flushes and closes the file (idempotent). */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    try {
      this.flush();
    } finally {
      this.fd = null;
      closeSync(fd);
    }
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}
