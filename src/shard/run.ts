/**
 * A trace of one capture file over several threads: each thread (worker.ts) reads and decodes the
 * whole file but tracks only its share of the connections, chosen by flow hash (flow/shard.ts),
 * so the tracking, the records and the reducers, nearly all of a trace's time, split across cores,
 * while every thread still sees the capture's clock and packet numbers. Ids are numbered across
 * the threads as one thread numbers them (ids.ts). At the end the threads' counts add up and
 * their summary and diagnostics reducers merge into what one reducer of every record gives.
 *
 * For the outputs that print records, each thread renders the records it makes and sends them
 * here (pieces.ts), where they are merged into the order one thread makes them in and handed to
 * `render.take`, at the output's pace.
 *
 * What differs from one thread: the table is per thread, each its share (`maxConnections`
 * divided by the threads), so on a capture that fills it a different connection may be the one
 * evicted. The finished hold (`finishedHold`) is every thread's whole: a thread holds fewer
 * finished connections than one thread would, so where one thread writes no record early, no
 * thread does (a share could: the hash does not split the connections evenly at every moment);
 * where one thread does, the threads write fewer early, and those records differ.
 */
import { Worker } from 'node:worker_threads';
import { CaptureError, type ProgressFn } from '../capture/frame.js';
import { DiagnosticsCollector } from '../diagnose/diagnose.js';
import type { Report } from '../diagnose/types.js';
import { SummaryCounter } from '../tcp/summary.js';
import { DEFAULTS, reportOf, type TraceTally } from '../trace.js';
import { sharedIds } from './ids.js';
import { CREDIT_BYTES, PieceMerge, sharedFlow, type Piece } from './pieces.js';
import type { RenderJob, ShardJob, ShardMessage, ShardTally, ShardTraceOptions } from './protocol.js';

/** The records of a sharded trace, rendered in its threads and written by the starting thread. */
export interface ShardedRender {
  job: RenderJob;
  /**
   * Takes the next rendered record, in the order one thread makes them (NDJSON: as connections
   * finish; text and JSON: as records are final); a promise when the output must drain first.
   */
  take(piece: Piece): Promise<void> | null;
  /** Aborts when nobody reads the output any more: the threads then render nothing. */
  ended?: AbortSignal;
  /** Bytes each thread may have sent that `take` has not taken yet, before it waits (default 8 MB). */
  credit?: number;
}

/** Options of a sharded trace: a thread's, plus what only the starting thread handles. */
export interface ShardedOptions extends ShardTraceOptions {
  firstId?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** For the outputs that print records (absent: --summary). */
  render?: ShardedRender;
}

/** Traces the capture file at `path` over `threads` threads; the report is one thread's. */
export async function traceSharded(path: string, threads: number, options: ShardedOptions): Promise<Report> {
  const { firstId, signal, onProgress, render, ...plain } = options;
  const ids = sharedIds(threads, firstId ?? 0);
  const cap = plain.maxConnections ?? DEFAULTS.maxConnections;
  const hold = plain.finishedHold ?? DEFAULTS.finishedHold;
  const share: ShardTraceOptions = { ...plain, maxConnections: Math.ceil(cap / threads), finishedHold: hold };
  const flow = render === undefined ? null : sharedFlow(threads);
  const merge = render === undefined ? null : new PieceMerge(threads, flow!, (p) => render.take(p));
  const workers: Worker[] = [];
  const stop = () => {
    for (const w of workers) w.postMessage({ type: 'stop' });
    // A thread waiting for the output gets no message: it reads the flag (pieces.ts).
    merge?.signal(false);
  };
  const drop = () => merge?.signal(true);
  signal?.addEventListener('abort', stop, { once: true });
  render?.ended?.addEventListener('abort', drop, { once: true });
  if (render?.ended?.aborted) drop();
  // A thread that failed otherwise than on the capture (which every thread reads alike) ends the run at once.
  let fatal: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fatal = reject));
  failed.catch(() => {});
  try {
    // Every thread is a worker, this one only waits: were it a thread of the trace, it could not
    // notice a worker that died (its event loop would be blocked waiting for that worker's progress).
    const ended = Promise.allSettled(
      Array.from({ length: threads }, (_, index) => {
        const job: ShardJob = { path, index, ids, options: share, render: render?.job ?? null, flow, credit: render?.credit ?? CREDIT_BYTES };
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
        workers.push(worker);
        return new Promise<ShardTally>((resolve, reject) => {
          let settled = false;
          worker.on('message', (m: ShardMessage) => {
            if (m.type === 'progress') onProgress?.(m.bytes, m.packets);
            else if (m.type === 'pieces') merge?.add(index, m);
            else {
              settled = true;
              if (m.type === 'done') resolve(m.tally);
              else if (m.capture !== null) reject(new CaptureError(m.capture.source, m.capture.offset, m.capture.detail));
              else fatal(new Error(m.message));
            }
          });
          worker.on('error', fatal);
          worker.on('exit', (code) => {
            if (!settled) fatal(new Error(`thread ${index} of the trace exited with status ${code}`));
          });
        });
      }),
    );
    const results = await Promise.race([ended, failed]);
    // Every thread has ended (each sent its last batch before its tally or error): write what they made.
    await Promise.race([merge?.drained(), failed]);
    const rejected = results.find((r) => r.status === 'rejected');
    // A damaged capture fails every thread alike, where one thread fails: after the records made before it.
    if (rejected !== undefined) throw rejected.reason;
    const tallies = results.map((r) => (r as PromiseFulfilledResult<ShardTally>).value);
    return reportOf(mergeTallies(tallies, path, cap, hold, plain));
  } finally {
    signal?.removeEventListener('abort', stop);
    render?.ended?.removeEventListener('abort', drop);
    // Nothing waits for credit any more (a thread that failed leaves the others waiting for it).
    merge?.signal(true);
    // End them all (a finished one is gone already).
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The tally one thread would have made: counts added up, reducers merged, the frames' numbers from the first. */
function mergeTallies(tallies: ShardTally[], name: string, cap: number, hold: number, o: ShardTraceOptions): TraceTally {
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
