// End to end on real kernel recordings (fixtures/README.md, scenario 19 and friends): the
// diagnostic each capture was made to show, and `check`'s exit status for a passing and a failing
// expectation, through trace(openCapture(path)) as the CLI wires it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureIo } from '../helpers/io.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { runCheck, type LoadReport } from '../../src/check/cli.js';
import type { Report } from '../../src/diagnose/types.js';
import { trace } from '../../src/trace.js';
import { parseXml } from './xml.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const fx = (name: string) => path.join(ROOT, 'fixtures', `${name}.pcap`);

const load: LoadReport = (p, o) => trace(openCapture(p), o);

async function check(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo();
  const code = await runCheck(args, c.io, load);
  return { code, out: c.out(), err: c.err() };
}

const reports = new Map<string, Report>();
beforeAll(async () => {
  for (const n of ['timewait-pile', 'closewait-leak', 'refused', 'unanswered', 'syn-flood', 'keepalive', 'handshake-client-close']) {
    reports.set(n, await load(fx(n), {}));
  }
});
const rep = (n: string) => reports.get(n)!;

describe('timewait-pile.pcap (50 connections, the server closes first)', () => {
  it('shows the TIME-WAIT pile on the server', () => {
    const d = rep('timewait-pile').diagnostics!;
    expect(rep('timewait-pile').connections).toHaveLength(50);
    expect(d.timeWait.activeCloses).toEqual({ client: 0, server: 50 });
    const server = d.timeWait.hosts.find((h) => h.ip === '198.18.0.2')!;
    expect(server.entries).toEqual({ asClient: 0, asServer: 50 });
    // The capture lasts far less than 2·MSL: none has expired, all 50 at once at the end.
    expect(server.peak).toBe(50);
    expect(server.atEnd).toBe(50);
    expect(d.timeWait.hosts.find((h) => h.ip === '198.18.0.1')).toBeUndefined();
    expect(d.timeWait.tuples[0]).toMatchObject({
      clientIp: '198.18.0.1',
      serverIp: '198.18.0.2',
      serverPort: 4700,
      peak: 50,
      heldBy: { client: 0, server: 50 },
    });
    expect(d.findings.map((f) => [f.severity, f.code, f.subject])).toEqual([['info', 'time-wait-server-close', '198.18.0.2']]);
  });

  it('against a 100-port range: server-held TIME-WAIT, an info that says it is no port exhaustion', async () => {
    // The server holds them: sockets on the server; the client's ports are free and a new SYN on
    // such a 4-tuple is accepted (Linux tcp_timewait_state_process), so connect() does not fail.
    const r = await load(fx('timewait-pile'), { portRange: [42000, 42099] });
    expect(r.diagnostics!.findings.some((f) => f.code === 'time-wait-exhaustion')).toBe(false);
    const w = r.diagnostics!.findings.find((f) => f.code === 'time-wait-pressure')!;
    expect(w.severity).toBe('info');
    expect(w.holder).toBe('server');
    expect(w.message).toContain(
      "50 4-tuples from 198.18.0.1 in TIME-WAIT at once on the server 198.18.0.2:4700 (as many as 50% of the client's 100-port range 42000-42099",
    );
    expect(w.message).toContain('no port exhaustion');
  });

  it('check: passes graceful-close and the count; fails no-state TIME-WAIT, passes no-warnings even with a small range', async () => {
    const ok = await check([fx('timewait-pile'), '-e', 'graceful-close', '-e', 'handshakes-complete', '-e', 'connections=50', '-e', 'no-warnings']);
    expect(ok.err).toBe('');
    expect(ok.out).toBe('1 capture, 4 expectations: all hold\n');
    expect(ok.code).toBe(0);

    const bad = await check([fx('timewait-pile'), '-e', 'no-state', 'TIME-WAIT', '-e', 'no-warnings', '--port-range', '42000-42099']);
    expect(bad.code).toBe(1);
    const lines = bad.out.split('\n');
    expect(lines[0]).toMatch(
      /^FAIL .*timewait-pile\.pcap: no-state TIME-WAIT: #0 198\.18\.0\.1:42000 \u21c4 198\.18\.0\.2:4700 packet \d+: server 198\.18\.0\.2:4700 left in TIME-WAIT \(and 49 more\)$/,
    );
    // Server-held TIME-WAIT is no port exhaustion: no warning.
    expect(bad.out).not.toContain('no-warnings');
    expect(lines[1]).toBe('1 capture, 2 expectations: 1 failed');
  });
});

