/**
 * What the threads of a sharded trace tell each other (run.ts starts them, worker.ts is one):
 * plain data only, as postMessage copies it.
 */
import type { CaptureStats } from '../capture/frame.js';
import type { DiagnosticsState } from '../diagnose/diagnose.js';
import type { TextOptions } from '../report/text.js';
import type { SummaryState } from '../tcp/summary.js';
import type { TraceOptions, TraceTally } from '../trace.js';
import type { SharedIdsInit } from './ids.js';
import type { PiecesMessage } from './pieces.js';

/** The trace options a thread can be given: the plain ones (no callbacks, no signal). */
export type ShardTraceOptions = Pick<
  TraceOptions,
  | 'mslSec'
  | 'idleTimeoutSec'
  | 'maxConnections'
  | 'finishedHold'
  | 'allSegments'
  | 'keepSegments'
  | 'segmentTimestamps'
  | 'portRange'
  | 'diagnostics'
  | 'packetLimit'
>;

/**
 * What the threads render their records into (pieces.ts brings them to the starting thread):
 * text ladders (report/text.ts renderConnection), elements of the JSON document's `connections`
 * (jsonConnectionBytes, each with its comma: the writer drops the first one's), or NDJSON lines
 * (ndjsonLineBytes after `head`, as each connection finishes).
 */
export interface RenderJob {
  mode: 'text' | 'json' | 'ndjson';
  text: TextOptions;
  /** What each NDJSON line starts with (ndjsonHead). */
  head: string;
}

/** What a thread is started with (its workerData). */
export interface ShardJob {
  path: string;
  index: number;
  ids: SharedIdsInit;
  options: ShardTraceOptions;
  /** Null for --summary: no records leave the thread. */
  render: RenderJob | null;
  /** pieces.ts's shared words (flags and credits), with `render`. */
  flow: SharedArrayBuffer | null;
  /** Bytes of rendered records a thread may have sent and the output not taken yet (pieces.ts). */
  credit: number;
}

/** A thread's tally as plain data: its reducers as their states. */
export interface ShardTally {
  name: string;
  stats: CaptureStats;
  frames: TraceTally['frames'];
  counts: TraceTally['counts'];
  summary: SummaryState;
  diagnostics: DiagnosticsState | null;
}

/** A thread's tally as plain data. */
export function shardTally(t: TraceTally): ShardTally {
  return {
    name: t.name,
    stats: t.stats,
    frames: t.frames,
    counts: t.counts,
    summary: t.summary.state(),
    diagnostics: t.diagnostics?.state() ?? null,
  };
}

/** From a worker to the thread that started it. */
export type ShardMessage =
  | { type: 'progress'; bytes: number; packets: number }
  | PiecesMessage
  | { type: 'done'; tally: ShardTally }
  | { type: 'error'; capture: { source: string; offset: number | null; detail: string } | null; message: string };
