import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { jsonChunks, ndjsonHead, renderJson, renderNdjsonLine } from '../../src/report/json.js';
import { trace } from '../../src/trace.js';
import { classic, report } from './factory.js';

const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', name);

describe('JSON', () => {
  it('--json is exactly the Report object, pretty-printed, one document', () => {
    const r = report([classic()]);
    const out = renderJson(r);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(r);
    expect(JSON.parse(out).schema).toBe('tcptrace/2');
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
    expect(rest).toEqual(c);
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
      expect(streamed(r)).toBe(JSON.stringify(r, null, 2) + '\n');
      expect(renderJson(r)).toBe(JSON.stringify(r, null, 2) + '\n');
    },
  );

  it('no connections, and a report without diagnostics, come out the same as JSON.stringify too', () => {
    const empty = report([]);
    expect(empty.connections).toEqual([]);
    expect(streamed(empty)).toBe(JSON.stringify(empty, null, 2) + '\n');
    const noDiag = { ...report([classic()]), diagnostics: undefined };
    expect(streamed(noDiag)).toBe(JSON.stringify(noDiag, null, 2) + '\n');
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
    const oneRecord = JSON.stringify(c, null, 2).length;
    // schema, input, "connections": [, one per connection, ], summary, diagnostics, closing brace.
    expect(pieces.length).toBe(2000 + 6 + (many.diagnostics ? 1 : 0));
    const biggest = Math.max(...pieces.map((p) => p.length));
    expect(biggest).toBeLessThan(2 * oneRecord);
    expect(pieces.join('')).toBe(JSON.stringify(many, null, 2) + '\n');
  });
});
