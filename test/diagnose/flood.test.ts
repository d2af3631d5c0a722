// A SYN flood whose SYN-ACKs are not in the capture: many unanswered attempts of one SYN each,
// told from clients retrying a dead server, and what a full flow table evicted of them.
import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector, diagnose } from '../../src/diagnose/diagnose.js';
import { SYN_FLOOD_MIN, SYN_RTO_SEC } from '../../src/diagnose/openings.js';
import type { Report } from '../../src/diagnose/types.js';
import { findingData, findingText } from '../../src/report/findings.js';
import { graceful, halfOpen, report, unanswered } from './factory.js';

const T0 = 1_700_000_000;
const opts = { mslSec: 30, portRange: [32768, 60999] as [number, number] };
const SERVER = '198.19.0.1:80';

/** `n` single-SYN attempts from distinct spoofed addresses, `gap` s apart from `start`. */
const spoofed = (n: number, start = T0, gap = 0.01, firstId = 0) =>
  Array.from({ length: n }, (_, i) =>
    unanswered({ id: firstId + i, client: `198.18.${i >> 8}.${i & 255}:${1024 + i}`, server: SERVER, start: start + i * gap, retransmits: [] }),
  );

/** A record whose last packet is at `t`, to stretch the capture window. */
const lateOne = (t: number) => graceful({ id: 9999, server: '198.18.0.9:22', start: t - 0.01 });

const numbers = (s: string): string[] => s.match(/\d+(?:[.,]\d+)*/g) ?? [];

