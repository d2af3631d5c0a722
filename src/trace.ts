/**
 * The one place that wires the stages: capture -> decode -> flow -> tcp -> diagnose.
 * Also the programmatic API (`import { trace } from 'tcptrace'`).
 */
import type { CaptureSource, ProgressFn } from './capture/frame.js';
import type { Report } from './diagnose/types.js';
import type { ConnectionRecord } from './tcp/model.js';

export interface TraceOptions {
  /** Maximum segment lifetime in seconds; TIME-WAIT lasts 2·MSL. Default 30 (Linux's 60 s TIME-WAIT). */
  mslSec?: number;
  /** A connection with no packet for this many seconds is finished and evicted. Default 300. */
  idleTimeoutSec?: number;
  /** Most connections tracked at once; beyond it new ones are counted and dropped. Default 1,000,000. */
  maxConnections?: number;
  /** Keep every segment of every connection in `segments` (for `--all`), not only the exchanges. */
  allSegments?: boolean;
  /** Called with each connection record as soon as it is finished (NDJSON streaming, live capture). */
  onConnection?: (record: ConnectionRecord) => void;
  /** Input progress, for the spinner. */
  onProgress?: ProgressFn;
  /** Stops reading (live capture's Ctrl-C); the report then describes every endpoint as of that moment. */
  signal?: AbortSignal;
}

/** Reads a source to its end and returns the report (connections in order of first packet). */
export async function trace(source: CaptureSource, options: TraceOptions = {}): Promise<Report> {
  void source;
  void options;
  throw new Error('trace(): not wired yet');
}
