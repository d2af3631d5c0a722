/**
 * The synchronous push parser shared by the file formats.
 *
 * Input arrives in chunks of any size (a 1 MiB file read, a 64 KiB pipe read, one byte in a
 * test). Records that lie wholly inside a chunk are handed to the sink in place: `frame.buf` is
 * the chunk itself. Only a record that straddles two chunks is copied, into one reused scratch
 * buffer that grows to the largest such record. A non-packet pcapng block that straddles is
 * skipped without copying at all.
 *
 * Buffer ownership: frames alias the chunk passed to `push` (or the scratch buffer) and are
 * valid only until the sink's `frame` call returns, as src/capture/frame.ts says. The caller may
 * overwrite its chunk as soon as `push` returns.
 *
 * Errors: an input that is not a capture at all (unknown magic, cut inside the file header,
 * unsupported version) throws a CaptureError from `push` or `end`. Damage after a good file
 * header stops reading with a CaptureWarning; the frames already emitted stand.
 */
import { CaptureError } from './frame.js';
import type { CaptureFormat, CaptureStats, CaptureWarning, Frame, FrameSink } from './frame.js';
import { isoNanos, MAX_TS_SEC, MIN_TS_SEC } from './timestamp.js';

/** A push parser for one capture format. */
export interface CaptureParser {
  /** Feeds the next chunk; frames are emitted before it returns. False once reading should stop. */
  push(chunk: Uint8Array): boolean;
  /** Marks the end of input and returns what was read. Throws CaptureError if it was no capture. */
  end(): CaptureStats;
  /** Stops at the next record boundary (used for AbortSignal); `end` still returns the stats. */
  stop(): void;
  /** Frames emitted so far. */
  readonly packets: number;
  /** Whether parsing has stopped (damage or `stop`): more input would be ignored. */
  readonly stopped: boolean;
}

/** At most this many warnings are kept; the rest are counted in one last warning. */
const MAX_WARNINGS = 100;

const EMPTY = new Uint8Array(0);

/**
 * A positive gap of `sec` seconds plus `nsec` nanoseconds (-1e9 < nsec < 1e9) as exact decimal
 * seconds without trailing zeros ("3.2 s", "0.000001 s"), with days or years added when long.
 */
export function formatGap(sec: number, nsec: number): string {
  if (nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  }
  const frac = nsec === 0 ? '' : `.${String(nsec).padStart(9, '0').replace(/0+$/, '')}`;
  const text = `${sec}${frac} s`;
  const DAY = 86400;
  if (sec >= 365.25 * DAY) return `${text} (about ${Math.round(sec / (365.25 * DAY)).toLocaleString('en-US')} years)`;
  if (sec >= 2 * DAY) return `${text} (about ${Math.round(sec / DAY)} days)`;
  return text;
}

/** A fresh reusable Frame. */
export function newFrame(): Frame {
  return { index: 0, tsSec: 0, tsNsec: 0, linkType: 0, iface: 0, buf: EMPTY, offset: 0, capLen: 0, wireLen: 0 };
}

/**
 * Base of the record-structured parsers. A subclass supplies `measure` (how long is the record
 * starting here), `record` (handle one complete record) and `scan` (its hot loop over a chunk).
 */
export abstract class RecordParser implements CaptureParser {
  /** The one Frame handed to the sink for every packet. */
  protected readonly frame: Frame = newFrame();
  protected readonly stats: CaptureStats;
  /** Absolute input offset of the current chunk's first byte. */
  protected base = 0;
  /** Bytes of the straddling record held in `scratch`, starting at absolute offset `pendingAt`. */
  private scratch: Uint8Array = new Uint8Array(65536);
  private pending = 0;
  private pendingAt = 0;
  /** Total length of the pending record once known (0 while its header is incomplete). */
  private pendingNeed = 0;
  /** Bytes still to skip of a straddling block we do not buffer, which started at `skipAt`. */
  private skip = 0;
  private skipAt = 0;
  private skipLen = 0;
  /** The skipped block's last four bytes (its trailing length), collected as they pass. */
  private readonly skipTail = new Uint8Array(4);
  private _stopped = false;
  /** Absolute offset up to which input has been consumed when stopped mid-chunk. */
  private stoppedAt = -1;
  private droppedWarnings = 0;
  protected packetCount = 0;
  /** The last packet whose time was in range, and that time: what a time out of range is taken as. */
  private goodPacket = 0;
  private goodSec = 0;
  private goodNsec = 0;
  /** Packets whose time was out of range, and the one warning that speaks for all of them. */
  private badTimes = 0;
  private badTimeWarning: CaptureWarning | null = null;
  /** The previous timed packet and its time (prevPacket 0: none yet), for `checkOrder`. */
  private prevPacket = 0;
  private prevSec = 0;
  private prevNsec = 0;
  /** Packets whose time was earlier than the one before, and the one warning that speaks for all of them. */
  private backTimes = 0;
  private backTimeWarning: CaptureWarning | null = null;

