/**
 * Live capture: frames from a network interface through libpcap, via the optional `cap` addon.
 *
 * This is the fallback (issue 13): live-program.ts captures through a dumpcap or tcpdump child,
 * which has the kernel's timestamps and drop counts that cap lacks; this module is used only when
 * neither program is installed, or for `--capture-with cap`, and then a warning says so once.
 *
 * `cap` (mscdex/cap 0.2.1, src/binding.cc) is loaded with a dynamic import only here, so file mode
 * never touches it and installs without libpcap's headers still work. What cap gives and does not:
 *   - `open(device, filter, bufSize, buffer)` runs pcap_create/activate (promiscuous, snaplen 65535,
 *     immediate mode on Linux, non-blocking), compiles the filter, and returns the link type as a
 *     name ('ETHERNET', 'LINKTYPE_LINUX_SLL', 'NULL', 'RAW', 'IEEE802_11_RADIO' or
 *     'Unknown linktype N' with the DLT number); failures throw libpcap's message.
 *   - each packet is copied into our one `buffer` and announced as `'packet' (nbytes, truncated)`,
 *     synchronously from a libuv poll callback. The buffer is reused for the next packet, which is
 *     exactly the Frame contract (valid only during the sink call).
 *   - NO timestamps: pcap_pkthdr.ts is dropped. Frames are stamped at receipt in JavaScript: a
 *     wall-clock anchor taken once (performance.timeOrigin + now()) plus the monotonic clock since.
 *     So times never go backwards and relative times have sub-microsecond resolution, but they are
 *     when Node read the packet, not when the kernel saw it: a burst read in one poll wake-up gets
 *     times microseconds apart, and a busy event loop delays them all. Handshake RTTs measured live
 *     are therefore upper bounds with event-loop noise; a kernel-stamped capture (tcpdump -w) is
 *     the precise tool. Measured on lo against tcpdump's kernel stamps (300 short connections):
 *     0.01 to 3.2 ms late, median 0.12 ms; loopback handshake RTTs (16 µs by the kernel) read
 *     about 55 µs too long at the median.
 *   - NO wire length: pcap_pkthdr.len is dropped too. A frame that was cut gets its wire length
 *     from its IP header (live-wirelen.ts); an uncut frame's wire length is its captured length.
 *   - NO pcap_stats: kernel drops (ps_drop) cannot be read. Interface drops are read the way
 *     libpcap 1.10 reads them on Linux (sysfs rx_missed_errors + rx_fifo_errors, a delta over the
 *     capture) and reported in a warning together with the fact that kernel drops are unknown.
 *   - the snaplen is fixed at 65535 inside cap; a smaller `snaplen` is applied by the size of our
 *     buffer (cap cuts the copy and says `truncated`).
 *
 * Two hazards in cap 0.2.1 this module works around:
 *   - after a failed `open()` the native object holds an uninitialised uv_poll_t, and its
 *     destructor (run by GC) calls uv_poll_stop on it: the process aborts. Every Cap object is
 *     therefore kept referenced for the life of the process (a few hundred bytes each, plus the
 *     libpcap handle a failed filter leaves behind, which cannot be closed safely).
 *   - cap prints "Warning: ... This may not actually work" on stderr from C when the device has no
 *     IPv4 address (pcap_lookupnet fails); it cannot be silenced from JavaScript. Unknown interface
 *     names are rejected before cap sees them, so the common case prints nothing.
 *
 * `openLive` validates by opening and closing a handle (bad interface, filter or privilege fail
 * there, before anything else happens); `run` opens the capture for real. So capture starts when
 * `run` is called, and a source that is never run holds no handle that would keep Node alive.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { installHint } from './cap-hint.js';
import { CaptureError, type CaptureSource, type CaptureStats, type CaptureWarning, type Frame, type FrameSink, type ProgressFn } from './frame.js';
import { LinkType } from './link-types.js';
import { wireLenFromHeaders } from './live-wirelen.js';
import { PcapFileWriter } from './pcap-writer.js';

/** What to capture and when to stop. */
export interface LiveOptions {
  /** Interface name as libpcap knows it (`tcptrace -D`); `any` is Linux cooked capture. */
  iface: string;
  /** BPF filter expression (pcap-filter(7)); '' captures everything. */
  filter: string;
  /** Bytes kept per frame; default and maximum 65535 (cap's fixed libpcap snaplen). */
  snaplen?: number;
  /** Stop after this many frames. */
  count?: number;
  /** Stop after this many seconds of capturing. */
  durationSec?: number;
  /** Also write the captured frames to this path as classic pcap (µs, little-endian). */
  writeFile?: string;
  /** libpcap's kernel buffer size in bytes (pcap_set_buffer_size); default 4 MiB. */
  bufferSize?: number;
}

