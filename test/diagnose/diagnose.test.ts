import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnose/diagnose.js';
import { sweep } from '../../src/diagnose/sweep.js';
import { closeWait, conn, endIn, graceful, halfOpen, refused, unanswered } from './factory.js';

const T0 = 1_700_000_000;
const LINUX: [number, number] = [32768, 60999];
const opts = { mslSec: 30, portRange: LINUX };

describe('sweep', () => {
  it('counts overlapping half-open intervals and finds the first peak', () => {
    const r = sweep(
      [
        { from: 0, to: 10 },
        { from: 5, to: 15 },
        { from: 10, to: 20 },
        { from: 30, to: 30 }, // empty: ignored
      ],
      { start: 0, end: 12 },
      6,
    );
    expect(r.peak).toBe(2);
    expect(r.peakAt).toBe(5);
    // At 12 the second and third are open; the first ended at 10 exactly.
    expect(r.atEnd).toBe(2);
    expect(r.series.map((s) => s.count)).toEqual([1, 1, 2, 2, 2, 2]);
    expect(r.series[0]!.time).toBe(0);
    expect(r.series[5]!.time).toBe(10);
  });

  it('does not count an interval ending exactly where another starts twice', () => {
    const r = sweep(
      [
        { from: 0, to: 5 },
        { from: 5, to: 9 },
      ],
      { start: 0, end: 9 },
    );
    expect(r.peak).toBe(1);
    expect(r.atEnd).toBe(0);
  });

  it('agrees with a plain event-by-event count (ties, empty intervals, any window and bucket count)', () => {
    // The reference counts at each distinct instant by brute force: open = from <= t < to.
    const reference = (ivs: { from: number; to: number }[], w: { start: number; end: number }, buckets: number) => {
      const live = ivs.filter((iv) => iv.to > iv.from);
      const times = [...new Set(live.flatMap((iv) => [iv.from, iv.to]))].sort((a, b) => a - b);
      const openAt = (t: number) => live.filter((iv) => iv.from <= t && t < iv.to).length;
      let peak = 0;
      let peakAt = w.start;
      for (const t of times) if (openAt(t) > peak) [peak, peakAt] = [openAt(t), t];
      const span = w.end - w.start;
      const n = span > 0 ? Math.max(1, Math.floor(buckets)) : 1;
      const series = Array.from({ length: n }, (_, b) => {
        const bs = w.start + b * (span / n);
        const be = b === n - 1 ? w.end : bs + span / n;
        const inside = times.filter((t) => t > bs && (b === n - 1 ? t <= be : t < be));
        return { time: bs, count: Math.max(openAt(bs), ...inside.map(openAt)) };
      });
      return { peak, peakAt, atEnd: openAt(w.end), series };
    };
    const time = fc.integer({ min: 0, max: 20 });
    fc.assert(
      fc.property(fc.array(fc.record({ from: time, to: time }), { maxLength: 30 }), time, time, fc.integer({ min: 1, max: 8 }), (ivs, a, b, buckets) => {
        const w = { start: Math.min(a, b), end: Math.max(a, b) };
        expect(sweep(ivs, w, buckets)).toEqual(reference(ivs, w, buckets));
      }),
      { numRuns: 500 },
    );
  });

  it('gives zeros without intervals and one bucket for an empty window', () => {
    const r = sweep([], { start: 3, end: 3 });
    expect(r).toEqual({ peak: 0, peakAt: 3, atEnd: 0, series: [{ time: 3, count: 0 }] });
  });
});

/** `n` connections from one client to one server, one every `gap` s, each closed by `closer`. */
function pile(n: number, closer: 'client' | 'server', gap = 0.02, firstId = 0) {
  return Array.from({ length: n }, (_, i) =>
    graceful({ id: firstId + i, start: T0 + i * gap, closer, client: `198.18.0.1:${33000 + i}`, server: '198.18.0.2:8080' }),
  );
}

