/**
 * Raw big/little-endian reads. Callers check bounds first (every decoder compares against
 * `capEnd` before reading), so these never throw and never allocate; unlike Buffer.readUInt*
 * they work on any Uint8Array and V8 inlines them.
 */

/** Reads an unsigned 16-bit big-endian value at `o`. */
export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** Reads an unsigned 32-bit big-endian value at `o`. */
export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
