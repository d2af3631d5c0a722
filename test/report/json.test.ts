import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { jsonChunks, jsonDocument, jsonRecord, ndjsonHead, renderJson, renderNdjsonLine } from '../../src/report/json.js';
import { noteText } from '../../src/report/notes.js';
import { NOTE_PARAMS } from '../../src/tcp/notes.js';
import { trace } from '../../src/trace.js';
import { classic, report } from './factory.js';

const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', name);

describe('JSON', () => {
  it('--json is exactly the Report object, pretty-printed, one document', () => {
    const r = report([classic()]);
    const out = renderJson(r);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(jsonDocument(r));
    expect(JSON.parse(out).schema).toBe('tcptrace/2');
  });

  it('writes each note as its English sentence in `notes` and as its code and numbers in `noteCodes`', async () => {
    const r = await trace(openCapture(FIX('half-close.pcap')));
    const c = r.connections[0]!;
    expect(c.notes).toEqual([{ code: 'time-wait-until', side: 'client', twPacket: 18, until: expect.any(Number), msl2: 60, end: expect.any(Number) }]);
    const doc = JSON.parse(renderJson(r));
    // Each entry: the note's own numbers, and every other parameter key null (one shape for all).
    const entry = doc.connections[0].noteCodes[0];
    expect(Object.keys(entry)).toEqual(['code', ...NOTE_PARAMS]);
    expect(Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== null))).toEqual(c.notes[0]);
    expect(doc.connections[0].notes).toEqual([
      expect.stringMatching(/^The client is in TIME-WAIT until \+60\.6\d+ s \(2·MSL = 60 s after packet 18\); the capture ends at \+0\.6\d+ s\.$/),
    ]);
    // The keys the contract had, in its order, then the additive ones.
    expect(Object.keys(doc.connections[0]).slice(-4)).toEqual(['notes', 'tunnel', 'metrics', 'noteCodes']);
    expect(doc.connections[0].notes[0]).toBe(noteText(c.notes[0]!, 'en'));
  });

  it('escapes control and bidi characters from the capture, staying valid JSON', () => {
    const r = report([classic()], { path: 'x\u001b]0;t\u0007\u202e.pcap', warnings: ['\u009b2J'] });
    const out = renderJson(r);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(out).input.path).toBe('x\u001b]0;t\u0007\u202e.pcap');
    expect(JSON.parse(out).input.warnings[0]).toBe('\u009b2J');
  });

  it('--ndjson is one record per line, the same object as in connections with schema and input first', () => {
    const c = classic();
    const line = renderNdjsonLine(c, ndjsonHead('tcptrace/2', 'a b.pcap'));
    expect(line.split('\n')).toEqual([expect.any(String), '']);
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed).slice(0, 3)).toEqual(['schema', 'input', 'id']);
    const { schema, input, ...rest } = parsed;
    expect([schema, input]).toEqual(['tcptrace/2', 'a b.pcap']);
    expect(rest).toEqual(jsonRecord(c));
  });

  it("--ndjson escapes the input's name as the document does", () => {
    const line = renderNdjsonLine(classic(), ndjsonHead('tcptrace/2', 'x\u001b]0;t\u0007\u202e.pcap'));
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(line).input).toBe('x\u001b]0;t\u0007\u202e.pcap');
  });
});

describe('--json in pieces (a big capture does not fit in one string)', () => {
  const streamed = (r: Parameters<typeof jsonChunks>[0]) => [...jsonChunks(r)].join('');

  // Several kinds: many connections and diagnostics findings, port reuse, IPv6, refused, none at all.
  it.each(['closewait-leak', 'syn-flood', 'timewait-pile', 'port-reuse', 'ipv6', 'refused', 'keepalive', 'mid-stream'])(
    '%s: the pieces joined are byte for byte JSON.stringify(report, null, 2) + newline',
    async (name) => {
      const r = await trace(openCapture(FIX(`${name}.pcap`)));
      expect(r.connections.length).toBeGreaterThan(0);
      expect(streamed(r)).toBe(JSON.stringify(jsonDocument(r), null, 2) + '\n');
      expect(renderJson(r)).toBe(JSON.stringify(jsonDocument(r), null, 2) + '\n');
    },
  );

  it('no connections, and a report without diagnostics, come out the same as JSON.stringify too', () => {
    const empty = report([]);
    expect(empty.connections).toEqual([]);
    expect(streamed(empty)).toBe(JSON.stringify(jsonDocument(empty), null, 2) + '\n');
    const noDiag = { ...report([classic()]), diagnostics: undefined };
    expect(streamed(noDiag)).toBe(JSON.stringify(jsonDocument(noDiag), null, 2) + '\n');
    expect(streamed(noDiag)).not.toContain('diagnostics');
  });

  it('escapes the same characters in pieces as in one string', () => {
    const r = report([classic()], { path: 'x\u001b]0;t\u0007\u202e\u0085.pcap', warnings: ['\u009b2J'] });
    expect(streamed(r)).toBe(renderJson(r));
    expect(streamed(r)).toContain('\\u202e');
    expect(streamed(r)).toContain('\\u009b');
  });

  it('each connection is one piece of its own: the pieces stay small however many connections there are', async () => {
    const one = await trace(openCapture(FIX('handshake-client-close.pcap')));
    const c = one.connections[0]!;
    const many = { ...one, connections: Array.from({ length: 2000 }, (_, id) => ({ ...c, id })) };
    const pieces = [...jsonChunks(many)];
    const oneRecord = JSON.stringify(jsonRecord(c), null, 2).length;
    // schema, input, "connections": [, one per connection, ], summary, diagnostics, closing brace.
    expect(pieces.length).toBe(2000 + 6 + (many.diagnostics ? 1 : 0));
    const biggest = Math.max(...pieces.map((p) => p.length));
    expect(biggest).toBeLessThan(2 * oneRecord);
    expect(pieces.join('')).toBe(JSON.stringify(jsonDocument(many), null, 2) + '\n');
  });
});