  /**
   * @param name what the user named (path or '-'), for messages
   * @param sink receives the frames
   * @param format initial format for the stats
   * @param peekLen bytes that always suffice for `measure` (never more than the shortest record)
   */
  constructor(
    protected readonly name: string,
    protected readonly sink: FrameSink,
    format: CaptureFormat,
    protected peekLen: number,
  ) {
    this.stats = { format, linkTypes: [], packets: 0, bytes: 0, warnings: [] };
  }

  /** Frames emitted so far. */
  get packets(): number {
    return this.packetCount;
  }

  /** Whether parsing has stopped. */
  get stopped(): boolean {
    return this._stopped;
  }

  /**
   * Length of the record starting at `b[off]` (at least `peekLen` bytes are there), or -1 after
   * `damage` was called.
   */
  protected abstract measure(b: Uint8Array, off: number, at: number): number;

  /** Handles one complete record of `len` bytes at `b[off]`, which starts at input offset `at`. */
  protected abstract record(b: Uint8Array, off: number, len: number, at: number): void;

  /** Whether a record this long, starting at `b[off]`, may be skipped unread when it straddles. */
  protected skippable(_b: Uint8Array, _off: number, _len: number): boolean {
    return false;
  }

  /**
   * Checks the last four bytes of a block skipped unread (pcapng repeats the length there);
   * calls `damage` and returns false when they are wrong.
   */
  protected skippedTail(_tail: Uint8Array, _len: number, _at: number): boolean {
    return true;
  }

  /** True once the file header has been read (an input cut before that is not a capture). */
  protected abstract headerComplete(): boolean;

  /** What to say when the input ends inside the file header. */
  protected abstract headerCutMessage(have: number): string;

  /**
   * The hot loop: handle every complete record of `b[pos..end)` and return the offset of the
   * first one that is incomplete (or where parsing stopped). The default calls measure/record.
   */
  protected scan(b: Uint8Array, pos: number, end: number): number {
    while (end - pos >= this.peekLen && !this._stopped) {
      const next = this.scanOne(b, pos, end);
      if (next === pos) return pos;
      pos = next;
    }
    return pos;
  }

  /**
   * Handles the one record at `b[pos]` if it is complete and returns the offset after it; returns
   * `pos` itself when it is incomplete or damaged (the loop stops there), and `end` when it is a
   * straddling record to skip unread.
   */
  protected scanOne(b: Uint8Array, pos: number, end: number): number {
    const len = this.measure(b, pos, this.base + pos);
    if (len < 0) return pos;
    if (end - pos < len) {
      if (this.skippable(b, pos, len)) {
        this.skipAt = this.base + pos;
        this.skipLen = len;
        this.skip = len;
        return this.consumeSkip(b, pos, end);
      }
      return pos;
    }
    this.record(b, pos, len, this.base + pos);
    return pos + len;
  }

  /** Feeds the next chunk of input. */
  push(chunk: Uint8Array): boolean {
    if (this._stopped) return false;
    const end = chunk.length;
    let pos = 0;
    if (this.skip > 0) pos = this.consumeSkip(chunk, 0, end);
    if (this.pending > 0 && pos < end) {
      pos = this.completePending(chunk, pos, end);
    }
    if (pos >= 0 && !this._stopped) {
      pos = this.scan(chunk, pos, end);
      if (!this._stopped && pos < end && this.skip === 0) {
        this.hold(chunk, pos, end);
      }
    }
    if (this._stopped && this.stoppedAt < 0) this.stoppedAt = this.base + Math.max(pos, 0);
    this.base += end;
    this.stats.packets = this.packetCount;
    return !this._stopped;
  }

  /** Stops at the next record boundary. */
  stop(): void {
    this._stopped = true;
  }