/** One capture device, as `-D` lists it. */
export interface LiveInterface {
  name: string;
  description: string | null;
  /** IPv4 and IPv6 addresses assigned to it. */
  addresses: string[];
}

/** cap's snaplen, hard-coded in its binding (pcap_set_snaplen(handle, 65535)). */
export const CAP_SNAPLEN = 65535;
/** Default kernel buffer: larger than libpcap's 2 MiB because drops in it cannot be counted here. */
export const DEFAULT_BUFFER_SIZE = 4 * 1024 * 1024;

/** The part of cap's native handle this module uses. */
export interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/** One device as cap's deviceList() returns it (pcap_findalldevs). */
export interface CapDevice {
  name: string;
  description?: string;
  addresses?: Array<{ addr?: string }>;
  flags?: string;
}

/** The part of the `cap` module this module uses. */
export interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

/** Loads the `cap` module; replaceable so tests can simulate a missing or broken build. */
export type CapLoader = () => Promise<CapModule>;

async function importCap(): Promise<CapModule> {
  // A variable specifier keeps TypeScript from resolving the (untyped, optional) module.
  const specifier = 'cap';
  const m = (await import(specifier)) as { default?: CapModule } & Partial<CapModule>;
  return (m.default ?? m) as CapModule;
}

let loadCap: CapLoader = importCap;

/** Replaces how `cap` is loaded (tests); `null` restores the real dynamic import. */
export function setCapLoader(loader: CapLoader | null): void {
  loadCap = loader ?? importCap;
}

/** Every Cap object ever created: see the module header (GC of a failed one aborts the process). */
const keepAlive: CapHandle[] = [];

const WHO = 'live capture';

async function cap(): Promise<CapModule> {
  let m: CapModule;
  try {
    m = await loadCap();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const first = firstLine(e);
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      // Either the package is absent or its addon (build/Release/cap.node) was never built:
      // npm skips a failed optional dependency's build silently.
      throw new CaptureError(WHO, null, `the optional module 'cap' (libpcap binding) is not built: ${installHint()}`);
    }
    throw new CaptureError(WHO, null, `the optional module 'cap' (libpcap binding) failed to load (${first}): ${installHint()}`);
  }
  if (typeof m?.Cap !== 'function' || typeof m.Cap.deviceList !== 'function') {
    throw new CaptureError(WHO, null, `the module 'cap' does not look like cap 0.2 (no Cap class): ${installHint()}`);
  }
  return m;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n')[0] ?? '').trim();
}

/** Lists the capture devices libpcap knows (pcap_findalldevs), for `-D`. */
export async function listInterfaces(): Promise<LiveInterface[]> {
  const m = await cap();
  let devs: CapDevice[];
  try {
    devs = m.Cap.deviceList();
  } catch (e) {
    throw new CaptureError(WHO, null, `cannot list interfaces: ${firstLine(e)}`);
  }
  return devs.map((d) => ({
    name: d.name,
    description: d.description ?? null,
    addresses: (d.addresses ?? []).map((a) => a.addr).filter((a): a is string => typeof a === 'string'),
  }));
}

/**
 * Opens a live capture source. Rejects with a one-line CaptureError when cap is not built, the
 * interface does not exist, the filter does not compile, capturing is not permitted, or the `-w`
 * file cannot be created.
 */
