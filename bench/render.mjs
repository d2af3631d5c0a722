// Renders the records of seven kernel recordings (fixtures/) N times, text or NDJSON: the
// renderers alone, without reading or tracing (`node bench/render.mjs text|ndjson [N]`, after
// `npm run build`; ROOT=DIR measures another build). Prints µs per record, best of 7 rounds.
const root = process.env.ROOT ?? new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { openCapture } = await import(`${root}/dist/capture/open.js`);
const { trace } = await import(`${root}/dist/trace.js`);
const { renderConnection, newTextContext } = await import(`${root}/dist/report/text.js`);
const { renderNdjsonLine, ndjsonHead } = await import(`${root}/dist/report/json.js`);
const files = ['handshake-client-close', 'server-close', 'three-segment-close', 'reset-client', 'refused', 'fast-open', 'simultaneous-close'];
const recs = [];
for (const f of files) {
  const r = await trace(openCapture(`${root}/fixtures/${f}.pcap`), {});
  recs.push(...r.connections);
}
const mode = process.argv[2] ?? 'text';
const N = Number(process.argv[3] ?? 30000);
const opts = { lang: 'en', color: 0, absolute: false, all: false, explain: false, mslSec: 60, width: 80 };
const ctx = newTextContext();
const head = ndjsonHead('tcptrace/2', 'x.pcap');
let bytes = 0;
let best = Infinity;
for (let round = 0; round < 7; round++) {
  bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = recs[i % recs.length];
    const s = mode === 'text' ? renderConnection(r, opts, ctx) : renderNdjsonLine(r, head);
    bytes += s.length;
  }
  best = Math.min(best, performance.now() - t0);
}
console.log(mode, recs.length, 'records', ((best * 1000) / N).toFixed(1), 'us/record (best of 7)', (bytes / N).toFixed(0), 'chars/record');
