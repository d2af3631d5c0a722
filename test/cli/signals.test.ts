// Issue 10: SIGINT and SIGTERM end the real CLI's read of a FIFO, a big file or a stuck terminal
// at once, print what was read, and never call an interrupted read damage.
//
// Each test waits for a sign that the child has got where the signal should find it (it opened
// the FIFO, consumed what was written, started reading the file) instead of sleeping a fixed time:
// a loaded machine may take seconds to start node. The signs come from /proc, so Linux only.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from '../helpers/built.js';

const LINUX = process.platform === 'linux';
/** How long a signalled process may take to end, on a loaded machine. */
const PROMPT_MS = 2000;

let tmp = '';
let big = '';
/** Ends what a test left running. */
const cleanups: Array<() => void> = [];

beforeAll(() => {
  if (!LINUX) return;
  ensureBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), 'tcptrace-signals-'));
  big = path.join(tmp, 'big.pcap');
  const template = path.join(ROOT, 'fixtures/handshake-client-close.pcap');
  execFileSync(process.execPath, [path.join(ROOT, 'bench/synth.mjs'), big, '--packets', '300000', '--concurrent', '2000', template]);
}, 120_000);
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when it ended. */
  at: number;
}

/** A child process, its output as it comes, and its end. */
function start(cmd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const c = { child, out: '', err: '', ended: null as Ended | null, end: null as unknown as Promise<Ended> };
  child.stdout!.on('data', (d) => (c.out += d));
  child.stderr!.on('data', (d) => (c.err += d));
  c.end = new Promise((resolve) => child.on('exit', (code, signal) => resolve((c.ended = { code, signal, at: performance.now() }))));
  return c;
}

function tcptrace(args: string[]) {
  return start(process.execPath, [BIN, '--no-color', ...args]);
}

/** Polls `cond` until it holds; fails after `ms` (generous: a loaded machine starts node slowly). */
async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends `signal` and returns how the process ended and how long after the signal. */
async function signalled(c: ReturnType<typeof start>, signal: NodeJS.Signals): Promise<Ended & { ms: number }> {
  expect(c.ended, 'the process ended before the signal').toBeNull();
  const t = performance.now();
  c.child.kill(signal);
  const end = await c.end;
  return { ...end, ms: end.at - t };
}

/** Where the descriptors of process `pid` lead. */
function fdTargets(pid: number): Map<string, string> {
  const m = new Map<string, string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        m.set(fd, readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // not there (yet, or any more)
  }
  return m;
}

/** The descriptor of `pid` open on `target`, or null. */
function fdOn(pid: number, target: string): string | null {
  for (const [fd, t] of fdTargets(pid)) if (t === target) return fd;
  return null;
}

/** read(2)'s number in /proc/PID/syscall, where known. */
const READ_SYSCALL = ({ x64: 0, arm64: 63 } as Record<string, number>)[process.arch];

/**
 * Whether a thread of process `pid` is blocked in read(2) on descriptor `fd` (/proc/PID/task/TID/
 * syscall: the call's number, then its arguments). Where the number is not known, true.
 */
function reading(pid: number, fd: number): boolean {
  if (READ_SYSCALL === undefined) return true;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let call: string[];
    try {
      call = readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').split(' ');
    } catch {
      continue;
    }
    if (Number(call[0]) === READ_SYSCALL && Number(call[1]) === fd) return true;
  }
  return false;
}

/** Bytes process `pid` has read with read(2) and friends so far (/proc/PID/io rchar). */
function rchar(pid: number): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

/**
 * The FIFO's write end, once the child has opened it for reading: a non-blocking writer can open
 * only then. The child installs its signal handlers before it opens its input.
 */
async function writer(fifo: string, c: ReturnType<typeof start>): Promise<number> {
  let fd = -1;
  await until('the child opens the FIFO', () => {
    if (c.ended) throw new Error(`tcptrace ended early: ${c.err}`);
    try {
      fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
      return false;
    }
  });
  return fd;
}

/** Where record `n` (from 0) of a little-endian classic pcap starts. */
function recordAt(file: Buffer, n: number): number {
  let o = 24;
  for (let i = 0; i < n; i++) o += 16 + file.readUInt32LE(o + 8);
  return o;
}