export async function openLive(o: LiveOptions): Promise<CaptureSource> {
  const snaplen = o.snaplen ?? CAP_SNAPLEN;
  if (!Number.isInteger(snaplen) || snaplen < 1) throw new CaptureError(o.iface, null, `snaplen must be a positive integer, not ${o.snaplen}`);
  const bufferSize = o.bufferSize ?? DEFAULT_BUFFER_SIZE;
  if (!Number.isInteger(bufferSize) || bufferSize < 1 || bufferSize > 0x7fffffff) {
    throw new CaptureError(o.iface, null, `buffer size must be a positive integer of bytes, not ${o.bufferSize}`);
  }
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1)) {
    throw new CaptureError(o.iface, null, `count must be a positive integer, not ${o.count}`);
  }
  if (o.durationSec !== undefined && !(o.durationSec > 0 && Number.isFinite(o.durationSec))) {
    throw new CaptureError(o.iface, null, `duration must be a positive number of seconds, not ${o.durationSec}`);
  }
  const m = await cap();

  // Reject unknown names before cap's open(): it would print a C-level warning on stderr first.
  let devs: CapDevice[] | null = null;
  try {
    devs = m.Cap.deviceList();
  } catch {
    devs = null; // listing can fail where opening works; let open() decide
  }
  if (devs !== null && !devs.some((d) => d.name === o.iface)) {
    const names = devs.map((d) => d.name).join(', ');
    throw new CaptureError(o.iface, null, `no such interface (libpcap knows: ${names || 'none'}; tcptrace -D lists them)`);
  }

  // Trial open: surfaces every libpcap error now. Capture proper starts in run().
  const effSnaplen = Math.min(snaplen, CAP_SNAPLEN);
  const trial = openHandle(m, o.iface, o.filter, bufferSize, Buffer.alloc(effSnaplen));
  trial.handle.close();
  return new LiveSource(m, o, effSnaplen, bufferSize, trial.linkType);
}

/** Opens a cap handle and maps its errors to one-line CaptureErrors. */
function openHandle(m: CapModule, iface: string, filter: string, bufferSize: number, buf: Buffer): { handle: CapHandle; linkType: number } {
  const handle = new m.Cap();
  keepAlive.push(handle);
  let name: string;
  try {
    name = handle.open(iface, filter, bufferSize, buf);
  } catch (e) {
    throw classifyOpenError(m, iface, filter, bufferSize, firstLine(e));
  }
  const linkType = capLinkType(name);
  if (linkType === null) {
    handle.close();
    throw new CaptureError(iface, null, `unrecognised link type from cap: ${JSON.stringify(name)}`);
  }
  return { handle, linkType };
}

/** Privilege failures as libpcap words them (Linux: socket(): EPERM; BSD/macOS: /dev/bpf EACCES). */
const PERMISSION = /operation not permitted|permission denied|you don't have permission|EPERM|EACCES/i;
const NO_DEVICE = /no such device|doesn't exist|does not exist|not found/i;

/**
 * Turns libpcap's message into one actionable line. A filter error is told apart from the others
 * by opening again without the filter: if that works, the filter was the problem.
 */
function classifyOpenError(m: CapModule, iface: string, filter: string, bufferSize: number, msg: string): CaptureError {
  if (PERMISSION.test(msg)) {
    return new CaptureError(
      iface,
      null,
      `no permission to capture (${msg}): run as root, or grant node the capability: ` +
        'sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))',
    );
  }
  if (NO_DEVICE.test(msg)) return new CaptureError(iface, null, `no such interface (${msg}); tcptrace -D lists them`);
  if (filter !== '') {
    const probe = new m.Cap();
    keepAlive.push(probe);
    let ok = false;
    try {
      probe.open(iface, '', bufferSize, Buffer.alloc(64));
      ok = true;
    } catch {
      ok = false;
    }
    if (ok) {
      probe.close();
      return new CaptureError(iface, null, `bad capture filter ${JSON.stringify(filter)}: ${msg}`);
    }
  }
  return new CaptureError(iface, null, `cannot capture: ${msg}`);
}

