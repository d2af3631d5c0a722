/**
 * Format detection: the first four bytes say classic pcap (either magic, either byte order) or
 * pcapng (the Section Header Block type 0x0A0D0D0A, the same in both byte orders). Detection
 * needs no seeking, so it works on a pipe: the parser holds the first bytes until it has four.
 */
import { hex32, u32 } from './bytes.js';
import { CaptureError } from './frame.js';
import type { CaptureStats, FrameSink } from './frame.js';
import type { CaptureParser } from './parser.js';
import { isPcapMagic, PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';

/** The capture format a magic number announces, or null. */
export function sniffFormat(magicBE: number): 'pcap' | 'pcapng' | null {
  if (magicBE === 0x0a0d0d0a) return 'pcapng';
  if (isPcapMagic(magicBE)) return 'pcap';
  return null;
}

/** Why an unknown magic is not a capture, when it is something recognisable. */
function hint(b: Uint8Array): string {
  if (b[0] === 0x1f && b[1] === 0x8b) return '; it is gzip-compressed: decompress it first';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return '; it is zstd-compressed: decompress it first';
  if (b[0] === 0x73 && b[1] === 0x6e && b[2] === 0x6f && b[3] === 0x6f) return '; it is a snoop file: convert it with editcap -F pcap';
  return '';
}

/**
 * A parser for whichever format the input turns out to be. Throws CaptureError (from `push`
 * or `end`) when it is neither pcap nor pcapng, or is empty.
 */
export function createParser(name: string, sink: FrameSink): CaptureParser {
  return new DetectingParser(name, sink);
}

class DetectingParser implements CaptureParser {
  private inner: CaptureParser | null = null;
  private head = new Uint8Array(4);
  private have = 0;
  private stopRequested = false;

  constructor(
    private readonly name: string,
    private readonly sink: FrameSink,
  ) {}

  get packets(): number {
    return this.inner ? this.inner.packets : 0;
  }

  get stopped(): boolean {
    return this.inner ? this.inner.stopped : this.stopRequested;
  }

  push(chunk: Uint8Array): boolean {
    if (this.inner) return this.inner.push(chunk);
    if (this.stopRequested) return false;
    const take = Math.min(4 - this.have, chunk.length);
    this.head.set(chunk.subarray(0, take), this.have);
    this.have += take;
    if (this.have < 4) return true;
    const magic = u32(this.head, 0, false);
    const format = sniffFormat(magic);
    if (format === null) {
      throw new CaptureError(this.name, 0, `not a pcap or pcapng file (magic ${hex32(magic)})${hint(this.head)}`);
    }
    this.inner = format === 'pcapng' ? new PcapngParser(this.name, this.sink) : new PcapParser(this.name, this.sink);
    // The held bytes go first; when the whole head came in this chunk, the chunk goes as it is.
    if (take === 4) return this.inner.push(chunk);
    this.inner.push(this.head);
    return this.inner.push(chunk.subarray(take));
  }

  end(): CaptureStats {
    if (this.inner) return this.inner.end();
    if (this.stopRequested) {
      // Aborted before the format was known: nothing was read, and that is not an error.
      return { format: 'pcap', linkTypes: [], packets: 0, bytes: 0, warnings: [] };
    }
    if (this.have === 0) throw new CaptureError(this.name, 0, 'empty file: not a pcap or pcapng file');
    throw new CaptureError(this.name, 0, `file too short to be a capture (${this.have} bytes)`);
  }

  stop(): void {
    if (this.inner) this.inner.stop();
    else this.stopRequested = true;
  }
}
