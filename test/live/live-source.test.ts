// The live source's logic without a network: cap replaced by a fake that hands over real frames
// (from the tcpdump corpus) the way cap does, into the one buffer it was given. The loader is
// injected to simulate a `cap` that is not installed or not built. Real capture is in live.test.ts.
import { EventEmitter } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaptureError, type Frame } from '../../src/capture/frame.js';
import { capCommand, findCapInstall, installHint } from '../../src/capture/cap-hint.js';
import { wireLenFromHeaders } from '../../src/capture/live-wirelen.js';
import { type CapDevice, type CapHandle, type CapModule, capLinkType, listInterfaces, openLive, setCapLoader } from '../../src/capture/live.js';
import { readPcap, type PcapRecord } from '../helpers/pcap-oracle.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CORPUS = path.join(ROOT, 'fixtures/corpus/tcpdump/tcp');
const tmp = mkdtempSync(path.join(tmpdir(), 'live-src-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in for cap's native Cap: same calls, same 'packet' (nbytes, truncated) contract. */
class FakeCap extends EventEmitter implements CapHandle {
  static instances: FakeCap[] = [];
  static devices: CapDevice[] = [];
  static openError: (device: string, filter: string) => string | null = () => null;
  static linkName = 'ETHERNET';
  buf: Buffer | null = null;
  closed = false;
  device = '';
  filter = '';
  bufSize = 0;
  constructor() {
    super();
    FakeCap.instances.push(this);
  }
  static deviceList(): CapDevice[] {
    return FakeCap.devices;
  }
  open(device: string, filter: string, bufSize: number, buf: Buffer): string {
    const err = FakeCap.openError(device, filter);
    if (err !== null) throw new Error(err);
    Object.assign(this, { device, filter, bufSize, buf });
    return FakeCap.linkName;
  }
  close(): boolean {
    const was = !this.closed;
    this.closed = true;
    return was;
  }
  /** Delivers one frame as cap does: copied into the user's buffer, cut to its length. */
  inject(data: Uint8Array): void {
    const buf = this.buf!;
    const n = Math.min(data.length, buf.length);
    buf.set(data.subarray(0, n), 0);
    this.emit('packet', n, data.length > buf.length);
  }
}
const fake: CapModule = { Cap: FakeCap };

/** The handle run() opened (the last one; openLive's trial handle comes first). */
const live = (): FakeCap => FakeCap.instances[FakeCap.instances.length - 1]!;

let frames: PcapRecord[] = [];
beforeAll(async () => {
  // 16 real Ethernet frames of a TCP connection (a 3-way handshake with AccECN, data, FINs).
  frames = (await readPcap(path.join(CORPUS, 'accecn_handshake.pcap'))).records;
  expect(frames.length).toBeGreaterThan(4);
});

function reset(): void {
  FakeCap.instances = [];
  FakeCap.devices = [
    { name: 'eth9', addresses: [{ addr: '198.18.0.1' }, { addr: '2001:db8::1' }] },
    { name: 'any', description: 'Pseudo-device that captures on all interfaces', addresses: [] },
  ];
  FakeCap.openError = () => null;
  FakeCap.linkName = 'ETHERNET';
  setCapLoader(async () => fake);
}
afterEach(() => setCapLoader(null));

/** A sink that records what it saw (copies, since the frame is only valid during the call). */
function recorder() {
  const seen: Array<{ frame: Frame; index: number; t: number; capLen: number; wireLen: number; linkType: number; bytes: Buffer }> = [];
  return {
    seen,
    frame(f: Frame) {
      seen.push({
        frame: f,
        index: f.index,
        t: f.tsSec + f.tsNsec / 1e9,
        capLen: f.capLen,
        wireLen: f.wireLen,
        linkType: f.linkType,
        bytes: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)),
      });
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<CaptureError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CaptureError);
  const ce = e as CaptureError;
  expect(ce.message).not.toContain('\n');
  return ce;
}

describe('cap missing or broken', () => {
  it('says what to install when the addon was never built (the real error of an unbuilt cap)', async () => {
    // cap's own lib/Cap.js without build/Release/cap.node: exactly what npm leaves when the
    // optional build failed for lack of libpcap headers.
    const dir = path.join(tmp, 'cap-unbuilt/lib');
    mkdirSync(dir, { recursive: true });
    for (const f of ['Cap.js', 'Decoders.js']) copyFileSync(path.join(ROOT, 'node_modules/cap/lib', f), path.join(dir, f));
    setCapLoader(() => import(pathToFileURL(path.join(dir, 'Cap.js')).href));
    for (const p of [openLive({ iface: 'lo', filter: '' }), listInterfaces()]) {
      const e = await rejection(p);
      expect(e.message).toContain("optional module 'cap'");
      expect(e.message).toContain('apt-get install libpcap-dev');
      // The command for this checkout's own install (cap-hint.test.ts covers each kind of install).
      expect(e.message).toContain(capCommand(findCapInstall()));
      expect(e.message).toContain('libpcap-devel');
      expect(e.message).toContain('xcode-select --install');
    }
  });

  it('says what to install when the package is not installed at all', async () => {
    setCapLoader(() => import('cap-is-not-installed-' + 'here'));
    const e = await rejection(openLive({ iface: 'lo', filter: '' }));
    expect(e.message).toBe(`live capture: the optional module 'cap' (libpcap binding) is not built: ${installHint()}`);
  });

  it('quotes the first line of any other load failure (e.g. a Node ABI mismatch)', async () => {
    setCapLoader(async () => {
      throw new Error("The module 'cap.node' was compiled against a different Node.js version\nusing NODE_MODULE_VERSION 108.");
    });
    const e = await rejection(listInterfaces());
    expect(e.message).toContain('failed to load (The module');
    expect(e.message).toContain(capCommand(findCapInstall()));
  });
});

describe('listInterfaces', () => {
  it('maps pcap_findalldevs entries to name, description and addresses', async () => {
    reset();
    expect(await listInterfaces()).toEqual([
      { name: 'eth9', description: null, addresses: ['198.18.0.1', '2001:db8::1'] },
      { name: 'any', description: 'Pseudo-device that captures on all interfaces', addresses: [] },
    ]);
  });
});

describe('openLive errors', () => {
  it('rejects an unknown interface before cap sees it, naming the known ones', async () => {
    reset();
    const e = await rejection(openLive({ iface: 'eth0x', filter: '' }));
    expect(e.message).toBe('eth0x: no such interface (libpcap knows: eth9, any; tcptrace -D lists them)');
    expect(FakeCap.instances.length).toBe(0);
  });

  it('explains missing privilege with both remedies', async () => {
    reset();
    FakeCap.openError = () => 'socket: Operation not permitted';
    const e = await rejection(openLive({ iface: 'eth9', filter: 'tcp' }));
    expect(e.message).toContain('eth9: no permission to capture (socket: Operation not permitted)');
    expect(e.message).toContain('run as root');
    expect(e.message).toContain('setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))');
  });

  it("tells a bad filter from other failures and quotes libpcap's message", async () => {
    reset();
    FakeCap.openError = (_d, f) => (f === '' ? null : "can't parse filter expression: syntax error");
    const e = await rejection(openLive({ iface: 'eth9', filter: 'tcp porrt 80' }));
    expect(e.message).toBe('eth9: bad capture filter "tcp porrt 80": can\'t parse filter expression: syntax error');
  });

  it('reports other libpcap failures as they are', async () => {
    reset();
    FakeCap.openError = () => 'eth9: That device is not up';
    const e = await rejection(openLive({ iface: 'eth9', filter: 'tcp' }));
    expect(e.message).toBe('eth9: cannot capture: eth9: That device is not up');
  });

  it('rejects nonsense options in one line', async () => {
    reset();
    expect((await rejection(openLive({ iface: 'eth9', filter: '', count: 0 }))).message).toContain('count must be a positive integer');
    expect((await rejection(openLive({ iface: 'eth9', filter: '', snaplen: 1.5 }))).message).toContain('snaplen');
    expect((await rejection(openLive({ iface: 'eth9', filter: '', durationSec: -1 }))).message).toContain('duration');
  });

  it('closes the trial handle: nothing is left capturing before run()', async () => {
    reset();
    await openLive({ iface: 'eth9', filter: 'tcp port 80', bufferSize: 1 << 20 });
    expect(FakeCap.instances.length).toBe(1);
    expect(FakeCap.instances[0]!.closed).toBe(true);
    expect(FakeCap.instances[0]!.filter).toBe('tcp port 80');
    expect(FakeCap.instances[0]!.bufSize).toBe(1 << 20);
  });
});

describe('LiveSource.run', () => {
  it('stops after count frames, handing each over in the reused Frame, and closes the handle', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '', count: 3 });
    expect(src.name).toBe('eth9');
    const sink = recorder();
    const before = Date.now() / 1000;
    const p = src.run(sink);
    const h = live();
    for (const f of frames.slice(0, 5)) h.inject(f.data); // two more than count: must be ignored
    const stats = await p;
    expect(h.closed).toBe(true);
    expect(stats.format).toBe('live');
    expect(stats.packets).toBe(3);
    expect(stats.linkTypes).toEqual([1]);
    expect(stats.bytes).toBe(frames.slice(0, 3).reduce((s, f) => s + f.capLen, 0));
    expect(sink.seen.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(new Set(sink.seen.map((s) => s.frame)).size).toBe(1);
    sink.seen.forEach((s, i) => {
      expect(s.bytes).toEqual(frames[i]!.data);
      expect(s.capLen).toBe(frames[i]!.capLen);
      expect(s.wireLen).toBe(frames[i]!.wireLen);
      expect(s.linkType).toBe(1);
    });
    // Receipt-time stamps: now-ish and never going backwards.
    const after = Date.now() / 1000;
    for (const s of sink.seen) {
      expect(s.t).toBeGreaterThanOrEqual(before - 0.01);
      expect(s.t).toBeLessThanOrEqual(after + 0.01);
    }
    for (let i = 1; i < sink.seen.length; i++) expect(sink.seen[i]!.t).toBeGreaterThanOrEqual(sink.seen[i - 1]!.t);
    const last = stats.warnings[stats.warnings.length - 1]!;
    expect(last.offset).toBeNull();
    expect(last.message).toContain('kernel drops unknown (the cap binding does not expose pcap_stats)');
  });

  it('stops when the signal aborts, keeping what it had', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '' });
    const ac = new AbortController();
    const sink = recorder();
    const p = src.run(sink, { signal: ac.signal });
    const h = live();
    h.inject(frames[0]!.data);
    h.inject(frames[1]!.data);
    ac.abort();
    h.inject(frames[2]!.data);
    const stats = await p;
    expect(stats.packets).toBe(2);
    expect(sink.seen.length).toBe(2);
    expect(h.closed).toBe(true);
  });

  it('returns at once, without capturing, when the signal has already aborted', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '' });
    const stats = await src.run(recorder(), { signal: AbortSignal.abort() });
    expect(stats.packets).toBe(0);
    expect(FakeCap.instances.length).toBe(1); // only the trial handle
  });

  it('stops after durationSec', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '', durationSec: 0.15 });
    const t0 = performance.now();
    const p = src.run(recorder());
    live().inject(frames[0]!.data);
    const stats = await p;
    const ms = performance.now() - t0;
    expect(stats.packets).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(2000);
    expect(live().closed).toBe(true);
  });

  it('cuts frames to the snaplen, recovers their wire length from the IP header, and says how many were cut', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '', snaplen: 54, count: frames.length });
    const sink = recorder();
    const p = src.run(sink);
    for (const f of frames) live().inject(f.data);
    const stats = await p;
    expect(live().buf!.length).toBe(54);
    const long = frames.filter((f) => f.capLen > 54);
    expect(long.length).toBeGreaterThan(0);
    sink.seen.forEach((s, i) => {
      expect(s.capLen).toBe(Math.min(54, frames[i]!.capLen));
      expect(s.wireLen).toBe(frames[i]!.wireLen);
    });
    expect(stats.warnings.map((w) => w.message)).toContain(
      `${long.length} frames longer than the snaplen of 54 bytes were cut (TCP lengths still come from the IP header)`,
    );
  });

  it('writes what it captured to -w as pcap with the live link type and snaplen', async () => {
    reset();
    FakeCap.linkName = 'LINKTYPE_LINUX_SLL';
    const sll = (await readPcap(path.join(CORPUS, 'resp_2_inline.pcap'))).records;
    const out = path.join(tmp, 'w.pcap');
    const src = await openLive({ iface: 'any', filter: '', writeFile: out, count: sll.length });
    const sink = recorder();
    const p = src.run(sink);
    for (const f of sll) live().inject(f.data);
    const stats = await p;
    expect(stats.linkTypes).toEqual([113]);
    const back = await readPcap(out);
    expect(back.header.linkLayerType).toBe(113);
    expect(back.header.snapshotLength).toBe(65535);
    expect(back.records.length).toBe(sll.length);
    back.records.forEach((r, i) => {
      expect(r.data).toEqual(sll[i]!.data);
      expect(r.wireLen).toBe(sll[i]!.wireLen);
      const s = sink.seen[i]!;
      expect(r.tsSec + r.tsUsec / 1e6).toBeCloseTo(s.t, 5);
    });
  });

  it('rejects a -w path it cannot create, in one line naming the path', async () => {
    reset();
    const bad = path.join(tmp, 'no/such/dir/x.pcap');
    const src = await openLive({ iface: 'eth9', filter: '', writeFile: bad });
    const e = await rejection(src.run(recorder()));
    expect(e.message).toMatch(new RegExp(`^${bad.replace(/[/.]/g, '\\$&')}: cannot write: ENOENT`));
  });

  it('turns an exception thrown by the sink into a rejection (it would be uncaught inside cap) and stops', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '' });
    const boom = new Error('sink bug');
    let calls = 0;
    const p = src.run({
      frame() {
        calls++;
        throw boom;
      },
    });
    live().inject(frames[0]!.data);
    live().inject(frames[1]!.data);
    await expect(p).rejects.toBe(boom);
    expect(calls).toBe(1);
    expect(live().closed).toBe(true);
  });

  it('runs only once', async () => {
    reset();
    const src = await openLive({ iface: 'eth9', filter: '', count: 1 });
    const p = src.run(recorder());
    live().inject(frames[0]!.data);
    await p;
    await rejection(src.run(recorder()));
  });
});