describe.skipIf(!LINUX)('signals while reading a FIFO (the writer keeps it open)', () => {
  let n = 0;
  function fifo(): string {
    const p = path.join(tmp, `fifo-${n++}`);
    execFileSync('mkfifo', [p]);
    return p;
  }

  /**
   * Starts `tcptrace ARGS FIFO`, writes the first 8 of the 10 records of a real connection and
   * half of the 9th into the FIFO, waits until the child has read all of it, and holds the FIFO
   * open. Returns the child, the FIFO's write end, and the output of the same arguments on a file
   * of just the 8 whole records (under the FIFO's name).
   */
  async function fed(args: string[]) {
    const p = fifo();
    const c = tcptrace([...args, p]);
    const w = await writer(p, c);
    const file = readFileSync(path.join(ROOT, 'fixtures/handshake-client-close.pcap'));
    const whole = file.subarray(0, recordAt(file, 8));
    const written = file.subarray(0, (whole.length + recordAt(file, 9)) >> 1);
    const read0 = rchar(c.child.pid!);
    expect(writeSync(w, written)).toBe(written.length);
    await until('the child read what was written', () => rchar(c.child.pid!) >= read0 + written.length);
    const wholeFile = path.join(tmp, `whole-${n}.pcap`);
    writeFileSync(wholeFile, whole);
    const expected = spawnSync(process.execPath, [BIN, '--no-color', ...args, wholeFile], { cwd: ROOT, encoding: 'utf8' });
    expect(expected.status).toBe(0);
    expect(expected.stdout).toMatch(/connections +1\n/);
    return { c, w, p, expected: expected.stdout.split(wholeFile).join(p) };
  }

  // The default text output (streamed) reads through pacedCapture (src/cli/write.ts), which must
  // read a FIFO as openCapture does (openFifo): an fs read would block a pool thread and the first
  // signal would wait for the writer.
  it.each([
    ['SIGINT', ['--summary']],
    ['SIGTERM', ['--summary']],
    ['SIGINT', []],
  ] as const)('%s %j: exit 0 at once with what the records read give, and no "mid-record"', async (sig, args) => {
    const { c, w, p, expected } = await fed([...args]);
    try {
      const end = await signalled(c, sig);
      expect(end).toMatchObject({ code: 0, signal: null });
      expect(end.ms).toBeLessThan(PROMPT_MS);
      // Exactly this: a half record left unread is no "file ends mid-record".
      expect(c.err).toBe(`tcptrace: ${p}: interrupted; the results so far follow\n`);
      expect(c.out).toBe(expected);
    } finally {
      closeSync(w);
    }
  });

  it('SIGINT with nothing written yet: exit 0 at once, an empty summary', async () => {
    const p = fifo();
    const c = tcptrace(['--summary', p]);
    const w = await writer(p, c);
    try {
      const end = await signalled(c, 'SIGINT');
      expect(end).toMatchObject({ code: 0, signal: null });
      expect(end.ms).toBeLessThan(PROMPT_MS);
      expect(c.err).toBe(`tcptrace: ${p}: interrupted; the results so far follow\n`);
      expect(c.out).toMatch(/^Summary of .*\n {2}connections +0\n/);
    } finally {
      closeSync(w);
    }
  });

  it('SIGTERM before any writer opened the FIFO: exit 0 at once', async () => {
    const p = fifo();
    const c = tcptrace(['--summary', p]);
    await until('the child opens the FIFO', () => fdOn(c.child.pid!, p) !== null);
    const end = await signalled(c, 'SIGTERM');
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(PROMPT_MS);
    expect(c.err).toBe(`tcptrace: ${p}: interrupted; the results so far follow\n`);
  });
});

describe.skipIf(!LINUX)('SIGINT while reading a big file', () => {
  it('streamed output: exit 0, "interrupted", no "mid-record"', async () => {
    const c = tcptrace([big]);
    // The first ladder is out: reading is under way.
    await until('the first ladder is written', () => c.out.includes('\n#0 '));
    const end = await signalled(c, 'SIGINT');
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(c.err).toBe(`tcptrace: ${big}: interrupted; the results so far follow\n`);
    expect(c.out).toContain(`Summary of ${big}`);
  });

  it('--summary: exit 0, "interrupted", no "mid-record"', async () => {
    const c = tcptrace(['--summary', big]);
    await until('the child has read some of the file', () => {
      const fd = fdOn(c.child.pid!, big);
      if (fd === null) return false;
      try {
        return Number(/^pos:\s+(\d+)$/m.exec(readFileSync(`/proc/${c.child.pid}/fdinfo/${fd}`, 'utf8'))![1]) > 0;
      } catch {
        return false;
      }
    });
    const end = await signalled(c, 'SIGINT');
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(c.err).toBe(`tcptrace: ${big}: interrupted; the results so far follow\n`);
    expect(c.out).toContain(`Summary of ${big}`);
  });
});

const SCRIPT = LINUX && ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

describe.skipIf(!SCRIPT)('a second SIGINT', () => {
  // The one read an abort cannot end: a terminal's, blocked in read(2) on a libuv pool thread.
  // process.exit() joins the pool threads and so waited for it forever; the second Ctrl-C must
  // end the process anyway. script(1) gives the child a terminal; -e returns the child's status;
  // TERM=dumb: no progress spinner on that terminal.
  it('ends the process at once, status 130, when the first could not end the read', async () => {
    const cmd = `echo PID:$$; exec '${process.execPath}' '${BIN}' --no-color /dev/tty`;
    const c = start(SCRIPT as string, ['-qefc', cmd, '/dev/null'], { TERM: 'dumb' });
    await until('script starts tcptrace', () => /PID:\d+/.test(c.out));
    const pid = Number(/PID:(\d+)/.exec(c.out)![1]);
    cleanups.unshift(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    });
    await until('tcptrace waits in a read of the terminal', () => {
      const fd = fdOn(pid, '/dev/tty');
      return fd !== null && reading(pid, Number(fd));
    });
    process.kill(pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    // The premise: the first SIGINT stopped the parser but the read itself goes on.
    expect(c.ended).toBeNull();
    expect(fdOn(pid, '/dev/tty')).not.toBeNull();
    const t = performance.now();
    process.kill(pid, 'SIGINT');
    const end = await c.end;
    expect(end.at - t).toBeLessThan(PROMPT_MS);
    expect(end.code).toBe(130);
  });
});
