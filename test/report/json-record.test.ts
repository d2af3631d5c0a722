/**
 * The JSON writer (report/json-writer.ts, json-record.ts) against JSON.stringify: the records of
 * every capture under fixtures/ (kernel recordings, the tcpdump and Arkime corpora), in every
 * option that changes a record's shape, written compact (NDJSON) and indented (`--json`), must be
 * the same bytes; and any value, string or number by JSON.stringify's rules (property tests).
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { jsonConnection, jsonConnectionBytes, jsonRecord, ndjsonHead, ndjsonLineBytes, renderNdjsonLine } from '../../src/report/json.js';
import { value } from '../../src/report/json-record.js';
import { JsonWriter } from '../../src/report/json-writer.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const captures = (readdirSync(join(ROOT, 'fixtures'), { recursive: true }) as string[])
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .map((f) => relative(ROOT, join(ROOT, 'fixtures', f)))
  .sort();

/** JSON.stringify(v, null, 2) as it reads `depth` levels deep (json.ts nested(), by another route). */
function indented(v: unknown, depth: number): string {
  return JSON.stringify(v, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/** What json.ts wrote before the writer: the contract's definition of both outputs. */
function byStringify(r: ConnectionRecord, head: string): { line: string; element: string } {
  return { line: `${head}${JSON.stringify(jsonRecord(r)).slice(1)}\n`, element: `,\n    ${indented(jsonRecord(r), 2)}` };
}

async function records(path: string, options: Parameters<typeof trace>[1]): Promise<ConnectionRecord[]> {
  try {
    return (await trace(openCapture(path), options)).connections;
  } catch {
    return []; // a capture the reader refuses (the corpus has a few): nothing to write
  }
}

describe('records written by the JSON writer equal JSON.stringify, on every capture', () => {
  it('finds the captures', () => expect(captures.length).toBeGreaterThan(150));

  // A head with a non-ASCII input path, as ndjsonHead escapes it.
  const head = ndjsonHead('tcptrace/2', 'dir/caf\u00e9 \u2192 \ud83d\udce6.pcap');
  const shapes: Array<[string, Parameters<typeof trace>[1]]> = [
    ['default', {}],
    ['--all --segment-timestamps', { allSegments: true, segmentTimestamps: true }],
  ];
  for (const [name, options] of shapes) {
    it(`${name}: NDJSON lines and --json elements, text and bytes`, async () => {
      let n = 0;
      for (const path of captures) {
        for (const r of await records(path, options)) {
          const want = byStringify(r, head);
          expect(renderNdjsonLine(r, head), `${path} #${r.id}`).toBe(want.line);
          expect(ndjsonLineBytes(r, head).toString('utf8'), `${path} #${r.id}`).toBe(want.line);
          expect(jsonConnection(r, false), `${path} #${r.id}`).toBe(want.element);
          expect(jsonConnectionBytes(r, true).toString('utf8'), `${path} #${r.id}`).toBe(want.element.slice(1));
          n++;
        }
      }
      expect(n).toBeGreaterThan(400);
    });
  }

  it('with metrics (pictures and --metrics fill them in)', async () => {
    let n = 0;
    for (const path of captures.filter((p) => !p.includes('corpus')).slice(0, 60)) {
      for (const r of await records(path, {})) {
        r.metrics = computeMetrics(r);
        const want = byStringify(r, head);
        expect(renderNdjsonLine(r, head), `${path} #${r.id}`).toBe(want.line);
        expect(jsonConnection(r, false), `${path} #${r.id}`).toBe(want.element);
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
  });
});

/** value(v) at depth d, compact or indented. */
function written(v: unknown, pretty: boolean, depth = 0): string {
  const w = new JsonWriter(pretty);
  value(w, v, depth);
  return w.text();
}

describe('JsonWriter follows JSON.stringify', () => {
  it('any JSON value, compact and indented at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 20 }), (v, d) => {
        expect(written(v, false)).toBe(JSON.stringify(v));
        expect(written(v, true, d)).toBe(indented(v, d));
      }),
      { numRuns: 2000 },
    );
  });

  it('strings: quotes, backslashes, control characters, lone and paired surrogates, every plane', () => {
    const unit = fc.oneof(
      fc.constantFrom('"', '\\', '\n', '\t', '\b', '\f', '\r', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '\ud83d\udce6', '→', '§'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (parts) => {
        const s = parts.join('');
        const w = new JsonWriter(false);
        w.str(s);
        w.constant(s);
        w.constant(s); // the second time from the writer's memory
        const j = JSON.stringify(s);
        expect(w.text()).toBe(j + j + j);
      }),
      { numRuns: 3000 },
    );
  });

  it('numbers: integers, microsecond times, any double, the non-finite ones', () => {
    const round6 = fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }).map((k) => k / 1e6);
    const num = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.maxSafeInteger(),
      round6,
      fc.constantFrom(0, -0, 1e-6, 1e-7, 5e-7, 1e21, 1e15, 0.1 + 0.2, NaN, Infinity),
    );
    fc.assert(
      fc.property(num, (v) => {
        const w = new JsonWriter(false);
        w.num(v);
        expect(w.text()).toBe(JSON.stringify(v));
      }),
      { numRuns: 20000 },
    );
  });

  it('members JSON.stringify leaves out, and null in arrays', () => {
    const v = { a: undefined, b: () => 1, c: Symbol('x'), d: [undefined, () => 1, 1], e: { toJSON: () => ({ x: [1, 2] }) }, f: {} };
    expect(written(v, false)).toBe(JSON.stringify(v));
    expect(written(v, true, 3)).toBe(indented(v, 3));
  });

  it('a piece larger than a buffer, taken while others are kept', () => {
    const w = new JsonWriter(false);
    w.str('first');
    const kept = w.take();
    const long = 'x→'.repeat(100_000);
    w.str(long);
    expect(w.take().toString('utf8')).toBe(JSON.stringify(long));
    expect(kept.toString('utf8')).toBe('"first"');
  });
});
