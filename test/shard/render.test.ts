/**
 * `--threads` on the outputs that print records (text, --json, --ndjson): the threads render the
 * records they make and the starting thread writes them in one thread's order (src/shard/pieces.ts),
 * so the output is one thread's byte for byte: on every kernel recording and some of the corpus,
 * on a synthetic capture of thousands of connections that streams (more than the 4,096 records
 * an output holds, and a record that goes out ahead of a smaller id), on a cut and a junk
 * capture; the output keeps to its reader's pace (a slow reader holds the threads back instead
 * of filling the heap); and where it cannot apply, it says so and traces in one thread.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/main.js';
import type { ShardedOptions } from '../../src/shard/run.js';
import type { Report } from '../../src/diagnose/types.js';
import { BIN, ensureBuilt, ROOT } from '../helpers/built.js';

const FIX = (name: string) => path.join(ROOT, 'fixtures', name);
/** The kernel recordings (fixtures/*.pcap) and a few of the corpus: pcapng, tunnels, gzip, a clock that goes back. */
const CAPTURES = [
  ...readdirSync(FIX(''))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort(),
  'corpus/tcpdump/tcp/of13_ericsson.pcapng',
  'corpus/tcpdump/tcp/bigtcp-ipv4.pcap',
  'corpus/tcpdump/tcp/bgp-as-path-oobr.pcap',
  'compressed/loss.pcap.gz',
  'tunnels/gre.pcap',
  'crafted/clock-back.pcap',
  'reordered/handshake-reorder.pcap',
  'variants/handshake-client-close.pcapng',
];
const MODES = [[], ['--json'], ['--ndjson']];

type Main = (argv: string[], io: CliIO) => Promise<number>;
type TraceSharded = (p: string, threads: number, o: ShardedOptions) => Promise<Report>;
/** dist/'s main and traceSharded: a worker runs JavaScript (the sources' run.ts would start a .ts file). */
let main: Main;
let traceSharded: TraceSharded;
let tmp = '';
/** Thousands of connections, a few seconds apart: with --msl 1 no record is written early. */
let spread = '';

