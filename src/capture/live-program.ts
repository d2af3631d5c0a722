/**
 * Live capture through a capture program (issue 13), Wireshark's design: the analyser never
 * captures; a small program that holds the privilege does (dumpcap, or tcpdump), and streams a
 * capture file to it on a pipe, read here with the file readers.
 *
 *   dumpcap -i IFACE -w - [-f FILTER] [-s SNAPLEN] [-B MiB] [-c N]
 *     pcapng with if_tsresol 9 (nanoseconds, from the kernel), and at the end an Interface
 *     Statistics Block: isb_ifrecv, isb_ifdrop = ps_drop + its own drops (dumpcap.c,
 *     capture_loop_close_output). On stderr "Capturing on 'NAME'" when it starts, and at the end
 *     "Packets received/dropped on interface 'NAME': R/D (pcap:P/dumpcap:U/flushed:F/ps_ifdrop:I)".
 *   tcpdump -i IFACE -U --immediate-mode --time-stamp-precision=nano -w - [-s] [-B KiB] [-c N] [FILTER]
 *     classic pcap with nanosecond stamps (magic a1b23c4d), one write per packet (-U), no ring
 *     block delay (--immediate-mode). On stderr "listening on IFACE, link-type ..." when it starts,
 *     and at the end "N packets captured / N packets received by filter / N packets dropped by
 *     kernel" (and "N packets dropped by interface" when not 0).
 *
 * Both stamp packets in the kernel and give the wire length and the interface's link type; both
 * take the BPF filter, snaplen and buffer size. The end-of-run counts become `drops` and one
 * line said as tcpdump says it. Everything else the child says on stderr is its business, except
 * what looks like an error, which becomes a warning (or, before capture starts, the error).
 *
 * Stopping: -c goes to the child, which stops by itself; Ctrl-C, SIGTERM and --duration send it
 * SIGTERM (both stop cleanly on it: the last packets, then the statistics), and the reading goes
 * on to the end of its output, so nothing it captured is lost and dumpcap's ISB is read. A child
 * that has not ended 3 s later is killed.
 *
 * The child never outlives tcptrace: it runs in its own process group (so a Ctrl-C at the terminal
 * reaches tcptrace alone, which then stops the child in order), and every child still running is
 * killed on process exit (`killCaptureChildren`, also called by the CLI before it dies of a second
 * signal, where no exit handler runs). Node has no prctl(PR_SET_PDEATHSIG); a tcptrace killed by
 * SIGKILL leaves the child to die of SIGPIPE at its next packet.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { openStream } from './open.js';
import { CaptureError, type CaptureSource, type CaptureStats, type FrameSink, type ProgressFn } from './frame.js';
import type { LiveInterface, LiveOptions } from './live.js';
import { captureArgs, chooseProgram, installHint, type CaptureWith, type FoundProgram } from './program-choice.js';
import { classifyStartError, countsLine, errorLines, parseCounts } from './program-words.js';

export type { CaptureProgram, CaptureWith, FoundProgram } from './program-choice.js';

/** Every capture child still running, for killCaptureChildren. */
const children = new Set<ChildProcess>();
let exitHook = false;

/** Kills every capture child still running (process exit; the CLI's second signal). Synchronous. */
export function killCaptureChildren(): void {
  for (const c of children) killGroup(c, 'SIGKILL');
  children.clear();
}