  /** Marks the end of input and returns the stats. */
  end(): CaptureStats {
    const s = this.stats;
    s.packets = this.packetCount;
    if (this.stoppedAt >= 0) {
      s.bytes = this.stoppedAt;
    } else if (this._stopped) {
      // Stopped between chunks (an abort, a read error): the input was left unread, it did not
      // end, so a record held incomplete is no damage and no "file ends mid-record" (issue 10).
      // What was read is what the whole records before it span.
      s.bytes = this.skip > 0 ? this.skipAt : this.pending > 0 ? this.pendingAt : this.base;
    } else if (!this.headerComplete()) {
      throw new CaptureError(this.name, 0, this.headerCutMessage(this.pending));
    } else {
      s.bytes = this.base;
      if (this.skip > 0) {
        this.warn(this.skipAt, this.cutMessage(this.skipAt, this.skipLen - this.skip, this.skipLen));
      } else if (this.pending > 0) {
        // A tail held from the end of a chunk has not been measured yet.
        let need = this.pendingNeed;
        if (need === 0 && this.pending >= this.peekLen) need = this.measure(this.scratch, 0, this.pendingAt);
        if (need >= 0) this.warn(this.pendingAt, this.cutMessage(this.pendingAt, this.pending, need));
        else s.bytes = this.stoppedAt;
      }
    }
    if (this.badTimeWarning !== null && this.badTimes > 1) {
      const more = this.badTimes - 1;
      this.badTimeWarning.message += `; so were ${more} more packet${more === 1 ? '' : 's'}, each taken as the last time in range before it`;
      this.badTimeWarning = null;
    }
    if (this.backTimeWarning !== null) {
      const n = this.backTimes;
      this.backTimeWarning.message +=
        n === 1
          ? '; it is the only packet that went back in time: times are used as captured, and durations within a connection are not measured across it (its clock does not go back)'
          : `; ${n} packets in all went back in time: times are used as captured, and durations within a connection are not measured across one (its clock does not go back)`;
      this.backTimeWarning = null;
    }
    if (this.droppedWarnings > 0) {
      s.warnings.push({ offset: null, message: `${this.droppedWarnings} more warnings not shown` });
      this.droppedWarnings = 0;
    }
    return s;
  }

  private cutMessage(at: number, have: number, need: number): string {
    return need > 0
      ? `file ends mid-record at offset ${at} (${have} of ${need} bytes)`
      : `file ends mid-record at offset ${at} (${have} bytes, record header incomplete)`;
  }

  /** Records a recoverable problem at input offset `at`. */
  protected warn(at: number | null, message: string): void {
    if (this.stats.warnings.length < MAX_WARNINGS) this.stats.warnings.push({ offset: at, message } satisfies CaptureWarning);
    else this.droppedWarnings++;
  }

  /**
   * True when the time the subclass put in `this.frame` lies in the range the rest of the program
   * can handle (timestamp.ts, MIN_TS_SEC..MAX_TS_SEC); it then becomes the time a later one out of
   * range is taken as. False otherwise (NaN too): the caller hands the packet to `clampTime`.
   */
  protected keepTime(): boolean {
    const f = this.frame;
    if (f.tsSec >= MIN_TS_SEC && f.tsSec <= MAX_TS_SEC) {
      this.goodPacket = f.index;
      this.goodSec = f.tsSec;
      this.goodNsec = f.tsNsec;
      return true;
    }
    return false;
  }

  /**
   * Replaces the frame's time, out of range, with the last one in range (1970-01-01 before any):
   * the packet still counts for the handshake, and times stay in order. Skipping it instead would
   * lose a SYN to a broken clock. The first such packet gets a warning (`detail` says what the
   * timestamp was); the others only a count, added to it by `end`, so a file of a million bad
   * times still says it in one line.
   */
  protected clampTime(at: number, detail: string): void {
    const f = this.frame;
    if (this.badTimes++ === 0) {
      const where = f.tsSec < MIN_TS_SEC ? 'before 1970' : 'after the year 9999';
      const taken =
        this.goodPacket > 0 ? `packet ${this.goodPacket}'s time, ${isoNanos(this.goodSec, this.goodNsec)}` : `${isoNanos(0, 0)} (no earlier time in range)`;
      // Pushed past MAX_WARNINGS too: it is one line however many packets it counts.
      this.badTimeWarning = { offset: at, message: `packet ${f.index} at offset ${at}: timestamp out of range (${detail}, ${where}), taken as ${taken}` };
      this.stats.warnings.push(this.badTimeWarning);
    }
    f.tsSec = this.goodSec;
    f.tsNsec = this.goodNsec;
  }

