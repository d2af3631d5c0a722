/**
 * Raw integer reads for the capture headers. Plain byte math, no bounds checks: callers have
 * checked the length already (Buffer.readUInt32LE would check again and throw RangeError).
 */

/** Unsigned 32-bit integer at `o`, little-endian when `le`, else big-endian. */
export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Unsigned 16-bit integer at `o`, little-endian when `le`, else big-endian. */
export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

/** Signed 64-bit integer at `o` as a number (exact up to ±2^53, which is all a time offset needs). */
export function i64(b: Uint8Array, o: number, le: boolean): number {
  const hi = le ? u32(b, o + 4, true) : u32(b, o, false);
  const lo = le ? u32(b, o, true) : u32(b, o + 4, false);
  return (hi | 0) * 4294967296 + lo;
}

/** Hex rendering of a 32-bit value for messages: 0x0a0d0d0a. */
export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