/** Sends `sig` to the child's process group (it leads one: spawned detached), else to the child. */
function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  try {
    process.kill(-c.pid, sig);
  } catch {
    try {
      c.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

/** Lists the interfaces the program can capture on (`PROGRAM -D`), with their addresses from the OS. */
export function listWith(p: FoundProgram): LiveInterface[] {
  const r = spawnSync(p.path, ['-D'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error !== undefined || r.status !== 0) {
    const said = errorLines(r.stderr ?? '', p.kind)[0] ?? (r.error ? r.error.message : `exit status ${r.status}`);
    throw new CaptureError('live capture', null, `cannot list interfaces: ${p.kind}: ${said}`);
  }
  const addrs = networkInterfaces();
  const out: LiveInterface[] = [];
  for (const line of r.stdout.split('\n')) {
    // dumpcap: "3. lo (Loopback)"; tcpdump: "3.lo [Up, Running, Loopback]", "2.any (Pseudo-device ...) [Up, Running]".
    const m = /^\d+\.\s*(\S+)(?:\s+\((.*?)\))?(?:\s+\[(.*)\])?\s*$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    out.push({
      name,
      description: m[2] ?? (m[3] && m[3] !== 'none' ? m[3] : null),
      addresses: (addrs[name] ?? []).map((a) => a.address),
    });
  }
  return out;
}

/** What each program says once it captures. */
const STARTED = /^(tcpdump: listening on |Capturing on )/m;

/** How long a child may take to say it is capturing before we stop waiting and read anyway. */
const START_WAIT_MS = 15_000;
/** How long a child told to stop may take before it is killed. */
const STOP_GRACE_MS = 3_000;

/**
 * Starts `p` capturing as `o` asks and resolves once it is capturing (its banner, or its first
 * bytes); rejects with a one-line CaptureError when it could not start (privilege, interface,
 * filter, the -w file).
 */
export async function openWithProgram(p: FoundProgram, o: LiveOptions): Promise<CaptureSource> {
  let out: number | null = null;
  const child = spawn(p.path, captureArgs(p.kind, o), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', killCaptureChildren);
  }
  // Everything it says on stderr, kept (bounded) for its errors and its counts at the end.
  const err = { text: '' };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (err.text.length < 65536) err.text += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  // Held until run(): whatever comes before is kept, in order.
  child.stdout!.pause();
  const started = await new Promise<'ready' | 'ended' | Error>((resolve) => {
    const timer = setTimeout(() => resolve('ready'), START_WAIT_MS);
    const done = (r: 'ready' | 'ended' | Error) => {
      clearTimeout(timer);
      resolve(r);
    };
    // tcpdump says "listening on" once its capture is open; dumpcap says "Capturing on" before it
    // tries, so for it only the first bytes of its output (the pcapng header, written once the
    // capture is open) tell. 'readable' also fires at the end of the stream: bytes must be there.
    const onErr = () => {
      if (p.kind === 'tcpdump' && STARTED.test(err.text)) {
        child.stderr!.off('data', onErr);
        done('ready');
      }
    };
    child.stderr!.on('data', onErr);
    const onReadable = () => {
      if (child.stdout!.readableLength > 0) {
        child.stdout!.off('readable', onReadable);
        done('ready');
      }
    };
    child.stdout!.on('readable', onReadable);
    void exited.then(() => done('ended'));
    void spawnError.then((e) => done(e));
  });
  const fail = (e: CaptureError): never => {
    killGroup(child, 'SIGKILL');
    if (out !== null) closeSync(out);
    throw e;
  };
  if (started instanceof Error) {
    fail(new CaptureError(o.iface, null, `cannot run ${p.path}: ${started.message}`));
  }
  if (started === 'ended') {
    const { code, signal } = await exited;
    // Ended before writing a capture header: that is its error (a -c run on a busy interface can
    // end this fast too, but then its output is there).
    if (child.stdout!.readableLength === 0) {
      fail(classifyStartError(p, o.iface, o.filter, err.text, signal !== null ? `killed by ${signal}` : `exit status ${code}`));
    }
  }
  // The -w file is created only once capture works: a refused capture leaves no empty file behind.
  if (o.writeFile !== undefined) {
    try {
      out = openSync(o.writeFile, 'w');
    } catch (e) {
      fail(new CaptureError(o.writeFile, null, `cannot write: ${(e as Error).message.split('\n')[0]}`));
    }
  }
  return new ProgramSource(p, o, child, exited, err, out);
}

/** The child's output as a CaptureSource: the stream into the file readers, the counts at the end. */
class ProgramSource implements CaptureSource {
  readonly name: string;
  private ran = false;

  constructor(
    private readonly p: FoundProgram,
    private readonly o: LiveOptions,
    private readonly child: ChildProcess,
    private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
    private readonly err: { text: string },
    private out: number | null,
  ) {
    this.name = o.iface;
  }

  private stderr(): string {
    return this.err.text;
  }

  async run(sink: FrameSink, options: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<CaptureStats> {
    if (this.ran) throw new CaptureError(this.name, null, 'a live source can be run only once');
    this.ran = true;
    const { child, p, o } = this;
    const warnings: string[] = [];
    let stopTimer: NodeJS.Timeout | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    const stop = () => {
      if (stopTimer !== null) clearTimeout(stopTimer);
      stopTimer = null;
      if (killTimer !== null) return;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => {
        warnings.push(`${p.kind} did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM and was killed; its last packets and counts may be missing`);
        killGroup(child, 'SIGKILL');
      }, STOP_GRACE_MS);
    };
    const signal = options.signal;
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    if (o.durationSec !== undefined) stopTimer = setTimeout(stop, o.durationSec * 1000);

    // -w: the program's own stream, byte for byte (pcapng from dumpcap, nanosecond pcap from tcpdump).
    const tee = this.teeTo(child.stdout!, warnings);
    let stats: CaptureStats;
    try {
      stats = await openStream(this.name, tee).run(sink, { onProgress: options.onProgress });
    } catch (e) {
      stop();
      throw this.explain(e, await this.exited);
    } finally {
      signal?.removeEventListener('abort', stop);
      if (stopTimer !== null) clearTimeout(stopTimer);
    }
    // The reader stopped before the child's output ended (damage in its stream): stop the child too.
    if (child.exitCode === null && child.signalCode === null) stop();
    const { code, signal: died } = await this.exited;
    if (killTimer !== null) clearTimeout(killTimer);
    if (this.out !== null) {
      closeSync(this.out);
      this.out = null;
    }
    stats.format = 'live';
    // A stop we asked for (SIGTERM) is a clean end; any other failure says why.
    const asked = killTimer !== null;
    if (!(code === 0 || (asked && (died === 'SIGTERM' || code === 143 || code === 1 || code === 2)))) {
      const said = errorLines(this.stderr(), p.kind)[0];
      warnings.push(`${p.kind} ended with ${died !== null ? `signal ${died}` : `exit status ${code}`}${said ? `: ${said}` : ''}`);
    } else {
      for (const l of errorLines(this.stderr(), p.kind)) warnings.push(`${p.kind}: ${l}`);
    }
    const counts = parseCounts(this.stderr());
    // dumpcap's ISB (kernel + its own drops) when its stderr did not say.
    const isb = stats.isb?.[0];
    if (isb !== undefined) {
      if (counts.received === null) counts.received = isb.received;
      if (counts.kernel === null) counts.kernel = isb.ifdrop;
    }
    stats.drops = { kernel: counts.kernel, interface: counts.iface };
    stats.warnings.push(...warnings.map((message) => ({ offset: null, message })));
    stats.warnings.push({ offset: null, message: countsLine(stats.packets, counts, p.kind) });
    return stats;
  }

  /** The child's stdout, also written to the -w file as it passes (a full disk stops the writing, not the trace). */
  private teeTo(stdout: NodeJS.ReadableStream, warnings: string[]): AsyncIterable<Uint8Array> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const chunk of stdout as AsyncIterable<Buffer>) {
          if (self.out !== null) {
            try {
              for (let off = 0; off < chunk.length; ) off += writeSync(self.out, chunk, off);
            } catch (e) {
              warnings.push(`writing ${self.o.writeFile} failed, stopped writing it: ${(e as Error).message.split('\n')[0]}`);
              closeSync(self.out);
              self.out = null;
            }
          }
          yield chunk;
        }
      },
    };
  }

  /** A reader error on the child's stream, with what the child said when it has failed. */
  private explain(e: unknown, end: { code: number | null; signal: NodeJS.Signals | null }): unknown {
    const said = errorLines(this.stderr(), this.p.kind)[0];
    if (e instanceof CaptureError && said !== undefined && end.code !== 0) {
      return new CaptureError(this.name, null, `cannot capture: ${this.p.kind}: ${said}`);
    }
    return e;
  }
}

