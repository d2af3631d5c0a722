// Decode throughput on a real capture (not a test; run by hand after `npm run build`):
//   node test/decode/bench.mjs CAPTURE.pcap [DIST_DIR]
// 1. decode only: the file in memory, a bare classic-pcap record walk, decodeFrame per record
//    (the walk alone is timed too and reported, so the decoder's share is visible);
// 2. end to end: openCapture (the streaming reader) + decodeFrame.
// Best of 5 runs each; packets/s.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, distArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/decode/bench.mjs CAPTURE.pcap [DIST_DIR]');
  process.exit(2);
}
const dist = resolve(distArg ?? new URL('../../dist', import.meta.url).pathname);
const { decodeFrame } = await import(pathToFileURL(`${dist}/decode/decode-frame.js`).href);
const { openCapture } = await import(pathToFileURL(`${dist}/capture/open.js`).href);

const buf = readFileSync(file);
const magic = buf.readUInt32LE(0);
const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('classic pcap only');
const r32 = le ? (o) => buf.readUInt32LE(o) : (o) => buf.readUInt32BE(o);
const linkType = r32(20) & 0xffff;
const frame = { index: 0, tsSec: 0, tsNsec: 0, linkType, iface: 0, buf, offset: 0, capLen: 0, wireLen: 0 };

function walk(decode) {
  let o = 24;
  let n = 0;
  let segs = 0;
  let bytes = 0;
  while (o + 16 <= buf.length) {
    const cap = r32(o + 8);
    frame.index = ++n;
    frame.tsSec = r32(o);
    frame.tsNsec = r32(o + 4) * 1000;
    frame.offset = o + 16;
    frame.capLen = cap;
    frame.wireLen = r32(o + 12);
    if (decode) {
      const r = decodeFrame(frame);
      if (typeof r !== 'string') {
        segs++;
        bytes += r.payloadLen;
      }
    }
    o += 16 + cap;
  }
  return { n, segs, bytes };
}

function best(fn, runs = 5) {
  let min = Infinity;
  let out;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    out = fn();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (ms < min) min = ms;
  }
  return { ms: min, out };
}

walk(true); // warm up
const bare = best(() => walk(false));
const dec = best(() => walk(true));
const { n, segs, bytes } = dec.out;
const mpps = (p, ms) => `${((p / ms) * 1000 / 1e6).toFixed(2)} M packets/s`;
console.log(`${file}: ${n} frames, ${segs} TCP segments, ${(bytes / 1e6).toFixed(1)} MB of TCP payload (from IP lengths)`);
console.log(`walk only:          ${bare.ms.toFixed(1)} ms`);
console.log(`walk + decodeFrame: ${dec.ms.toFixed(1)} ms  = ${mpps(n, dec.ms)}`);
console.log(`decodeFrame alone:  ${(dec.ms - bare.ms).toFixed(1)} ms  = ${mpps(n, dec.ms - bare.ms)}`);

let e2eMin = Infinity;
for (let i = 0; i < 5; i++) {
  let count = 0;
  const t = process.hrtime.bigint();
  await openCapture(file).run({
    frame(f) {
      if (typeof decodeFrame(f) !== 'string') count++;
    },
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (count !== segs) throw new Error(`openCapture path decoded ${count} segments, walk ${segs}`);
  e2eMin = Math.min(e2eMin, ms);
}
console.log(`openCapture + decodeFrame (streaming from disk): ${e2eMin.toFixed(1)} ms = ${mpps(n, e2eMin)}`);