  /**
   * Notes the time the subclass put in `this.frame` (in range, or already clamped) for the packet
   * at input offset `at`: a time earlier than the previous packet's (capture order is not time
   * order: a merged capture, a clock stepped back) is counted. The first such packet gets a
   * warning saying how far back it went; the others only a count, added to it by `end`, so a file
   * of a million of them still says it in one line. Called once per packet that has a time (not
   * for a pcapng Simple Packet Block, which has none).
   */
  protected checkOrder(at: number): void {
    const f = this.frame;
    const sec = f.tsSec;
    const nsec = f.tsNsec;
    if (this.prevPacket > 0 && (sec < this.prevSec || (sec === this.prevSec && nsec < this.prevNsec))) {
      if (this.backTimes++ === 0) {
        const back = `${formatGap(this.prevSec - sec, this.prevNsec - nsec)} before packet ${this.prevPacket}'s`;
        // Pushed past MAX_WARNINGS too: it is one line however many packets it counts.
        this.backTimeWarning = { offset: at, message: `packet ${f.index} at offset ${at}: timestamp goes back ${back}` };
        this.stats.warnings.push(this.backTimeWarning);
      }
    }
    this.prevPacket = f.index;
    this.prevSec = sec;
    this.prevNsec = nsec;
  }

  /** Records damage at input offset `at` and stops reading: what came before stands. */
  protected damage(at: number, message: string): void {
    this.warn(at, `${message}; reading stopped`);
    this._stopped = true;
    this.stoppedAt = at;
  }

  /** Notes a link type in the stats (distinct, in order of first appearance). */
  protected noteLinkType(linkType: number): void {
    if (!this.stats.linkTypes.includes(linkType)) this.stats.linkTypes.push(linkType);
  }

  /** Copies the incomplete tail `b[pos..end)` into scratch. */
  private hold(b: Uint8Array, pos: number, end: number): void {
    this.pendingAt = this.base + pos;
    this.pending = 0;
    this.pendingNeed = 0;
    this.append(b, pos, end);
  }

  private append(b: Uint8Array, from: number, to: number): void {
    const n = to - from;
    const want = this.pending + n;
    if (want > this.scratch.length) {
      let size = this.scratch.length * 2;
      while (size < want) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.scratch.subarray(0, this.pending));
      this.scratch = grown;
    }
    this.scratch.set(b.subarray(from, to), this.pending);
    this.pending = want;
  }

  /**
   * Passes over up to `skip` bytes of `b[pos..end)` belonging to a block skipped unread, keeping
   * its last four; once the block is over, checks them. Returns the offset after what it took.
   */
  private consumeSkip(b: Uint8Array, pos: number, end: number): number {
    const n = Math.min(this.skip, end - pos);
    const blockOff = this.skipLen - this.skip; // offset within the block of b[pos]
    const tailStart = this.skipLen - 4;
    for (let i = Math.max(0, tailStart - blockOff); i < n; i++) this.skipTail[blockOff + i - tailStart] = b[pos + i]!;
    this.skip -= n;
    if (this.skip === 0) this.skippedTail(this.skipTail, this.skipLen, this.skipAt);
    return pos + n;
  }

  /**
   * Completes the record held in scratch with bytes from `b[pos..end)`. Returns the offset in
   * `b` after that record, or -1 when the chunk ran out first (or parsing stopped).
   */
  private completePending(b: Uint8Array, pos: number, end: number): number {
    if (this.pendingNeed === 0) {
      const take = Math.min(this.peekLen - this.pending, end - pos);
      if (take > 0) {
        this.append(b, pos, pos + take);
        pos += take;
      }
      if (this.pending < this.peekLen) return -1;
      const len = this.measure(this.scratch, 0, this.pendingAt);
      if (len < 0) return -1;
      // Skip unread, unless the bytes held already reach into the trailing length (a tiny block).
      if (this.pending <= len - 4 && this.skippable(this.scratch, 0, len)) {
        this.skipAt = this.pendingAt;
        this.skipLen = len;
        this.skip = len - this.pending;
        this.pending = 0;
        pos = this.consumeSkip(b, pos, end);
        return this.skip > 0 || this._stopped ? -1 : pos;
      }
      this.pendingNeed = len;
    }
    const take = Math.min(this.pendingNeed - this.pending, end - pos);
    this.append(b, pos, pos + take);
    pos += take;
    if (this.pending < this.pendingNeed) return -1;
    const len = this.pendingNeed;
    this.pending = 0;
    this.pendingNeed = 0;
    this.record(this.scratch, 0, len, this.pendingAt);
    if (this._stopped && this.stoppedAt < 0) this.stoppedAt = this.pendingAt + len;
    return this._stopped ? -1 : pos;
  }
}
