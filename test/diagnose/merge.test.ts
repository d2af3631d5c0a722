/**
 * The summary and the diagnostics of a capture traced in parts and merged, as a tracer sharded over
 * worker threads by flow would do: each part folded into its own SummaryCounter and
 * DiagnosticsCollector (records in an order of their own), their states passed through
 * structuredClone (what postMessage does) and absorbed into fresh reducers, in any order, give
 * exactly what one reducer fed every record gives: key order, array order, ids and texts included.
 * On every capture under fixtures/ and /work/shared/corpus/ (when there), and on a synthetic one
 * big enough to pass every cap (20 hosts and tuples, 100 CLOSE-WAIT and keep-alive connections, 20
 * ids per group).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { type DiagnoseOptions, DiagnosticsCollector, type DiagnosticsState } from '../../src/diagnose/diagnose.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { SummaryCounter, type SummaryState } from '../../src/tcp/summary.js';
import { trace } from '../../src/trace.js';
import { parts, seeded, shuffled, splits } from '../helpers/split.js';
import { closeWait, conn, graceful, halfOpen, refused, unanswered } from './factory.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHARED = '/work/shared/corpus';
const OPTS: DiagnoseOptions = { mslSec: 30, portRange: [32768, 60999] };
/** A 100-port range and a low flood threshold: TIME-WAIT and SYN-flood findings past the list caps. */
const TIGHT: DiagnoseOptions = { mslSec: 30, portRange: [40000, 40099], synFloodMin: 5, closeWaitWarnSec: 0.05 };

function capturesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  try {
    return (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .map((f) => path.join(dir, f))
      .sort();
  } catch {
    return [];
  }
}

/** Every capture once (the shared corpus repeats some of fixtures/), by content. */
const captures = (() => {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const file of [...capturesUnder(path.join(ROOT, 'fixtures')), ...capturesUnder(SHARED)]) {
    let hash: string;
    try {
      hash = createHash('sha1').update(readFileSync(file)).digest('hex');
    } catch {
      continue;
    }
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push(file);
  }
  return out;
})();

/** The records of a capture, or null when the tracer rejects it. */
async function recordsOf(file: string): Promise<ConnectionRecord[] | null> {
  try {
    return (await trace(openCapture(file), { keepRecords: true })).connections;
  } catch {
    return null;
  }
}

/** Whether a full table evicted the record: only the run knows, so the tests make it up (the same for every fold). */
const evicted = (r: ConnectionRecord) => r.id % 7 === 3;

interface Reducers {
  summary: SummaryCounter;
  diagnostics: DiagnosticsCollector;
}

function fold(records: readonly ConnectionRecord[]): Reducers {
  const summary = new SummaryCounter();
  const diagnostics = new DiagnosticsCollector();
  for (const r of records) {
    summary.add(r);
    diagnostics.add(r, evicted(r));
  }
  return { summary, diagnostics };
}

/** What a reducer pair says, as compared: the objects, and their JSON (key order is part of the document). */
function outcome(r: Reducers) {
  const o = { summary: r.summary.result(), totals: r.summary.totals(), diagnostics: r.diagnostics.result(OPTS), tight: r.diagnostics.result(TIGHT) };
  return { o, json: JSON.stringify(o) };
}

interface States {
  summary: SummaryState;
  diagnostics: DiagnosticsState;
}

/** Each part folded into reducers of its own, their states as another thread receives them (structuredClone). */
function statesOf(partRecords: ConnectionRecord[][]): States[] {
  return partRecords.map((p) => {
    const r = fold(p);
    return structuredClone({ summary: r.summary.state(), diagnostics: r.diagnostics.state() });
  });
}

/** The states absorbed in `order` into fresh reducers (the states are not changed: they are used again). */
function merged(states: States[], order: number[]): Reducers {
  const out = { summary: new SummaryCounter(), diagnostics: new DiagnosticsCollector() };
  for (const i of order) {
    out.summary.absorb(states[i]!.summary);
    out.diagnostics.absorb(states[i]!.diagnostics);
  }
  return out;
}

/** Checks every split of `records` against one fold of them in id order. */
function expectMergesEqual(records: ConnectionRecord[], seed: number): void {
  const byId = [...records].sort((a, b) => a.id - b.id);
  const want = outcome(fold(byId));
  // One reducer fed the records in another order gives the same.
  expect(outcome(fold(shuffled(byId, seeded(seed)))).json).toBe(want.json);
  const random = seeded(seed + 1);
  for (const split of splits(seed)) {
    const ps = parts(byId, split, random);
    const states = statesOf(ps);
    const inOrder = ps.map((_, i) => i);
    for (const order of [inOrder, inOrder.slice().reverse(), shuffled(inOrder, random)]) {
      const got = outcome(merged(states, order));
      expect(got.o, `${split.name}, parts in order ${order}`).toEqual(want.o);
      expect(got.json, `${split.name}, parts in order ${order}`).toBe(want.json);
    }
    // Absorbed into a reducer that folded a part itself, as the thread that merges may do.
    const [first, ...rest] = ps;
    const into = fold(first!);
    for (const p of rest) {
      const r = fold(p);
      into.summary.absorb(structuredClone(r.summary.state()));
      into.diagnostics.absorb(structuredClone(r.diagnostics.state()));
    }
    expect(outcome(into).json, `${split.name}, into the first part's reducers`).toBe(want.json);
  }
}