describe('TIME-WAIT pressure', () => {
  it('lists the 20 hosts with the highest peaks, and every host a finding names', () => {
    // 30 clients closing first (a TIME-WAIT socket on each), and one server closing first 40 times.
    const clients = Array.from({ length: 30 }, (_, i) =>
      graceful({ id: i, start: T0 + i * 0.001, closer: 'client', client: `10.0.${i}.1:40000`, server: '198.18.0.9:80' }),
    );
    const server = Array.from({ length: 40 }, (_, i) =>
      graceful({ id: 100 + i, start: T0 + i * 0.001, closer: 'server', client: `10.1.0.1:${41000 + i}`, server: '198.18.0.2:8080' }),
    );
    const d = diagnose([...clients, ...server], opts);
    expect(d.timeWait.hosts).toHaveLength(20);
    expect(d.timeWait.hosts[0]!.ip).toBe('198.18.0.2');
    expect(d.findings.some((f) => f.code === 'time-wait-server-close' && f.subject === '198.18.0.2')).toBe(true);
    // A host a finding names stays listed below the top 20: 25 clients with 12 sockets each outrank
    // a server holding 10.
    const busy = Array.from({ length: 25 * 12 }, (_, i) =>
      graceful({ id: 1000 + i, start: T0 + i * 0.001, closer: 'client', client: `10.2.${i % 25}.1:${42000 + i}`, server: '198.18.0.9:80' }),
    );
    const few = diagnose([...busy, ...server.slice(0, 10)], opts);
    const named = few.findings.filter((f) => f.code === 'time-wait-server-close').map((f) => f.subject);
    expect(named).toEqual(['198.18.0.2']);
    expect(few.timeWait.hosts).toHaveLength(21);
    expect(few.timeWait.hosts.slice(0, 20).every((h) => h.peak === 12)).toBe(true);
    expect(few.timeWait.hosts.map((h) => h.ip)).toContain('198.18.0.2');
  });

  it('counts a server that closes first: its host holds the pile, and an info finding says so', () => {
    const d = diagnose(pile(50, 'server'), opts);
    expect(d.timeWait.activeCloses).toEqual({ client: 0, server: 50 });
    expect(d.timeWait.hosts).toHaveLength(1);
    const h = d.timeWait.hosts[0]!;
    expect(h.ip).toBe('198.18.0.2');
    expect(h.entries).toEqual({ asClient: 0, asServer: 50 });
    expect(h.serverCloses).toEqual({ total: 50, serverFirst: 50 });
    expect(h.peak).toBe(50);
    // The 50th entered at T0 + 49·0.02 + the close offset (0.005 + 0.001).
    expect(h.peakAt).toBeCloseTo(T0 + 49 * 0.02 + 0.006, 6);
    // 2·MSL = 60 s outlasts the capture: all still there at its end.
    expect(h.atEnd).toBe(50);
    expect(Math.max(...h.series.map((s) => s.count))).toBe(50);
    expect(h.series.length).toBeLessThanOrEqual(60);

    const t = d.timeWait.tuples[0]!;
    expect(t).toMatchObject({ clientIp: '198.18.0.1', serverIp: '198.18.0.2', serverPort: 8080, peak: 50, rangeSize: 28232 });
    expect(t.heldBy).toEqual({ client: 0, server: 50 });
    expect(t.fraction).toBeCloseTo(50 / 28232, 9);

    expect(d.findings.map((f) => [f.severity, f.code, f.subject])).toEqual([['info', 'time-wait-server-close', '198.18.0.2']]);
    expect(d.findings[0]!.message).toContain('closed first on 50 of 50');
    expect(d.findings[0]!.message).toContain('let the client close first');
  });

  it('does not call server-held TIME-WAIT port exhaustion: an info naming the server, its sockets, and the accepted SYNs', () => {
    // Half the range in TIME-WAIT, all on the server (it closed first): the client's ports are free,
    // and Linux accepts a new SYN on such a 4-tuple (tcp_timewait_state_process), so connect() works.
    const d = diagnose(pile(50, 'server'), { mslSec: 30, portRange: [32768, 32867] });
    expect(d.findings.some((f) => f.code === 'time-wait-exhaustion')).toBe(false);
    const w = d.findings.find((f) => f.code === 'time-wait-pressure')!;
    expect(w.severity).toBe('info');
    expect(w.holder).toBe('server');
    expect(w.subject).toBe('198.18.0.1 -> 198.18.0.2:8080');
    expect(w.message).toContain('50 4-tuples from 198.18.0.1 in TIME-WAIT at once on the server 198.18.0.2:8080');
    expect(w.message).toContain("50% of the client's 100-port range 32768-32867");
    expect(w.message).toContain('no port exhaustion');
    expect(w.message).toContain('tcp_timewait_state_process');
    expect(w.message).toContain('connect() does not fail');
    expect(w.message).toContain('let the client close first');
    expect(w.message).toContain('tcp_tw_reuse does not apply to a server');
    expect(w.message).not.toContain('EADDRNOTAVAIL');
    expect(d.timeWait.tuples[0]!.bySide.client.peak).toBe(0);
    expect(d.timeWait.tuples[0]!.bySide.server).toMatchObject({ peak: 50, fraction: 0.5 });
  });

  it('says connect() fails once the client holds the whole range, with the client-side remedies', () => {
    const d = diagnose(pile(50, 'client'), { mslSec: 30, portRange: [40000, 40039] });
    const w = d.findings.find((f) => f.code === 'time-wait-exhaustion')!;
    expect(w.message).toContain('EADDRNOTAVAIL');
    expect(w.message).toContain('on the client 198.18.0.1');
    expect(w.message).toContain('tcp_tw_reuse=1');
    expect(d.timeWait.hosts[0]!.entries).toEqual({ asClient: 50, asServer: 0 });
    expect(d.findings.some((f) => f.code === 'time-wait-server-close')).toBe(false);
  });

  it("counts each host's closes as a server, and how many it started, whoever holds the TIME-WAIT", () => {
    const d = diagnose([...pile(30, 'server'), ...pile(20, 'client', 0.02, 30)], opts);
    const host = (ip: string) => d.timeWait.hosts.find((h) => h.ip === ip)!;
    expect(host('198.18.0.2').serverCloses).toEqual({ total: 50, serverFirst: 30 });
    expect(host('198.18.0.2').entries).toEqual({ asClient: 0, asServer: 30 });
    // The client host is never a server: no closes to count, though it holds 20 TIME-WAITs.
    expect(host('198.18.0.1').serverCloses).toEqual({ total: 0, serverFirst: 0 });
    expect(d.timeWait.activeCloses).toEqual({ client: 20, server: 30 });
    expect(d.findings.find((f) => f.code === 'time-wait-server-close')!.message).toContain('closed first on 30 of 50');
  });

  it('lets TIME-WAIT expire after 2·MSL', () => {
    const a = graceful({ id: 1, start: T0, closer: 'client' });
    const b = graceful({ id: 2, start: T0 + 61, closer: 'client' });
    expect(diagnose([a, b], { ...opts, mslSec: 30 }).timeWait.hosts[0]!.peak).toBe(1);
    expect(diagnose([a, b], { ...opts, mslSec: 31 }).timeWait.hosts[0]!.peak).toBe(2);
    // With MSL 30 the first has expired by the end of the capture, the second has not.
    expect(diagnose([a, b], opts).timeWait.hosts[0]!.atEnd).toBe(1);
  });

  it('ends TIME-WAIT when the timeline leaves it (RST) or a new connection reuses the 4-tuple', () => {
    const a = graceful({ id: 1, start: T0, closer: 'server' });
    endIn(a, 'server', 'CLOSED', 999, 0.5); // e.g. an RST in TIME-WAIT (RFC 1337)
    const b = graceful({ id: 2, start: T0 + 1, closer: 'server' });
    expect(diagnose([a, b], opts).timeWait.hosts[0]!.peak).toBe(1);

    const c = graceful({ id: 3, start: T0, closer: 'server', client: '198.18.0.1:33333' });
    const d = graceful({ id: 4, start: T0 + 2, closer: 'server', client: '198.18.0.1:33333' });
    d.reusedFrom = 3;
    const diag = diagnose([c, d], opts);
    expect(diag.timeWait.hosts[0]!.peak).toBe(1);
    expect(diag.timeWait.tuples[0]!.peak).toBe(1);
  });

  it('counts a simultaneous close once per 4-tuple but on both hosts', () => {
    const r = graceful({ id: 1, start: T0, closer: 'client' });
    endIn(r, 'server', 'TIME-WAIT', 150, 0.007);
    const d = diagnose([r], opts);
    expect(d.timeWait.hosts.map((h) => [h.ip, h.peak])).toEqual([
      ['198.18.0.1', 1],
      ['198.18.0.2', 1],
    ]);
    expect(d.timeWait.tuples[0]!.peak).toBe(1);
    expect(d.timeWait.tuples[0]!.heldBy).toEqual({ client: 1, server: 1 });
  });

  it("projects a sustained close rate (Little's law) only with enough closes over enough time", () => {
    // 100 closes at 10/s: 10/s × 60 s = 600 ports in a steady state.
    const rs = pile(100, 'client', 0.1);
    const d = diagnose(rs, { mslSec: 30, portRange: [40000, 41099] });
    const t = d.timeWait.tuples[0]!;
    expect(t.closesPerSec).toBeCloseTo(10, 6);
    expect(t.projected).toBe(600);
    expect(t.peak).toBe(100);
    const f = d.findings.find((x) => x.code === 'time-wait-pressure')!;
    expect(f.severity).toBe('info');
    expect(f.message).toContain('10 closes/s');
    expect(f.message).toContain('about 600 ports');

    // Nine closes are too few to call a rate.
    const few = diagnose(pile(9, 'client', 0.5), opts).timeWait.tuples[0]!;
    expect(few.closesPerSec).toBeNull();
    expect(few.projected).toBeNull();
    // Fifty closes within 0.5 s are a burst, not a rate.
    expect(diagnose(pile(50, 'client', 0.01), opts).timeWait.tuples[0]!.projected).toBeNull();
  });

  it('reports observed pressure from 10% of the range as info', () => {
    const d = diagnose(pile(20, 'client'), { mslSec: 30, portRange: [40000, 40099] });
    expect(d.findings.map((f) => [f.severity, f.code])).toEqual([['info', 'time-wait-pressure']]);
  });

  it('says nothing about a few client-closed connections', () => {
    const d = diagnose(pile(5, 'client'), opts);
    expect(d.findings).toEqual([]);
    expect(d.timeWait.activeCloses).toEqual({ client: 5, server: 0 });
  });
});

