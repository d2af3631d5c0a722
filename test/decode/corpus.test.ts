/**
 * The decoder against tshark on real captures: the tcpdump project's public test captures
 * (fixtures/corpus/tcpdump, read through openCapture) and this folder's kernel recordings.
 *
 * Oracles, both produced by tshark 4.0 and committed so the test needs no tshark:
 * - counts.tsv: TCP and SYN segments per file (`tshark -Y tcp`, `-Y tcp.flags.syn==1`);
 * - corpus-fields.tsv (corpus-fields.sh): every TCP segment's ports, raw seq/ack, flags, window,
 *   length, MSS, window scale, timestamps and SACK-permitted.
 *
 * Every file must match tshark's count exactly, or be listed in EXCEPTIONS with the reason and
 * the skip reason we give each frame tshark counts; every segment we do decode must match
 * tshark's fields.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureStats, Frame } from '../../src/capture/frame.js';
import { linkTypeName } from '../../src/capture/link-types.js';
import { openCapture } from '../../src/capture/open.js';
import { decodeFrame, isLinkTypeSupported } from '../../src/decode/decode-frame.js';
import type { Segment, SkipReason } from '../../src/decode/segment.js';

const ROOT = join(import.meta.dirname, '../../fixtures/corpus/tcpdump');
const HERE = import.meta.dirname;

interface Exception {
  /** Segments we decode. */
  ours: number;
  /** What we return for each frame tshark counts as TCP and we do not. */
  skip: SkipReason;
  /** Why, with the evidence (`tshark -r F -Y tcp -T fields -e frame.protocols`). */
  why: string;
}

/** Files where our count differs from tshark's, and why. */
const EXCEPTIONS: Record<string, Exception> = {
  'sflow_expanded.pcap': {
    ours: 0,
    skip: 'udp',
    why:
      'an sFlow report (UDP 6343) quoting the first bytes of one sampled packet: not a tunnel but a 1-in-N sample, ' +
      'whose TCP header would make a connection of one segment out of traffic the capture never saw; tshark: ' +
      'eth:ethertype:ip:udp:sflow:eth:ethertype:vlan:ethertype:ip:tcp',
  },
  'tcp_header_heapoverflow.pcap': {
    ours: 0,
    skip: 'truncated',
    why: 'a fuzzed frame with 12 of the 20 fixed TCP header bytes captured; tshark counts the partial header ("Packet size limited during capture: TCP truncated")',
  },
};

function tsv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
}

const counts = tsv(join(ROOT, 'counts.tsv')).map(([folder, file, format, linktype, tcp, syn]) => ({
  folder: folder!,
  file: file!,
  format: format!,
  linktype: linktype!,
  tcp: Number(tcp),
  syn: Number(syn),
}));

/** tshark's fields per `file#frame`. */
const oracle = new Map<string, string[]>();
for (const row of tsv(join(HERE, 'corpus-fields.tsv'))) oracle.set(`${row[0]}#${row[1]}`, row);

interface Result {
  stats: CaptureStats;
  segments: Segment[];
  /** Result per frame number. */
  byFrame: Map<number, Segment | SkipReason>;
  skips: Partial<Record<SkipReason, number>>;
}

async function decodeFile(path: string): Promise<Result> {
  const segments: Segment[] = [];
  const byFrame = new Map<number, Segment | SkipReason>();
  const skips: Partial<Record<SkipReason, number>> = {};
  const stats = await openCapture(path).run({
    frame(f: Frame) {
      const r = decodeFrame(f);
      byFrame.set(f.index, r);
      if (typeof r === 'string') skips[r] = (skips[r] ?? 0) + 1;
      else segments.push(r);
    },
  });
  return { stats, segments, byFrame, skips };
}

/** Our segment in tshark's field format (the columns of corpus-fields.tsv after the frame number). */
function asTshark(s: Segment, want: string[]): string[] {
  const o = s.options ?? {};
  const [, , , , , , , , len] = want;
  return [
    String(s.srcPort),
    String(s.dstPort),
    String(s.seq),
    s.ack === null ? want[5]! : String(s.ack), // tshark prints the field even when ACK is clear
    String(s.flags),
    String(s.window),
    // tshark leaves tcp.len empty on frames it found damaged and on unreassembled first fragments.
    len === '' ? '' : String(s.payloadLen),
    o.mss === undefined ? '' : String(o.mss),
    o.wscale === undefined ? '' : String(o.wscale),
    o.tsVal === undefined ? '' : String(o.tsVal),
    o.tsEcr === undefined ? '' : String(o.tsEcr),
    o.sackPermitted ? 'present' : '',
  ];
}

function tsharkRow(row: string[]): string[] {
  const [, , sp, dp, seq, ack, flags, win, len, mss, ws, tsv, tse, sackPerm] = row;
  // tcp.flags is 12 bits with the 3 reserved ones; a Segment keeps the 9 defined bits.
  return [sp!, dp!, seq!, ack!, String(parseInt(flags!, 16) & 0x1ff), win!, len!, mss!, ws!, tsv!, tse!, sackPerm ? 'present' : ''];
}

