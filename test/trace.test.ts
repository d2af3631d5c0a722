// trace(): the wiring of the stages, seen from the programmatic API.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../src/capture/open.js';
import type { ConnectionRecord } from '../src/tcp/model.js';
import { trace } from '../src/trace.js';
import { noteTexts } from './helpers/notes.js';

const fx = (name: string) => path.resolve(import.meta.dirname, '../fixtures', name);

describe('trace()', () => {
  it('streams every connection through onConnection, with the same records the report keeps', async () => {
    const streamed: ConnectionRecord[] = [];
    const report = await trace(openCapture(fx('timewait-pile.pcap')), { onConnection: (r) => streamed.push(r) });
    expect(report.connections).toHaveLength(50);
    expect(streamed.map((r) => r.id).sort((a, b) => a - b)).toEqual(report.connections.map((r) => r.id));
    // Records streamed when the connection finished describe it as the report does at the end (the
    // capture lasts well under 2·MSL, so no TIME-WAIT expired in between); only the notes differ,
    // since they say when the capture ended as of each record.
    const byId = new Map(streamed.map((r) => [r.id, r]));
    for (const r of report.connections) {
      const s = byId.get(r.id)!;
      expect({ ...s, notes: [] }).toEqual({ ...r, notes: [] });
      expect(noteTexts(s).join()).toMatch(/the capture ends at \+/);
    }
  });

  it('keepRecords: false keeps no record, yet its summary and diagnostics describe every connection', async () => {
    const kept = await trace(openCapture(fx('port-reuse.pcap')));
    const streamed: ConnectionRecord[] = [];
    const final: ConnectionRecord[] = [];
    const report = await trace(openCapture(fx('port-reuse.pcap')), {
      keepRecords: false,
      onConnection: (r) => streamed.push(r),
      onRecord: (r) => final.push(r),
    });
    expect(report.connections).toEqual([]);
    expect(report.summary).toEqual(kept.summary);
    expect(report.diagnostics).toEqual(kept.diagnostics);
    expect(report.input).toEqual(kept.input);
    expect(streamed.map((r) => r.id).sort()).toEqual(kept.connections.map((r) => r.id));
    // onRecord gets each final record once: the same records the report keeps.
    expect(final).toEqual(kept.connections);
    // Port reuse: the second connection on the 4-tuple names the first.
    expect(kept.connections.map((r) => r.reusedFrom)).toEqual([null, 0]);
  });

  it.each([0, 1, 7])('finishedHold %i: records written early, summary and diagnostics as of the end', async (hold) => {
    const kept = await trace(openCapture(fx('timewait-pile.pcap')));
    const final: ConnectionRecord[] = [];
    const report = await trace(openCapture(fx('timewait-pile.pcap')), { keepRecords: false, finishedHold: hold, onRecord: (r) => final.push(r) });
    expect(report.summary).toEqual(kept.summary);
    expect(report.diagnostics).toEqual(kept.diagnostics);
    expect(final).toHaveLength(50);
    // The ones written early say when, not when the capture ends; the rest are the report's own.
    const byId = new Map(kept.connections.map((r) => [r.id, r]));
    const early = final.filter((r) => noteTexts(r).some((n) => /written at \+/.test(n)));
    // (finishedHold 0 writes each record as it finishes, with the notes a streamed record has.)
    expect(early.length).toBe(hold === 0 ? 0 : 50 - hold);
    for (const r of final) expect({ ...r, notes: [] }).toEqual({ ...byId.get(r.id)!, notes: [] });
  });

  it('a TIME-WAIT written early still counts as CLOSED at the end once 2·MSL has passed', async () => {
    // --msl 0.001: the TIME-WAITs of the first connections of the 9 ms pile run out within the capture.
    const kept = await trace(openCapture(fx('timewait-pile.pcap')), { mslSec: 0.001 });
    const report = await trace(openCapture(fx('timewait-pile.pcap')), { mslSec: 0.001, keepRecords: false, finishedHold: 0 });
    expect(report.summary.finalStates).toEqual(kept.summary.finalStates);
    expect(kept.summary.finalStates.server.CLOSED).toBeGreaterThan(0);
    expect(kept.summary.finalStates.server['TIME-WAIT']).toBeGreaterThan(0);
  });

  it('a full table ends the least recently active open connection early, with a record that says so', async () => {
    const whole = await trace(openCapture(fx('syn-flood.pcap')));
    expect(whole.summary.tableFull).toBeNull();
    const final: ConnectionRecord[] = [];
    const capped = await trace(openCapture(fx('syn-flood.pcap')), { maxConnections: 5, keepRecords: false, onRecord: (r) => final.push(r) });
    const full = capped.summary.tableFull!;
    expect(full.cap).toBe(5);
    expect(full.dropped).toBe(0);
    expect(full.evicted).toBeGreaterThan(0);
    // Nothing is lost without a word: every connection has a record, the evicted ones say why.
    expect(final).toHaveLength(capped.summary.connections);
    const evicted = final.filter((r) => noteTexts(r).some((n) => n.startsWith('Evicted before it ended')));
    expect(evicted).toHaveLength(full.evicted);
    // An evicted connection's later segments start a new one: more records than without the cap.
    expect(capped.summary.connections).toBeGreaterThan(whole.summary.connections);
  });
});