describe('CLOSE-WAIT leaks', () => {
  it('lists a server stuck in CLOSE-WAIT with how long, the FIN packet, and a warning', () => {
    const leak = closeWait({ id: 7, start: T0, closer: 'client', finAt: 0.01, server: '198.18.0.2:8080' });
    const later = graceful({ id: 8, start: T0 + 20, closer: 'client' });
    const d = diagnose([leak, later], opts);
    expect(d.closeWait.total).toBe(1);
    const c = d.closeWait.connections[0]!;
    expect(c).toMatchObject({ id: 7, side: 'server', endpoint: '198.18.0.2:8080', finPacket: 704 });
    expect(c.enteredAt).toBeCloseTo(T0 + 0.01, 9);
    expect(c.forSec).toBeCloseTo(later.end - (T0 + 0.01), 6);
    expect(d.closeWait.groups).toEqual([
      { side: 'server', ip: '198.18.0.2', port: 8080, service: '198.18.0.2:8080', connections: 1, longestSec: c.forSec, ids: [7] },
    ]);
    const f = d.findings.find((x) => x.code === 'close-wait-leak')!;
    expect(f.severity).toBe('warning');
    expect(f.subject).toBe('198.18.0.2:8080');
    expect(f.message).toContain('never called close()');
    expect(f.message).toMatch(/for 20(\.\d+)? s/);
  });

  it('calls a CLOSE-WAIT shorter than the threshold info, and honours a custom threshold', () => {
    const r = closeWait({ id: 1, start: T0, finAt: 0.005, duration: 0.5 });
    r.end = T0 + 0.5;
    expect(diagnose([r], opts).findings.map((f) => f.severity)).toEqual(['info']);
    expect(diagnose([r], { ...opts, closeWaitWarnSec: 0.25 }).findings.map((f) => f.severity)).toEqual(['warning']);
  });

  it('groups servers by service and clients under the service they talk to', () => {
    const rs = [
      closeWait({ id: 1, start: T0, server: '198.18.0.2:8080' }),
      closeWait({ id: 2, start: T0 + 1, server: '198.18.0.2:8080' }),
      closeWait({ id: 3, start: T0 + 2, server: '198.18.0.2:8080' }),
      closeWait({ id: 4, start: T0, closer: 'server', client: '198.18.0.9:45000', server: '198.18.0.2:9000' }),
    ];
    const d = diagnose(rs, opts);
    const server = d.closeWait.groups.find((g) => g.side === 'server')!;
    expect(server).toMatchObject({ ip: '198.18.0.2', port: 8080, connections: 3, ids: [1, 2, 3] });
    const client = d.closeWait.groups.find((g) => g.side === 'client')!;
    expect(client).toMatchObject({ ip: '198.18.0.9', port: null, service: '198.18.0.2:9000', connections: 1 });
    expect(d.findings.map((f) => f.subject)).toContain('198.18.0.9 (client of 198.18.0.2:9000)');
    // Longest first.
    expect(d.closeWait.connections.map((c) => c.id)).toEqual([1, 4, 2, 3]);
  });

  it('ignores an endpoint whose CLOSE-WAIT is only the RFC default (unseen)', () => {
    const r = closeWait({ id: 1, start: T0 });
    r.server.stateBasis = 'unseen';
    expect(diagnose([r], opts).closeWait.total).toBe(0);
  });
});

