import { describe, expect, it } from 'vitest';
import type { Diagnostics } from '../../src/diagnose/types.js';
import { renderSummary } from '../../src/report/summary.js';
import { TEXT_DEFAULTS } from '../../src/report/text.js';
import { classic, connection, handshake, report } from './factory.js';

const o = TEXT_DEFAULTS;

function twoConns() {
  const a = classic();
  const b = connection(handshake(), {
    id: 1,
    open: { kind: 'refused', complete: false, rttMs: null, packets: [1, 2], heuristic: null, synRetransmits: null },
    close: { kind: 'none', initiator: null, dataAfterFin: 0, packets: [], reset: null },
    zeek: { conn_state: 'REJ', history: 'Sr', records: null },
  });
  b.checks[0]!.ok = false;
  const r = report([a, b], { skipped: { udp: 3, 'unsupported-link:FOO': 1 }, warnings: ['offset 24: truncated record'] });
  r.summary.anomalies = { retransmissions: 2, dupAcks: 1 };
  return r;
}

describe('summary table', () => {
  const out = renderSummary(twoConns(), o);

  it('tallies openings, closings, final states and zeek codes', () => {
    expect(out).toContain('Summary of test.pcap');
    expect(out).toMatch(/^  connections +2$/m);
    expect(out).toMatch(/^  opening +three-way handshake 1 · refused 1$/m);
    expect(out).toMatch(/^  closing +four-way close 1 · not closed 1$/m);
    expect(out).toMatch(/^  final states +client {2}TIME-WAIT 1 · ESTABLISHED 1$/m);
    expect(out).toMatch(/^ +server {2}CLOSED 1 · ESTABLISHED 1$/m);
    expect(out).toMatch(/^  zeek conn_state +SF 1 · REJ 1$/m);
  });

  it('counts failed checks out of all, anomalies, skipped frames and warnings', () => {
    expect(out).toMatch(/^  failed checks +1 of 6$/m);
    expect(out).toMatch(/^  anomalies +retransmissions 2 · duplicate ACKs 1$/m);
    expect(out).toMatch(/^  skipped frames +udp 3 · unsupported-link:FOO 1$/m);
    expect(out).toMatch(/^  warnings +offset 24: truncated record$/m);
  });

  it('aligns the values in one column', () => {
    const starts = out
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => /^(  \S.*?\S? {2,})\S/.exec(l)?.[1]?.length ?? /^ +/.exec(l)![0].length);
    expect(new Set(starts).size).toBe(1);
  });

  it('says when a selection kept only some connections', () => {
    const r = twoConns();
    expect(renderSummary(r, { ...o, totalConnections: 5 })).toMatch(/connections +2 {2}\(2 of 5 connections selected\)/);
    expect(renderSummary(r, { ...o, totalConnections: 2 })).not.toContain('selected');
  });

  it('prints the diagnostics findings, warnings marked', () => {
    const r = twoConns();
    r.diagnostics = {
      findings: [
        { severity: 'warning', code: 'close-wait-leak', subject: '198.18.0.2:80', message: '3 connections sat in CLOSE-WAIT.' },
        { severity: 'info', code: 'refused', subject: '198.18.0.2:81', message: '1 opening refused.' },
      ],
    } as unknown as Diagnostics;
    const s = renderSummary(r, o);
    expect(s).toMatch(/^  diagnostics +! \[close-wait-leak\] 3 connections sat in CLOSE-WAIT\.$/m);
    expect(s).toMatch(/^ +i \[refused\] 1 opening refused\.$/m);
  });

  it('explains piles of TIME-WAIT and CLOSE-WAIT with --explain, in either language', () => {
    const r = twoConns();
    r.connections[1]!.server.state = 'CLOSE-WAIT';
    const en = renderSummary(r, { ...o, explain: true });
    expect(en).toContain('1 connection ends with an endpoint in TIME-WAIT.');
    expect(en).toContain('1 connection ends with an endpoint in CLOSE-WAIT.');
    const zh = renderSummary(r, { ...o, explain: true, lang: 'zh' });
    expect(zh).toContain('test.pcap 汇总');
    expect(zh).toContain('1 条连接结束时有一端处于 TIME-WAIT');
    expect(renderSummary(r, o)).not.toContain('ends with an endpoint');
  });
});