/**
 * cap's link type names -> LINKTYPE_* numbers (https://www.tcpdump.org/linktypes.html). For an
 * 'Unknown linktype N' the N is libpcap's DLT_ value, which equals the LINKTYPE_ value except for
 * the few platform-dependent DLTs libpcap itself remaps when writing files (pcap-common.c,
 * dlt_to_linktype). Returns null for a name cap did not document.
 */
export function capLinkType(name: string, platform: string = process.platform): number | null {
  switch (name) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'NULL':
      return LinkType.NULL;
    case 'RAW': // DLT_RAW (12, or 14 on OpenBSD) is written as LINKTYPE_RAW
      return LinkType.RAW;
    case 'LINKTYPE_LINUX_SLL': // what `-i any` gives on Linux
      return LinkType.LINUX_SLL;
    case 'IEEE802_11_RADIO':
      return 127; // LINKTYPE_IEEE802_11_RADIOTAP
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (m === null) return null;
  const dlt = Number(m[1]);
  if (platform === 'openbsd') {
    if (dlt === 12) return LinkType.LOOP; // OpenBSD DLT_LOOP
    if (dlt === 13) return 109; // OpenBSD DLT_ENC -> LINKTYPE_ENC
    if (dlt === 14) return LinkType.RAW;
  }
  if (dlt === 11) return 100; // DLT_ATM_RFC1483 -> LINKTYPE_ATM_RFC1483
  if (dlt === 12) return LinkType.RAW;
  if (dlt === 19) return 106; // DLT_ATM_CLIP -> LINKTYPE_ATM_CLIP (Linux)
  return dlt;
}

/** Interface drop counter the way libpcap 1.10 computes ps_ifdrop on Linux; null where unreadable. */
function interfaceDrops(iface: string): number | null {
  if (process.platform !== 'linux') return null;
  const read = (dev: string, stat: string): number | null => {
    try {
      const v = Number.parseInt(readFileSync(`/sys/class/net/${dev}/statistics/${stat}`, 'utf8'), 10);
      return Number.isFinite(v) ? v : null;
    } catch {
      return null;
    }
  };
  const one = (dev: string): number | null => {
    if (dev.includes('/') || dev.startsWith('.')) return null;
    const missed = read(dev, 'rx_missed_errors');
    const fifo = read(dev, 'rx_fifo_errors');
    return missed === null || fifo === null ? null : missed + fifo;
  };
  if (iface !== 'any') return one(iface);
  // `any` has no counters of its own: sum every interface (libpcap reports 0 here).
  let sum = 0;
  try {
    for (const dev of readdirSync('/sys/class/net')) sum += one(dev) ?? 0;
  } catch {
    return null;
  }
  return sum;
}

/** A live interface as a CaptureSource. */
class LiveSource implements CaptureSource {
  readonly name: string;
  private ran = false;

  constructor(
    private readonly m: CapModule,
    private readonly o: LiveOptions,
    private readonly snaplen: number,
    private readonly bufferSize: number,
    private readonly linkType: number,
  ) {
    this.name = o.iface;
  }

