/**
 * Structured mutations of real captures, for the pipeline fuzzer (scripts/fuzz.mjs, and the quick
 * fixed-seed run in test/fuzz/pipeline.test.ts). Plain JavaScript so that both the script (on
 * dist/) and vitest (on src/) load the same code.
 *
 * Random bytes die in the first header check; a mutation that knows the file's structure reaches
 * every layer. Each mutator knows one structure: the file (pcap record headers, pcapng blocks and
 * their options), the frame (IP lengths, the TCP data offset, TCP option kinds and lengths, flags)
 * or the stream (truncation at any offset, a record repeated many times, records swapped). What
 * each does is named, so a failing input says how it was made.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same inputs on every machine. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

/** Values that break arithmetic: zero, one, limits, off-by-ones around 2^31 and 2^32. */
const U32_EDGES = [0, 1, 2, 3, 4, 7, 8, 11, 12, 15, 16, 20, 24, 28, 31, 32, 40, 60, 64, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffe, 0xffffffff];
const U16_EDGES = [0, 1, 2, 3, 4, 5, 8, 14, 15, 19, 20, 21, 40, 60, 0x7fff, 0x8000, 0xfffe, 0xffff];
/** Link types worth trying on any frame (the decoders' table and its neighbours). */
const LINK_TYPES = [0, 1, 6, 7, 8, 9, 10, 12, 14, 50, 51, 101, 104, 105, 107, 108, 113, 127, 147, 178, 192, 204, 228, 229, 239, 276, 0xffff];

function view(b) {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

// ---- structure -----------------------------------------------------------------------------------

/** Classic pcap: byte order, and each record's header offset and data span. Null if not pcap. */
function pcapRecords(b) {
  if (b.length < 24) return null;
  const dv = view(b);
  const m = dv.getUint32(0, true);
  let le;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34) le = true;
  else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1 || m === 0x34cdb2a1) le = false;
  else return null;
  const recs = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const cap = dv.getUint32(o + 8, le);
    if (o + 16 + cap > b.length) break;
    recs.push({ hdr: o, data: o + 16, len: cap });
    o += 16 + cap;
  }
  return { le, recs, linkAt: 20 };
}

/** pcapng: each block's offset, type and length (section byte order followed). Null if not pcapng. */
function pcapngBlocks(b) {
  if (b.length < 12) return null;
  const dv = view(b);
  if (dv.getUint32(0, true) !== 0x0a0d0d0a) return null;
  const blocks = [];
  let le = true;
  for (let o = 0; o + 12 <= b.length; ) {
    const type = dv.getUint32(o, true);
    if (type === 0x0a0d0d0a && o + 12 <= b.length) le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
    const len = dv.getUint32(o + 4, le);
    if (len < 12 || o + len > b.length) break;
    blocks.push({ at: o, type: le ? type : dv.getUint32(o, false), len, le });
    o += len;
  }
  return { blocks };
}

/** Where each frame's bytes are (for frame-level mutations), in either format. */
function frames(b) {
  const p = pcapRecords(b);
  if (p) return p.recs.map((r) => ({ at: r.data, len: r.len }));
  const g = pcapngBlocks(b);
  if (!g) return [];
  const out = [];
  for (const k of g.blocks) {
    if (k.type === 6 && k.len >= 32) {
      const cap = view(b).getUint32(k.at + 20, k.le);
      if (k.at + 28 + cap <= k.at + k.len) out.push({ at: k.at + 28, len: cap });
    } else if (k.type === 3 && k.len >= 16) out.push({ at: k.at + 12, len: k.len - 16 });
  }
  return out;
}

/** The IPv4/IPv6 header inside an Ethernet, SLL, SLL2, NULL or raw frame (a guess by scanning). */
function ipAt(b, f) {
  for (const off of [14, 16, 20, 4, 0, 18, 22]) {
    const o = f.at + off;
    if (o + 20 > f.at + f.len) continue;
    const v = b[o] >> 4;
    if (v === 4 && (b[o] & 0xf) >= 5 && b[o + 9] === 6) return { o, v: 4, tcp: o + ((b[o] & 0xf) << 2) };
    if (v === 6 && b[o + 6] === 6 && o + 40 <= f.at + f.len) return { o, v: 6, tcp: o + 40 };
  }
  return null;
}

