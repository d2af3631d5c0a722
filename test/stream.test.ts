/**
 * The streaming pipeline against the report that keeps every record, on every capture under
 * fixtures/ (kernel recordings and the tcpdump corpus): the summary and diagnostics folded as the
 * records go by equal the ones computed from the whole list, whatever order the records come in
 * and however many finished connections are held; records written early differ only in the note
 * that says when they were written; the streamed JSON document is the same document.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../src/capture/open.js';
import { StreamedOutput, withConnections } from '../src/cli/stream-output.js';
import { diagnose } from '../src/diagnose/diagnose.js';
import type { Report } from '../src/diagnose/types.js';
import { jsonChunks, jsonDocument } from '../src/report/json.js';
import { TEXT_DEFAULTS, newTextContext } from '../src/report/text.js';
import type { ConnectionRecord } from '../src/tcp/model.js';
import { SummaryCounter } from '../src/tcp/summary.js';
import { trace } from '../src/trace.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const captures = (readdirSync(join(ROOT, 'fixtures'), { recursive: true }) as string[])
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .map((f) => relative(ROOT, join(ROOT, 'fixtures', f)))
  .sort();

/** What json.ts's escJson would escape: none of it may appear in a record (it is written unescaped). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/**
 * A record as it reads whether it was written early or at the end: no notes, and a TIME-WAIT that
 * ran out by the end of the capture (the end-of-capture record adds its expiry to the timeline and
 * says CLOSED), or that a new SYN on the 4-tuple ended (code 'time-wait-reused', after an early
 * record was written), is the same as the TIME-WAIT an early record states.
 */
function asWritten(r: ConnectionRecord) {
  const expired = (t: ConnectionRecord['timeline'][number]) =>
    t.from === 'TIME-WAIT' && t.to === 'CLOSED' && (t.why.startsWith('the 2·MSL timer') || t.code === 'time-wait-reused');
  const side = (side: 'client' | 'server') => {
    const e = r[side];
    const ranOut = e.state === 'CLOSED' && r.timeline.some((t) => t.side === side && expired(t));
    return { ...e, state: ranOut ? 'TIME-WAIT' : e.state };
  };
  return { ...r, client: side('client'), server: side('server'), timeline: r.timeline.filter((t) => !expired(t)), notes: [] };
}

describe('streaming equals keeping every record, on every capture', () => {
  it('finds the captures', () => expect(captures.length).toBeGreaterThan(150));

  // A 2 ms TIME-WAIT (--msl 0.001) as well: then finished connections also expire during the
  // capture, from the table or from the FinishedTable, and a later SYN on their 4-tuple is new.
  it.each(
    captures.flatMap(
      (f) =>
        [
          [f, 30],
          [f, 0.001],
        ] as Array<[string, number]>,
    ),
  )('%s, MSL %s s', async (file, mslSec) => {
    const path = join(ROOT, file);
    const kept = await trace(openCapture(path), { mslSec });
    for (const hold of [undefined, 0, 2]) {
      const final: ConnectionRecord[] = [];
      const streamed = await trace(openCapture(path), { mslSec, keepRecords: false, finishedHold: hold, onRecord: (r) => final.push(r) });
      expect(streamed.connections).toEqual([]);
      expect(streamed.totals?.all).toBe(kept.connections.length);
      const late = streamed.input.warnings.find((w) => /segments came after their connection's record was written/.test(w));
      if (late !== undefined) {
        // A record written when (or soon after) its connection finished misses what came later
        // (a retransmitted FIN, a late RST): said in a warning, and only with a small hold.
        expect(hold).toBeDefined();
        continue;
      }
      expect(streamed.input).toEqual(kept.input);
      expect(streamed.summary).toEqual(kept.summary);
      // Byte for byte: the key order of the summary's objects is part of the document.
      expect(JSON.stringify(streamed.summary)).toBe(JSON.stringify(kept.summary));
      expect(streamed.diagnostics).toEqual(kept.diagnostics);
      const byId = [...final].sort((a, b) => a.id - b.id);
      if (hold === undefined) expect(byId).toEqual(kept.connections);
      else expect(byId.map(asWritten)).toEqual(kept.connections.map(asWritten));
    }
    // Nothing receives records: each is lean (tcp/record.ts), and folds to the same summary and
    // diagnostics, with or without kept segments.
    for (const keepSegments of [true, false]) {
      const lean = await trace(openCapture(path), { mslSec, keepRecords: false, keepSegments });
      expect(JSON.stringify(lean.summary)).toBe(JSON.stringify(kept.summary));
      expect(lean.diagnostics).toEqual(kept.diagnostics);
    }
    // Records are written without escaping: no text in them comes from the capture.
    for (const r of kept.connections) for (const s of strings(r)) expect(s).not.toMatch(UNSAFE);
  });
});

describe('the reducers do not depend on the order records arrive in', () => {
  it.each(['timewait-pile', 'syn-flood', 'closewait-leak', 'port-reuse', 'keepalive'])('%s, shuffled', async (name) => {
    const r = await trace(openCapture(join(ROOT, 'fixtures', `${name}.pcap`)));
    const opts = { mslSec: 30, portRange: [32768, 60999] as [number, number] };
    const want = JSON.stringify(diagnose(r.connections, opts));
    const wantSummary = JSON.stringify(r.summary);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: r.connections.length, maxLength: r.connections.length }), (keys) => {
        const shuffled = r.connections
          .map((c, i) => ({ c, k: keys[i]! }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.c);
        expect(JSON.stringify(diagnose(shuffled, opts))).toBe(want);
        const s = new SummaryCounter();
        for (const c of shuffled) s.add(c);
        expect(JSON.stringify(s.result())).toBe(wantSummary);
      }),
      { numRuns: 20 },
    );
  });
});