describe('failed and half-open openings', () => {
  it('groups unanswered SYNs by server with the retransmission back-off', () => {
    const rs = [
      unanswered({ id: 1, start: T0, server: '198.18.0.2:81', retransmits: [1, 3, 7] }),
      unanswered({ id: 2, start: T0 + 1, server: '198.18.0.2:81', retransmits: [1.02] }),
    ];
    const d = diagnose(rs, opts);
    expect(d.openings.unanswered).toEqual([
      {
        server: '198.18.0.2:81',
        ip: '198.18.0.2',
        port: 81,
        connections: 2,
        clients: 1,
        ids: [1, 2],
        evicted: 0,
        maxSyns: 4,
        synRetransmits: [1, 3, 7],
        backoffSec: [1, 2, 4],
        backoff: 'exponential',
        singleSyn: 0,
        flood: false,
      },
    ]);
    // Unanswered is not half-open, although the server's state is inferred SYN-RECEIVED.
    expect(d.openings.halfOpen).toEqual([]);
    const f = d.findings[0]!;
    expect([f.severity, f.code, f.subject]).toEqual(['warning', 'unanswered-syn', '198.18.0.2:81']);
    expect(f.message).toContain('retransmitted after gaps of 1 s, 2 s, 4 s (the timer doubling, RFC 6298 \u00a75.5)');
  });

  it('tells linear SYN retransmission (Linux tcp_syn_linear_timeouts) from doubling', () => {
    // As recorded on Linux 6.18 with tcp_syn_linear_timeouts=4: SYNs 1 s apart.
    const d = diagnose([unanswered({ id: 1, retransmits: [1.0087, 2.0327, 3.0567, 4.0806] })], opts);
    expect(d.openings.unanswered[0]!.backoff).toBe('linear');
    expect(d.findings[0]!.message).toContain('gaps of 1.01 s, 1.02 s, 1.02 s, 1.02 s (evenly spaced, as with Linux net.ipv4.tcp_syn_linear_timeouts)');
  });

  it.each([
    [[1], null],
    [[1, 1, 1.1], 'linear'],
    [[1, 2, 4, 8], 'exponential'],
    [[1, 1, 1, 1, 2, 4], 'linear-then-exponential'],
    [[1, 5, 1], 'irregular'],
    [[1, 2, 2], 'irregular'],
  ])('back-off shape of gaps %j is %s', async (gaps, shape) => {
    const { backoffShape } = await import('../../src/diagnose/openings.js');
    expect(backoffShape(gaps)).toBe(shape);
  });

  it('says when no SYN was retransmitted', () => {
    const d = diagnose([unanswered({ id: 1, retransmits: [] })], opts);
    expect(d.openings.unanswered[0]!.backoffSec).toEqual([]);
    expect(d.findings[0]!.message).toContain('no SYN was retransmitted');
  });

  it('groups refused connections by server host:port', () => {
    const rs = [
      refused({ id: 1, client: '198.18.0.1:40001', server: '198.18.0.2:81' }),
      refused({ id: 2, client: '198.18.0.3:40002', server: '198.18.0.2:81' }),
      refused({ id: 3, client: '198.18.0.1:40003', server: '198.18.0.2:82' }),
      graceful({ id: 4 }),
    ];
    const d = diagnose(rs, opts);
    expect(d.openings.refused.map((g) => [g.server, g.connections, g.clients, g.ids])).toEqual([
      ['198.18.0.2:81', 2, 2, [1, 2]],
      ['198.18.0.2:82', 1, 1, [3]],
    ]);
    expect(d.findings.filter((f) => f.code === 'refused').map((f) => f.subject)).toEqual(['198.18.0.2:81', '198.18.0.2:82']);
    expect(d.findings[0]!.message).toContain('refused 2 connections from 2 clients');
  });

  it('recognises the SYN-flood signature and tells it from a few half-open connections', () => {
    const flood = Array.from({ length: 25 }, (_, i) => halfOpen({ id: i, client: `198.18.${1 + (i % 5)}.${i}:5000`, server: '198.18.0.2:80' }));
    const ok = Array.from({ length: 5 }, (_, i) => graceful({ id: 100 + i, server: '198.18.0.2:80' }));
    const d = diagnose([...flood, ...ok], opts);
    const g = d.openings.halfOpen[0]!;
    expect(g).toMatchObject({ server: '198.18.0.2:80', connections: 25, clients: 25, flood: true });
    expect(g.share).toBeCloseTo(25 / 30, 9);
    expect(g.ids).toHaveLength(20);
    const f = d.findings.find((x) => x.code === 'syn-flood')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('25 half-open connections from 25 addresses (83% of its openings)');

    // The same 25 among 100 openings are a busy server, not a flood.
    const many = Array.from({ length: 75 }, (_, i) => graceful({ id: 200 + i, server: '198.18.0.2:80' }));
    const busy = diagnose([...flood, ...many], opts);
    expect(busy.openings.halfOpen[0]!.flood).toBe(false);
    expect(busy.findings.map((x) => [x.severity, x.code])).toEqual([['info', 'half-open']]);
    // A lower threshold makes 3 of 3 a flood.
    const three = diagnose(flood.slice(0, 3), { ...opts, synFloodMin: 3 });
    expect(three.openings.halfOpen[0]!.flood).toBe(true);
  });
});

