// The diagnostics' findings in Chinese: rebuilt from the diagnostics' structured data, with the
// English sentence only where a code has no template or its data is not listed.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { diagnose } from '../../src/diagnose/diagnose.js';
import { FINDING_CODES, type Finding, type Report } from '../../src/diagnose/types.js';
import { findingData, findingText } from '../../src/report/findings.js';
import { FINDING_TEXT } from '../../src/report/messages.js';
import { renderSummary } from '../../src/report/summary.js';
import { TEXT_DEFAULTS } from '../../src/report/text.js';
import { trace } from '../../src/trace.js';
import { closeWait, graceful } from '../diagnose/factory.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CJK = /[\u4e00-\u9fff]/;

/** Every capture under fixtures/ (the kernel recordings, their variants and the tcpdump corpus). */
function captures(dir = path.join(ROOT, 'fixtures')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng)$/.test(e)) out.push(p);
  }
  return out.sort();
}

/** The report with its diagnostics recomputed under other thresholds (diagnose() is pure). */
const rediagnose = (r: Report, o: Parameters<typeof diagnose>[1]): Report => ({ ...r, diagnostics: diagnose(r.connections, o) });

/** Reports whose findings between them cover every code: the fixtures as they are, then with other thresholds. */
async function reports(): Promise<Array<[string, Report]>> {
  const out: Array<[string, Report]> = [];
  for (const f of captures()) {
    try {
      out.push([path.relative(ROOT, f), await trace(openCapture(f))]);
    } catch {
      // A capture the reader refuses on purpose (the corpus has some): no findings to check.
    }
  }
  const pile = await trace(openCapture(path.join(ROOT, 'fixtures/timewait-pile.pcap')));
  // 50 TIME-WAIT 4-tuples, all on the server (it closes first): as many as a 50-port range, more
  // than half of 90, a quarter of 200 — sockets on the server, never the client's ports.
  for (const hi of [40049, 40089, 40199]) out.push([`timewait-pile, ports 40000-${hi}`, rediagnose(pile, { mslSec: 30, portRange: [40000, hi] })]);
  // The same closes spread over 4.9 s: a rate (10/s) that would hold 600 ports at a steady state.
  const spread = pile.connections.map((c, i) => ({ ...c, start: c.start + i * 0.1, end: c.end + i * 0.1 }));
  out.push(['timewait-pile, spread', rediagnose({ ...pile, connections: spread }, { mslSec: 30, portRange: [40000, 40999] })]);
  // fast-open.pcap: the client closes both connections, so it holds 2 TIME-WAIT 4-tuples toward
  // 198.18.0.2:4700: all of a 2-port range (connect() fails), two thirds of 3.
  const tfo = await trace(openCapture(path.join(ROOT, 'fixtures/fast-open.pcap')));
  for (const hi of [40001, 40002]) out.push([`fast-open, ports 40000-${hi}`, rediagnose(tfo, { mslSec: 30, portRange: [40000, hi] })]);
  // A client closing 50 connections at 10/s (hand-built, as no fixture has that many): 600 ports at a steady state.
  const clientPile = Array.from({ length: 50 }, (_, i) =>
    graceful({ id: i, start: 1_764_000_000 + i * 0.1, closer: 'client', client: `198.18.0.1:${33000 + i}`, server: '198.18.0.2:8080' }),
  );
  out.push(['client pile, spread', rediagnose({ ...tfo, connections: clientPile }, { mslSec: 30, portRange: [40000, 40999] })]);
  const flood = await trace(openCapture(path.join(ROOT, 'fixtures/syn-flood.pcap')));
  out.push(['syn-flood, flood threshold 1000', rediagnose(flood, { mslSec: 30, portRange: [32768, 60999], synFloodMin: 1000 })]);
  const cw = await trace(openCapture(path.join(ROOT, 'fixtures/closewait-leak.pcap')));
  out.push(['closewait-leak, leak from 0.1 s', rediagnose(cw, { mslSec: 30, portRange: [32768, 60999], closeWaitWarnSec: 0.1 })]);
  // A client left in CLOSE-WAIT (the server closed first): a hand-built record, as no fixture has one.
  const client = closeWait({ id: 0, closer: 'server', start: 1_764_000_000, finAt: 0.01, duration: 3, server: '198.18.0.2:8080' });
  out.push(['client in CLOSE-WAIT', rediagnose({ ...cw, connections: [client] }, { mslSec: 30, portRange: [32768, 60999] })]);
  return out;
}

const all = await reports();
const findings: Array<[string, Report, Finding]> = all.flatMap(([name, r]) =>
  (r.diagnostics?.findings ?? []).map((f): [string, Report, Finding] => [name, r, f]),
);

/** The numbers of a sentence ("1.02 s", "40000-40049", "9293"), each as written. */
const numbers = (s: string): string[] => s.match(/\d+(?:[.,]\d+)*/g) ?? [];

