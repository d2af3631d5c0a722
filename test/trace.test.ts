// trace(): the wiring of the stages, seen from the programmatic API.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../src/capture/open.js';
import type { ConnectionRecord } from '../src/tcp/model.js';
import { trace } from '../src/trace.js';

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
      expect(s.notes.join()).toMatch(/the capture ends at \+/);
    }
  });

  it('keepRecords: false hands records only to onConnection and keeps none', async () => {
    const kept = await trace(openCapture(fx('port-reuse.pcap')));
    const streamed: ConnectionRecord[] = [];
    const report = await trace(openCapture(fx('port-reuse.pcap')), { keepRecords: false, onConnection: (r) => streamed.push(r) });
    expect(report.connections).toEqual([]);
    expect(report.summary.connections).toBe(0);
    expect(report.input).toEqual(kept.input);
    expect(streamed.map((r) => r.id).sort()).toEqual(kept.connections.map((r) => r.id));
    // Port reuse: the second connection on the 4-tuple names the first.
    expect(kept.connections.map((r) => r.reusedFrom)).toEqual([null, 0]);
  });
});