describe('capLinkType', () => {
  it.each([
    ['ETHERNET', 1],
    ['NULL', 0],
    ['RAW', 101],
    ['LINKTYPE_LINUX_SLL', 113],
    ['IEEE802_11_RADIO', 127],
    ['Unknown linktype 276', 276], // LINUX_SLL2
    ['Unknown linktype 12', 101], // DLT_RAW on most BSDs
    ['Unknown linktype 228', 228],
  ] as const)('%s -> %i', (name, lt) => {
    expect(capLinkType(name, 'linux')).toBe(lt);
  });
  it('maps the OpenBSD-specific DLTs', () => {
    expect(capLinkType('Unknown linktype 12', 'openbsd')).toBe(108);
    expect(capLinkType('Unknown linktype 14', 'openbsd')).toBe(101);
  });
  it('refuses names cap does not produce', () => {
    expect(capLinkType('SOMETHING')).toBeNull();
  });
});

describe('wireLenFromHeaders on real frames cut short', () => {
  const cases = [
    ['accecn_handshake.pcap', 1], // Ethernet
    ['resp_2_inline.pcap', 113], // Linux cooked
    ['tcp_rst_diag_payload.pcap', 0], // BSD NULL
    ['mptcp-tcprst.pcap', 101], // raw IP
  ] as const;
  it.each(cases)('%s', async (name, lt) => {
    const recs = (await readPcap(path.join(CORPUS, name))).records;
    let checked = 0;
    for (const r of recs) {
      expect(r.capLen).toBe(r.wireLen);
      // Ethernet frames under 60 bytes may carry padding that no header accounts for.
      if (lt === 1 && r.wireLen <= 60) continue;
      for (const cut of [r.capLen, r.capLen - 1, 40, 24]) {
        if (cut > r.capLen || cut < 24) continue;
        expect(wireLenFromHeaders(lt, r.data, 0, cut)).toBe(r.wireLen);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
  it('never reports less than what was captured, and gives up on headers it cannot see', async () => {
    const r = (await readPcap(path.join(CORPUS, 'accecn_handshake.pcap'))).records[0]!;
    expect(wireLenFromHeaders(1, r.data, 0, 10)).toBe(10); // ethertype not captured
    expect(wireLenFromHeaders(147, r.data, 0, 30)).toBe(30); // unknown link type
    // BIG TCP IPv4 (total length 0, RFC 2675-style): fall back to the captured length.
    const big = (await readPcap(path.join(CORPUS, 'bigtcp-ipv4.pcap'))).records[0]!;
    expect(wireLenFromHeaders(1, big.data, 0, 65535)).toBe(65535);
  });
});
