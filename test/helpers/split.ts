/**
 * Splitting finished records into parts as worker threads would trace them (by a hash of the flow),
 * and other ways (by id, at random), for the tests that merge reducers fed the parts. Random
 * choices come from a seeded generator: a failure replays.
 */
import type { ConnectionRecord } from '../../src/tcp/model.js';

/** A seeded generator of numbers in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy of `xs` (Fisher-Yates). */
export function shuffled<T>(xs: readonly T[], random: () => number): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** FNV-1a of a record's 4-tuple, the same from either direction: the hash a sharded tracer would use. */
export function flowHash(r: ConnectionRecord): number {
  const a = `${r.client.ip}|${r.client.port}`;
  const b = `${r.server.ip}|${r.server.port}`;
  const key = a < b ? `${a}|${b}` : `${b}|${a}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A way of putting each record in one of k parts. */
export interface Split {
  name: string;
  k: number;
  partOf: (r: ConnectionRecord) => number;
}

/** Splits into 2 and 3 parts: by flow hash, by id modulo k, and at random (seeded). */
export function splits(seed = 1): Split[] {
  return [2, 3].flatMap((k): Split[] => {
    const random = seeded(seed * 31 + k);
    return [
      { name: `flow hash % ${k}`, k, partOf: (r) => flowHash(r) % k },
      { name: `id % ${k}`, k, partOf: (r) => r.id % k },
      { name: `random / ${k}`, k, partOf: () => Math.floor(random() * k) },
    ];
  });
}

/** The records of each part, each part in an order of its own (shuffled: records arrive as their connections end). */
export function parts(records: readonly ConnectionRecord[], split: Split, random: () => number): ConnectionRecord[][] {
  const out: ConnectionRecord[][] = Array.from({ length: split.k }, () => []);
  for (const r of records) out[split.partOf(r)]!.push(r);
  return out.map((p) => shuffled(p, random));
}
