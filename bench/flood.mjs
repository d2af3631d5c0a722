#!/usr/bin/env node
// A SYN flood as a classic pcap (Ethernet, IPv4, µs timestamps), for the table cap's worst case:
//
//   node bench/flood.mjs OUT.pcap [--syns N] [--rate R] [--established K] [--seed S]
//   node bench/flood.mjs --run [--syns N] [--established K]   (makes bench/.data/flood-N.pcap once,
//        then times `tcptrace --summary` and `--ndjson` on it: wall and CPU seconds, peak RSS)
//
// N SYNs (default 1,000,000) from random sources in 198.18.0.0/15 (RFC 2544's benchmarking
// range) and random ports 1024-65535 to one server, 198.19.0.1:80, R per second (default 50,000),
// each with a random ISN and Linux's SYN options (MSS 1460, SACK-permitted, timestamps, NOP,
// window scale 7): what a spoofing flooder (hping3 --rand-source, a botnet) sends. The server never
// answers (its SYN-ACKs are not in the capture: a tap on the uplink, or syncookies answered
// elsewhere). With K > 0, K real clients from 10.1.0.0/16 make complete handshakes with the same
// server spread evenly through the flood and each sends one data segment (acknowledged) at the
// end of the capture: connections that must survive the flood.
//
// The random numbers are seeded (default 1), so one seed is one file. `floodPcap()` returns the
// same bytes for tests (test/trace-flood.test.ts).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberOption } from './args.mjs';