describe('reducers merged from parts equal one reducer fed every record', () => {
  it('finds the captures', () => expect(captures.length).toBeGreaterThan(150));

  it.each(captures.map((f) => [path.relative(ROOT, f)]))('%s', async (file) => {
    const records = await recordsOf(path.resolve(ROOT, file));
    if (records === null) return;
    expectMergesEqual(records, records.length + 1);
  });

  it('an empty state absorbs to nothing, and into nothing', () => {
    const empty = fold([]);
    const want = outcome(empty).json;
    const into = fold([]);
    into.summary.absorb(structuredClone(empty.summary.state()));
    into.diagnostics.absorb(structuredClone(empty.diagnostics.state()));
    expect(outcome(into).json).toBe(want);
  });
});

describe('hand-built records where a part alone cannot know the answer', () => {
  const T0 = 1_700_000_000;
  it('ties, reuses across parts, and addresses numbered in different orders', () => {
    const records: ConnectionRecord[] = [];
    let id = 0;
    // Attempts with as many SYNs as each other but other gaps: the group shows the smallest id's.
    for (let i = 0; i < 12; i++) {
      const retransmits = i % 3 === 0 ? [1, 3] : [1 + i / 10, 3 + i / 10];
      records.push(unanswered({ id: id++, client: `198.18.1.${i}:${5000 + i}`, server: '198.19.0.1:80', start: T0 + i, retransmits }));
      records.push(unanswered({ id: id++, client: `[2001:db8::${i + 1}]:${5000 + i}`, server: '[2001:db8::ff]:443', start: T0 + i, retransmits: [] }));
    }
    // TIME-WAIT cut short by a connection reusing the 4-tuple: the reuse is the next id, so id % k
    // puts it in another part than the connection it reuses.
    for (let i = 0; i < 6; i++) {
      const client = `198.18.2.${i}:33333`;
      const a = graceful({ id: id++, client, start: T0 + i, closer: i % 2 === 0 ? 'client' : 'server' });
      const b = graceful({ id: id++, client, start: T0 + i + 2, closer: 'server' });
      b.reusedFrom = a.id;
      records.push(a, b);
    }
    // CLOSE-WAIT entered at the same moment (equal times), keep-alive with equal probe counts,
    // refused and half-open openings from clients seen in several parts.
    for (let i = 0; i < 8; i++) {
      records.push(closeWait({ id: id++, client: `198.18.3.${i % 3}:${6000 + i}`, server: '198.19.0.2:8080', start: T0 + 1 }));
      records.push(conn({ id: id++, client: `198.18.4.${i}:7000`, server: '198.19.0.3:5432', start: T0 }, { keepAlive: { probes: 3, intervalSec: 75 + i } }));
      records.push(refused({ id: id++, client: `198.18.5.${i % 2}:${8000 + i}`, server: '198.19.0.4:25', start: T0 + i }));
      records.push(halfOpen({ id: id++, client: `198.18.6.${i % 4}:${9000 + i}`, server: '198.19.0.5:443', start: T0 + i }));
    }
    for (let seed = 1; seed <= 5; seed++) expectMergesEqual(shuffled(records, seeded(seed)), seed);
    // The window (first and last packet of any connection) spans every part.
    const whole = fold(records).diagnostics.result(OPTS);
    expect(whole.window).toEqual({ start: T0, end: Math.max(...records.map((r) => r.end)) });
  });
});

describe('on a capture past every cap', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcptrace-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('merges exactly: 20 hosts and tuples, 100 CLOSE-WAIT and keep-alive connections, 20 ids per group', async () => {
    // 21,250 connections of real kernel conversations, each clone its own client address.
    const templates = [
      'four-way-close',
      'closewait-leak',
      'keepalive',
      'unanswered',
      'refused',
      'syn-flood',
      'port-reuse',
      'server-close',
      'timewait-pile',
      'simultaneous-close',
      'ipv6',
      'half-close',
      'reset-client',
      'lost-last-ack',
    ].map((t) => path.join(ROOT, 'fixtures', `${t}.pcap`));
    const file = path.join(dir, 'synth.pcap');
    const made = spawnSync(process.execPath, [path.join(ROOT, 'bench/synth.mjs'), file, '--packets', '200000', '--concurrent', '500', ...templates]);
    expect(made.status, String(made.stderr)).toBe(0);
    const records = (await recordsOf(file))!;
    expect(records.length).toBeGreaterThan(20_000);
    // The caps are reached, so the merge has to get them right.
    const one = fold(records).diagnostics;
    const d = one.result(OPTS);
    expect(d.timeWait.hosts.length).toBeGreaterThanOrEqual(20);
    expect(d.timeWait.tuples).toHaveLength(20);
    expect(d.closeWait.total).toBeGreaterThan(100);
    expect(d.closeWait.connections).toHaveLength(100);
    expect(d.keepAlive.total).toBeGreaterThan(100);
    expect(d.keepAlive.connections).toHaveLength(100);
    expect(d.openings.unanswered[0]!.ids).toHaveLength(20);
    expect(d.openings.halfOpen[0]!.ids).toHaveLength(20);
    expect(records.some((r) => r.reusedFrom !== null)).toBe(true);
    // And with a 100-port range, more tuples have findings than are listed.
    const tight = one.result(TIGHT);
    expect(tight.findings.filter((f) => f.code.startsWith('time-wait-') && f.code !== 'time-wait-server-close').length).toBeGreaterThan(20);
    expectMergesEqual(records, 7);
  }, 120_000);
});
