/**
 * The contract between capture sources and the rest of the pipeline.
 *
 * A source pushes frames into a sink synchronously, one call per frame, and reads its input
 * asynchronously in large chunks: per-packet promises would cost more than the decode itself.
 *
 * Buffer ownership: the `Frame` object handed to `FrameSink.frame` is reused for every frame,
 * and `buf` aliases the source's chunk buffer. Both are valid only until the call returns;
 * a sink that keeps anything must copy it.
 */

/** One captured frame. Mutable and reused by its source: read it, do not keep it. */
export interface Frame {
  /** 1-based packet number in the input (what tshark and Wireshark call the frame number). */
  index: number;
  /** Capture time: whole seconds since the Unix epoch. */
  tsSec: number;
  /** Capture time: nanoseconds within `tsSec` (0..999_999_999). */
  tsNsec: number;
  /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html), already masked to 16 bits. */
  linkType: number;
  /** Interface index within the capture (pcapng IDB number; 0 for classic pcap and live). */
  iface: number;
  /** Buffer holding the frame bytes at `offset .. offset + capLen`. */
  buf: Uint8Array;
  /** Offset of the first frame byte in `buf`. */
  offset: number;
  /** Bytes captured (may be less than `wireLen` when the snaplen cut the frame). */
  capLen: number;
  /** Bytes on the wire. */
  wireLen: number;
}

/** Receives frames from a source. */
export interface FrameSink {
  frame(frame: Frame): void;
}

/** Capture file formats (and live capture) as reported in `input.format`. */
export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng' | 'live';

/** A recoverable problem: reading stopped or skipped here, results so far are kept. */
export interface CaptureWarning {
  /** Byte offset in the input where the problem starts (null for live capture). */
  offset: number | null;
  message: string;
}

/** What a source learned while reading. */
export interface CaptureStats {
  format: CaptureFormat;
  /** Distinct link types seen, in order of first appearance (interfaces for pcapng). */
  linkTypes: number[];
  /** Frames handed to the sink. */
  packets: number;
  /** Bytes of input consumed. */
  bytes: number;
  /** Problems that did not stop the run (a cut-off file ends with one of these). */
  warnings: CaptureWarning[];
  /** The compression the input was read through (sniffed from its first bytes); absent when none. */
  compression?: 'gzip' | 'zstd';
  /**
   * pcapng only: the last Interface Statistics Block of each interface that had one, in order of
   * first appearance (counts since the capture began; null where the writer did not know).
   */
  isb?: Array<{ received: number | null; ifdrop: number | null; osdrop: number | null }>;
  /**
   * Live capture through dumpcap or tcpdump only: packets dropped by the kernel (ps_drop) and by
   * the interface (ps_ifdrop), as the capture program reports them at its end; null where it did not.
   */
  drops?: { kernel: number | null; interface: number | null };
}

/** Progress callback: bytes of input consumed and frames read so far. */
export type ProgressFn = (bytes: number, packets: number) => void;

/** A source of frames: a capture file, standard input, or a live interface. */
export interface CaptureSource {
  /** What the user named: a path, `-`, or an interface name. */
  readonly name: string;
  /**
   * Reads to the end of the input (or until `signal` aborts), calling `sink.frame` for each frame.
   * Rejects with a `CaptureError` when the input cannot be read at all.
   */
  run(sink: FrameSink, options?: { signal?: AbortSignal; onProgress?: ProgressFn }): Promise<CaptureStats>;
}

/** An input that cannot be read at all: one line naming the input and the byte offset. */
export class CaptureError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number | null,
    readonly detail: string,
  ) {
    super(offset === null ? `${source}: ${detail}` : `${source}: offset ${offset}: ${detail}`);
    this.name = 'CaptureError';
  }
}
