// Which side holds the TIME-WAIT decides what it costs: the client's TIME-WAIT uses its ephemeral
// ports toward that server (connect() fails with EADDRNOTAVAIL once all are), the server's only
// costs the server sockets (Linux accepts a new SYN on such a 4-tuple, tcp_timewait_state_process).
// Checked on synthetic piles and on the real recordings (timewait-pile: the server closes; fast-open:
// the client closes).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { diagnose } from '../../src/diagnose/diagnose.js';
import type { Report } from '../../src/diagnose/types.js';
import { findingText } from '../../src/report/findings.js';
import { trace } from '../../src/trace.js';
import { graceful } from './factory.js';

const T0 = 1_700_000_000;
const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', `${name}.pcap`);

function pile(n: number, closer: 'client' | 'server', firstId = 0, firstPort = 33000) {
  return Array.from({ length: n }, (_, i) =>
    graceful({ id: firstId + i, start: T0 + (firstId + i) * 0.02, closer, client: `198.18.0.1:${firstPort + i}`, server: '198.18.0.2:8080' }),
  );
}

describe('TIME-WAIT findings name the side that holds the sockets', () => {
  it('counts each side on its own: 30 client-held and 60 server-held on one tuple are not 90 ports used', () => {
    const d = diagnose([...pile(30, 'client'), ...pile(60, 'server', 30, 34000)], { mslSec: 30, portRange: [40000, 40099] });
    const t = d.timeWait.tuples[0]!;
    expect(t.peak).toBe(90);
    expect(t.bySide.client).toMatchObject({ peak: 30, fraction: 0.3 });
    expect(t.bySide.server).toMatchObject({ peak: 60, fraction: 0.6 });
    // 30% on the client: info, not a warning; 60% on the server: info, no exhaustion.
    expect(d.findings.some((f) => f.code === 'time-wait-exhaustion')).toBe(false);
    const byHolder = Object.fromEntries(d.findings.filter((f) => f.code === 'time-wait-pressure').map((f) => [f.holder, f]));
    expect(byHolder.client!.message).toContain('30 4-tuples in TIME-WAIT at once on the client 198.18.0.1 (30% of the 100-port range 40000-40099');
    expect(byHolder.server!.message).toContain('60 4-tuples from 198.18.0.1 in TIME-WAIT at once on the server 198.18.0.2:8080');
    expect(byHolder.server!.message).toContain('no port exhaustion');
  });

  it('warns of EADDRNOTAVAIL for client-held TIME-WAIT past half the range, naming the client', () => {
    const d = diagnose(pile(60, 'client'), { mslSec: 30, portRange: [40000, 40099] });
    const w = d.findings.find((f) => f.code === 'time-wait-exhaustion')!;
    expect(w.severity).toBe('warning');
    expect(w.holder).toBe('client');
    expect(w.message).toContain('ephemeral ports of 198.18.0.1 for 198.18.0.2:8080 are running out');
    expect(w.message).toContain('EADDRNOTAVAIL');
    expect(w.message).toContain('60 4-tuples in TIME-WAIT at once on the client 198.18.0.1 (60% of the 100-port range 40000-40099');
  });

  it('on fixtures/timewait-pile.pcap (the server closes first): server-held, sockets not ports, in both languages', async () => {
    const r: Report = await trace(openCapture(FIX('timewait-pile')), { portRange: [40000, 40079] });
    const d = r.diagnostics!;
    expect(d.timeWait.tuples[0]!.bySide).toMatchObject({ client: { peak: 0 }, server: { peak: 50 } });
    expect(d.findings.some((f) => f.code === 'time-wait-exhaustion')).toBe(false);
    const f = d.findings.find((x) => x.code === 'time-wait-pressure')!;
    expect(f.holder).toBe('server');
    expect(f.message).toContain("50 4-tuples from 198.18.0.1 in TIME-WAIT at once on the server 198.18.0.2:4700 (as many as 63% of the client's 80-port range");
    expect(f.message).toContain('connect() does not fail');
    const zh = findingText(f, r, 'zh');
    expect(zh).toContain('服务器 198.18.0.2:4700 上同时有 50 个来自 198.18.0.1 的四元组处于 TIME-WAIT');
    expect(zh).toContain('不会耗尽端口');
    expect(zh).not.toContain('EADDRNOTAVAIL');
  });

  it('on fixtures/fast-open.pcap (the client closes first): client-held, connect() runs out, in both languages', async () => {
    const r: Report = await trace(openCapture(FIX('fast-open')), { portRange: [40000, 40001] });
    const d = r.diagnostics!;
    expect(d.timeWait.tuples[0]!.bySide).toMatchObject({ client: { peak: 2, fraction: 1 }, server: { peak: 0 } });
    const f = d.findings.find((x) => x.code === 'time-wait-exhaustion')!;
    expect(f.holder).toBe('client');
    expect(f.message).toContain('connect() from 198.18.0.1 to 198.18.0.2:4700 runs out of ephemeral ports (EADDRNOTAVAIL)');
    expect(f.message).toContain('2 4-tuples in TIME-WAIT at once on the client 198.18.0.1 (100% of the 2-port range 40000-40001');
    expect(findingText(f, r, 'zh')).toContain(
      '从 198.18.0.1 到 198.18.0.2:4700 的 connect() 耗尽了临时端口（EADDRNOTAVAIL）：客户端 198.18.0.1 上同时有 2 个四元组',
    );
  });
});
