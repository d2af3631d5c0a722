// Issue 10 under attack: a SYN flood past the table cap (bench/flood.mjs, in memory), a table full
// of established connections, and damage inside packets (malformed TCP options), through trace()
// and the CLI. Time and memory are measured by bench/, not here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module without types (bench/ is not compiled)
import { FLOOD_SERVER, floodChunks } from '../bench/flood.mjs';
import { openCapture, openStream } from '../src/capture/open.js';
import { main } from '../src/cli/main.js';
import { renderSummary } from '../src/report/summary.js';
import { TEXT_DEFAULTS } from '../src/report/text.js';
import type { ConnectionRecord } from '../src/tcp/model.js';
import { trace, type TraceOptions } from '../src/trace.js';
import { argv, fakeIO } from './cli/io.js';
import { noteTexts } from './helpers/notes.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const EVICTED_NOTE = 'Evicted before it ended';

interface FloodSpec {
  syns: number;
  rate?: number;
  established?: number;
  seed?: number;
}

/** The flood as a stream of chunks, as bench/flood.mjs writes it. */
function flood(spec: FloodSpec) {
  return (async function* () {
    yield* floodChunks(spec) as Iterable<Uint8Array>;
  })();
}

/** What a test needs of a record (50,000 whole records are not kept). */
interface Slim {
  id: number;
  client: string;
  kind: string;
  packets: number;
  evicted: boolean;
  reusedFrom: number | null;
  clientState: string;
  serverState: string;
}

const slim = (r: ConnectionRecord): Slim => ({
  id: r.id,
  client: r.client.ip,
  kind: r.open.kind,
  packets: r.packets,
  evicted: noteTexts(r).some((n) => n.startsWith(EVICTED_NOTE)),
  reusedFrom: r.reusedFrom,
  clientState: r.client.state,
  serverState: r.server.state,
});

async function traced(source: ReturnType<typeof openStream>, options: TraceOptions) {
  const records: Slim[] = [];
  const report = await trace(source, { keepRecords: false, keepSegments: false, ...options, onRecord: (r) => records.push(slim(r)) });
  return { report, records };
}

describe('a SYN flood past the table cap', async () => {
  // 50,000 spoofed SYNs over 5 s against a table of 1,000, with 5 real handshakes spread through
  // it; each real client sends data at the very end, which finds its connection only if it survived.
  const { report, records } = await traced(openStream('flood.pcap', flood({ syns: 50_000, rate: 10_000, established: 5 })), {
    maxConnections: 1000,
  });
  const full = report.summary.tableFull!;
  const evicted = records.filter((r) => r.evicted);

  it('every connection has one record; the evicted ones say so and the summary counts them', () => {
    expect(report.summary.connections).toBe(50_005);
    expect(records).toHaveLength(50_005);
    expect(new Set(records.map((r) => r.id)).size).toBe(50_005);
    expect(full).toEqual({ cap: 1000, dropped: 0, evicted: evicted.length });
    // Records are made by an eviction, a reuse of the 4-tuple by a new SYN, or at the end for the
    // 1,000 connections still in the table: nothing else ends a connection in a 5 s capture.
    const reused = records.filter((r) => r.reusedFrom !== null).length;
    expect(evicted.length + reused + 1000).toBe(50_005);
    expect(evicted.length).toBeGreaterThan(48_900);
  });

  it('only spoofed SYNs are evicted: the established connections survive the flood', () => {
    const real = records.filter((r) => r.client.startsWith('10.1.'));
    // One record each (an evicted one would come back mid-stream with its last data), complete.
    expect(real).toHaveLength(5);
    for (const r of real) {
      expect(r).toMatchObject({ kind: 'three-way', packets: 5, evicted: false, clientState: 'ESTABLISHED', serverState: 'ESTABLISHED' });
    }
    for (const r of evicted) {
      expect(r.client.startsWith('198.1')).toBe(true);
      expect([r.kind, r.packets]).toEqual(['unanswered', 1]);
    }
  });

  it('diagnostics.openings names the flood and counts what was evicted of it', () => {
    const d = report.diagnostics!;
    expect(d.openings.unanswered).toHaveLength(1);
    const g = d.openings.unanswered[0]!;
    expect(g).toMatchObject({ server: FLOOD_SERVER, connections: 50_000, singleSyn: 50_000, flood: true, evicted: full.evicted });
    expect(g.clients).toBeGreaterThan(30_000);
    const findings = d.findings.filter((f) => f.code === 'syn-flood');
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect([f.severity, f.subject]).toEqual(['warning', FLOOD_SERVER]);
    expect(f.message).toContain(
      `${FLOOD_SERVER} got 50000 connection attempts from ${g.clients} addresses that were never answered, 50000 of them a single SYN never retransmitted`,
    );
    expect(f.message).toContain(`${full.evicted} of these connections were evicted from the full flow table to make room`);
    expect(d.findings.some((x) => x.code === 'unanswered-syn')).toBe(false);
  });

  it('the summary says the table was full, and why connections were ended', () => {
    const text = renderSummary(report, TEXT_DEFAULTS);
    expect(text).toContain(
      `flow table full  more than 1,000 connections open at once (--max-connections): ${full.evicted.toLocaleString('en-US')} open connections were ended early`,
    );
    expect(text).toContain('openings that never completed while they fill an eighth of the table (as a SYN flood does)');
    expect(text).toMatch(/! \[syn-flood\] 198\.19\.0\.1:80 got 50000 connection attempts/);
    const zh = renderSummary(report, { ...TEXT_DEFAULTS, lang: 'zh' });
    expect(zh).toContain('连接表已满');
    expect(zh).toContain(`其中 ${full.evicted} 条连接因连接表已满`);
  });
});

