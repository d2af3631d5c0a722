// The installed command writing into real pipes (issue 10): a reader slower than the output gets
// every line, and a reader that goes away (`| head -1`) stops the read at once without changing
// the exit status the run earned.
//
// What a closed pipe means (src/cli/main.ts, top): not an error. The read stops at once, the inputs
// not read yet are skipped, and the exit status is the one earned so far (2 if an input had already
// failed), not 141 as for a tool killed by SIGPIPE. Except `check` and --fail-on, whose exit status
// is the verdict on every capture: the rest of the output is dropped, but the reading goes on.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from '../helpers/built.js';

const FIX = (name: string) => path.join(ROOT, 'fixtures', name);
const ENV = { PATH: process.env.PATH ?? '' };

let dir = '';
/** 300,000 packets, 30,000 real kernel conversations (bench/synth.mjs): seconds to read. */
let big = '';
/** 20,000 SYNs that never complete: every record is written at once, at the end of the capture. */
let flood = '';

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'tcptrace-pipes-'));
  big = path.join(dir, 'big.pcap');
  flood = path.join(dir, 'flood.pcap');
  const synth = path.join(ROOT, 'bench/synth.mjs');
  const tpl = FIX('handshake-client-close.pcap');
  execFileSync(process.execPath, [synth, big, '--packets', '300000', '--concurrent', '2000', tpl], { stdio: 'ignore' });
  execFileSync(process.execPath, [synth, flood, '--packets', '20000', '--concurrent', '20000', '--gap', '0', '--first', '1', tpl], {
    stdio: 'ignore',
  });
}, 180_000);

interface FileRun {
  out: string;
  code: number | null;
  err: string;
  ms: number;
}
const fileRuns = new Map<string, FileRun>();

/** A run with stdout to a file (no pipe at all): its output, status and duration (once per `args`). */
function toFile(args: string[]): FileRun {
  const key = JSON.stringify(args);
  const done = fileRuns.get(key);
  if (done) return done;
  const file = path.join(dir, `out-${fileRuns.size}`);
  const fd = openSync(file, 'w');
  const t0 = performance.now();
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    const run = { out: readFileSync(file, 'utf8'), code: r.status, err: r.stderr, ms: performance.now() - t0 };
    fileRuns.set(key, run);
    return run;
  } finally {
    closeSync(fd);
  }
}

interface Piped {
  out: string;
  err: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/**
 * Runs tcptrace with stdout to a pipe read by `reader`: 'slow' pauses 1.5 s before reading and
 * then waits a little after every chunk; 'head' reads one chunk and closes its end, as `head -1`
 * does after its first line.
 */
function piped(args: string[], reader: 'slow' | 'head', env: Record<string, string> = {}): Promise<Piped> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    if (reader === 'head') {
      child.stdout.once('data', (d: Buffer) => {
        chunks.push(d);
        child.stdout.destroy();
      });
    } else {
      child.stdout.pause();
      setTimeout(() => {
        child.stdout.on('data', (d: Buffer) => {
          chunks.push(d);
          child.stdout.pause();
          setTimeout(() => child.stdout.resume(), 2);
        });
        child.stdout.resume();
      }, 1500);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ out: Buffer.concat(chunks).toString('utf8'), err, code, signal, ms: performance.now() - t0 }));
  });
}

/** A shared object that turns every EAGAIN of a write to fd 1 into ENOBUFS (macOS, gVisor), or null without a C compiler. */
function enobufsShim(): string | null {
  if (process.platform !== 'linux') return null;
  const src = path.join(dir, 'enobufs.c');
  const so = path.join(dir, 'enobufs.so');
  writeFileSync(
    src,
    `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>
static long turned;
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t full(ssize_t r, int fd) {
  if (r < 0 && errno == EAGAIN && fd == 1) { turned++; errno = ENOBUFS; }
  return r;
}
ssize_t write(int fd, const void *b, size_t n) {
  if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
  return full(real_write(fd, b, n), fd);
}
ssize_t writev(int fd, const struct iovec *v, int c) {
  if (!real_writev) real_writev = dlsym(RTLD_NEXT, "writev");
  return full(real_writev(fd, v, c), fd);
}
__attribute__((destructor)) static void report(void) {
  char line[64];
  int n = snprintf(line, sizeof line, "enobufs-shim: %ld\\n", turned);
  if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
  if (n > 0) real_write(2, line, (size_t)n);
}
`,
  );
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', so, src, '-ldl'], { stdio: 'ignore' });
  return cc.status === 0 ? so : null;
}