/**
 * The outer IPv4 header of an Ethernet frame carrying a tunnel (UDP, GRE, IP in IP), and where the
 * tunnel's own header starts (after UDP's 8 bytes for UDP), or null.
 */
function tunnelAt(b, f) {
  const o = f.at + 14;
  if (o + 20 > f.at + f.len || b[o] >> 4 !== 4 || (b[o] & 0xf) < 5) return null;
  const p = b[o + 9];
  if (p !== 17 && p !== 47 && p !== 4 && p !== 41) return null;
  const h = o + ((b[o] & 0xf) << 2);
  return { o, tun: p === 17 ? h + 8 : h };
}

// ---- mutators ------------------------------------------------------------------------------------

/** Each takes (bytes copy, rng) and changes it in place or returns a new array; its name says what. */
const MUTATORS = {
  bitFlips(b, r) {
    for (let k = 1 + r.int(8); k > 0; k--) b[r.int(b.length)] ^= 1 << r.int(8);
    return b;
  },
  truncate(b, r) {
    return b.subarray(0, r.int(b.length + 1));
  },
  recordLength(b, r) {
    const p = pcapRecords(b);
    if (!p || p.recs.length === 0) return null;
    const rec = r.pick(p.recs);
    view(b).setUint32(rec.hdr + r.pick([8, 12]), r.pick(U32_EDGES) + (r.chance(0.3) ? rec.len : 0), p.le);
    return b;
  },
  recordTimestamp(b, r) {
    const p = pcapRecords(b);
    if (!p || p.recs.length === 0) return null;
    const rec = r.pick(p.recs);
    view(b).setUint32(rec.hdr + r.pick([0, 4]), r.pick([0, 1, 999999, 1000000, 999999999, 1000000000, 0x7fffffff, 0x80000000, 0xffffffff]), p.le);
    return b;
  },
  fileHeader(b, r) {
    const p = pcapRecords(b);
    if (!p) return null;
    const at = r.pick([4, 6, 8, 12, 16, 20]);
    if (at === 20) view(b).setUint32(20, r.pick(LINK_TYPES), p.le);
    else if (at === 16) view(b).setUint32(16, r.pick(U32_EDGES), p.le);
    else view(b).setUint16(at, r.pick(U16_EDGES), p.le);
    return b;
  },
  blockLength(b, r) {
    const g = pcapngBlocks(b);
    if (!g || g.blocks.length === 0) return null;
    const k = r.pick(g.blocks);
    const at = r.chance(0.5) ? k.at + 4 : k.at + k.len - 4;
    view(b).setUint32(at, r.pick(U32_EDGES), k.le);
    return b;
  },
  blockType(b, r) {
    const g = pcapngBlocks(b);
    if (!g || g.blocks.length === 0) return null;
    const k = r.pick(g.blocks);
    view(b).setUint32(k.at, r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x0a0d0d0a, 0x80000001, 0xffffffff]), k.le);
    return b;
  },
  blockField(b, r) {
    // Interface ids, captured/original lengths, timestamps, link types: any 32-bit field of a block.
    const g = pcapngBlocks(b);
    if (!g || g.blocks.length === 0) return null;
    const k = r.pick(g.blocks);
    if (k.len < 16) return null;
    const at = k.at + 8 + 4 * r.int(Math.max(1, Math.min(6, (k.len - 12) >> 2)));
    view(b).setUint32(at, r.pick(U32_EDGES), k.le);
    return b;
  },
  interfaceOption(b, r) {
    // if_tsresol (9) and if_tsoffset (14) written at the start of an IDB's options: extreme clocks.
    const g = pcapngBlocks(b);
    if (!g) return null;
    const idbs = g.blocks.filter((k) => k.type === 1 && k.len >= 32);
    if (idbs.length === 0) return null;
    const k = r.pick(idbs);
    const dv = view(b);
    const o = k.at + 16;
    if (r.chance(0.5)) {
      dv.setUint16(o, 9, k.le);
      dv.setUint16(o + 2, 1, k.le);
      b[o + 4] = r.pick([0, 1, 6, 9, 10, 19, 20, 63, 0x80, 0x8a, 0xbf, 0xff]);
    } else if (k.len >= 40) {
      dv.setUint16(o, 14, k.le);
      dv.setUint16(o + 2, 8, k.le);
      dv.setBigInt64(o + 4, r.pick([0n, 1n, -1n, 1n << 62n, -(1n << 62n), (1n << 63n) - 1n, -(1n << 63n)]), k.le);
    } else return null;
    return b;
  },
  ipLength(b, r) {
    const fs = frames(b).map((f) => ipAt(b, f)).filter((x) => x !== null);
    if (fs.length === 0) return null;
    const ip = r.pick(fs);
    const dv = view(b);
    if (ip.v === 4) {
      if (r.chance(0.5)) dv.setUint16(ip.o + 2, r.pick(U16_EDGES));
      else b[ip.o] = 0x40 | r.int(16);
    } else dv.setUint16(ip.o + 4, r.pick(U16_EDGES));
    return b;
  },
  tcpHeader(b, r) {
    const fs = frames(b).map((f) => ipAt(b, f)).filter((x) => x !== null && x.tcp + 20 <= b.length);
    if (fs.length === 0) return null;
    const t = r.pick(fs).tcp;
    const which = r.int(4);
    if (which === 0) b[t + 12] = (r.int(16) << 4) | (b[t + 12] & 0xf); // data offset
    else if (which === 1) b[t + 13] = r.int(256); // flags
    else if (which === 2) view(b).setUint32(t + r.pick([4, 8]), r.pick(U32_EDGES)); // seq / ack
    else view(b).setUint16(t + r.pick([0, 2, 14]), r.pick(U16_EDGES)); // ports / window
    return b;
  },
  tcpOption(b, r) {
    // An option kind and length at some option slot: lengths 0, 1 and past the header included.
    const fs = frames(b).map((f) => ipAt(b, f)).filter((x) => x !== null && x.tcp + 20 <= b.length && (b[x.tcp + 12] >> 4) > 5);
    if (fs.length === 0) return null;
    const t = r.pick(fs).tcp;
    const end = t + ((b[t + 12] >> 4) << 2);
    const at = t + 20 + r.int(Math.max(1, end - t - 20));
    if (at + 1 >= b.length) return null;
    b[at] = r.pick([0, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 253, 254, 255]);
    b[at + 1] = r.pick([0, 1, 2, 3, 4, 6, 10, 18, 34, 40, 41, 255]);
    return b;
  },
  tunnelHeader(b, r) {
    // A byte of a tunnel's header (VXLAN flags/VNI, Geneve option length, GRE flags/protocol/key,
    // GTP-U flags/length/extension lengths, ERSPAN version/session): edges and random values.
    const fs = frames(b).map((f) => tunnelAt(b, f)).filter((x) => x !== null && x.tun + 16 <= b.length);
    if (fs.length === 0) return null;
    const t = r.pick(fs).tun;
    for (let k = 1 + r.int(3); k > 0; k--) b[t + r.int(16)] = r.pick([0, 1, 0x3f, 0x40, 0x80, 0xff, r.int(256)]);
    return b;
  },
  outerFragment(b, r) {
    // The outer IPv4 header of tunnelled frames made a fragment: more-fragments, offsets, one id
    // for several frames (chains that overlap, never end, or complete out of order).
    const fs = frames(b).map((f) => tunnelAt(b, f)).filter((x) => x !== null);
    if (fs.length === 0) return null;
    const id = r.int(4);
    for (let k = 1 + r.int(Math.min(8, fs.length)); k > 0; k--) {
      const ip = r.pick(fs);
      view(b).setUint16(ip.o + 4, id);
      view(b).setUint16(ip.o + 6, r.pick([0x2000, 0x2001, 0x0001, 0x0003, 0x1fff, 0x3fff, 0x4000, r.int(0x4000)]));
    }
    return b;
  },
  repeatRecord(b, r) {
    // One record many times over: duplicate segments by the thousand.
    const p = pcapRecords(b);
    if (!p || p.recs.length === 0) return null;
    const rec = r.pick(p.recs);
    const one = b.subarray(rec.hdr, rec.data + rec.len);
    const n = r.pick([10, 100, 1000, 5000]);
    const out = new Uint8Array(b.length + one.length * n);
    out.set(b.subarray(0, rec.data + rec.len));
    for (let i = 0; i < n; i++) out.set(one, rec.data + rec.len + i * one.length);
    out.set(b.subarray(rec.data + rec.len), rec.data + rec.len + n * one.length);
    return out;
  },
  swapRecords(b, r) {
    const p = pcapRecords(b);
    if (!p || p.recs.length < 2) return null;
    const i = r.int(p.recs.length - 1);
    const a = p.recs[i];
    const c = p.recs[i + 1];
    const out = b.slice();
    const second = b.subarray(c.hdr, c.data + c.len);
    out.set(second, a.hdr);
    out.set(b.subarray(a.hdr, a.data + a.len), a.hdr + second.length);
    return out;
  },
  linkType(b, r) {
    const p = pcapRecords(b);
    if (p) {
      view(b).setUint32(p.linkAt, r.pick(LINK_TYPES), p.le);
      return b;
    }
    const g = pcapngBlocks(b);
    const idbs = g ? g.blocks.filter((k) => k.type === 1) : [];
    if (idbs.length === 0) return null;
    const k = r.pick(idbs);
    view(b).setUint16(k.at + 8, r.pick(LINK_TYPES), k.le);
    return b;
  },
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