describe('a table full of established connections', () => {
  it('still lets new handshakes in: the least recently active established connection makes room', async () => {
    // bench/run.mjs's `open` workload in small: 3,000 handshakes that never close, 100 at a time.
    const dir = mkdtempSync(path.join(tmpdir(), 'tcptrace-open-'));
    const file = path.join(dir, 'open.pcap');
    const made = spawnSync(process.execPath, [
      path.join(ROOT, 'bench/synth.mjs'),
      file,
      '--packets',
      '9000',
      '--concurrent',
      '100',
      '--first',
      '3',
      path.join(ROOT, 'fixtures/handshake-client-close.pcap'),
    ]);
    expect(made.status).toBe(0);
    const { report, records } = await traced(openCapture(file), { maxConnections: 1000 });
    expect(report.summary.byOpen).toEqual({ 'three-way': 3000 });
    expect(report.summary.tableFull).toEqual({ cap: 1000, dropped: 0, evicted: 2000 });
    // The oldest go first.
    expect(records.filter((r) => r.evicted).map((r) => r.id)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});

describe('--ndjson over --max-connections', () => {
  it('writes every record and says on stderr how many were evicted', async () => {
    const io = fakeIO({ stdin: flood({ syns: 5000, rate: 10_000, established: 2 }) });
    expect(await main(argv('--ndjson', '--max-connections', '100', '-'), io)).toBe(0);
    const lines = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Omit<ConnectionRecord, 'notes'> & { notes: string[] });
    expect(lines).toHaveLength(5002);
    const evicted = lines.filter((r) => r.notes.some((n) => n.startsWith(EVICTED_NOTE)));
    expect(evicted.length).toBeGreaterThan(4800);
    expect(io.err()).toBe(
      `tcptrace: standard input: more than 100 connections open at once (--max-connections): ${evicted.length} were ended early to make room\n`,
    );
  });
});

describe('malformed TCP options', () => {
  /** handshake-client-close.pcap with the options of packets 1, 3 and 4 damaged. */
  function damaged(): Buffer {
    const b = Buffer.from(readFileSync(path.join(ROOT, 'fixtures/handshake-client-close.pcap')));
    // Frames start 16 bytes after each record header; the TCP options at frame offset 54
    // (Ethernet 14, IPv4 20, TCP 20). Packet 1: MSS (02 04 05b4), its length set to 0.
    expect(b.readUInt16BE(40 + 54)).toBe(0x0204);
    b[40 + 55] = 0;
    // Packet 3: NOP NOP, then timestamps (08 0a ...), its length set to 1.
    expect(b.readUInt32BE(220 + 54)).toBe(0x0101080a);
    b[220 + 57] = 1;
    // Packet 4: the same option running past the header.
    expect(b.readUInt32BE(302 + 54)).toBe(0x0101080a);
    b[302 + 57] = 40;
    return b;
  }
  const once = (b: Buffer) =>
    (async function* () {
      yield b;
    })();

  it('are counted and warned about in input.warnings, with the first packet', async () => {
    const clean = await trace(openCapture(path.join(ROOT, 'fixtures/handshake-client-close.pcap')));
    expect(clean.input.warnings).toEqual([]);
    const r = await trace(openStream('damaged.pcap', once(damaged())));
    expect(r.input.warnings).toEqual([
      '3 TCP segments have malformed options (first in packet 1): an option length below 2 or running past the header ends ' +
        'the options there, one wrong for its kind is ignored (as Linux does), so those segments count only the options before the damage',
    ]);
    // Nothing else changes: the segments are still traced.
    expect(r.input.tcpSegments).toBe(clean.input.tcpSegments);
    expect(r.input.skipped).toEqual(clean.input.skipped);
    expect(r.summary.connections).toBe(1);
  });

  it('one damaged segment is said in the singular, and the summary and stderr show it', async () => {
    const b = Buffer.from(readFileSync(path.join(ROOT, 'fixtures/handshake-client-close.pcap')));
    b[220 + 57] = 0;
    const r = await trace(openStream('damaged.pcap', once(b)));
    expect(r.input.warnings[0]).toMatch(/^1 TCP segment has malformed options \(first in packet 3\): /);
    expect(renderSummary(r, TEXT_DEFAULTS)).toMatch(/^ {2}warnings +1 TCP segment has malformed options \(first in packet 3\)/m);
    const io = fakeIO({ stdin: once(b) });
    expect(await main(argv('--summary', '-'), io)).toBe(0);
    expect(io.err()).toMatch(/^tcptrace: standard input: 1 TCP segment has malformed options \(first in packet 3\): /);
  });
});