describe('a slow reader', () => {
  it('--ndjson: every line arrives, exit 0, even when every record is written at once', async () => {
    const ref = toFile(['--ndjson', flood]);
    expect([ref.code, ref.err]).toEqual([0, '']);
    const lines = ref.out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(20_000);
    const r = await piped(['--ndjson', flood], 'slow');
    expect(r.err).toBe('');
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.out.split('\n').filter(Boolean)).toHaveLength(lines.length);
    expect(r.out).toBe(ref.out); // the same lines in the same order, none cut
  }, 120_000);

  it('a pipe that says ENOBUFS instead of EAGAIN when full is waited for, not a failure', async (ctx) => {
    const shim = enobufsShim();
    if (shim === null) return ctx.skip();
    const ref = toFile(['--ndjson', flood]);
    const r = await piped(['--ndjson', flood], 'slow', { LD_PRELOAD: shim });
    const turned = Number(/enobufs-shim: (\d+)/.exec(r.err)?.[1]);
    expect(turned).toBeGreaterThan(0); // the pipe was full, and said so with ENOBUFS
    expect(r.err.replace(/enobufs-shim: \d+\n/g, '')).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(ref.out);
  }, 120_000);
});

describe('a reader that goes away (| head -1)', () => {
  // Times are compared as ratios to a full read of the same capture, measured here: the machine
  // running the tests may be slow or busy, and a read that is not stopped takes the whole time.
  for (const mode of [['--ndjson'], ['--msl', '0.001'], ['--json', '--msl', '0.001']]) {
    it(`${mode.join(' ')}: the read stops at once, exit 0, nothing on stderr`, async () => {
      // --msl 0.001: records are not held for their TIME-WAIT, so text and JSON start early too.
      const full = toFile([...mode, big]);
      expect(full.code).toBe(0);
      const r = await piped([...mode, big], 'head');
      expect(r.out.length).toBeGreaterThan(0);
      expect(r.err).toBe('');
      expect([r.code, r.signal]).toEqual([0, null]);
      expect(r.ms / full.ms).toBeLessThan(0.6);
    }, 120_000);
  }

  it('an input that failed before: exit 2, and the inputs after are not read', async () => {
    const full = toFile(['--msl', '0.001', big]); // a single input: a third of what a full run here reads
    const r = await piped(['--msl', '0.001', '/nonexistent.pcap', big, big], 'head');
    expect(r.err).toBe('tcptrace: /nonexistent.pcap: cannot open: no such file or directory\n');
    expect([r.code, r.signal]).toEqual([2, null]);
    expect(r.ms / full.ms).toBeLessThan(0.6); // two inputs of this size follow the one that failed
  }, 120_000);

  // refused.pcap fails the rule, and its FAIL line is the chunk the reader takes before it leaves.
  // The flood's SYNs fail it too, and its FAIL lines are written after the reader left: the first
  // one's EPIPE came while the second flood was read, and ended the process with status 0.
  const rule = ['check', '--expect', 'handshakes-complete'];

  it('check keeps its failing status 1', async () => {
    const r = await piped([...rule, FIX('refused.pcap'), flood, flood], 'head');
    expect(r.out).toMatch(/^FAIL .*refused\.pcap: handshakes-complete/);
    expect(r.err).toBe('');
    expect([r.code, r.signal]).toEqual([1, null]);
  }, 120_000);

  it('check goes on checking after the reader left: an input error found afterwards still makes it 2', async () => {
    const r = await piped([...rule, FIX('refused.pcap'), flood, flood, '/nonexistent.pcap'], 'head');
    expect(r.out).toMatch(/^FAIL .*refused\.pcap/);
    expect(r.err).toMatch(/^tcptrace check: \/nonexistent\.pcap: .*\n$/);
    expect([r.code, r.signal]).toEqual([2, null]);
  }, 120_000);

  it('--fail-on check goes on reading too: a check that fails in an input after the reader left still makes it 1', async () => {
    // CRAFTED as in bin.test.ts: the SYN-ACK's ack is the client's ISN instead of ISN + 1.
    const buf = Buffer.from(readFileSync(FIX('handshake-client-close.pcap')));
    const frame = 24 + 16 + buf.readUInt32LE(24 + 8) + 16; // packet 2's frame: the SYN-ACK
    const tcp = frame + 14 + (buf[frame + 14]! & 0x0f) * 4;
    expect(buf[tcp + 13]! & 0x12).toBe(0x12);
    buf.writeUInt32BE((buf.readUInt32BE(tcp + 8) - 1) >>> 0, tcp + 8);
    const bad = path.join(dir, 'bad-ack.pcap');
    writeFileSync(bad, buf);
    const r = await piped(['--fail-on', 'check', '--msl', '0.001', big, bad], 'head');
    expect(r.out.length).toBeGreaterThan(0);
    expect(r.err).toBe('');
    expect([r.code, r.signal]).toEqual([1, null]);
  }, 120_000);
});