function checkFields(key: string, segments: Segment[]): void {
  for (const s of segments) {
    const want = oracle.get(`${key}#${s.packet}`);
    expect(want, `${key} frame ${s.packet}: a segment tshark does not see`).toBeDefined();
    expect(asTshark(s, want!), `${key} frame ${s.packet}`).toEqual(tsharkRow(want!));
  }
}

describe('tcpdump corpus vs tshark', () => {
  it('the exceptions table names only files of the corpus', () => {
    const names = new Set(counts.map((c) => c.file));
    for (const f of Object.keys(EXCEPTIONS)) expect(names.has(f), f).toBe(true);
  });

  const unsupportedSeen = new Map<string, Set<string>>();

  it.each(counts.map((c) => [`${c.folder}/${c.file}`, c] as const))('%s', async (_name, c) => {
    const r = await decodeFile(join(ROOT, c.folder, c.file));
    const ex = EXCEPTIONS[c.file];
    const syns = r.segments.filter((s) => s.flags & 0x002).length;

    // Unsupported link types: every frame skipped as such, and the type has a name to report.
    for (const lt of r.stats.linkTypes) {
      if (isLinkTypeSupported(lt)) continue;
      const name = linkTypeName(lt);
      expect(name.length).toBeGreaterThan(0);
      (unsupportedSeen.get(name) ?? unsupportedSeen.set(name, new Set()).get(name)!).add(c.file);
    }
    if (r.stats.linkTypes.length > 0 && r.stats.linkTypes.every((lt) => !isLinkTypeSupported(lt))) {
      expect(r.skips).toEqual({ 'unsupported-link': r.stats.packets });
    }

    if (ex === undefined) {
      expect(r.segments.length, `TCP segments in ${c.file} (skips: ${JSON.stringify(r.skips)})`).toBe(c.tcp);
      expect(syns, `SYN segments in ${c.file}`).toBe(c.syn);
    } else {
      expect(r.segments.length, `our count for an exception (${ex.why})`).toBe(ex.ours);
      // Each frame tshark counts that we do not decode gets the skip reason the table gives.
      for (const [key, row] of oracle) {
        if (!key.startsWith(`${c.file}#`)) continue;
        const got = r.byFrame.get(Number(row[1]));
        if (typeof got === 'string') expect(got, `${c.file} frame ${row[1]}`).toBe(ex.skip);
      }
    }
    checkFields(c.file, r.segments);
  });

  it('every unsupported link type in the corpus is named, without a crash', () => {
    const seen = Object.fromEntries([...unsupportedSeen].map(([n, f]) => [n, [...f].sort()]));
    expect(seen).toEqual({
      DSA_TAG_BRCM_PREPEND: ['brcm-tag-prepend.pcap'],
      DSA_TAG_BRCM: ['brcm-tag.pcap'],
      DSA_TAG_DSA: ['dsa-high-vid.pcap', 'dsa.pcap'],
      DSA_TAG_EDSA: ['edsa-high-vid.pcap', 'edsa.pcap'],
      MFR: ['frf16_magic_ie-oobr.pcap', 'kday6.pcap', 'vtp_asan-2.pcap', 'vtp_asan-3.pcap', 'vtp_asan.pcap'],
      JUNIPER_ES: ['hoobr_juniper3.pcap', 'juniper_es_oobr.pcap'],
      JUNIPER_MONITOR: ['juniper_monitor_invalid_cookie_length.pcap'],
    });
  });
});

describe('kernel recordings vs tshark (test/decode/fixtures)', () => {
  const files = [...new Set([...oracle.keys()].filter((k) => k.startsWith('decode-fixtures/')).map((k) => k.split('#')[0]!))];
  it('covers every recording', () => {
    expect(files.map((f) => f.replace('decode-fixtures/', '')).sort()).toEqual([
      'ipv4-frag.pcap',
      'ipv4-options.pcap',
      'ipv6-ext.pcap',
      'ipv6-srh.pcap',
      'sll.pcap',
      'sll2.pcap',
      'snaplen.pcap',
      'tfo.pcap',
    ]);
  });
  it.each(files)('%s', async (key) => {
    const r = await decodeFile(join(HERE, 'fixtures', key.replace('decode-fixtures/', '')));
    const expected = [...oracle.keys()].filter((k) => k.startsWith(`${key}#`)).length;
    expect(r.segments.length).toBe(expected);
    checkFields(key, r.segments);
    if (key.endsWith('ipv4-frag.pcap')) expect(r.skips.fragment).toBeGreaterThan(0);
    if (key.endsWith('snaplen.pcap')) expect(r.segments.every((s) => s.truncated)).toBe(true);
  });
});
