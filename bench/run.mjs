#!/usr/bin/env node
// Benchmark: packets/s of each stage in-process, then whole-command times and peak memory against
// the C tcptrace and tshark on the same capture. Figures go in the README with the machine they came from.
// Usage: npm run build && node bench/run.mjs [capture]   (default bench/.data/bench.pcap, made by
// `sudo bench/make-capture.sh`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const file = process.argv[2] ?? path.join(root, 'bench/.data/bench.pcap');
if (!existsSync(file)) {
  console.error(`bench: ${file} does not exist; record it with: sudo bench/make-capture.sh`);
  process.exit(2);
}
const { openCapture } = await import(path.join(root, 'dist/capture/open.js'));
const { decodeFrame } = await import(path.join(root, 'dist/decode/decode-frame.js'));
const { trace } = await import(path.join(root, 'dist/trace.js'));

/** Best of `n` runs of an async function, in seconds. */
async function best(n, fn) {
  let min = Infinity;
  let result;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    result = await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { sec: min, result };
}

const mb = statSync(file).size / 1e6;
console.log(`capture: ${file} (${mb.toFixed(1)} MB)`);
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);

const read = await best(3, async () => {
  let n = 0;
  await openCapture(file).run({ frame() { n++; } });
  return n;
});
const packets = read.result;
const decode = await best(3, async () => {
  let tcp = 0;
  await openCapture(file).run({ frame(f) { if (typeof decodeFrame(f) !== 'string') tcp++; } });
  return tcp;
});
const full = await best(3, async () => trace(openCapture(file)));
const rate = (s) => `${(packets / s / 1e6).toFixed(2)} M packets/s`;
console.log('| stage | time | rate |\n| --- | --- | --- |');
console.log(`| read (capture/) | ${read.sec.toFixed(3)} s | ${rate(read.sec)} |`);
console.log(`| read + decode | ${decode.sec.toFixed(3)} s | ${rate(decode.sec)} |`);
console.log(`| full trace() | ${full.sec.toFixed(3)} s | ${rate(full.sec)} |`);
console.log(`\n${packets} packets, ${decode.result} TCP segments, ${full.result.connections.length} connections\n`);

/** Peak RSS of a command, via GNU time. */
function peakRss(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MiB` : 'n/a';
}

const commands = [
  ['tcptrace (this)', 'node', [path.join(root, 'bin/tcptrace.js'), '--summary', file]],
  ['tcptrace (this, --json)', 'node', [path.join(root, 'bin/tcptrace.js'), '--json', file]],
  ['tcptrace 6.6.7 (C)', 'tcptrace', ['-n', file]],
  ['tshark -z conv,tcp', 'tshark', ['-r', file, '-q', '-z', 'conv,tcp']],
];
const available = commands.filter(([, cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0);
if (spawnSync('sh', ['-c', 'command -v hyperfine']).status === 0) {
  // hyperfine rewrites its export after every command, so it goes to a file printed once at the end.
  const md = path.join(mkdtempSync(path.join(os.tmpdir(), 'tcptrace-bench-')), 'times.md');
  const args = ['--warmup', '1', '--runs', '3', '--style', 'none', '--export-markdown', md];
  for (const [name, cmd, a] of available) args.push('-n', name, [cmd, ...a].map((x) => `'${x}'`).join(' ') + ' > /dev/null');
  execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  process.stdout.write(readFileSync(md, 'utf8'));
} else {
  console.log('hyperfine not installed: whole-command times skipped');
}
console.log('\n| command | peak RSS |\n| --- | --- |');
for (const [name, cmd, a] of available) console.log(`| ${name} | ${peakRss(cmd, a)} |`);
