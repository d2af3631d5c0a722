/**
 * One 32-bit hash step for the tables keyed by packet fields: the flow table, the tunnel paths and
 * the fragment chains (decode/ and flow/), and the segment digests of tcp/analysis.ts. Here, in the
 * leftmost stage that needs it, so every later stage imports the same one.
 */

/** murmur3's mix of one word into a running hash. */
export function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
