/**
 * pcapng timestamps: a 64-bit count of units since the epoch, split into two u32 halves, where
 * a unit is 10^-n or 2^-n seconds (if_tsresol, RFC draft-ietf-opsawg-pcapng §4.2), converted to
 * whole seconds and nanoseconds exactly.
 *
 * A double holds integers exactly up to 2^53, and microseconds since 1970 stay below that until
 * the year 2255, so the common case is one division. Other resolutions use long division in
 * doubles (exact while the units per second stay below 2^37, i.e. every resolution up to 10^-11
 * and 2^-36), and only beyond that fall back to BigInt, which costs an allocation per packet.
 */

/** How one interface's timestamps are converted (computed once per IDB). */
export interface TsResolution {
  /** Units per second as a number (exact when < 2^53). */
  readonly perSec: number;
  /** Units per second as a BigInt, for the slow path. */
  readonly perSecBig: bigint;
  /** 0: microseconds; 1: long division in doubles; 2: BigInt. */
  readonly path: 0 | 1 | 2;
  /** Nanoseconds = rem * nsMul / nsDiv, floored (nsDiv a power of ten or of two). */
  readonly nsMul: number;
  readonly nsDiv: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  readonly offsetSec: number;
  /** The if_tsresol byte this came from, for messages. */
  readonly code: number;
}

const TWO32 = 4294967296;
const TWO37 = 2 ** 37;

/**
 * The conversion for an if_tsresol byte (high bit set: 2^-n, else 10^-n) and an if_tsoffset in
 * seconds. Returns null for a resolution we cannot represent (finer than 10^-19 or 2^-63).
 */
export function tsResolution(code: number, offsetSec = 0): TsResolution | null {
  const pow2 = (code & 0x80) !== 0;
  const n = code & 0x7f;
  if (pow2 ? n > 63 : n > 19) return null;
  const perSecBig = pow2 ? 1n << BigInt(n) : 10n ** BigInt(n);
  const perSec = Number(perSecBig);
  let path: 0 | 1 | 2 = 2;
  let nsMul = 1;
  let nsDiv = 1;
  if (!pow2 && n === 6) {
    path = 0;
    nsMul = 1000;
  } else if (perSec < TWO37) {
    if (!pow2) {
      path = 1;
      if (n <= 9) nsMul = 10 ** (9 - n);
      else nsDiv = 10 ** (n - 9);
    } else if (n <= 23) {
      // rem < 2^23, so rem * 1e9 < 2^53: exact before the (exact) power-of-two division.
      path = 1;
      nsMul = 1e9;
      nsDiv = perSec;
    }
  }
  return { perSec, perSecBig, path, nsMul, nsDiv, offsetSec, code };
}

/** The default resolution when an IDB has no if_tsresol: microseconds. */
export const MICROSECONDS: TsResolution = tsResolution(6)!;

/** Where `splitTimestamp` leaves its result (reused: no allocation per packet). */
export interface TimeOut {
  tsSec: number;
  tsNsec: number;
}

/** Converts the 64-bit unit count (hi, lo) to seconds and nanoseconds, into `out`. */
export function splitTimestamp(hi: number, lo: number, r: TsResolution, out: TimeOut): void {
  if (r.path === 0 && hi < 0x100000) {
    // hi < 2^20: units < 2^52, and the quotient's rounding cannot reach the next integer.
    const units = hi * TWO32 + lo;
    let sec = Math.floor(units / 1e6);
    let rem = units - sec * 1e6;
    if (rem < 0) {
      sec -= 1;
      rem += 1e6;
    } else if (rem >= 1e6) {
      sec += 1;
      rem -= 1e6;
    }
    out.tsSec = sec + r.offsetSec;
    out.tsNsec = rem * 1000;
    return;
  }
  const d = r.perSec;
  if (r.path !== 2 && hi / d < 0x200000) {
    // Long division by 16-bit digits: every partial dividend is < d * 2^16 < 2^53.
    const qh = Math.floor(hi / d);
    let rem = hi - qh * d;
    let t = rem * 65536 + (lo >>> 16);
    const q1 = Math.floor(t / d);
    rem = t - q1 * d;
    t = rem * 65536 + (lo & 0xffff);
    const q2 = Math.floor(t / d);
    rem = t - q2 * d;
    out.tsSec = qh * TWO32 + q1 * 65536 + q2 + r.offsetSec;
    out.tsNsec = r.nsDiv === 1 ? rem * r.nsMul : Math.floor((rem * r.nsMul) / r.nsDiv);
    return;
  }
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  const D = r.perSecBig;
  out.tsSec = Number(units / D) + r.offsetSec;
  out.tsNsec = Number(((units % D) * 1_000_000_000n) / D);
}

/**
 * The range of capture times a reader passes on: 1970-01-01T00:00:00Z up to the last second of
 * the year 9999. Any later, and the output's ISO-8601 times (four-digit years) could not be
 * written, nor JavaScript Dates made past year 275760; any earlier is not a capture clock. A
 * pcapng holds far more (64-bit units plus a signed 64-bit if_tsoffset: 2^64 seconds with
 * if_tsresol 10^0), so its reader checks every packet against this (parser.ts, `keepTime`).
 * A classic pcap cannot leave it: ts_sec is a u32 and a carried fraction adds at most 4,294 s.
 */
export const MIN_TS_SEC = 0;
export const MAX_TS_SEC = 253_402_300_799; // 9999-12-31T23:59:59Z

/**
 * The exact arithmetic behind a pcapng timestamp, for the warning about one out of range (the
 * fast conversion is not exact that far out): "18446744073709551615 units of 1 s = ... s".
 */
export function describeTimestamp(hi: number, lo: number, r: TsResolution): string {
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  const n = r.code & 0x7f;
  const unit = n === 0 ? '1 s' : (r.code & 0x80) !== 0 ? `2^-${n} s` : `10^-${n} s`;
  // offsetSec came from a signed 64-bit field as a double: an integer, so BigInt() takes it.
  const offset = BigInt(r.offsetSec);
  const plus = offset === 0n ? '' : ` ${offset < 0n ? '-' : '+'} if_tsoffset ${offset < 0n ? -offset : offset} s`;
  return `${units} units of ${unit}${plus} = ${units / r.perSecBig + offset} s since 1970`;
}

/** A time known to be in range as ISO-8601 UTC with nanoseconds: 2023-11-14T22:13:20.000000001Z. */
export function isoNanos(sec: number, nsec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
}