/** mulberry32: a small seeded PRNG, uniform 32-bit words. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const SERVER = (198 << 24) | (19 << 16) | 1; // 198.19.0.1
const SERVER_PORT = 80;
const FRAME_SYN = 14 + 20 + 40; // Ethernet, IPv4, TCP with 20 bytes of options

/** The 16-bit one's complement sum of an IPv4 header at `o` (checksum field zero). */
function ipChecksum(b, o) {
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (b[o + i] << 8) | b[o + i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * Writes one frame at `b[o]` (record header included) and returns the new offset. `opts`: the
 * SYN options (SYN and SYN-ACK carry them), `len`: payload bytes (zeros).
 */
function frame(b, o, ts, src, sport, dst, dport, seq, ack, flags, opts, tsval, len = 0) {
  const tcpLen = opts ? 40 : 20;
  const capLen = 14 + 20 + tcpLen + len;
  const sec = Math.floor(ts);
  b.writeUInt32LE(sec, o);
  b.writeUInt32LE(Math.round((ts - sec) * 1e6) % 1e6, o + 4);
  b.writeUInt32LE(capLen, o + 8);
  b.writeUInt32LE(capLen, o + 12);
  o += 16;
  const f = o;
  // Ethernet: locally administered MACs, IPv4.
  b.writeUInt32BE(0x02000000, f);
  b.writeUInt16BE(0x0001, f + 4);
  b.writeUInt32BE(0x02000000, f + 6);
  b.writeUInt16BE(0x0002, f + 10);
  b.writeUInt16BE(0x0800, f + 12);
  const ip = f + 14;
  b[ip] = 0x45;
  b[ip + 1] = 0;
  b.writeUInt16BE(20 + tcpLen + len, ip + 2);
  b.writeUInt16BE(seq & 0xffff, ip + 4);
  b.writeUInt16BE(0x4000, ip + 6); // DF
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  b.writeUInt16BE(0, ip + 10);
  b.writeUInt32BE(src >>> 0, ip + 12);
  b.writeUInt32BE(dst >>> 0, ip + 16);
  b.writeUInt16BE(ipChecksum(b, ip), ip + 10);
  const t = ip + 20;
  b.writeUInt16BE(sport, t);
  b.writeUInt16BE(dport, t + 2);
  b.writeUInt32BE(seq >>> 0, t + 4);
  b.writeUInt32BE(ack >>> 0, t + 8);
  b[t + 12] = (tcpLen / 4) << 4;
  b[t + 13] = flags;
  b.writeUInt16BE(64240, t + 14);
  b.writeUInt32BE(0, t + 16); // checksum (no tool measured verifies it), urgent pointer
  if (opts) {
    // Linux's SYN: MSS 1460, SACK-permitted, timestamps, NOP, window scale 7.
    b.writeUInt32BE(0x020405b4, t + 20);
    b.writeUInt16BE(0x0402, t + 24);
    b.writeUInt16BE(0x080a, t + 26);
    b.writeUInt32BE(tsval >>> 0, t + 28);
    b.writeUInt32BE(0, t + 32);
    b.writeUInt32BE(0x01030307, t + 36);
  }
  b.fill(0, t + tcpLen, t + tcpLen + len);
  return o + capLen;
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

/**
 * The capture, in chunks of whole records (the first starts with the file header).
 * `established`: real handshakes interleaved with the flood (see the module comment).
 */
export function* floodChunks({ syns = 1_000_000, rate = 50_000, established = 0, seed = 1, start = 1_700_000_000 } = {}) {
  const rand = rng(seed);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  let buf = Buffer.alloc(1 << 20);
  header.copy(buf, 0);
  let o = 24;
  const room = 16 + FRAME_SYN + 16;
  // Real clients: 10.1.x.y, port 40000 + i, a handshake at SYN number (i + 0.5) * N / K.
  const clients = [];
  for (let i = 0; i < established; i++) {
    clients.push({
      ip: (10 << 24) | (1 << 16) | (i + 1),
      port: 40000 + (i % 20000),
      at: Math.floor(((i + 0.5) * syns) / established),
      cisn: rand(),
      sisn: rand(),
    });
  }
  let next = 0;
  const dt = 1 / rate;
  let ts = start;
  for (let n = 0; n < syns; n++) {
    if (buf.length - o < 4 * room) {
      yield buf.subarray(0, o);
      buf = Buffer.alloc(1 << 20);
      o = 0;
    }
    ts = start + n * dt;
    // A spoofed source anywhere in 198.18.0.0/15, a random port and ISN (before a real handshake
    // starting at the same time).
    const src = ((198 << 24) | (18 << 16)) + (rand() & 0x1ffff);
    const sport = 1024 + (rand() % (65536 - 1024));
    o = frame(buf, o, ts, src, sport, SERVER, SERVER_PORT, rand(), 0, SYN, true, rand());
    while (next < clients.length && clients[next].at === n) {
      const c = clients[next++];
      const tv = (ts * 1000) >>> 0;
      o = frame(buf, o, ts, c.ip, c.port, SERVER, SERVER_PORT, c.cisn, 0, SYN, true, tv);
      // Within this SYN's time slot (before the next one's), so the capture's times never go back.
      o = frame(buf, o, ts + dt / 3, SERVER, SERVER_PORT, c.ip, c.port, c.sisn, c.cisn + 1, SYN | ACK, true, tv + 1);
      o = frame(buf, o, ts + (2 * dt) / 3, c.ip, c.port, SERVER, SERVER_PORT, c.cisn + 1, c.sisn + 1, ACK, false, 0);
    }
  }
  // Each real client sends 100 bytes at the end, and the server acknowledges them.
  for (const c of clients) {
    if (buf.length - o < 4 * room + 200) {
      yield buf.subarray(0, o);
      buf = Buffer.alloc(1 << 20);
      o = 0;
    }
    ts += 0.0001;
    o = frame(buf, o, ts, c.ip, c.port, SERVER, SERVER_PORT, c.cisn + 1, c.sisn + 1, PSH | ACK, false, 0, 100);
    o = frame(buf, o, ts + 0.00005, SERVER, SERVER_PORT, c.ip, c.port, c.sisn + 1, c.cisn + 101, ACK, false, 0);
  }
  yield buf.subarray(0, o);
}

/** The whole capture in one buffer (for tests; a bench-sized flood is written in chunks). */
export function floodPcap(opts = {}) {
  return Buffer.concat([...floodChunks(opts)]);
}

export const FLOOD_SERVER = '198.19.0.1:80';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => numberOption(args, name, dflt);
  const run = args.includes('--run');
  if (run) args.splice(args.indexOf('--run'), 1);
  const syns = opt('--syns', 1_000_000);
  const rate = opt('--rate', 50_000);
  const established = opt('--established', 0);
  const seed = opt('--seed', 1);
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const out = run ? path.join(root, 'bench/.data', `flood-${syns}${established ? `-${established}` : ''}.pcap`) : args[0];
  if (!out) {
    console.error(
      'usage: node bench/flood.mjs OUT.pcap [--syns N] [--rate R] [--established K] [--seed S]\n       node bench/flood.mjs --run [--syns N] [--established K]',
    );
    process.exit(2);
  }
  if (!run || !existsSync(out)) {
    mkdirSync(path.dirname(out), { recursive: true });
    const fd = openSync(out, 'w');
    let bytes = 0;
    for (const chunk of floodChunks({ syns, rate, established, seed })) {
      writeSync(fd, chunk);
      bytes += chunk.length;
    }
    closeSync(fd);
    console.log(`${out}: ${syns} SYNs to ${FLOOD_SERVER} at ${rate}/s, ${established} real handshakes, ${(bytes / 1e6).toFixed(0)} MB`);
  }
  if (run) {
    // GNU time (Debian package "time") for the peak RSS, as bench/run.mjs uses it.
    const stats = path.join(path.dirname(out), 'flood-time.txt');
    for (const mode of ['--summary', '--ndjson']) {
      const r = spawnSync('/usr/bin/time', ['-o', stats, '-f', '%e %U %S %M', process.execPath, path.join(root, 'bin/tcptrace.js'), mode, out], {
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`tcptrace ${mode}: ${r.stderr || r.error}`);
      const [wall, user, sys, kb] = readFileSync(stats, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      console.log(`tcptrace ${mode}: ${wall.toFixed(2)} s wall, ${(user + sys).toFixed(2)} s CPU, ${(kb / 1024).toFixed(0)} MiB peak RSS`);
      if (r.stderr) process.stdout.write(`  stderr: ${r.stderr}`);
    }
  }
}
