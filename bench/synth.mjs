#!/usr/bin/env node
// Makes a large capture out of real kernel conversations (the fixtures), for throughput runs.
//
//   node bench/synth.mjs OUT.pcap --packets N --concurrent K [--first P] [--gap S] TEMPLATE.pcap...
//
// Each template (classic little-endian pcap, Ethernet, IPv4 or IPv6 TCP, as fixtures/record.sh
// writes them) is cloned over and over; every clone gets its own client address (100.64.0.0/10
// for IPv4, the template's /96 plus the clone number for IPv6; ports stay as recorded), so each
// connection is a distinct 4-tuple. K clones run interleaved, packet by packet, so the flow table
// holds about K live connections; each group of K starts S (default 2) s after the previous one, keeping the
// recorded gaps inside each conversation. `--first P` keeps only each template's first P packets
// (3: handshakes that never close). Checksums are not rewritten (no tool measured verifies them).
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { numberOption } from './args.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => numberOption(args, name, dflt);
const packets = opt('--packets', 1_000_000);
const concurrent = opt('--concurrent', 1000);
const first = opt('--first', Infinity);
const gap = opt('--gap', 2);
const [out, ...templates] = args;
if (!out || templates.length === 0) {
  console.error('usage: node bench/synth.mjs OUT.pcap --packets N --concurrent K [--first P] [--gap S] TEMPLATE.pcap...');
  process.exit(2);
}

/** A template's packets: time since its first packet (s), frame bytes, wire length; and its client address. */
function readTemplate(path) {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${path}: little-endian classic pcap expected`);
  if ((b.readUInt32LE(20) & 0xffff) !== 1) throw new Error(`${path}: Ethernet expected`);
  const div = magic === 0xa1b23c4d ? 1e9 : 1e6;
  const pk = [];
  for (let off = 24; off + 16 <= b.length && pk.length < first; ) {
    const incl = b.readUInt32LE(off + 8);
    pk.push({ t: b.readUInt32LE(off) + b.readUInt32LE(off + 4) / div, frame: b.subarray(off + 16, off + 16 + incl), orig: b.readUInt32LE(off + 12) });
    off += 16 + incl;
  }
  const t0 = pk[0].t;
  for (const p of pk) p.t -= t0;
  const f = pk[0].frame;
  const v6 = f.readUInt16BE(12) === 0x86dd;
  return { pk, v6, client: v6 ? f.subarray(22, 38) : f.subarray(26, 30) };
}

const temps = templates.map(readTemplate);
const fd = openSync(out, 'w');
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(262144, 16);
header.writeUInt32LE(1, 20);
writeSync(fd, header);

const buf = Buffer.alloc(1 << 22);
let used = 0;
const flush = () => {
  writeSync(fd, buf, 0, used);
  used = 0;
};
let written = 0;
let clone = 0;
let base = 1_700_000_000;
let connections = 0;
while (written < packets) {
  const group = [];
  for (let j = 0; j < concurrent; j++) group.push({ id: clone + j, tpl: temps[(clone + j) % temps.length] });
  clone += concurrent;
  const longest = Math.max(...group.map((g) => g.tpl.pk.length));
  for (let i = 0; i < longest; i++) {
    for (const { id, tpl } of group) {
      const p = tpl.pk[i];
      if (p === undefined) continue;
      if (used + 16 + p.frame.length > buf.length) flush();
      const ts = base + p.t;
      const sec = Math.floor(ts);
      buf.writeUInt32LE(sec, used);
      buf.writeUInt32LE(Math.floor((ts % 1) * 1e6), used + 4);
      buf.writeUInt32LE(p.frame.length, used + 8);
      buf.writeUInt32LE(p.orig, used + 12);
      const f = buf.subarray(used + 16, used + 16 + p.frame.length);
      p.frame.copy(f);
      // The client side of this frame gets the clone's address.
      if (tpl.v6) {
        const at = f.subarray(22, 38).equals(tpl.client) ? 22 : f.subarray(38, 54).equals(tpl.client) ? 38 : -1;
        if (at >= 0) f.writeUInt32BE(id + 1, at + 12);
      } else {
        const at = f.subarray(26, 30).equals(tpl.client) ? 26 : f.subarray(30, 34).equals(tpl.client) ? 30 : -1;
        if (at >= 0) {
          f[at] = 100;
          f[at + 1] = 64 + ((id >>> 16) % 64);
          f[at + 2] = (id >>> 8) & 255;
          f[at + 3] = id & 255;
        }
      }
      used += 16 + p.frame.length;
      written++;
    }
  }
  connections += group.length;
  base += gap;
}
flush();
closeSync(fd);
console.log(`${out}: ${written} packets, ${connections} conversations, ${concurrent} at a time`);
