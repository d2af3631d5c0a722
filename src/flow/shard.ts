/**
 * Which thread of a sharded trace (shard/run.ts) tracks a segment's connection: both directions
 * of a 4-tuple (and tunnel path) hash alike (flowHash), so a connection's every segment goes to one
 * thread. The hash's high bits pick the thread: its low bits pick the flow table's bucket in that
 * thread, and a shard by the low bits would leave half of every table's buckets empty.
 */
import type { Segment } from '../decode/segment.js';
import { compareEndpoints, flowHash } from './flow-table.js';

/** The shard, 0 to count - 1, of `seg`'s connection. */
export function flowShard(seg: Segment, count: number): number {
  const h = flowHash(seg, compareEndpoints(seg) <= 0) >>> 0;
  // Multiply-shift range reduction: uniform over [0, count) from the top bits.
  return Math.floor((h / 4294967296) * count);
}
