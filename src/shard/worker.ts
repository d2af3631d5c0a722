/**
 * One thread of a sharded trace (run.ts starts it): reads the whole capture, tracks the
 * connections of its shard (trace.ts `shard`), and posts back what it found as plain data: the
 * counts, and the summary's and diagnostics' reducer states, which the starting thread merges.
 * For the outputs that print records it also renders each record it makes and sends it on, with
 * where in the read it was made (pieces.ts), for the starting thread to write in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openCapture } from '../capture/open.js';
import { CaptureError } from '../capture/frame.js';
import { jsonConnectionBytes, ndjsonLineBytes } from '../report/json.js';
import { newTextContext, renderConnectionEntry } from '../report/text.js';
import type { ConnectionRecord } from '../tcp/model.js';
import { traceTally, type RecordOrder, type TraceTally } from '../trace.js';
import { ShardIds } from './ids.js';
import { PieceBatcher } from './pieces.js';
import { shardTally, type ShardJob, type ShardMessage } from './protocol.js';

const job = workerData as ShardJob;
const port = parentPort!;
const ac = new AbortController();
port.on('message', (m: { type: 'stop' }) => {
  if (m.type === 'stop') ac.abort();
});

const post = (m: ShardMessage) => port.postMessage(m);
const ids = new ShardIds(job.ids, job.index);
const render = job.render;
const pieces =
  render === null
    ? null
    : new PieceBatcher(
        job.flow!,
        job.index,
        ids,
        (m, transfer) => port.postMessage(m, transfer),
        () => ac.abort(),
        job.credit,
      );
if (pieces !== null) ids.listener = (read, waiting) => pieces.progress(read, waiting);

// Explanations, the context's only use, are told once per output: --explain traces in one thread.
const ctx = newTextContext();

/** Renders a record the output prints into its piece (nothing once nobody reads the output). */
function take(r: ConnectionRecord, made: RecordOrder): void {
  if (pieces === null || render === null || pieces.dropping) return;
  const text =
    render.mode === 'json'
      ? jsonConnectionBytes(r, false)
      : render.mode === 'ndjson'
        ? ndjsonLineBytes(r, render.head)
        : renderConnectionEntry(r, render.text, ctx);
  pieces.add(made, r.id, text);
}

let failure: unknown = null;
let tally: TraceTally | null = null;
try {
  tally = await traceTally(openCapture(job.path), {
    ...job.options,
    keepRecords: false,
    shard: ids,
    signal: ac.signal,
    // NDJSON writes a record as its connection finishes, text and JSON when it is final.
    onConnection: render?.mode === 'ndjson' ? take : undefined,
    onRecord: render !== null && render.mode !== 'ndjson' ? (r, _frontier, _selected, made) => take(r, made) : undefined,
    // One thread says how far the read is: they all read the same bytes.
    onProgress: job.index === 0 ? (bytes, packets) => post({ type: 'progress', bytes, packets }) : undefined,
  });
} catch (e) {
  failure = e;
}
// Everything made, also before an error: one thread writes what it made before it fails.
pieces?.finish();
if (tally !== null) post({ type: 'done', tally: shardTally(tally) });
else {
  const e = failure;
  post(
    e instanceof CaptureError
      ? { type: 'error', capture: { source: e.source, offset: e.offset, detail: e.detail }, message: e.message }
      : { type: 'error', capture: null, message: e instanceof Error ? e.message : String(e) },
  );
}
