/**
 * One thread of a sharded trace (run.ts starts it): reads the whole capture, tracks the
 * connections of its shard (trace.ts `shard`), and posts back what it found as plain data: the
 * counts, and the summary's and diagnostics' reducer states, which the starting thread merges.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openCapture } from '../capture/open.js';
import { CaptureError } from '../capture/frame.js';
import { traceTally } from '../trace.js';
import { ShardIds } from './ids.js';
import { shardTally, type ShardJob, type ShardMessage } from './protocol.js';

const job = workerData as ShardJob;
const port = parentPort!;
const ac = new AbortController();
port.on('message', (m: { type: 'stop' }) => {
  if (m.type === 'stop') ac.abort();
});

const post = (m: ShardMessage) => port.postMessage(m);

try {
  const tally = await traceTally(openCapture(job.path), {
    ...job.options,
    keepRecords: false,
    shard: new ShardIds(job.ids, job.index),
    signal: ac.signal,
    // One thread says how far the read is: they all read the same bytes.
    onProgress: job.index === 0 ? (bytes, packets) => post({ type: 'progress', bytes, packets }) : undefined,
  });
  post({ type: 'done', tally: shardTally(tally) });
} catch (e) {
  post(
    e instanceof CaptureError
      ? { type: 'error', capture: { source: e.source, offset: e.offset, detail: e.detail }, message: e.message }
      : { type: 'error', capture: null, message: e instanceof Error ? e.message : String(e) },
  );
}
