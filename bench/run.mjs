#!/usr/bin/env node
// The benchmark (`npm run bench`; not a test): whole-command wall time, packets/s and peak RSS of
// every output mode against the C tcptrace (`tcptrace -n`, Debian's 6.6.7) and, with --tshark,
// `tshark -q -z conv,tcp`, on workloads cloned from the kernel recordings in fixtures/
// (bench/synth.mjs, made on first use under bench/.data/):
//
//   short    2.1 M packets, 217 k connections: a busy server's short connections (client and
//            server close, three-segment close, reset, refused, a TIME-WAIT pile, Fast Open,
//            simultaneous close), 5,000 at a time: the TIME-WAIT/port-exhaustion case
//   short2x  the same with twice the packets (and connections, all within one 2·MSL: TIME-WAIT
//            holds them all, so memory doubles with them)
//   spread, spread2x  short with its groups 20 s apart (2 and 4 minutes of capture, longer than
//            TIME-WAIT's 60 s): the same connections alive at one moment, twice the file; memory
//            must stay flat
//   big      2.1 M packets, 56 k connections: longer conversations with loss and retransmissions,
//            IPv4 and IPv6, half-close, resets, 2,000 at a time
//   open     3 M packets: 1,000,000 handshakes that never close (the table cap's case)
//   flood    1,000,000 spoofed SYNs from random sources to one server, with 100 real handshakes
//            spread through it (bench/flood.mjs): the table under attack
//   recorded bench/.data/bench.pcap when `sudo bench/make-capture.sh` made it
//
// Runs alternate between the commands (A B C A B C ...) so a drifting machine hurts them alike;
// each figure is the median of --runs (default 3) with min-max. Peak RSS is GNU time's %M.
//
//   node bench/run.mjs [--runs N] [--only short,big,...] [--tshark]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const data = path.join(root, 'bench/.data');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const runs = Number(value('--runs', '3'));
const only = value('--only', 'short,short2x,spread,spread2x,big,open,flood,recorded').split(',');
const withTshark = flag('--tshark');

const SHORT = ['handshake-client-close', 'server-close', 'three-segment-close', 'reset-client', 'refused', 'timewait-pile', 'fast-open', 'simultaneous-close'];
const BIG = ['handshake-client-close', 'server-close', 'half-close', 'loss', 'ipv6', 'reset-client', 'refused'];
const workloads = [
  { name: 'short', templates: SHORT, packets: 2_000_000, concurrent: 5000 },
  { name: 'short2x', templates: SHORT, packets: 4_000_000, concurrent: 5000 },
  { name: 'spread', templates: SHORT, packets: 2_000_000, concurrent: 5000, gap: 20, modes: ['--summary', '--ndjson', ''] },
  { name: 'spread2x', templates: SHORT, packets: 4_000_000, concurrent: 5000, gap: 20, modes: ['--summary', '--ndjson', ''] },
  { name: 'big', templates: BIG, packets: 2_000_000, concurrent: 2000 },
  { name: 'open', templates: ['handshake-client-close'], packets: 3_000_000, concurrent: 5000, first: 3, modes: ['--summary', '--ndjson'] },
  { name: 'flood', flood: 1_000_000, established: 100, modes: ['--summary', '--ndjson'] },
  { name: 'recorded', file: path.join(data, 'bench.pcap') },
].filter((w) => only.includes(w.name));

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
if (!has('/usr/bin/time') && !existsSync('/usr/bin/time')) {
  console.error('bench: GNU time (/usr/bin/time, Debian package "time") is needed for peak RSS');
  process.exit(2);
}

