/**
 * A sharded trace (src/shard/) against one thread, on every capture under fixtures/ (kernel
 * recordings and the tcpdump corpus): the threads, each tracking its share of the connections,
 * make together exactly the records one thread makes, ids included (numbered across the threads
 * in order of first packet), with 2 and 3 threads. Real worker threads, so the waits for another
 * thread's progress happen as they do in use.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { sharedIds } from '../../src/shard/ids.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { traceTally, type TraceOptions } from '../../src/trace.js';
import { ensureBuilt, ROOT } from '../helpers/built.js';

const captures = (readdirSync(join(ROOT, 'fixtures'), { recursive: true }) as string[])
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .map((f) => relative(ROOT, join(ROOT, 'fixtures', f)))
  .sort();

/** Threads kept for every trace of the test (starting one costs more than tracing a fixture). */
const pool: Worker[] = [];
afterAll(() => Promise.all(pool.map((w) => w.terminate())));

/** The records of `path` from `threads` threads, by id. */
async function sharded(path: string, threads: number, options: TraceOptions): Promise<ConnectionRecord[]> {
  while (pool.length < threads) pool.push(new Worker(new URL('./records-worker.mjs', import.meta.url)));
  const ids = sharedIds(threads, options.firstId ?? 0);
  const parts = await Promise.all(
    pool.slice(0, threads).map(
      (w, index) =>
        new Promise<ConnectionRecord[]>((resolve, reject) => {
          w.once('message', (m: { records?: ConnectionRecord[]; error?: string }) => (m.records ? resolve(m.records) : reject(new Error(m.error))));
          w.postMessage({ path, index, ids, options });
        }),
    ),
  );
  return parts.flat().sort((a, b) => a.id - b.id);
}

/** The records of `path` from one thread, by id (the same table limits as each thread's). */
async function single(path: string, options: TraceOptions): Promise<ConnectionRecord[]> {
  const records: ConnectionRecord[] = [];
  await traceTally(openCapture(path), { ...options, keepRecords: false, onRecord: (r) => records.push(r) });
  return records.sort((a, b) => a.id - b.id);
}

describe('a sharded trace makes the records of one thread', () => {
  beforeAll(ensureBuilt, 120_000);

  it('finds the captures', () => expect(captures.length).toBeGreaterThan(150));

  // Each thread its own worker: a few captures per test keeps the test count readable.
  const batches: string[][] = [];
  for (let i = 0; i < captures.length; i += 20) batches.push(captures.slice(i, i + 20));
  for (const batch of batches) {
    it(`${batch[0]} ... (${batch.length} captures), 2 and 3 threads`, async () => {
      for (const f of batch) {
        const path = join(ROOT, f);
        // NDJSON's table (every record written as it finishes) and the text output's, a first id past 0.
        for (const options of [{ finishedHold: 0, keepSegments: true }, { firstId: 7 }] as TraceOptions[]) {
          let want: ConnectionRecord[];
          try {
            want = await single(path, options);
          } catch {
            continue; // a capture the tracer rejects (tested elsewhere)
          }
          for (const threads of [2, 3]) expect(await sharded(path, threads, options), `${f} ${threads} threads ${JSON.stringify(options)}`).toEqual(want);
        }
      }
    }, 120_000);
  }
});
