/**
 * The sharded trace as a whole (src/shard/run.ts): its report, summary, diagnostics, input and
 * totals merged from the threads, equals one thread's, on kernel recordings and on a synthetic
 * capture of thousands of connections (TIME-WAIT piles, reuse, resets, refusals, connections
 * held and parked: every reducer merged with something in it); and through the command line,
 * `--threads` prints what one thread prints, damaged and cut captures included.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { Report } from '../../src/diagnose/types.js';
import { trace } from '../../src/trace.js';
import { BIN, ensureBuilt, ROOT } from '../helpers/built.js';

const FIX = (name: string) => path.join(ROOT, 'fixtures', name);
const RECORDINGS = [
  'handshake-client-close',
  'timewait-pile',
  'port-reuse',
  'refused',
  'reset-client',
  'loss',
  'ipv6',
  'keepalive',
  'closewait-leak',
  'half-close',
];
const TEMPLATES = [
  'handshake-client-close',
  'server-close',
  'three-segment-close',
  'reset-client',
  'refused',
  'timewait-pile',
  'fast-open',
  'simultaneous-close',
  'closewait-leak',
  'keepalive',
];

/** The sharded trace of dist/ (a worker runs JavaScript: the sources' run.ts would start a .ts file). */
type TraceSharded = (p: string, threads: number, o: object) => Promise<Report>;
let traceSharded: TraceSharded;
let big: string;

/** What a report says besides its records, totals included (they are not enumerable). */
const whole = (r: Report) => ({ ...r, connections: undefined, totals: r.totals });

beforeAll(async () => {
  ensureBuilt();
  traceSharded = ((await import(path.join(ROOT, 'dist/shard/run.js'))) as { traceSharded: TraceSharded }).traceSharded;
  big = path.join(mkdtempSync(path.join(tmpdir(), 'shard-')), 'big.pcap');
  const templates = TEMPLATES.map((t) => FIX(`${t}.pcap`));
  execFileSync(process.execPath, [path.join(ROOT, 'bench/synth.mjs'), big, '--packets', '150000', '--concurrent', '3000', ...templates], { stdio: 'ignore' });
}, 120_000);

describe('traceSharded', () => {
  it('reports what one thread reports on kernel recordings', async () => {
    for (const name of RECORDINGS) {
      const file = FIX(`${name}.pcap`);
      const want = whole(await trace(openCapture(file), { keepRecords: false }));
      for (const threads of [2, 3]) expect(whole(await traceSharded(file, threads, {})), `${name}, ${threads} threads`).toEqual(want);
    }
  }, 120_000);

  it('reports what one thread reports on thousands of connections, with every table limit in play', async () => {
    const want = whole(await trace(openCapture(big), { keepRecords: false, keepSegments: false }));
    expect(want.summary.connections).toBeGreaterThan(10_000);
    expect(want.diagnostics?.findings.length).toBeGreaterThan(0);
    for (const threads of [2, 3]) expect(whole(await traceSharded(big, threads, { keepSegments: false })), `${threads} threads`).toEqual(want);
    // Written early (a small hold), with a packet limit, and with a full table.
    const o = { keepSegments: false, finishedHold: 64, packetLimit: 100_000 };
    expect(whole(await traceSharded(big, 2, o))).toEqual(whole(await trace(openCapture(big), { ...o, keepRecords: false })));
    const full = whole(await traceSharded(big, 2, { keepSegments: false, maxConnections: 1000 }));
    expect(full.summary.tableFull?.cap).toBe(1000);
    expect(full.summary.tableFull?.evicted).toBeGreaterThan(0);
    expect(full.summary.connections).toBe(full.totals?.all);
  }, 120_000);

  it('fails as one thread fails: the reader error, once', async () => {
    const junk = path.join(mkdtempSync(path.join(tmpdir(), 'shard-')), 'junk.pcap');
    writeFileSync(junk, Buffer.alloc(100, 7));
    const one = await trace(openCapture(junk)).catch((e: Error) => e);
    const two = await traceSharded(junk, 2, {}).catch((e: Error) => e);
    expect(two).toBeInstanceOf(Error);
    expect((two as Error).name).toBe('CaptureError');
    expect((two as Error).message).toBe((one as Error).message);
  });
});

describe('tcptrace --summary --threads', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

  it('prints what one thread prints', () => {
    const one = run(['--summary', '--threads', '1', big]);
    expect(one.status).toBe(0);
    expect(one.stdout).toContain('connections');
    for (const n of ['2', '3']) {
      const many = run(['--summary', '--threads', n, big]);
      expect({ status: many.status, stdout: many.stdout, stderr: many.stderr }).toEqual({ status: 0, stdout: one.stdout, stderr: one.stderr });
    }
  }, 60_000);

  it('a cut capture: the same warning and partial summary; junk: one error line, exit 2', () => {
    const buf = readFileSync(big);
    const dir = mkdtempSync(path.join(tmpdir(), 'shard-'));
    const cut = path.join(dir, 'cut.pcap');
    writeFileSync(cut, buf.subarray(0, Math.floor(buf.length / 2) + 5));
    const one = run(['--summary', '--threads', '1', cut]);
    const two = run(['--summary', '--threads', '2', cut]);
    expect(one.stderr).toMatch(/offset \d+/);
    expect({ status: two.status, stdout: two.stdout, stderr: two.stderr }).toEqual({ status: one.status, stdout: one.stdout, stderr: one.stderr });
    const junk = path.join(dir, 'junk.pcap');
    writeFileSync(junk, Buffer.alloc(100, 7));
    const bad = run(['--summary', '--threads', '2', junk]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('says so when it traces in one thread after all (a selection, standard input)', () => {
    const text = run(['--summary', '--port', '80', '--threads', '2', FIX('refused.pcap')]);
    expect(text.status).toBe(0);
    expect(text.stderr).toMatch(/^tcptrace: .*refused\.pcap: traced in one thread: --threads applies to a capture file, without --conn/);
    const stdin = spawnSync(process.execPath, [BIN, '--summary', '--threads', '2', '-'], { input: readFileSync(FIX('refused.pcap')), encoding: 'utf8' });
    expect(stdin.status).toBe(0);
    expect(stdin.stderr).toMatch(/standard input: traced in one thread/);
    expect(stdin.stdout).toBe(run(['--summary', '-r', FIX('refused.pcap')]).stdout.replace(FIX('refused.pcap'), 'standard input'));
  });

  it('--threads must be a positive integer', () => {
    const r = run(['--summary', '--threads', '0', FIX('refused.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--threads must be a positive integer/);
  });
});