describe('closewait-leak.pcap (the server never closes)', () => {
  it('lists the three CLOSE-WAIT endpoints by service, with how long', () => {
    const r = rep('closewait-leak');
    const d = r.diagnostics!;
    expect(d.closeWait.total).toBe(3);
    expect(d.closeWait.groups).toHaveLength(1);
    const g = d.closeWait.groups[0]!;
    expect(g).toMatchObject({ side: 'server', ip: '198.18.0.2', port: 4700, service: '198.18.0.2:4700', connections: 3 });
    // The first FIN came ~0.2 s before the last packet (the capture's end as far as pcap tells).
    expect(g.longestSec!).toBeGreaterThan(0.15);
    expect(g.longestSec!).toBeLessThan(0.5);
    for (const c of d.closeWait.connections) {
      const rec = r.connections.find((x) => x.id === c.id)!;
      expect(rec.server.state).toBe('CLOSE-WAIT');
      expect(c.finPacket).not.toBeNull();
      expect(c.forSec!).toBeGreaterThan(0);
    }
    const f = d.findings.find((x) => x.code === 'close-wait-leak')!;
    expect(f.subject).toBe('198.18.0.2:4700');
    // Under the 1 s default it is info; with a lower threshold, a warning.
    expect(f.severity).toBe('info');
  });

  it('check: no-state CLOSE-WAIT fails naming the FIN packet; the count passes', async () => {
    const bad = await check([fx('closewait-leak'), '-e', 'no-state CLOSE-WAIT']);
    expect(bad.code).toBe(1);
    const r = rep('closewait-leak');
    const first = r.diagnostics!.closeWait.connections.find((c) => c.id === r.connections[0]!.id)!;
    expect(bad.out).toContain(
      `no-state CLOSE-WAIT: #0 198.18.0.1:41030 \u21c4 198.18.0.2:4700 packet ${first.finPacket}: server 198.18.0.2:4700 left in CLOSE-WAIT (and 2 more)`,
    );
    const ok = await check([fx('closewait-leak'), '-e', 'connections=3', '-e', 'handshakes-complete']);
    expect([ok.code, ok.out]).toEqual([0, '1 capture, 2 expectations: all hold\n']);
  });
});

describe('refused.pcap (nothing listens on 4701)', () => {
  it('groups the refusal by server host:port', () => {
    const d = rep('refused').diagnostics!;
    expect(d.openings.refused).toEqual([{ server: '198.18.0.2:4701', ip: '198.18.0.2', port: 4701, connections: 1, clients: 1, ids: [0], evicted: 0 }]);
    expect(d.findings.map((f) => [f.severity, f.code, f.subject])).toEqual([['warning', 'refused', '198.18.0.2:4701']]);
  });

  it('check: no-resets and accepts fail on the RST (packet 2); resets<=1 passes', async () => {
    const bad = await check([fx('refused'), '-e', 'no-resets', '-e', 'accepts 198.18.0.2:4701']);
    expect(bad.code).toBe(1);
    expect(
      bad.out
        .split('\n')
        .slice(0, 2)
        .map((l) => l.replace(/^FAIL \S+: /, '')),
    ).toEqual([
      'no-resets: #0 198.18.0.1:41008 \u21c4 198.18.0.2:4701 packet 2: reset by server in ' + rep('refused').connections[0]!.close.reset!.state,
      'accepts 198.18.0.2:4701: #0 198.18.0.1:41008 \u21c4 198.18.0.2:4701 packet 2: not accepted (refused)',
    ]);
    const ok = await check([fx('refused'), '-e', 'resets<=1', '-e', 'connections=1']);
    expect(ok.code).toBe(0);
  });
});

describe('unanswered.pcap (the server drops SYNs)', () => {
  it('shows the unanswered SYNs and their 1 s linear back-off', () => {
    const d = rep('unanswered').diagnostics!;
    expect(d.openings.unanswered).toHaveLength(1);
    const g = d.openings.unanswered[0]!;
    expect(g).toMatchObject({ server: '198.18.0.2:4700', connections: 1, maxSyns: 5, backoff: 'linear' });
    for (const gap of g.backoffSec) expect(gap).toBeCloseTo(1.02, 1);
    expect(d.openings.halfOpen).toEqual([]);
    expect(d.findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'unanswered-syn']]);
  });

  it('check: handshakes-complete fails on the last SYN; no-resets passes', async () => {
    const bad = await check([fx('unanswered'), '-e', 'handshakes-complete']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('handshakes-complete: #0 198.18.0.1:41009 \u21c4 198.18.0.2:4700 packet 5: handshake unanswered, not complete');
    const ok = await check([fx('unanswered'), '-e', 'no-resets', '-e', 'connections=1']);
    expect(ok.code).toBe(0);
  });
});

