/**
 * Addresses as text. Segments carry addresses as four 32-bit words; these turn them into
 * strings once per connection (never per packet) and back (for tests and filters).
 */
import type { Segment } from './segment.js';

function v4(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

/**
 * Formats an address given as big-endian 32-bit words: IPv4 dotted quad from `w0`, IPv6 in
 * RFC 5952 canonical form (lowercase, no leading zeros, the longest run of two or more zero
 * groups compressed to `::`, the first on a tie; IPv4-mapped addresses as ::ffff:a.b.c.d, §5).
 */
export function formatIp(ipVersion: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  if (ipVersion === 4) return v4(w0);
  if (w0 === 0 && w1 === 0 && w2 >>> 0 === 0xffff) return `::ffff:${v4(w3)}`;
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // RFC 5952 §4.2.2: a single zero group is not compressed; §4.2.3: longest run, first on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** Slots of an AddressTexts (a power of two). */
const TEXT_SLOTS = 4096;

/**
 * Formatted addresses, remembered in a small direct-mapped cache keyed by the address words: a
 * run formats two addresses per connection, mostly the same few servers (and often the same
 * clients) again and again. A hit returns the very string made before, so the records of one
 * host share it, and whoever groups records by address (diagnose/) compares one pointer instead
 * of two fresh strings. A miss formats and takes the slot: memory stays fixed.
 */
export class AddressTexts {
  /** Each slot's words w0..w3 and version (0: empty). */
  private readonly words = new Int32Array(TEXT_SLOTS * 4);
  private readonly versions = new Uint8Array(TEXT_SLOTS);
  private readonly texts: string[] = new Array<string>(TEXT_SLOTS).fill('');

  /** formatIp()'s text for the address. */
  text(ipVersion: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
    let h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca6b) ^ Math.imul(w3, 0xc2b2ae35), 0x27d4eb2f);
    h = (h ^ (h >>> 15)) & (TEXT_SLOTS - 1);
    const o = h * 4;
    const k = this.words;
    if (this.versions[h] === ipVersion && k[o] === (w0 | 0) && k[o + 1] === (w1 | 0) && k[o + 2] === (w2 | 0) && k[o + 3] === (w3 | 0)) {
      return this.texts[h]!;
    }
    const t = formatIp(ipVersion, w0, w1, w2, w3);
    this.versions[h] = ipVersion;
    k[o] = w0;
    k[o + 1] = w1;
    k[o + 2] = w2;
    k[o + 3] = w3;
    this.texts[h] = t;
    return t;
  }
}

/** An address and port as one string: `198.18.0.1:80`, `[2001:db8::1]:80` (RFC 5952 §6). */
export function formatEndpoint(ipVersion: 4 | 6, w0: number, w1: number, w2: number, w3: number, port: number): string {
  const ip = formatIp(ipVersion, w0, w1, w2, w3);
  return ipVersion === 4 ? `${ip}:${port}` : `[${ip}]:${port}`;
}

/** A segment's source and destination address as text. */
export function segmentEndpoints(seg: Segment): { srcIp: string; srcPort: number; dstIp: string; dstPort: number } {
  return {
    srcIp: formatIp(seg.ipVersion, seg.src0, seg.src1, seg.src2, seg.src3),
    srcPort: seg.srcPort,
    dstIp: formatIp(seg.ipVersion, seg.dst0, seg.dst1, seg.dst2, seg.dst3),
    dstPort: seg.dstPort,
  };
}

/** An address parsed into the Segment's word layout. */
export interface IpWords {
  ipVersion: 4 | 6;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
}

function parseV4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let w = 0;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255 || (m[i]!.length > 1 && m[i]![0] === '0')) return null;
    w = w * 256 + n;
  }
  return w;
}

/** Parses an IPv4 or IPv6 address (any valid RFC 4291 §2.2 text form), or returns null. */
export function parseIp(text: string): IpWords | null {
  const a = parseV4(text);
  if (a !== null) return { ipVersion: 4, w0: a, w1: 0, w2: 0, w3: 0 };
  if (!text.includes(':')) return null;
  let s = text.toLowerCase();
  // A trailing dotted quad stands for the last two groups (RFC 4291 §2.2 form 3).
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const t = parseV4(tail);
    if (t === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(t >>> 16).toString(16)}:${(t & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const h of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(h)) return null;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const have = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (have > 7) return null;
    groups = [...head, ...new Array<number>(8 - have).fill(0), ...rest];
  } else {
    if (have !== 8) return null;
    groups = head;
  }
  const w = (i: number) => ((groups[i]! << 16) | groups[i + 1]!) >>> 0;
  return { ipVersion: 6, w0: w(0), w1: w(2), w2: w(4), w3: w(6) };
}