beforeAll(async () => {
  ensureBuilt();
  main = ((await import(path.join(ROOT, 'dist/cli/main.js'))) as { main: Main }).main;
  traceSharded = ((await import(path.join(ROOT, 'dist/shard/run.js'))) as { traceSharded: TraceSharded }).traceSharded;
  tmp = mkdtempSync(path.join(tmpdir(), 'shard-render-'));
  spread = path.join(tmp, 'spread.pcap');
  const templates = ['handshake-client-close', 'server-close', 'three-segment-close', 'reset-client', 'refused', 'closewait-leak', 'keepalive'];
  execFileSync(process.execPath, [
    path.join(ROOT, 'bench/synth.mjs'),
    spread,
    '--packets',
    '70000',
    '--concurrent',
    '300',
    '--gap',
    '2',
    ...templates.map((t) => FIX(`${t}.pcap`)),
  ]);
}, 120_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** main() in this process, its output collected. */
async function inProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {} };
  const status = await main(['node', 'tcptrace', ...args], io);
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** The real command, stdout a pipe. */
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('--threads prints what one thread prints', () => {
  it('on the kernel recordings and some of the corpus: text, --json, --ndjson, 2 threads (and 3 on a quarter of them)', async () => {
    expect(CAPTURES.length).toBeGreaterThan(25);
    for (const [i, f] of CAPTURES.entries()) {
      for (const mode of MODES) {
        const one = await inProcess([...mode, FIX(f)]);
        expect(one.stderr, f).not.toMatch(/internal error/);
        // 3 threads on every fourth capture: each run starts its threads (a module graph each),
        // which made this the suite's longest file (140 s of a 409 s run).
        for (const threads of i % 4 === 0 ? ['2', '3'] : ['2'])
          expect(await inProcess([...mode, '--threads', threads, FIX(f)]), `${f} ${mode.join(' ')} --threads ${threads}`).toEqual(one);
      }
    }
  }, 300_000);

  it('on thousands of connections: streamed, a record ahead of a smaller id, NDJSON as connections end', () => {
    for (const mode of MODES) {
      const one = run(['--msl', '1', ...mode, spread]);
      expect(one.status).toBe(0);
      if (mode.length === 0) {
        // More records than an output holds: streamed, with the counts before the summary...
        expect(one.stdout).toMatch(/more than 4,096 connections: each is printed once it has ended/);
        // ...and at least one record went out ahead of a smaller id (more than 4,096 waited for it).
        const ids = [...one.stdout.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
        expect(ids.length).toBeGreaterThan(4096);
        expect(ids.some((id, i) => i > 0 && id < ids[i - 1]!)).toBe(true);
      }
      for (const threads of ['2', '3'])
        expect(run(['--msl', '1', ...mode, '--threads', threads, spread]), `${mode.join(' ')} --threads ${threads}`).toEqual(one);
    }
  }, 240_000);

  it('a cut capture: the same records, warning and summary; junk: the same one error line, exit 2', () => {
    const buf = readFileSync(spread);
    const cut = path.join(tmp, 'cut.pcap');
    writeFileSync(cut, buf.subarray(0, Math.floor(buf.length / 3) + 5));
    const junk = path.join(tmp, 'junk.pcap');
    writeFileSync(junk, Buffer.alloc(100, 7));
    for (const mode of MODES) {
      const one = run(['--msl', '1', ...mode, cut]);
      expect(one.stderr).toMatch(/offset \d+/);
      expect(run(['--msl', '1', ...mode, '--threads', '2', cut])).toEqual(one);
      const bad = run([...mode, '--threads', '2', junk]);
      expect(bad).toEqual(run([...mode, junk]));
      expect(bad.status).toBe(2);
      expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
  }, 120_000);
});

describe('--threads keeps to the pace of the output', () => {
  it('a slow taker holds the threads back: bounded memory, every record in order', async () => {
    // What one thread writes, line by line (NDJSON: the order connections end in).
    const want = run(['--ndjson', '--msl', '1', spread]).stdout;
    const got: string[] = [];
    // The bytes the threads' batches hold in this thread, measured after a collection (a batch
    // taken is garbage, but counted until collected).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    gc();
    const base = process.memoryUsage().external;
    let peak = 0;
    let taken = 0;
    const decoder = new TextDecoder();
    const head = `{"schema":"tcptrace/2","input":${JSON.stringify(spread)},`;
    // Each thread may have 1 MB in flight (and a batch more): a small part of the whole output.
    await traceSharded(spread, 2, {
      mslSec: 1,
      finishedHold: 0,
      diagnostics: false,
      render: {
        credit: 1 << 20,
        job: { mode: 'ndjson', text: { lang: 'en', color: 0, absolute: false, all: false, explain: false, mslSec: 1 }, head },
        take: (p) => {
          got.push(decoder.decode(p.bytes));
          if (++taken % 200 === 0) {
            gc();
            peak = Math.max(peak, process.memoryUsage().external);
          }
          // A reader far slower than the threads: a pause every 2 records.
          return taken % 2 === 0 ? new Promise((resolve) => setTimeout(resolve, 2)) : null;
        },
      },
    });
    expect(got.join('')).toBe(want);
    expect(want.length).toBeGreaterThan(30_000_000);
    expect(peak - base, 'bytes of batches held at once').toBeLessThan(6_000_000);
  }, 120_000);

  it('a pipe read slowly gets every byte, and the command ends', async () => {
    const want = run(['--msl', '1', spread]).stdout;
    const child = spawn(process.execPath, [BIN, '--msl', '1', '--threads', '2', spread], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      // Reads a chunk, then nothing for a while: the pipe stays full most of the time.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 1);
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(want);
  }, 120_000);

  it('a reader that leaves ends the command at once, status 0', () => {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" --ndjson --threads 2 "${spread}" | head -c 100 > /dev/null; echo "status $?"`], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('status 0\n');
  }, 60_000);
});

describe('--threads stops', () => {
  it('on SIGINT, also while the threads wait for a reader that is behind: exit 0, what was read', async () => {
    const child = spawn(process.execPath, [BIN, '--json', '--msl', '1', '--threads', '2', spread], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Reads the start of the records, then nothing for a while: the pipe fills, and the threads,
    // 16 MB ahead (the whole document is over 50 MB), wait for credit.
    let paused = false;
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (!paused && out.length > 200_000) {
          paused = true;
          child.stdout.pause();
          resolve();
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    child.stdout.resume();
    expect(await ended).toBe(0);
    expect(err).toMatch(/interrupted; the results so far follow\n$/);
    const doc = JSON.parse(out) as Report;
    expect(doc.summary.connections).toBe(doc.connections.length);
  }, 60_000);
});

describe('traced in one thread, and said', () => {
  it('with --explain, a selection, standard input', () => {
    const file = FIX('refused.pcap');
    for (const args of [['--explain'], ['--filter', 'port 80'], ['--host', '198.18.0.1']]) {
      const r = run([...args, '--threads', '2', file]);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(
        `tcptrace: ${file}: traced in one thread: --threads applies to a capture file, without --conn, --host, --port, --filter, --explain or pictures\n`,
      );
      expect(r.stdout).toBe(run([...args, file]).stdout);
    }
    const stdin = spawnSync(process.execPath, [BIN, '--ndjson', '--threads', '2', '-'], { input: readFileSync(file), encoding: 'utf8' });
    expect(stdin.status).toBe(0);
    expect(stdin.stderr).toMatch(/^tcptrace: standard input: traced in one thread: --threads applies to a capture file/);
    // --explain changes only the ladders: the other outputs still use the threads.
    expect(run(['--json', '--explain', '--threads', '2', file]).stderr).toBe('');
  });
});