  run(sink: FrameSink, options: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<CaptureStats> {
    if (this.ran) return Promise.reject(new CaptureError(this.name, null, 'a live source can be run only once'));
    this.ran = true;
    const o = this.o;
    const iface = this.name;
    const linkType = this.linkType;
    const warnings: CaptureWarning[] = [];
    const stats: CaptureStats = { format: 'live', linkTypes: [linkType], packets: 0, bytes: 0, warnings };
    const signal = options.signal;
    const onProgress = options.onProgress;

    let writer: PcapFileWriter | null = null;
    if (o.writeFile !== undefined) {
      try {
        writer = new PcapFileWriter(o.writeFile, linkType, this.snaplen);
      } catch (e) {
        return Promise.reject(new CaptureError(o.writeFile, null, `cannot write: ${firstLine(e)}`));
      }
    }
    if (signal?.aborted) {
      writer?.close();
      return Promise.resolve(stats);
    }

    const buf = Buffer.alloc(this.snaplen);
    let opened: { handle: CapHandle; linkType: number };
    try {
      opened = openHandle(this.m, iface, o.filter, this.bufferSize, buf);
    } catch (e) {
      writer?.close();
      return Promise.reject(e);
    }
    const handle = opened.handle;
    if (opened.linkType !== linkType) {
      handle.close();
      writer?.close();
      return Promise.reject(new CaptureError(iface, null, `link type changed between open and run (${linkType} -> ${opened.linkType})`));
    }

    const dropsAtStart = interfaceDrops(iface);
    // Receipt-time clock: wall-clock anchor once, monotonic offsets after (see the module header).
    const p0 = performance.now();
    const wall0Ms = performance.timeOrigin + p0;
    const sec0 = Math.floor(wall0Ms / 1000);
    const ns0 = Math.round((wall0Ms - sec0 * 1000) * 1e6);
    const frame: Frame = { index: 0, tsSec: 0, tsNsec: 0, linkType, iface: 0, buf, offset: 0, capLen: 0, wireLen: 0 };
    const count = o.count ?? 0;
    let cut = 0;
    let lastProgress = p0;

    return new Promise<CaptureStats>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | null = null;

      const finish = (err: unknown): void => {
        if (done) return;
        done = true;
        // Safe inside a packet callback: cap defers pcap_close until its dispatch loop returns.
        handle.close();
        handle.removeAllListeners('packet');
        if (timer !== null) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (writer !== null) {
          try {
            writer.close();
          } catch (e) {
            warnings.push({ offset: null, message: `writing ${writer.path} failed: ${firstLine(e)}` });
          }
        }
        if (cut > 0) {
          warnings.push({
            offset: null,
            message: `${cut} frames longer than the snaplen of ${this.snaplen} bytes were cut (TCP lengths still come from the IP header)`,
          });
        }
        const dropsAtEnd = interfaceDrops(iface);
        const ifDrops = dropsAtStart !== null && dropsAtEnd !== null ? `${dropsAtEnd - dropsAtStart} packets dropped by interface` : 'interface drops unknown';
        warnings.push({
          offset: null,
          message: `${ifDrops}; kernel drops unknown (the cap binding does not expose pcap_stats)`,
        });
        onProgress?.(stats.bytes, stats.packets);
        if (err !== null) reject(err);
        else resolve(stats);
      };
      const onAbort = (): void => finish(null);

      handle.on('packet', (nbytes: number, truncated: boolean) => {
        if (done) return;
        const now = performance.now();
        const total = ns0 + Math.round((now - p0) * 1e6);
        const carry = Math.floor(total / 1e9);
        frame.tsSec = sec0 + carry;
        frame.tsNsec = total - carry * 1e9;
        frame.index = stats.packets + 1;
        frame.capLen = nbytes;
        if (truncated || nbytes >= CAP_SNAPLEN) {
          frame.wireLen = wireLenFromHeaders(linkType, buf, 0, nbytes);
          if (truncated || frame.wireLen > nbytes) cut++;
        } else frame.wireLen = nbytes;
        stats.packets++;
        stats.bytes += nbytes;
        if (writer !== null) {
          try {
            writer.write(frame);
          } catch (e) {
            // A full disk must not lose the trace: stop writing, say so at the end.
            warnings.push({ offset: null, message: `writing ${writer.path} failed, stopped writing it: ${firstLine(e)}` });
            try {
              writer.close();
            } catch {
              /* already reported */
            }
            writer = null;
          }
        }
        try {
          sink.frame(frame);
        } catch (e) {
          // Thrown from inside cap's native callback it would be uncaught: end the run with it instead.
          finish(e);
          return;
        }
        if (onProgress !== undefined && now - lastProgress >= 100) {
          lastProgress = now;
          onProgress(stats.bytes, stats.packets);
        }
        if (count > 0 && stats.packets >= count) finish(null);
      });

      signal?.addEventListener('abort', onAbort, { once: true });
      if (o.durationSec !== undefined) timer = setTimeout(() => finish(null), o.durationSec * 1000);
    });
  }
}
