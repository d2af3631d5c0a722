import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { growthFactor, YOUNG_GENERATION_BYTES } from '../../src/cli/heap.js';
import { ensureBuilt, ROOT } from '../helpers/built.js';

const MiB = 1024 * 1024;

describe('growthFactor', () => {
  it('takes the young generation to the target in one growth, and no further', () => {
    expect(growthFactor(1 * MiB, 16 * MiB)).toBe(16);
    expect(growthFactor(2 * MiB, 16 * MiB)).toBe(8);
    expect(growthFactor(4 * MiB, 16 * MiB)).toBe(4);
    expect(growthFactor(8 * MiB, 16 * MiB)).toBe(2);
    // Never past it: 3 MiB grows to 15.
    expect(growthFactor(3 * MiB, 16 * MiB)).toBe(5);
    expect(growthFactor(12 * MiB, 16 * MiB)).toBe(1);
    expect(growthFactor(16 * MiB, 16 * MiB)).toBe(1);
    expect(growthFactor(32 * MiB, 16 * MiB)).toBe(1);
    expect(growthFactor(0, 16 * MiB)).toBe(1);
  });
});

/**
 * A process that keeps a ring of objects alive long enough to survive scavenges (what a trace's
 * connections do), across event-loop turns as a read's chunks are (a chunk's worth of allocation
 * each: the cap is watched between turns, so a turn that allocates many megabytes could grow the
 * space twice before it is seen), and prints the largest young generation it saw. With `cap`, it
 * first does what bin/tcptrace.js does.
 */
function largestYoungGeneration(cap: boolean): number {
  const heap = pathToFileURL(path.join(ROOT, 'dist/cli/heap.js')).href;
  const script = `
    import v8 from 'node:v8';
    const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    if (${cap}) (await import(${JSON.stringify(heap)})).capYoungGeneration();
    const ring = new Array(40000).fill(null);
    let max = size();
    for (let turn = 0; turn < 2000; turn++) {
      for (let i = 0; i < 1000; i++) ring[(turn * 1000 + i) % ring.length] = { a: [turn, i, turn * i], s: 'x' + i };
      max = Math.max(max, size());
      await new Promise((r) => setImmediate(r));
    }
    process.stdout.write(String(max));
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('capYoungGeneration (the real V8)', () => {
  beforeAll(ensureBuilt, 120_000);

  it('holds the young generation at 16 MiB where V8 alone grows it further', () => {
    // The workload is enough to grow it past the cap: else this test would prove nothing.
    expect(largestYoungGeneration(false)).toBeGreaterThan(YOUNG_GENERATION_BYTES);
    const capped = largestYoungGeneration(true);
    expect(capped).toBeLessThanOrEqual(YOUNG_GENERATION_BYTES);
    expect(capped).toBeGreaterThanOrEqual(YOUNG_GENERATION_BYTES / 2);
  });
});
