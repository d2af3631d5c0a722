// One thread of a sharded trace for trace.test.ts, reused job after job: traces its share of a
// capture and posts every record it made (dist/: a worker runs JavaScript, not the TypeScript sources).
import { parentPort } from 'node:worker_threads';
import { openCapture } from '../../dist/capture/open.js';
import { ShardIds } from '../../dist/shard/ids.js';
import { traceTally } from '../../dist/trace.js';

parentPort.on('message', async ({ path, index, ids, options }) => {
  const records = [];
  try {
    await traceTally(openCapture(path), { ...options, keepRecords: false, shard: new ShardIds(ids, index), onRecord: (r) => records.push(r) });
    parentPort.postMessage({ records });
  } catch (e) {
    parentPort.postMessage({ error: String(e) });
  }
});