describe('keep-alive', () => {
  it('lists probed connections with their interval and says so per server', () => {
    const a = conn({ id: 1, server: '198.18.0.2:5432' }, { keepAlive: { probes: 4, intervalSec: 75 } });
    const b = conn({ id: 2, server: '198.18.0.2:5432' }, { keepAlive: { probes: 2, intervalSec: 75.5 } });
    const c = conn({ id: 3 }, { keepAlive: { probes: 0, intervalSec: null } });
    const d = diagnose([a, b, c], opts);
    expect(d.keepAlive.total).toBe(2);
    expect(d.keepAlive.connections.map((k) => [k.id, k.probes, k.intervalSec])).toEqual([
      [1, 4, 75],
      [2, 2, 75.5],
    ]);
    expect(d.keepAlive.intervalSec).toEqual({ min: 75, max: 75.5 });
    expect(d.findings).toEqual([
      {
        severity: 'info',
        code: 'keep-alive',
        subject: '198.18.0.2:5432',
        message: '2 connections to 198.18.0.2:5432 kept up by keep-alive probes (6 probes every 75 s).',
        holder: null,
      },
    ]);
  });
});

describe('diagnose', () => {
  it('is empty and JSON-safe without connections', () => {
    const d = diagnose([], opts);
    expect(d.window).toBeNull();
    expect(d.findings).toEqual([]);
    expect(d.params).toEqual({ mslSec: 30, portRange: LINUX, closeWaitWarnSec: 1, synFloodMin: 20 });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('puts warnings first and survives a JSON round trip', () => {
    const rs = [
      conn({ id: 1 }, { keepAlive: { probes: 3, intervalSec: 1 } }),
      refused({ id: 2, server: '198.18.0.2:81' }),
      closeWait({ id: 3, start: T0 }),
      graceful({ id: 4, start: T0 + 5 }),
    ];
    const d = diagnose(rs, opts);
    expect(d.findings.map((f) => f.code)).toEqual(['close-wait-leak', 'refused', 'keep-alive']);
    expect(d.window).toEqual({ start: T0, end: rs[3]!.end });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('uses endTime to extend the window (how long CLOSE-WAIT lasted)', () => {
    const r = closeWait({ id: 1, start: T0, finAt: 0.005 });
    const d = diagnose([r], { ...opts, endTime: T0 + 100 });
    expect(d.closeWait.connections[0]!.forSec).toBeCloseTo(99.995, 6);
  });
});