describe('a SYN flood without answers', () => {
  it('many single SYNs the capture watched for an RTO are a flood', () => {
    const d = diagnose([...spoofed(30), lateOne(T0 + 5)], opts);
    const g = d.openings.unanswered[0]!;
    expect(g).toMatchObject({ server: SERVER, connections: 30, clients: 30, singleSyn: 30, flood: true, evicted: 0 });
    const f = d.findings.filter((x) => x.code === 'syn-flood');
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.message).toBe(
      `${SERVER} got 30 connection attempts from 30 addresses that were never answered, 30 of them a single SYN never ` +
        'retransmitted (a real client retransmits after its 1 s initial RTO, RFC 6298; a spoofed source never does), the ' +
        'SYN-flood signature (RFC 4987). Keep net.ipv4.tcp_syncookies on; filter the sources upstream.',
    );
    // Said once, as a flood: not also as unanswered SYNs.
    expect(d.findings.some((x) => x.code === 'unanswered-syn')).toBe(false);
  });

  it("SYNs in the capture's last second prove nothing yet: a real client would not have retried", () => {
    // The capture ends 0.5 s after the last of them: no SYN had its RTO's worth of watching.
    const d = diagnose([...spoofed(30, T0, 0.01), lateOne(T0 + 0.8)], opts);
    expect(d.openings.unanswered[0]!.flood).toBe(false);
    expect(d.findings.map((x) => x.code)).toEqual(['unanswered-syn']);
    expect(SYN_RTO_SEC).toBe(1);
  });

  it('clients that retry are a dead server or a firewall, not a flood', () => {
    const retrying = Array.from({ length: 30 }, (_, i) =>
      unanswered({ id: 100 + i, client: `198.18.1.${i}:5000`, server: SERVER, start: T0 + i * 0.01, retransmits: [1, 3] }),
    );
    // Twenty single SYNs among fifty attempts: under half.
    const d = diagnose([...retrying, ...spoofed(20), lateOne(T0 + 10)], opts);
    expect(d.openings.unanswered[0]).toMatchObject({ connections: 50, singleSyn: 20, flood: false });
    expect(d.findings.map((x) => x.code)).toEqual(['unanswered-syn']);
  });

  it('needs synFloodMin single SYNs', () => {
    const few = diagnose([...spoofed(SYN_FLOOD_MIN - 1), lateOne(T0 + 5)], opts);
    expect(few.openings.unanswered[0]!.flood).toBe(false);
    const low = diagnose([...spoofed(5), lateOne(T0 + 5)], { ...opts, synFloodMin: 5 });
    expect(low.openings.unanswered[0]!.flood).toBe(true);
  });

  it('counts what a full table evicted, in the group and in the finding', () => {
    const c = new DiagnosticsCollector();
    const rs = spoofed(30);
    rs.forEach((r, i) => c.add(r, i < 25));
    c.add(lateOne(T0 + 5));
    const d = c.result(opts);
    expect(d.openings.unanswered[0]).toMatchObject({ connections: 30, evicted: 25, flood: true });
    const f = d.findings.find((x) => x.code === 'syn-flood')!;
    expect(f.message).toContain(
      '25 of these connections were evicted from the full flow table to make room (--max-connections; openings that ' +
        'never completed go first while they fill an eighth of the table, established connections stay).',
    );
    // Records alone (no run to say which were evicted) count none.
    expect(diagnose([...rs, lateOne(T0 + 5)], opts).openings.unanswered[0]!.evicted).toBe(0);
  });

  it('one finding per server when its SYNs go unanswered and its SYN-ACKs unacknowledged', () => {
    // 35 half-open among the server's 65 openings: each group is a flood by its own rule.
    const half = Array.from({ length: 35 }, (_, i) => halfOpen({ id: 500 + i, client: `198.18.9.${i}:6000`, server: SERVER, start: T0 + i * 0.01 }));
    const c = new DiagnosticsCollector();
    for (const r of [...spoofed(30), lateOne(T0 + 5)]) c.add(r);
    half.forEach((r, i) => c.add(r, i < 3));
    const d = c.result(opts);
    expect(d.openings.halfOpen[0]).toMatchObject({ connections: 35, flood: true, evicted: 3 });
    const floods = d.findings.filter((x) => x.code === 'syn-flood');
    expect(floods).toHaveLength(1);
    expect(floods[0]!.message).toContain(`${SERVER} got 30 connection attempts from 30 addresses that were never answered, 30 of them a single SYN`);
    expect(floods[0]!.message).toContain(
      ', and has 35 half-open connections from 35 addresses (54% of its openings): SYN-ACKs never acknowledged, the SYN-flood signature',
    );
    expect(floods[0]!.message).toContain('3 of these connections were evicted');
  });

  it('a half-open flood alone reads as it always did', () => {
    const half = Array.from({ length: 25 }, (_, i) => halfOpen({ id: i, client: `198.18.9.${i}:6000`, server: SERVER }));
    const f = diagnose(half, opts).findings.find((x) => x.code === 'syn-flood')!;
    expect(f.message).toBe(
      `${SERVER} has 25 half-open connections from 25 addresses (100% of its openings): SYN-ACKs never acknowledged, ` +
        'the SYN-flood signature (RFC 4987). Keep net.ipv4.tcp_syncookies on; filter the sources upstream.',
    );
  });

  it('is said in Chinese from its data, with every number of the English sentence', () => {
    const half = Array.from({ length: 35 }, (_, i) => halfOpen({ id: 500 + i, client: `198.18.9.${i}:6000`, server: SERVER }));
    const c = new DiagnosticsCollector();
    spoofed(30).forEach((r, i) => c.add(r, i < 7));
    c.add(lateOne(T0 + 5));
    const unansweredOnly: Report = { ...report([]), diagnostics: c.result(opts) };
    for (const r of [...half]) c.add(r, true);
    const both: Report = { ...report([]), diagnostics: c.result(opts) };
    expect(both.diagnostics!.openings.halfOpen[0]!.flood).toBe(true);
    for (const r of [unansweredOnly, both]) {
      const f = r.diagnostics!.findings.find((x) => x.code === 'syn-flood')!;
      expect(findingData(f, r)).not.toBeNull();
      const zh = findingText(f, r, 'zh');
      expect(zh).toMatch(/SYN 洪泛/);
      expect(
        numbers(f.message).filter((n) => !numbers(zh).includes(n)),
        `${f.message}\n${zh}`,
      ).toEqual([]);
    }
  });
});