describe('StreamedOutput', () => {
  /** What StreamedOutput writes for `report` when it holds at most `hold` records. */
  async function written(report: Report, mode: 'text' | 'json', hold: number): Promise<string> {
    let out = '';
    const sink = { write: (s: string) => void (out += s) };
    const o = new StreamedOutput(mode, sink, report.input.path, '', TEXT_DEFAULTS, newTextContext(), hold);
    for (const c of report.connections) o.record(c);
    // As trace() hands it over without keepRecords: no connections, the totals folded.
    await o.end(withConnections(report, []), TEXT_DEFAULTS);
    return out;
  }

  it('holding every record, prints exactly the finished report', async () => {
    const r = await trace(openCapture(join(ROOT, 'fixtures/timewait-pile.pcap')));
    expect(await written(r, 'json', 100)).toBe([...jsonChunks(r)].join(''));
  });

  it('past its hold, streams a JSON document with the same content (keys in another order)', async () => {
    for (const name of ['timewait-pile', 'syn-flood', 'refused']) {
      const r = await trace(openCapture(join(ROOT, 'fixtures', `${name}.pcap`)));
      const out = await written(r, 'json', 0);
      expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(jsonDocument(r))));
      expect(Object.keys(JSON.parse(out))).toEqual(['schema', 'connections', 'input', 'summary', 'diagnostics']);
    }
  });

  it('streams by id: a record waits for every smaller id, unless more than `hold` wait', async () => {
    const r = await trace(openCapture(join(ROOT, 'fixtures/timewait-pile.pcap')));
    const ids = (out: string) => (JSON.parse(out) as { connections: Array<{ id: number }> }).connections.map((c) => c.id);
    const run = async (order: ConnectionRecord[], hold: number) => {
      let out = '';
      const o = new StreamedOutput('json', { write: (x: string) => void (out += x) }, 'x', '', TEXT_DEFAULTS, newTextContext(), hold);
      const seen = new Set<number>();
      let frontier = 0;
      for (const c of order) {
        seen.add(c.id);
        while (seen.has(frontier)) frontier++;
        o.record(c, frontier);
      }
      await o.end(withConnections(r, []), TEXT_DEFAULTS);
      return ids(out);
    };
    const all = r.connections.map((c) => c.id);
    // Neighbours swapped (records ending a little out of order): still by id.
    const swapped = r.connections.map((_, i) => r.connections[i % 2 === 0 ? Math.min(i + 1, r.connections.length - 1) : i - 1]!);
    expect(new Set(swapped.map((c) => c.id)).size).toBe(50);
    expect(await run(swapped, 3)).toEqual(all);
    // The first connection last: the others cannot wait for it beyond the hold, but none is lost.
    const late = [...r.connections.slice(1), r.connections[0]!];
    const out = await run(late, 3);
    expect([...out].sort((a, b) => a - b)).toEqual(all);
    expect(out.slice(0, 4)).toEqual([1, 2, 3, 4]);
    // Without a frontier (the caller does not know), records go out as they come.
    let plain = '';
    const o = new StreamedOutput('json', { write: (x: string) => void (plain += x) }, 'x', '', TEXT_DEFAULTS, newTextContext(), 3);
    for (const c of late) o.record(c);
    await o.end(withConnections(r, []), TEXT_DEFAULTS);
    expect(ids(plain).slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('past its hold, text says it streams, then every ladder, the counts and the summary', async () => {
    const r = await trace(openCapture(join(ROOT, 'fixtures/timewait-pile.pcap')));
    const out = await written(r, 'text', 3);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/more than 3 connections: each is printed once it has ended/);
    expect(out.match(/^#\d+ /gm)).toHaveLength(50);
    expect(out).toMatch(/— pcap · ETHERNET · 500 packets · 500 TCP segments · 50 connections\n\nSummary of /);
  });
});
