// Live capture for real: the kernel's own TCP on the loopback interface, captured through cap and
// libpcap. CI runs this as root (.ci/run); elsewhere it is skipped with the reason in its name.
//
// One capture on `lo` covers connections that open with a three-way handshake and end in every
// way a socket API can make them end: client closes first, client half-closes and the server
// still sends, server closes first, client reset, server reset, refused, still open, and left in
// CLOSE-WAIT. The frames are checked at the segment level here (what the source must deliver);
// the states are checked by feeding the same live source through trace().
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureError, type CaptureStats, type Frame } from '../../src/capture/frame.js';
import { openLive } from '../../src/capture/live.js';
import { openCapture } from '../../src/capture/open.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { TcpFlag, type Segment } from '../../src/decode/segment.js';
import {
  FINAL_STATES,
  closedPort,
  client,
  copyFrame,
  kernelStates,
  leftOpen,
  refusedClient,
  startServer,
  tee,
  whyNoCapture,
  type Copied,
  type Scenario,
} from './live-harness.js';

const skip = await whyNoCapture();
const title = (s: string) => (skip === null ? s : `${s} [skipped: ${skip}]`);
const tmp = mkdtempSync(path.join(tmpdir(), 'live-it-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCENARIOS: Scenario[] = ['client-close', 'half-close', 'server-close', 'client-rst', 'server-rst', 'hold', 'close-wait'];

interface Run {
  serverPort: number;
  refusedPort: number;
  /** Client port per scenario ('refused' filled in from the capture). */
  ports: Map<string, number>;
  frames: Copied[];
  segments: Segment[];
  stats: CaptureStats;
  pcap: string;
  /** The kernel's state of a socket (local port, remote port) when capture stopped. */
  kernel: (local: number, remote: number) => string;
}

let run: Run;

/** Segments of the connection whose client port is `port`, in capture order. */
function conn(port: number): Segment[] {
  return run.segments.filter((s) => s.srcPort === port || s.dstPort === port);
}
const has = (s: Segment, f: number) => (s.flags & f) === f;
const flagsOf = (s: Segment) =>
  (has(s, TcpFlag.SYN) ? 'S' : '') + (has(s, TcpFlag.FIN) ? 'F' : '') + (has(s, TcpFlag.RST) ? 'R' : '') + (has(s, TcpFlag.ACK) ? '.' : '');

describe.skipIf(skip !== null)(title('live capture on lo (real kernel TCP)'), () => {
  beforeAll(async () => {
    const server = await startServer();
    const refusedPort = await closedPort();
    const pcap = path.join(tmp, 'lo.pcap');
    const filter = `tcp and (port ${server.port} or port ${refusedPort})`;
    const live = await openLive({ iface: 'lo', filter, writeFile: pcap });
    const frames: Copied[] = [];
    const t = tee(live, frames);
    const ac = new AbortController();
    const done = t.source.run({ frame() {} }, { signal: ac.signal });
    const ports = new Map<string, number>();
    let kernel: Run['kernel'] = () => '?';
    try {
      for (const sc of SCENARIOS) ports.set(sc, await client(server.port, sc));
      await refusedClient(refusedPort);
      await t.quiet(250);
    } finally {
      kernel = kernelStates();
      ac.abort();
    }
    const stats = await done;
    for (const s of leftOpen) s.destroy();
    await server.close();
    const segments: Segment[] = [];
    for (const c of frames) {
      const f: Frame = {
        index: c.index,
        tsSec: c.tsSec,
        tsNsec: c.tsNsec,
        linkType: c.linkType,
        iface: 0,
        buf: c.data,
        offset: 0,
        capLen: c.capLen,
        wireLen: c.wireLen,
      };
      const s = decodeFrame(f);
      if (typeof s !== 'string') segments.push(s);
    }
    const refusedSyn = segments.find((s) => s.dstPort === refusedPort);
    if (refusedSyn) ports.set('refused', refusedSyn.srcPort);
    run = { serverPort: server.port, refusedPort, ports, frames, segments, stats, pcap, kernel };
  });

  it('captures Ethernet frames on lo, all of them TCP, numbered from 1, time never going back', () => {
    const { stats, frames, segments } = run;
    expect(stats.format).toBe('live');
    expect(stats.linkTypes).toEqual([1]);
    expect(stats.packets).toBe(frames.length);
    expect(segments.length).toBe(frames.length);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i + 1));
    for (let i = 1; i < frames.length; i++) {
      const a = frames[i - 1]!;
      const b = frames[i]!;
      expect(b.tsSec * 1e9 + b.tsNsec).toBeGreaterThanOrEqual(a.tsSec * 1e9 + a.tsNsec);
    }
    const now = Date.now() / 1000;
    expect(frames[0]!.tsSec).toBeGreaterThan(now - 60);
    expect(frames[0]!.tsSec).toBeLessThanOrEqual(now);
  });

  it('sees only what the filter lets through: the two ports, every connection', () => {
    for (const s of run.segments) {
      expect([s.srcPort, s.dstPort].some((p) => p === run.serverPort || p === run.refusedPort)).toBe(true);
    }
    for (const sc of [...SCENARIOS, 'refused']) expect(run.ports.get(sc), sc).toBeGreaterThan(0);
  });

  it.each(SCENARIOS)('%s: opens with a three-way handshake (SYN, SYN-ACK acking ISN+1, ACK acking ISN+1)', (sc) => {
    const segs = conn(run.ports.get(sc)!);
    const [syn, synack, ack] = segs;
    expect(segs.length).toBeGreaterThanOrEqual(3);
    expect(flagsOf(syn!)).toBe('S');
    expect(syn!.srcPort).toBe(run.ports.get(sc));
    expect(flagsOf(synack!)).toBe('S.');
    expect(synack!.srcPort).toBe(run.serverPort);
    expect(synack!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(flagsOf(ack!)).toBe('.');
    expect(ack!.ack).toBe((synack!.seq + 1) >>> 0);
    expect(syn!.options?.mss).toBeGreaterThan(0);
  });

  /** Who sent the first FIN or RST of a connection, and which. */
  function firstClose(sc: string): { by: 'client' | 'server'; flag: 'F' | 'R' } | null {
    const port = run.ports.get(sc)!;
    const s = conn(port).find((x) => has(x, TcpFlag.FIN) || has(x, TcpFlag.RST));
    if (!s) return null;
    return { by: s.srcPort === port ? 'client' : 'server', flag: has(s, TcpFlag.RST) ? 'R' : 'F' };
  }

  it('closes the way each side asked', () => {
    expect(firstClose('client-close')).toEqual({ by: 'client', flag: 'F' });
    expect(firstClose('half-close')).toEqual({ by: 'client', flag: 'F' });
    expect(firstClose('server-close')).toEqual({ by: 'server', flag: 'F' });
    expect(firstClose('client-rst')).toEqual({ by: 'client', flag: 'R' });
    expect(firstClose('server-rst')).toEqual({ by: 'server', flag: 'R' });
    expect(firstClose('close-wait')).toEqual({ by: 'client', flag: 'F' });
    expect(firstClose('hold')).toBeNull();
    // Refused: the SYN is answered by RST-ACK acking ISN+1.
    const r = conn(run.ports.get('refused')!);
    expect(r.map(flagsOf).slice(0, 2)).toEqual(['S', 'R.']);
    expect(r[1]!.ack).toBe((r[0]!.seq + 1) >>> 0);
  });

  // The scenarios themselves, as the kernel saw them when capture stopped (the oracle for trace()).
  it.each(FINAL_STATES)('kernel states at stop, %s: client %s, server %s', (sc, c, s) => {
    const port = run.ports.get(sc)!;
    expect(run.kernel(port, run.serverPort)).toBe(c);
    expect(run.kernel(run.serverPort, port)).toBe(s);
  });

  it('half-close: the server still sends data after the client FIN, then its own FIN', () => {
    const port = run.ports.get('half-close')!;
    const segs = conn(port);
    const fin = segs.findIndex((s) => has(s, TcpFlag.FIN));
    const late = segs.slice(fin + 1).filter((s) => s.srcPort === run.serverPort && s.payloadLen > 0);
    expect(late.reduce((n, s) => n + s.payloadLen, 0)).toBe('late data'.length);
  });

  it('-w wrote the same frames as pcap, read back by the project reader', async () => {
    const back: Copied[] = [];
    const stats = await openCapture(run.pcap).run({
      frame(f) {
        back.push(copyFrame(f));
      },
    });
    expect(stats.format).toBe('pcap');
    expect(stats.linkTypes).toEqual([1]);
    expect(back.length).toBe(run.frames.length);
    back.forEach((b, i) => {
      const f = run.frames[i]!;
      expect(b).toEqual({ ...f, tsNsec: Math.floor(f.tsNsec / 1000) * 1000 });
    });
    // Header: µs little-endian magic, snaplen 65535, LINKTYPE_ETHERNET.
    expect(readFileSync(run.pcap).subarray(0, 24).toString('hex')).toBe('d4c3b2a1020004000000000000000000ffff000001000000');
  });

  it('reports drops as far as cap lets it (interface drops from sysfs, kernel drops unknown)', () => {
    const msgs = run.stats.warnings.map((w) => w.message);
    expect(msgs.some((m) => /^\d+ packets dropped by interface; kernel drops unknown/.test(m))).toBe(true);
  });
});

describe.skipIf(skip !== null)(title('live capture: stopping and errors'), () => {
  it('stops by itself after -c frames', async () => {
    const server = await startServer();
    const live = await openLive({ iface: 'lo', filter: `tcp port ${server.port}`, count: 3 });
    const frames: Copied[] = [];
    const t = tee(live, frames);
    const done = t.source.run({ frame() {} });
    await client(server.port, 'client-close');
    const stats = await done;
    await server.close();
    expect(stats.packets).toBe(3);
    expect(frames.map((f) => f.index)).toEqual([1, 2, 3]);
  });

  it('stops by itself after --duration', async () => {
    const live = await openLive({ iface: 'lo', filter: 'tcp port 9', durationSec: 0.3 });
    const t0 = performance.now();
    const stats = await live.run({ frame() {} });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(stats.packets).toBe(0);
  });

  it('`any` is Linux cooked capture and sees loopback traffic too', async () => {
    const server = await startServer();
    const live = await openLive({ iface: 'any', filter: `tcp port ${server.port}` });
    const frames: Copied[] = [];
    const t = tee(live, frames);
    const ac = new AbortController();
    const done = t.source.run({ frame() {} }, { signal: ac.signal });
    await client(server.port, 'client-close');
    await t.quiet(200);
    ac.abort();
    const stats = await done;
    await server.close();
    expect(stats.linkTypes).toEqual([113]);
    const segs = frames.map((c) => decodeFrame({ ...c, iface: 0, buf: c.data, offset: 0 })).filter((s): s is Segment => typeof s !== 'string');
    expect(segs.length).toBe(frames.length);
    expect(segs.filter((s) => has(s, TcpFlag.SYN)).length).toBe(2);
  });

  it("rejects a bad filter in one line with libpcap's message", async () => {
    const e = await openLive({ iface: 'lo', filter: 'tcp porrt 80' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CaptureError);
    expect((e as Error).message).toBe('lo: bad capture filter "tcp porrt 80": can\'t parse filter expression: syntax error');
    const e2 = await openLive({ iface: 'lo', filter: 'tcp port 99999' }).catch((x: unknown) => x);
    expect((e2 as Error).message).toBe('lo: bad capture filter "tcp port 99999": illegal port number 99999 > 65535');
  });

  // Root without CAP_NET_RAW (setpriv drops it from the bounding set): what an unprivileged user
  // meets. Runs the built module (npm test builds first) in a child, since privilege is per process.
  const built = path.resolve(import.meta.dirname, '../../dist/capture/live.js');
  const noPrivSkip = !existsSync(built)
    ? 'dist/ not built (npm run build)'
    : spawnSync('setpriv', ['--version']).status !== 0
      ? 'setpriv (util-linux) not installed'
      : null;
  it.skipIf(noPrivSkip !== null)(`without CAP_NET_RAW says how to get the privilege, in one line${noPrivSkip ? ` [skipped: ${noPrivSkip}]` : ''}`, () => {
    const script = `import { openLive } from ${JSON.stringify(built)};
      try { await openLive({ iface: 'lo', filter: 'tcp' }); console.log('OPENED'); }
      catch (e) { console.log(e.name + '|' + e.message); }`;
    const r = spawnSync('setpriv', ['--bounding-set=-net_raw,-net_admin', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'CaptureError|lo: no permission to capture (socket: Operation not permitted): run as root, or grant node the capability: ' +
        'sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))',
    );
  });

  it('rejects an interface that does not exist in one line', async () => {
    const e = await openLive({ iface: 'live-nosuch0', filter: '' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CaptureError);
    expect((e as Error).message).toMatch(/^live-nosuch0: no such interface \(libpcap knows: .*\blo\b.*; tcptrace -D lists them\)$/);
  });
});
