/**
 * Frames captured twice (a capture on `any`, two taps, a mirror port): the copy is a `duplicate`,
 * counted in `flags.duplicates`, never a retransmission or a dup ACK, and never applied to the
 * state machines again (src/tcp/analysis.ts, duplicateOf).
 *
 * - fixtures/arkime/imap.pcap: a public capture (Arkime, Apache 2.0) in which one host's segments
 *   were captured twice, 9 to 17 µs apart, same IPv4 id; tshark calls the copies retransmissions
 *   and dup ACKs (fixtures/arkime/imap.tshark.tsv).
 * - fixtures/duplicated/NAME.twice.pcap: kernel recordings merged with themselves (mergecap), every
 *   frame twice with the same timestamp: the record must be the original's, packet k being 2k-1.
 * - Built segments for the time windows: IPv4 with an id (< 1 ms), IPv6 or id 0 (<= 10 µs).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { DUP_ID_NS, DUP_NO_ID_NS } from '../../src/tcp/analysis.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { runTimed, type TimedSpec } from './helpers.js';
import { readTsv } from '../helpers/tsv.js';
import { noteTexts } from '../helpers/notes.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

const tsv = (path: string) => readTsv(join(FIXTURES, path));

const all = async (path: string) => (await trace(openCapture(join(FIXTURES, path)), { allSegments: true })).connections;

describe('a public capture with duplicated frames (imap.pcap)', () => {
  it('the copies tshark calls retransmissions and dup ACKs are duplicates, and nothing else is flagged', async () => {
    const conns = await all('arkime/imap.pcap');
    const tshark = tsv('arkime/imap.tshark.tsv')
      .filter((t) => t['tcp.analysis.retransmission'] || t['tcp.analysis.duplicate_ack_num'])
      .map((t) => Number(t['frame.number']));
    expect(tshark).toEqual([18, 21, 94, 98, 112, 114]);
    const flagged = conns.flatMap((c) => c.segments.filter((s) => s.analysis.length > 0));
    expect(flagged.map((s) => s.packet).sort((a, b) => a - b)).toEqual(tshark);
    for (const s of flagged) expect(s.analysis).toEqual(['duplicate']);
    // Each copy has the same IP id as the frame before it (its original).
    const ids = new Map(tsv('arkime/imap.tshark.tsv').map((t) => [Number(t['frame.number']), t['ip.id']]));
    for (const p of tshark) expect(ids.get(p)).toBe(ids.get(p - 1));
    expect(conns.map((c) => c.flags.duplicates)).toEqual([0, 4, 2]);
    expect(conns.map((c) => [c.flags.retransmissions, c.flags.dupAcks, c.data.client.retransmissions, c.data.server.retransmissions])).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    // Packets count every frame captured; the endpoints' segments count what they sent.
    expect(conns[1]!.packets).toBe(10);
    expect(conns[1]!.client.segments + conns[1]!.server.segments).toBe(6);
  });
});

/** The record with packet numbers mapped by `map`, the copies and the duplicate count left out. */
function canonical(c: ConnectionRecord, map: (p: number) => number, isCopy: (p: number) => boolean): unknown {
  const m = (p: number | null) => (p === null ? null : map(p));
  const text = (s: string) => s.replace(/packet #?(\d+)/g, (_, p: string) => `packet ${map(Number(p))}`);
  return {
    ...c,
    packets: 0,
    flags: { ...c.flags, duplicates: 0 },
    open: { ...c.open, packets: c.open.packets.filter((p) => !isCopy(p)).map(map) },
    close: {
      ...c.close,
      packets: c.close.packets.filter((p) => !isCopy(p)).map(map),
      ...(c.close.reset ? { reset: { ...c.close.reset, packet: map(c.close.reset.packet) } } : {}),
    },
    timeline: c.timeline.map((t) => ({ ...t, packet: map(t.packet), why: text(t.why) })),
    checks: c.checks.map((k) => ({ ...k, packet: map(k.packet), message: text(k.message) })),
    segments: c.segments.filter((s) => !isCopy(s.packet)).map((s) => ({ ...s, packet: map(s.packet) })),
    data: {
      client: { ...c.data.client, firstPacket: m(c.data.client.firstPacket), lastPacket: m(c.data.client.lastPacket) },
      server: { ...c.data.server, firstPacket: m(c.data.server.firstPacket), lastPacket: m(c.data.server.lastPacket) },
    },
    notes: noteTexts(c).map(text),
  };
}

describe('every frame twice (fixtures/duplicated, mergecap of a recording with itself)', () => {
  it.each(['lost-last-ack', 'keepalive', 'ipv6', 'simultaneous-open'])('%s: the same record as the original', async (name) => {
    const [orig] = await all(`${name}.pcap`);
    const twice = await all(`duplicated/${name}.twice.pcap`);
    expect(twice).toHaveLength(1);
    const c = twice[0]!;
    // tshark calls copies retransmissions: the reason this flag exists.
    const tshark = tsv(`duplicated/${name}.twice.tshark.tsv`);
    expect(tshark.filter((t) => Number(t['frame.number']) % 2 === 0 && t['tcp.analysis.retransmission']).length).toBeGreaterThan(0);
    expect(c.packets).toBe(2 * orig!.packets);
    expect(c.flags.duplicates).toBe(orig!.packets);
    // Every copy is kept right after its original, flagged `duplicate` and nothing else.
    expect(c.segments.map((s) => s.packet)).toEqual(orig!.segments.flatMap((s) => [2 * s.packet - 1, 2 * s.packet]));
    for (const s of c.segments) if (s.packet % 2 === 0) expect(s.analysis).toEqual(['duplicate']);
    // The opening and closing list their copies too.
    expect(c.open.packets).toEqual(orig!.open.packets.flatMap((p) => [2 * p - 1, 2 * p]));
    expect(c.close.packets).toEqual(orig!.close.packets.flatMap((p) => [2 * p - 1, 2 * p]));
    // Everything else, the states, timeline, checks and counts, is the original's.
    expect(
      canonical(
        c,
        (p) => p,
        (p) => p % 2 === 0,
      ),
    ).toEqual(
      canonical(
        orig!,
        (p) => 2 * p - 1,
        () => false,
      ),
    );
  });
});

// ---- the time windows, on built segments --------------------------------------------------------

const X = 0xfffff000;
const Y = 9000;
// Small, so that T0 + at keeps nanoseconds exact in a double (the windows are tested to the nanosecond).
const T0 = 1_000;
const add = (a: number, n: number) => (a + n) >>> 0;
type Spec = TimedSpec;
const run = (specs: Spec[]): ConnectionRecord => runTimed(specs, T0);

const hs: Spec[] = [
  { dir: 'c', flags: 'S', seq: X, at: 0, ipId: 100 },
  { dir: 's', flags: 'S.', seq: Y, ack: add(X, 1), at: 0.05, ipId: 0 },
  { dir: 'c', flags: '.', seq: add(X, 1), ack: Y + 1, at: 0.1, ipId: 101 },
];
const data = (at: number, ipId: number, more: Partial<Spec> = {}): Spec => ({ dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 100, at, ipId, ...more });
const flagsOf = (r: ConnectionRecord) => r.segments.slice(3).map((s) => s.analysis);

describe('what counts as a copy', () => {
  it('IPv4: the same id and segment less than 1 ms later is a duplicate; 1 ms later it is a retransmission', () => {
    expect(DUP_ID_NS).toBe(1_000_000);
    expect(flagsOf(run([...hs, data(1, 102), data(1.000999, 102)]))).toEqual([[], ['duplicate']]);
    const r = run([...hs, data(1, 102), data(1.001, 102)]);
    expect(flagsOf(r)).toEqual([[], ['retransmission']]);
    expect([r.flags.duplicates, r.flags.retransmissions]).toEqual([0, 1]);
  });
  it('IPv4: another id is another datagram, however soon (a retransmission)', () => {
    expect(flagsOf(run([...hs, data(1, 102), data(1.000001, 103)]))).toEqual([[], ['retransmission']]);
  });
  it('copies out of time order (two interfaces) are still copies', () => {
    expect(flagsOf(run([...hs, data(1, 102), data(0.9995, 102)]))).toEqual([[], ['duplicate']]);
  });
  it('no id (IPv6, -1) or id 0: the same segment within 10 µs is a duplicate, later it is not', () => {
    expect(DUP_NO_ID_NS).toBe(10_000);
    for (const id of [-1, 0]) {
      expect(flagsOf(run([...hs, data(1, id), data(1.00001, id)]))).toEqual([[], ['duplicate']]);
      expect(flagsOf(run([...hs, data(1, id), data(1.000011, id)]))).toEqual([[], ['retransmission']]);
    }
  });
  it('two RSTs with id 0 answering two segments 285 µs apart are two RSTs (Arkime aerospike.pcap, frames 9-10)', () => {
    const r = run([...hs, { dir: 's', flags: 'R', seq: Y + 1, at: 1, ipId: 0 }, { dir: 's', flags: 'R', seq: Y + 1, at: 1.000285, ipId: 0 }]);
    expect(r.flags.duplicates).toBe(0);
  });
  it('only an exact copy: another TCP timestamp, window or SACK block is another segment', () => {
    const ts = (v: number) => ({ options: { tsVal: v, tsEcr: 1 } });
    expect(flagsOf(run([...hs, data(1, -1, ts(5)), data(1, -1, ts(5))]))).toEqual([[], ['duplicate']]);
    expect(flagsOf(run([...hs, data(1, -1, ts(5)), data(1, -1, ts(6))]))).toEqual([[], ['retransmission']]);
    expect(flagsOf(run([...hs, data(1, 102), data(1, 102, { win: 1000 })]))).toEqual([[], ['retransmission']]);
    const ack = (sack: [number, number]): Spec => ({ dir: 's', flags: '.', seq: Y + 1, ack: add(X, 1), at: 1, ipId: -1, options: { sack: [sack] } });
    const r = run([...hs, ack([add(X, 101), add(X, 201)]), ack([add(X, 101), add(X, 301)])]);
    expect(r.flags.duplicates).toBe(0);
  });
  it('the opening: a copied SYN is not a SYN retransmission (open.synRetransmits stays null)', () => {
    const r = run([hs[0]!, { ...hs[0]!, at: 0.000002 }, ...hs.slice(1)]);
    expect(r.open).toMatchObject({ kind: 'three-way', complete: true });
    expect(r.open.synRetransmits).toBeNull();
    expect(r.open.packets).toEqual([1, 2, 3, 4]);
    expect([r.flags.retransmissions, r.flags.duplicates]).toEqual([0, 1]);
    expect(r.segments[1]!.analysis).toEqual(['duplicate']);
    expect(r.client.segments).toBe(2); // SYN and ACK: the copy was not sent by the client
  });
});