describe('findings in Chinese', () => {
  it('the fixtures (and threshold variants) produce every finding code', () => {
    expect([...new Set(findings.map(([, , f]) => f.code))].sort()).toEqual([...FINDING_CODES].sort());
  });

  it('every finding code produced on the fixtures has a zh template', () => {
    for (const code of new Set(findings.map(([, , f]) => f.code))) expect(FINDING_TEXT.zh[code], code).toBeTypeOf('function');
    for (const code of FINDING_CODES) expect(FINDING_TEXT.zh[code], code).toBeTypeOf('function');
  });

  it.each(findings.map(([name, r, f]) => [`${name}: ${f.code} ${f.subject}`, r, f] as const))(
    '%s: said in Chinese from its data, with every number of the English sentence',
    (_, r, f) => {
      expect(findingData(f, r)).not.toBeNull();
      const zh = findingText(f, r, 'zh');
      expect(zh).not.toBe(f.message);
      expect(zh).toMatch(CJK);
      const missing = numbers(f.message).filter((n) => !numbers(zh).includes(n));
      expect(missing, `${f.message}\n${zh}`).toEqual([]);
      expect(findingText(f, r, 'en')).toBe(f.message);
    },
  );

  it('distinguishes the variants the English distinguishes', () => {
    const zhOf = (name: string, code?: string) =>
      findings.filter(([n, , f]) => n === name && (code === undefined || f.code === code)).map(([, r, f]) => findingText(f, r, 'zh'));
    // Server-held: sockets on the server, no exhaustion, whatever the fraction.
    const server = zhOf('timewait-pile, ports 40000-40049', 'time-wait-pressure')[0];
    expect(server).toMatch(
      /^服务器 198\.18\.0\.2:4700 上同时有 50 个来自 198\.18\.0\.1 的四元组处于 TIME-WAIT（相当于客户端 50 个端口的范围 40000-40049 的 100%/,
    );
    expect(server).toContain('不会耗尽端口');
    expect(findings.some(([n, , f]) => n.startsWith('timewait-pile') && f.code === 'time-wait-exhaustion')).toBe(false);
    // Client-held: its ephemeral ports.
    expect(zhOf('fast-open, ports 40000-40001', 'time-wait-exhaustion')[0]).toMatch(
      /^从 198\.18\.0\.1 到 198\.18\.0\.2:4700 的 connect\(\) 耗尽了临时端口（EADDRNOTAVAIL）：客户端 198\.18\.0\.1 上同时有 2 个四元组处于 TIME-WAIT（占 2 个端口的范围 40000-40001 的 100%/,
    );
    expect(zhOf('fast-open, ports 40000-40002', 'time-wait-exhaustion')[0]).toMatch(/^198\.18\.0\.1 连向 198\.18\.0\.2:4700 的临时端口即将耗尽/);
    const projected = zhOf('client pile, spread').find((s) => s.startsWith('按观察到的每秒 10 次关闭'));
    const ports = Number(/约 (\d+) 个端口/.exec(projected ?? '')?.[1]);
    expect(ports).toBeGreaterThanOrEqual(500); // about 10/s × 60 s, at least half of the 1000 ports
    expect(ports).toBeLessThanOrEqual(700);
    expect(zhOf('client in CLOSE-WAIT')[0]).toMatch(/^198\.18\.0\.1（198\.18\.0\.2:8080 的客户端）有 1 条连接停留在 CLOSE-WAIT/);
    expect(zhOf('closewait-leak, leak from 0.1 s')[0]).toContain('描述符泄漏');
    expect(zhOf('fixtures/closewait-leak.pcap')[0]).toContain('只有一直停留在这个状态才算泄漏');
  });

  it("takes a server's close counts from its TIME-WAIT host, which match a count over the records", () => {
    const found = findings.filter(([, , f]) => f.code === 'time-wait-server-close');
    expect(found.length).toBeGreaterThan(0);
    for (const [name, r, f] of found) {
      const closed = r.connections.filter(
        (c) => c.server.ip === f.subject && c.close.initiator !== null && c.close.kind !== 'reset' && c.close.kind !== 'none',
      );
      const data = findingData(f, r) as { closes: number; serverFirst: number };
      expect([data.closes, data.serverFirst], name).toEqual([closed.length, closed.filter((c) => c.close.initiator === 'server').length]);
      // The records are not read again: without them the sentence is the same.
      expect(findingText(f, { ...r, connections: [] }, 'zh')).toBe(findingText(f, r, 'zh'));
    }
  });

  it('falls back to the English sentence when the data is not listed (the tuple list is capped)', () => {
    const [, r, f] = findings.find(([n, , x]) => n === 'fast-open, ports 40000-40001' && x.code === 'time-wait-exhaustion')!;
    const capped: Report = { ...r, diagnostics: { ...r.diagnostics!, timeWait: { ...r.diagnostics!.timeWait, tuples: [] } } };
    expect(findingData(f, capped)).toBeNull();
    expect(findingText(f, capped, 'zh')).toBe(f.message);
  });

  it('the summary prints them: Chinese in --lang zh, the English sentence in English', () => {
    const [, r] = all.find(([n]) => n === 'fixtures/refused.pcap')!;
    const zh = renderSummary(r, { ...TEXT_DEFAULTS, lang: 'zh' });
    expect(zh).toContain('! [refused] 198.18.0.2:4701 拒绝了来自 1 个客户端的 1 条连接');
    expect(zh).not.toContain('nothing listens on the port');
    const en = renderSummary(r, TEXT_DEFAULTS);
    expect(en).toContain('! [refused] 198.18.0.2:4701 refused 1 connection from 1 client');
  });
});