describe('syn-flood.pcap (20 SYN-ACKs never acknowledged)', () => {
  it('recognises the SYN-flood signature', () => {
    const d = rep('syn-flood').diagnostics!;
    expect(d.openings.halfOpen).toHaveLength(1);
    expect(d.openings.halfOpen[0]).toMatchObject({ server: '198.18.0.2:4700', connections: 20, clients: 1, share: 1, flood: true });
    expect(d.findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'syn-flood']]);
  });

  it('check: accepts *:4700 fails; connections=20 passes', async () => {
    expect((await check([fx('syn-flood'), '-e', 'accepts *:4700'])).code).toBe(1);
    expect((await check([fx('syn-flood'), '-e', 'connections=20'])).code).toBe(0);
  });
});

describe('keepalive.pcap (probes 1 s apart)', () => {
  it('lists the probed connection with its interval', () => {
    const d = rep('keepalive').diagnostics!;
    expect(d.keepAlive.total).toBe(1);
    expect(d.keepAlive.connections[0]!.probes).toBe(4);
    expect(d.keepAlive.connections[0]!.intervalSec!).toBeCloseTo(1, 1);
    expect(d.findings.map((f) => f.code)).toEqual(['keep-alive']);
  });
});

describe('a healthy capture', () => {
  it('has no findings and passes every connection rule', async () => {
    expect(rep('handshake-client-close').diagnostics!.findings).toEqual([]);
    const ok = await check([
      fx('handshake-client-close'),
      ...[
        'handshakes-complete',
        'no-failed-checks',
        'no-resets',
        'graceful-close',
        'no-state CLOSE-WAIT',
        'connections>=1',
        'accepts 198.18.0.2:4700',
        'rtt<50ms',
        'no-warnings',
      ].flatMap((r) => ['-e', r]),
    ]);
    expect(ok.out).toBe('1 capture, 9 expectations: all hold\n');
    expect(ok.code).toBe(0);
  });
});

describe('JUnit on real captures', () => {
  it('writes one suite per capture, one case per rule, failures where they broke', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'chk-')), 'junit.xml');
    const r = await check([fx('refused'), fx('closewait-leak'), '-e', 'no-resets', '-e', 'no-state CLOSE-WAIT', '--junit', out]);
    expect(r.code).toBe(1);
    const root = parseXml(readFileSync(out, 'utf8'));
    expect(root.attrs).toMatchObject({ tests: '4', failures: '2', errors: '0' });
    expect(root.children.map((s) => s.children.map((c) => `${c.attrs.name}:${c.children[0]?.name ?? 'ok'}`))).toEqual([
      ['no-resets:failure', 'no-state CLOSE-WAIT:ok'],
      ['no-resets:ok', 'no-state CLOSE-WAIT:failure'],
    ]);
  });

  it('fails a capture cut mid-record (a real truncation) unless --allow-damaged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chk-cut-'));
    const whole = readFileSync(fx('handshake-client-close'));
    const cut = path.join(dir, 'cut.pcap');
    // Ten bytes short: the last record's data ends early, as when tcpdump is killed mid-write.
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const failed = await check([cut, '-e', 'handshakes-complete']);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^tcptrace check: .*cut\.pcap: warning: .*mid-record/);
    expect(failed.out).toMatch(/^FAIL .*cut\.pcap: capture undamaged: the capture is damaged \(1 warning\): /);
    const allowed = await check([cut, '-e', 'handshakes-complete', '--allow-damaged']);
    expect([allowed.code, allowed.out]).toEqual([0, '1 capture, 1 expectation: all hold\n']);
    // The whole file is no failure.
    expect((await check([fx('handshake-client-close'), '-e', 'handshakes-complete'])).code).toBe(0);
  });

  it('reports an unreadable capture as an error and exits 2', async () => {
    const r = await check([path.join(ROOT, 'fixtures', 'no-such.pcap'), fx('refused'), '-e', 'connections=1']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toMatch(/^tcptrace check: .*no-such\.pcap: /);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('the built command', () => {
  const bin = path.join(ROOT, 'bin', 'tcptrace.js');
  const built = existsSync(path.join(ROOT, 'dist', 'check', 'cli.js'));

  it('exits 1 with the failure line, and 0 when the expectation holds (node bin/tcptrace.js check)', () => {
    expect(built, 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
    const bad = spawnSync(process.execPath, [bin, 'check', 'fixtures/refused.pcap', '--expect', 'no-resets'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.stderr).toBe('');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL fixtures\/refused\.pcap: no-resets: #0 198\.18\.0\.1:41008 \u21c4 198\.18\.0\.2:4701 packet 2: reset by server/);
    const ok = spawnSync(process.execPath, [bin, 'check', 'fixtures/refused.pcap', '--expect', 'resets<=1'], { cwd: ROOT, encoding: 'utf8' });
    expect([ok.status, ok.stdout]).toEqual([0, '1 capture, 1 expectation: all hold\n']);
    const usage = spawnSync(process.execPath, [bin, 'check', 'fixtures/refused.pcap', '--expect', 'resetz<=1'], { cwd: ROOT, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Invalid rule: "resetz" (did you mean "resets"?)');
  });
});
