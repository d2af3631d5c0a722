/**
 * The JSON contract (schema/tcptrace-2.schema.json, shipped in the package) holds for the output
 * of every capture under fixtures/ (kernel recordings, variants, the tcpdump corpus, fuzz finds):
 * the `--json` document and each `--ndjson` line, with every key present (`null` when it does
 * not apply), so a tool that infers a schema from the first records sees every column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { ndjsonHead, renderJson, renderNdjsonLine, jsonRecord } from '../../src/report/json.js';
import { SCHEMA, type ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { validate } from '../helpers/json-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA_FILE = join(ROOT, 'schema/tcptrace-2.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const captures = (readdirSync(join(ROOT, 'fixtures'), { recursive: true }) as string[])
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .map((f) => relative(ROOT, join(ROOT, 'fixtures', f)))
  .sort();

/** The key paths of a record (array elements as []) and the paths that hold an object. */
function shape(v: unknown, prefix = '', keys = new Set<string>(), objects = new Set<string>([''])): { keys: Set<string>; objects: Set<string> } {
  if (Array.isArray(v)) for (const x of v) shape(x, `${prefix}[]`, keys, objects);
  else if (v !== null && typeof v === 'object') {
    objects.add(prefix);
    for (const [k, x] of Object.entries(v)) {
      keys.add(`${prefix}.${k}`);
      shape(x, `${prefix}.${k}`, keys, objects);
    }
  }
  return { keys, objects };
}

/** Keys some record has and another leaves out where it holds the same object (null in its place is fine). */
function missingKeys(records: unknown[]): string[] {
  const shapes = records.map((r) => shape(r));
  const all = new Set(shapes.flatMap((s) => [...s.keys]));
  const missing = new Set<string>();
  for (const s of shapes) {
    for (const k of all) if (s.objects.has(k.slice(0, k.lastIndexOf('.'))) && !s.keys.has(k)) missing.add(k);
  }
  return [...missing];
}

describe('the schema file', () => {
  it('is the schema the code writes', () => {
    expect(SCHEMA).toBe('tcptrace/2');
    expect((schema.properties as Record<string, { const: string }>).schema.const).toBe(SCHEMA);
  });

  it('is shipped in the package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain('schema');
    expect(pkg.exports['./schema.json']).toBe('./schema/tcptrace-2.schema.json');
  });

  it('rejects what breaks the contract (the validator is not a rubber stamp)', async () => {
    const r = await trace(openCapture(join(ROOT, 'fixtures/refused.pcap')));
    const c = JSON.parse(JSON.stringify(jsonRecord(r.connections[0]!))) as Record<string, unknown>;
    expect(validate(schema, c, '#/$defs/connection')).toEqual([]);
    const broken = (f: (x: Record<string, any>) => void) => {
      const x = structuredClone(c) as Record<string, any>;
      f(x);
      return validate(schema, x, '#/$defs/connection');
    };
    expect(broken((x) => delete x.reusedFrom)).toEqual(['$: missing "reusedFrom"']);
    expect(broken((x) => delete x.close.reset)).toEqual(['$.close: missing "reset"']);
    expect(broken((x) => (x.extra = 1))).toEqual(['$: unexpected key "extra"']);
    expect(broken((x) => (x.client.state = 'SYN_SENT'))).toHaveLength(1);
    expect(broken((x) => (x.client.port = 70000))).toHaveLength(1);
    expect(broken((x) => (x.open.rttMs = '1'))).toHaveLength(1);
    expect(broken((x) => (x.segments[0].options = {}))).not.toEqual([]);
  });
});

describe('the metrics (--metrics)', () => {
  it('validate, on a recording with losses and timestamps', async () => {
    const r = await trace(openCapture(join(ROOT, 'fixtures/loss.pcap')), { keepRecords: true, allSegments: true, segmentTimestamps: true });
    for (const c of r.connections) {
      c.metrics = computeMetrics(c);
      expect(c.metrics.client.retransmittedBytes + c.metrics.server.retransmittedBytes).toBeGreaterThan(0);
      for (const s of c.segments) delete s.ts;
      expect(validate(schema, JSON.parse(JSON.stringify(jsonRecord(c))), '#/$defs/connection')).toEqual([]);
    }
  });
});

describe("the README's field table", () => {
  it('names every key the schema has', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## JSON ('), readme.indexOf('### Big captures'));
    expect(section.length).toBeGreaterThan(1000);
    const names = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) {
        v.forEach(walk);
        return;
      }
      if (v === null || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) names.add(k);
      Object.values(o).forEach(walk);
    };
    walk(schema);
    expect(names.size).toBeGreaterThan(100);
    const missing = [...names].filter((n) => !new RegExp(`[\`.{ ]${n.replace(/\$/g, '\\$')}[\`,} (.[]`).test(section));
    expect(missing).toEqual([]);
  });
});

describe('every output validates', () => {
  it('finds the captures', () => expect(captures.length).toBeGreaterThan(150));

  it.each(captures)('%s', async (file) => {
    const lines: ConnectionRecord[] = [];
    const report = await trace(openCapture(join(ROOT, file)), { keepRecords: true, onConnection: (r) => void lines.push(r) });
    const doc = JSON.parse(renderJson(report)) as Record<string, unknown>;
    expect(validate(schema, doc)).toEqual([]);
    const head = ndjsonHead(SCHEMA, report.input.path);
    for (const r of lines) {
      const line = JSON.parse(renderNdjsonLine(r, head)) as Record<string, unknown>;
      expect(validate(schema, line, '#/$defs/ndjsonLine')).toEqual([]);
      expect(line.input).toBe(join(ROOT, file));
    }
    // Every record has every key, wherever it applies or not.
    expect(missingKeys(doc.connections as unknown[])).toEqual([]);
  });
});
