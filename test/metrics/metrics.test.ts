// The metrics' parts on hand-made sequences whose answers are worked out here, and computeMetrics
// on records of the kernel recordings (zero-window time, timestamps, the retransmission timeline).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { ByteRanges, Unwrapper } from '../../src/metrics/ranges.js';
import { AckRtt, TsRtt } from '../../src/metrics/rtt.js';
import { Samples } from '../../src/metrics/stats.js';
import { trace } from '../../src/trace.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

describe('Unwrapper', () => {
  it('keeps offsets growing across the 2^32 wrap, and steps back a little', () => {
    const u = new Unwrapper();
    expect(u.unwrap(0)).toBe(0);
    expect(u.unwrap(4_294_967_000)).toBe(-296); // just before the ISN: a step back, not 4 GB ahead
    expect(u.unwrap(100)).toBe(100);
    expect(u.unwrap(2_000_000_000)).toBe(2_000_000_000);
    expect(u.unwrap(4_000_000_000)).toBe(4_000_000_000);
    expect(u.unwrap(5)).toBe(2 ** 32 + 5);
    expect(u.unwrap(4_294_967_290)).toBe(2 ** 32 - 6);
  });
});

describe('ByteRanges', () => {
  it('counts the bytes already seen, merging what it holds', () => {
    const r = new ByteRanges();
    expect(r.add(0, 100)).toBe(0);
    expect(r.add(200, 300)).toBe(0);
    expect(r.add(50, 250)).toBe(100); // 50..100 and 200..250
    expect(r.add(0, 300)).toBe(300);
    expect(r.add(300, 300)).toBe(0);
    expect(r.add(400, 500)).toBe(0);
    expect(r.add(350, 450)).toBe(50);
  });
});

describe('AckRtt (C tcptrace rexmit.c)', () => {
  const ms = (a: AckRtt) => a.samples.stats();
  it('samples an exactly acknowledged segment sent once', () => {
    const a = new AckRtt();
    a.sent(0, 1, 0); // SYN
    a.ack(1, 0.01);
    a.sent(1, 101, 0.011);
    a.sent(101, 201, 0.012);
    a.ack(201, 0.031); // cumulative: samples only the last segment (0.019 s)
    expect(ms(a)).toEqual({ samples: 2, minMs: 10, meanMs: 14.5, maxMs: 19, stddevMs: 4.5 });
  });
  it('never samples a retransmitted segment (Karn) nor one after repaired losses', () => {
    const a = new AckRtt();
    a.sent(0, 100, 0);
    a.sent(100, 200, 0.001);
    a.sent(0, 100, 0.5); // retransmission of the first
    a.ack(100, 0.51); // ambiguous: no sample
    a.ack(200, 0.52); // the second was sent before the first's retransmission: "post-loss", no sample
    expect(ms(a)).toBeNull();
    a.sent(200, 300, 0.6);
    a.ack(300, 0.61);
    expect(ms(a)?.samples).toBe(1);
    expect(ms(a)?.meanMs).toBeCloseTo(10, 6);
  });
});

describe('TsRtt (RFC 7323 echoes)', () => {
  it('samples the first send of a TSval against its first echo', () => {
    const t = new TsRtt();
    t.sent(7, 0);
    t.sent(7, 0.002); // same TSval again: the first send counts
    t.echo(7, 0.02);
    t.echo(7, 0.03); // echoed again: no second sample
    t.echo(99, 0.03); // never sent
    expect(t.samples.stats()).toEqual({ samples: 1, minMs: 20, meanMs: 20, maxMs: 20, stddevMs: 0 });
  });
});

describe('Samples', () => {
  it('gives the population standard deviation', () => {
    const s = new Samples();
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) s.add(x);
    expect(s.stats()).toEqual({ samples: 8, minMs: 2, meanMs: 5, maxMs: 9, stddevMs: 2 });
  });
});

describe('computeMetrics on recordings', () => {
  async function metricsOf(file: string) {
    const r = await trace(openCapture(path.join(FIXTURES, file)), { allSegments: true, segmentTimestamps: true });
    return r.connections.map((c) => ({ c, m: computeMetrics(c) }));
  }

  it('loss.pcap: the timeline lists each retransmitted segment the model flags', async () => {
    const [{ c, m }] = await metricsOf('loss.pcap');
    const flagged = c!.segments.filter((s) => s.analysis.includes('retransmission')).map((s) => s.packet);
    expect(m!.retransmissions.map((x) => x.packet)).toEqual(flagged);
    expect(m!.retransmissions.every((x) => x.from === 'client' && x.len > 0)).toBe(true);
    // Bytes add up: everything sent is new or sent again.
    expect(m!.client.uniqueBytes + m!.client.retransmittedBytes).toBe(m!.client.bytes);
    expect(m!.client.throughputBps).toBeGreaterThan(m!.client.goodputBps!);
  });

  it('timestamps give samples only when the record kept them', async () => {
    const [{ m }] = await metricsOf('handshake-client-close.pcap');
    expect(m!.client.tsRtt?.samples).toBeGreaterThan(0);
    const r = await trace(openCapture(path.join(FIXTURES, 'handshake-client-close.pcap')), { allSegments: true });
    expect(computeMetrics(r.connections[0]!).client.tsRtt).toBeNull();
  });

  it('metrics/zero-window.pcap: the server advertised a zero window from packet 11 to packet 15', async () => {
    // tshark -r fixtures/metrics/zero-window.pcap -Y 'tcp.srcport==4801' -T fields -e frame.number
    //   -e frame.time_relative -e tcp.window_size_value: first 0 at #11 (0.087735 s), next non-zero at
    //   #15 (1.504932 s), and none again after.
    const [{ m }] = await metricsOf('metrics/zero-window.pcap');
    expect(m!.server.zeroWindowSec).toBeCloseTo(1.504932 - 0.087735, 6);
    expect(m!.client.zeroWindowSec).toBe(0);
  });

  it('no zero window on recordings that never advertised one; a refused SYN has one RTT sample', async () => {
    for (const { m } of await metricsOf('four-way-close.pcap')) {
      expect(m.client.zeroWindowSec).toBe(0);
      expect(m.server.zeroWindowSec).toBe(0);
    }
    const [{ m }] = await metricsOf('refused.pcap');
    expect(m!.client.rtt?.samples).toBe(1);
  });
});
