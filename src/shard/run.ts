/**
 * A trace of one capture file over several threads: each thread (worker.ts) reads and decodes the
 * whole file but tracks only its share of the connections, chosen by flow hash (flow/shard.ts),
 * so the tracking, the records and the reducers, nearly all of a trace's time, split across cores,
 * while every thread still sees the capture's clock and packet numbers. Ids are numbered across
 * the threads as one thread numbers them (ids.ts). At the end the threads' counts add up and
 * their summary and diagnostics reducers merge into what one reducer of every record gives.
 *
 * What differs from one thread: the table limits are per thread, each its share
 * (`maxConnections` and `finishedHold` divided by the threads), so on a capture that fills them
 * a different connection may be the one evicted or written early.
 */
import { Worker } from 'node:worker_threads';
import { CaptureError, type ProgressFn } from '../capture/frame.js';
import { DiagnosticsCollector } from '../diagnose/diagnose.js';
import type { Report } from '../diagnose/types.js';
import { SummaryCounter } from '../tcp/summary.js';
import { DEFAULTS, reportOf, type TraceTally } from '../trace.js';
import { sharedIds } from './ids.js';
import type { ShardJob, ShardMessage, ShardTally, ShardTraceOptions } from './protocol.js';

/** Options of a sharded trace: a thread's, plus what only the starting thread handles. */
export interface ShardedOptions extends ShardTraceOptions {
  firstId?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** Traces the capture file at `path` over `threads` threads; the report is one thread's. */
export async function traceSharded(path: string, threads: number, options: ShardedOptions): Promise<Report> {
  const { firstId, signal, onProgress, ...plain } = options;
  const ids = sharedIds(threads, firstId ?? 0);
  const cap = plain.maxConnections ?? DEFAULTS.maxConnections;
  const hold = plain.finishedHold ?? DEFAULTS.finishedHold;
  const share: ShardTraceOptions = {
    ...plain,
    maxConnections: Math.ceil(cap / threads),
    finishedHold: Math.ceil(hold / threads),
  };
  const workers: Worker[] = [];
  const stop = () => {
    for (const w of workers) w.postMessage({ type: 'stop' });
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // Every thread is a worker, this one only waits: were it a thread of the trace, it could not
    // notice a worker that died (its event loop would be blocked waiting for that worker's progress).
    const tallies = await Promise.all(
      Array.from({ length: threads }, (_, index) => {
        const job: ShardJob = { path, index, ids, options: share };
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
        workers.push(worker);
        return new Promise<ShardTally>((resolve, reject) => {
          worker.on('message', (m: ShardMessage) => {
            if (m.type === 'progress') onProgress?.(m.bytes, m.packets);
            else if (m.type === 'done') resolve(m.tally);
            else reject(m.capture === null ? new Error(m.message) : new CaptureError(m.capture.source, m.capture.offset, m.capture.detail));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`thread ${index} of the trace exited with status ${code}`)));
        });
      }),
    );
    return reportOf(merge(tallies, path, cap, hold, plain));
  } finally {
    signal?.removeEventListener('abort', stop);
    // A thread that failed leaves the others waiting for it: end them all (a finished one is gone already).
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The tally one thread would have made: counts added up, reducers merged, the frames' numbers from the first. */
function merge(tallies: ShardTally[], name: string, cap: number, hold: number, o: ShardTraceOptions): TraceTally {
  const first = tallies[0]!;
  const summary = new SummaryCounter();
  const diagnostics = first.diagnostics === null ? null : new DiagnosticsCollector();
  const counts = { lateSegments: 0, droppedSegments: 0, evicted: 0, all: 0, hold, maxConnections: cap };
  for (const t of tallies) {
    summary.absorb(t.summary);
    if (t.diagnostics !== null) diagnostics?.absorb(t.diagnostics);
    counts.lateSegments += t.counts.lateSegments;
    counts.droppedSegments += t.counts.droppedSegments;
    counts.evicted += t.counts.evicted;
    counts.all += t.counts.all;
  }
  return {
    name,
    stats: first.stats,
    connections: [],
    frames: first.frames,
    counts,
    summary,
    diagnostics,
    mslSec: o.mslSec ?? DEFAULTS.mslSec,
    portRange: o.portRange ?? DEFAULTS.portRange,
    packetLimit: o.packetLimit,
  };
}
