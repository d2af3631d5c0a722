/**
 * Connection ids across the threads of a sharded trace (src/shard/ids.ts): each thread's view
 * numbers its own connections as one thread numbering all of them in order of first packet
 * would, whatever share of the packets each thread starts connections at. The threads are
 * simulated here in one thread, reading frame by frame in lockstep (so nobody ever waits); the
 * waits themselves are exercised by the real threads in trace.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardIds, sharedIds } from '../../src/shard/ids.js';

describe('ShardIds', () => {
  it('numbers every connection by its first packet across the threads', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        // Per frame: the thread whose connection it is, and whether it starts one.
        fc.array(fc.tuple(fc.nat(3), fc.boolean()), { maxLength: 3000 }),
        fc.nat(1000),
        (count, frames, first) => {
          const init = sharedIds(count, first);
          const views = Array.from({ length: count }, (_, k) => new ShardIds(init, k));
          const started: Array<{ shard: number; j: number; packet: number }> = [];
          frames.forEach(([owner, starts], i) => {
            const packet = i + 1;
            for (const v of views) v.at(packet);
            if (starts) {
              const shard = owner % count;
              started.push({ shard, j: views[shard]!.started(packet), packet });
            }
          });
          for (const v of views) v.over();
          started.forEach((s, rank) => expect(views[s.shard]!.id(s.j)).toBe(first + rank));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers without waiting once the other threads have published the frames before', () => {
    const init = sharedIds(2, 0);
    const a = new ShardIds(init, 0);
    const b = new ShardIds(init, 1);
    // b starts connections at frames 1 and 3; a at frame 2. b has read to frame 256 (published
    // every 256 frames), a to frame 2.
    for (let p = 1; p <= 256; p++) {
      b.at(p);
      if (p === 1 || p === 3) b.started(p);
    }
    a.at(1);
    a.at(2);
    const j = a.started(2);
    expect(a.id(j)).toBe(1);
    a.over();
    // Frame 3's connection is after a's: its id counts it.
    expect(b.id(1)).toBe(2);
    expect(b.id(0)).toBe(0);
  });

  it('keeps numbering past the first block of a growing log', () => {
    const init = sharedIds(2, 10);
    const a = new ShardIds(init, 0);
    const b = new ShardIds(init, 1);
    const n = 200_000;
    for (let p = 1; p <= n; p++) {
      a.at(p);
      b.at(p);
      (p % 2 === 0 ? a : b).started(p);
    }
    a.over();
    b.over();
    expect(a.id(0)).toBe(11);
    expect(b.id(0)).toBe(10);
    expect(a.id(n / 2 - 1)).toBe(10 + n - 1);
  });
});