/** The workload's capture, made from the fixtures if it is not there yet. */
function capture(w) {
  if (w.file) return existsSync(w.file) ? w.file : null;
  const file = path.join(data, `${w.name}.pcap`);
  if (!existsSync(file) && w.flood) {
    mkdirSync(data, { recursive: true });
    const a = [path.join(root, 'bench/flood.mjs'), file, '--syns', String(w.flood), '--established', String(w.established)];
    execFileSync(process.execPath, a, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!existsSync(file)) {
    mkdirSync(data, { recursive: true });
    const a = [path.join(root, 'bench/synth.mjs'), file, '--packets', String(w.packets), '--concurrent', String(w.concurrent)];
    if (w.first) a.push('--first', String(w.first));
    if (w.gap) a.push('--gap', String(w.gap));
    a.push(...w.templates.map((t) => path.join(root, 'fixtures', `${t}.pcap`)));
    execFileSync(process.execPath, a, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return file;
}

/** One run of a command, output thrown away: wall seconds and peak RSS in MiB. */
function once(cmd, a) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...a], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [sec, kb] = last.split(' ').map(Number);
  if (!Number.isFinite(sec) || !Number.isFinite(kb)) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr.trim().split('\n')[0]}`);
  return { sec, mib: kb / 1024 };
}

/** Packets and connections of a capture, from one streaming trace in this process. */
async function countPackets(file) {
  const { openCapture } = await import(path.join(root, 'dist/capture/open.js'));
  const { trace } = await import(path.join(root, 'dist/trace.js'));
  const r = await trace(openCapture(file), { keepRecords: false, keepSegments: false, diagnostics: false });
  return { packets: r.input.packets, connections: r.summary.connections };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs, f) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
const s2 = (x) => x.toFixed(2);

console.log(`# tcptrace benchmark, ${new Date().toISOString().slice(0, 10)}`);
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
const cVersion = has('tcptrace') ? 'tcptrace -n (C)' : null;
if (!cVersion) console.log('C tcptrace not installed (apt-get install tcptrace): its columns are skipped');
console.log(`runs: ${runs} per command, alternating; median (min–max)\n`);

for (const w of workloads) {
  const file = capture(w);
  if (file === null) {
    console.log(`## ${w.name}: ${w.file} missing (sudo bench/make-capture.sh), skipped\n`);
    continue;
  }
  const { packets, connections } = await countPackets(file);
  const mb = statSync(file).size / 1e6;
  console.log(`## ${w.name}: ${packets.toLocaleString('en-US')} packets, ${connections.toLocaleString('en-US')} connections, ${mb.toFixed(0)} MB`);
  // Every mode over `--threads N` (one per core) as well, where the machine has more than one.
  const threads = os.availableParallelism();
  const base = w.modes ?? ['--summary', '--ndjson', '--json', ''];
  const modes = [...base, ...(threads > 1 ? base.map((m) => `${m} --threads ${threads}`.trim()) : [])];
  const commands = modes.map((m) => ({
    name: `tcptrace ${m === '' ? '(text)' : m.startsWith('--threads') ? `(text) ${m}` : m}`,
    cmd: process.execPath,
    args: [path.join(root, 'bin/tcptrace.js'), ...(m ? m.split(' ') : []), file],
  }));
  if (cVersion) commands.push({ name: cVersion, cmd: 'tcptrace', args: ['-n', file], c: true });
  if (withTshark && has('tshark')) commands.push({ name: 'tshark -q -z conv,tcp', cmd: 'tshark', args: ['-r', file, '-q', '-z', 'conv,tcp'] });
  const results = commands.map(() => []);
  for (let r = 0; r < runs; r++) commands.forEach((c, i) => results[i].push(once(c.cmd, c.args)));
  const cIdx = commands.findIndex((c) => c.c);
  const cMed = cIdx >= 0 ? median(results[cIdx].map((x) => x.sec)) : null;
  console.log('\n| command | wall s | packets/s | peak RSS MiB | speed vs C |\n| --- | --- | --- | --- | --- |');
  commands.forEach((c, i) => {
    const secs = results[i].map((x) => x.sec);
    const rss = results[i].map((x) => x.mib);
    const med = median(secs);
    const vsC = cMed === null ? 'n/a' : `${s2(cMed / med)}x`;
    console.log(
      `| ${c.name} | ${s2(med)} (${range(secs, s2)}) | ${(packets / med / 1e6).toFixed(2)} M | ${median(rss).toFixed(0)} (${range(rss, (x) => x.toFixed(0))}) | ${vsC} |`,
    );
  });
  console.log('');
}