/**
 * One to four mutations of `seed` (never changed itself). Returns the bytes and the names of the
 * mutations applied, in order.
 */
export function mutate(seed, r) {
  let b = seed.slice();
  const applied = [];
  const n = 1 + r.int(4);
  for (let tries = 0; applied.length < n && tries < 20; tries++) {
    const name = r.pick(MUTATOR_NAMES);
    const out = MUTATORS[name](b, r);
    if (out === null) continue;
    b = out;
    applied.push(name);
  }
  return { bytes: b, applied };
}

/** Output modes worth fuzzing: every renderer and the check subcommand. */
export const MODES = [
  [],
  ['--json'],
  ['--ndjson'],
  ['--summary'],
  ['--all', '--explain'],
  ['--all', '--absolute', '--lang', 'zh', '--explain'],
  ['--summary', '--lang', 'zh'],
  ['--json', '--msl', '0.001', '--max-connections', '3'],
  ['check', '-e', 'handshakes-complete'],
];

/**
 * What is wrong with one run, or [] when it ended as hostile input must: exit 0 (or 1 for
 * `check`'s verdict) or 2 with one-line errors, no internal error, no raw control character
 * from the capture on either stream.
 */
export function problems(args, code, out, err) {
  const p = [];
  const allowed = args[0] === 'check' ? [0, 1, 2] : [0, 2];
  if (!allowed.includes(code)) p.push(`exit ${code}`);
  if (/internal error|RangeError|TypeError|Maximum call stack|heap out of memory|\n\s+at /.test(err)) p.push(`stderr: ${err.split('\n').find((l) => /error|at /.test(l))}`);
  // Colour is off in a fake terminal: no ESC at all, nor other C0/C1 controls but tab and newline.
  // eslint-disable-next-line no-control-regex
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
  if (raw.test(out)) p.push('raw control character on stdout');
  if (raw.test(err)) p.push('raw control character on stderr');
  for (const line of err.split('\n')) if (line !== '' && !line.startsWith('tcptrace') && !/^(PASS|FAIL|ok|not ok|\s)/.test(line)) p.push(`stderr line not ours: ${line.slice(0, 80)}`);
  return p;
}

/** Splits `bytes` into 1 to 8 chunks at random offsets (chunk boundaries are where readers break). */
export function chunks(bytes, r) {
  const cuts = [];
  for (let k = r.int(8); k > 0; k--) cuts.push(r.int(bytes.length + 1));
  cuts.sort((a, b) => a - b);
  const out = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > from) out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}
