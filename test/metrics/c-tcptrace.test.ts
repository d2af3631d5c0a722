// The metrics against C tcptrace (`tcptrace -l -r`, 6.6.7) on every kernel recording in fixtures/.
// The reference numbers are committed (fixtures/c-tcptrace.tsv, made by
// scripts/c-tcptrace-reference.mjs), so CI needs no C tcptrace.
//
// Tolerances, and why:
// - bytes, unique bytes, retransmitted bytes, RTT sample counts: exact.
// - RTT min/avg/max: C prints milliseconds with one decimal, so ours must round to within 0.05 ms
//   of it (plus 0.001 for our own rounding to the microsecond).
// - goodput vs C's "throughput" (unique bytes / the connection's duration): C truncates to an
//   integer, we round: within 1 B/s.
// - retransmitted bytes: C counts a retransmitted SYN or FIN as one byte (they occupy a sequence
//   number), and the SYN-ACKs of a simultaneous open as retransmitted SYNs; we count payload only.
//   The test adds the SYN/FIN sequence numbers sent again, counted here from the segments.
// - the first packet's time: C prints the microseconds without leading zeros (".63572" for .063572).
// Known differences, excluded: C tcptrace keys connections by 4-tuple alone, so a
// reused 4-tuple (port-reuse.pcap) is one C connection and two of ours; those rows are skipped.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import type { DirectionMetrics } from '../../src/tcp/metrics-model.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { readTsv } from '../helpers/tsv.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
const rows = readTsv(path.join(FIXTURES, 'c-tcptrace.tsv'));
const files = [...new Set(rows.map((r) => r.file!))];

/** Our connections of a capture, with every segment kept (what --metrics does). */
async function records(file: string): Promise<ConnectionRecord[]> {
  const r = await trace(openCapture(path.join(FIXTURES, file)), { allSegments: true, segmentTimestamps: true });
  return r.connections;
}

/** SYN and FIN sequence numbers `side` sent more than once (C tcptrace counts each as a retransmitted byte). */
function phantomAgain(c: ConnectionRecord, side: 'client' | 'server'): number {
  const seen = new Set<number>();
  let again = 0;
  for (const s of c.segments) {
    if (s.from !== side || s.analysis.includes('duplicate')) continue;
    const at: number[] = [];
    if (s.flags.includes('S')) at.push(s.seq);
    if (s.flags.includes('F')) at.push((s.seq + s.len + (s.flags.includes('S') ? 1 : 0)) >>> 0);
    for (const x of at) {
      if (seen.has(x)) again++;
      seen.add(x);
    }
  }
  return again;
}

/** C tcptrace writes IPv6 groups with leading zeros ("2001:0db8::0001"); we write RFC 5952's "2001:db8::1". */
function ip(text: string): string {
  return text.includes(':')
    ? text
        .split(':')
        .map((g) => g.replace(/^0+(?=.)/, ''))
        .join(':')
    : text;
}

function near(ours: number, c: number, tol: number): boolean {
  return Math.abs(ours - c) <= tol;
}

describe('metrics equal C tcptrace -l -r', () => {
  it('has reference rows for the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(rows.length).toBeGreaterThanOrEqual(80);
  });

  it.each(files)('%s', async (file) => {
    const conns = await records(file);
    const mine = rows.filter((r) => r.file === file);
    const problems: string[] = [];
    let compared = 0;
    for (const row of mine) {
      const [sec, usec] = row.first_packet!.split('.');
      const start = Number(sec) + Number(usec) / 1e6;
      const matching = conns.filter((c) => {
        const ends = [`${c.client.ip}:${c.client.port}`, `${c.server.ip}:${c.server.port}`].sort().join(' ');
        return ends === [`${ip(row.host_a!)}:${row.port_a}`, `${ip(row.host_b!)}:${row.port_b}`].sort().join(' ');
      });
      // A 4-tuple we split into several connections (port reuse) is one connection to C tcptrace.
      if (matching.length !== 1) continue;
      const c = matching[0]!;
      if (Math.abs(c.start - start) > 2e-6) problems.push(`#${c.id} starts at ${c.start}, C's at ${start}`);
      const m = computeMetrics(c);
      const aIsClient = c.client.ip === ip(row.host_a!) && String(c.client.port) === row.port_a;
      const by: Record<'a2b' | 'b2a', DirectionMetrics> = aIsClient ? { a2b: m.client, b2a: m.server } : { a2b: m.server, b2a: m.client };
      for (const dir of ['a2b', 'b2a'] as const) {
        const d = by[dir];
        const want = (col: string) => Number(row[`${col}_${dir}`]);
        const where = `#${c.id} ${dir}`;
        if (d.uniqueBytes !== want('unique_bytes_sent')) problems.push(`${where} unique ${d.uniqueBytes} vs ${want('unique_bytes_sent')}`);
        if (d.bytes !== want('actual_data_bytes')) problems.push(`${where} bytes ${d.bytes} vs ${want('actual_data_bytes')}`);
        const phantom = phantomAgain(c, (dir === 'a2b') === aIsClient ? 'client' : 'server');
        if (d.retransmittedBytes + phantom !== want('rexmt_data_bytes'))
          problems.push(`${where} retransmitted ${d.retransmittedBytes} vs ${want('rexmt_data_bytes')}`);
        const samples = d.rtt?.samples ?? 0;
        if (samples !== want('RTT_samples')) problems.push(`${where} rtt samples ${samples} vs ${want('RTT_samples')}`);
        if (d.rtt !== null) {
          for (const [k, col] of [
            ['minMs', 'RTT_min'],
            ['meanMs', 'RTT_avg'],
            ['maxMs', 'RTT_max'],
          ] as const) {
            if (!near(d.rtt[k], want(col), 0.051)) problems.push(`${where} ${k} ${d.rtt[k]} vs ${want(col)}`);
          }
        }
        if (d.goodputBps !== null && !near(d.goodputBps, want('throughput'), 1)) problems.push(`${where} goodput ${d.goodputBps} vs ${want('throughput')}`);
        compared++;
      }
    }
    expect(problems).toEqual([]);
    if (file !== 'port-reuse.pcap') expect(compared).toBe(mine.length * 2);
  });
});