/** What openLive returns: the source, the program behind it, and what to say once when it starts. */
export interface LiveCapture extends CaptureSource {
  /** 'dumpcap', 'tcpdump' or 'cap'. */
  readonly program: string;
  /** Said once, when capture starts (the cap fallback's timing warning). */
  readonly notices: string[];
}

/** Options of openLive: LiveOptions and the program to capture with. */
export interface LiveProgramOptions extends LiveOptions {
  captureWith?: CaptureWith;
}

/**
 * The cap fallback's warning: its times are when Node read each packet. Measured on lo against a
 * tcpdump running at the same time (see README, Live capture).
 */
export const RECEIPT_TIME_WARNING =
  'capturing in-process with the cap module: packets are timed when Node reads them, not by the kernel, ' +
  'so times run late (measured on lo: 0.48 ms at the median, up to 28 ms; handshake RTTs 0.27 ms too long at the median) and kernel drops are unknown; ' +
  'install tcpdump or dumpcap (wireshark-common) for kernel timestamps and drop counts';

/**
 * Opens a live capture: through dumpcap or tcpdump (whichever is installed, or the one asked
 * for), else in-process with `cap` and a warning. Rejects with a one-line CaptureError.
 */
export async function openLive(o: LiveProgramOptions): Promise<LiveCapture> {
  const p = chooseProgram(o.captureWith);
  if (p !== null) {
    const src = await openWithProgram(p, o);
    return Object.assign(src, { program: p.kind, notices: [] as string[] });
  }
  const live = await import('./live.js');
  let src: CaptureSource;
  try {
    src = await live.openLive(o);
  } catch (e) {
    // Neither program, and no cap either: name the programs first, they are the better way.
    if (o.captureWith === undefined && e instanceof CaptureError && /optional module 'cap'/.test(e.detail)) {
      throw new CaptureError(
        'live capture',
        null,
        `neither dumpcap nor tcpdump is installed, and ${e.detail.replace(/^the optional module/, 'the fallback module')}; ` +
          `better: install tcpdump (${installHint('tcpdump')}) or dumpcap (${installHint('dumpcap')})`,
      );
    }
    throw e;
  }
  return Object.assign(src, { program: 'cap', notices: [RECEIPT_TIME_WARNING] });
}

/** `-D`: the interfaces, from the program live capture would use (or from cap). */
export async function listInterfaces(captureWith?: CaptureWith): Promise<LiveInterface[]> {
  const p = chooseProgram(captureWith);
  if (p !== null) return listWith(p);
  return (await import('./live.js')).listInterfaces();
}
