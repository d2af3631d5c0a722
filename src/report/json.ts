/**
 * `--json` and `--ndjson`: the model exactly as ARCHITECTURE.md's contract states it.
 *
 * `--json` prints one Report document per input. With one input that is the contract's single
 * document; with several, the documents follow one another, which is what jq reads natively
 * (`jq '.summary' a.pcap.json` works on each in turn, `jq -s` collects them into an array).
 * The document is produced in pieces (`jsonChunks`): the header fields, then each connection
 * serialised on its own, then the summary and diagnostics. A capture with tens of thousands of
 * connections makes a document longer than V8's longest string (~512 M characters), so it can
 * never be built as one string; concatenated, the pieces are byte for byte
 * `JSON.stringify(report, null, 2)`.
 *
 * `--ndjson` prints one ConnectionRecord per line, each the same object as in `connections` with
 * `schema` and `input` (the input's path) first.
 *
 * Records are written by report/json-record.ts, which writes each object's keys in the order the
 * model makes them (tcp/record.ts, as the types in tcp/model.ts list them), not JSON.stringify:
 * for the model's own records the bytes are the same (test/report/json-record.test.ts).
 *
 * Control and bidi characters that came from the capture (paths, warnings) are written as
 * `\uXXXX` escapes, so the output is valid JSON and safe on a terminal.
 */
import type { Report } from '../diagnose/types.js';
import type { ConnectionRecord } from '../tcp/model.js';
import { NOTE_PARAMS, type Note } from '../tcp/notes.js';
import { escJson } from './format.js';
import { writeRecord } from './json-record.js';
import { JsonWriter } from './json-writer.js';
import { noteText } from './notes.js';

/**
 * `JSON.stringify(value, null, 2)` as it reads nested `depth` levels deep: every line after the
 * first indented by two spaces per level. The value is stringified inside `depth` one-element
 * arrays, so JSON.stringify itself writes the indentation, and the wrapping is cut off again: a
 * regex over every newline of a record cost as much as the stringify.
 */
function nested(value: unknown, depth: number): string {
  if (depth === 0) return JSON.stringify(value, null, 2);
  let wrapped: unknown = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const json = JSON.stringify(wrapped, null, 2);
  // Each level adds "[\n" + indentation before the value and "\n" + indentation + "]" after it.
  let head = 0;
  let tail = 0;
  for (let i = 0; i < depth; i++) {
    head += 2 + 2 * (i + 1);
    tail += 2 + 2 * i;
  }
  return json.slice(head, json.length - tail);
}

/** A note with every parameter key (NOTE_PARAMS), null where its code has none: one shape for every entry. */
function fullNote(n: Note): Record<string, unknown> {
  const out: Record<string, unknown> = { code: n.code };
  const params = n as unknown as Record<string, unknown>;
  for (const k of NOTE_PARAMS) out[k] = params[k] ?? null;
  return out;
}

/**
 * A record as the JSON contract writes it: the model's notes (codes with their numbers) as their
 * English sentences in `notes`, as the contract always had them, and the codes themselves in
 * `noteCodes` right after (additive: a program reads the code, a person the sentence).
 */
export function jsonRecord(record: ConnectionRecord): unknown {
  return { ...record, notes: record.notes.map((n) => noteText(n, 'en')), noteCodes: record.notes.map(fullNote) };
}

/** The document `--json` writes for `report`, as one object (tests, small reports): its records as jsonRecord() writes them. */
export function jsonDocument(report: Report): unknown {
  return { ...report, connections: report.connections.map(jsonRecord) };
}

/** One connection as an element of the document's `connections` array (`first`: no comma before it). */
export function jsonConnection(record: ConnectionRecord, first: boolean): string {
  // Array elements that JSON cannot represent become null, as in JSON.stringify.
  if (record === undefined) return `${first ? '' : ','}\n    null`;
  writeConnection(record, first);
  return PRETTY.text();
}

/** jsonConnection() as UTF-8 bytes, valid until the next record is written (JsonWriter.take): what the CLI copies out. */
export function jsonConnectionBytes(record: ConnectionRecord, first: boolean): Buffer {
  writeConnection(record, first);
  return PRETTY.take();
}

/** Writers of the records' JSON text, one per layout (one thread uses them at a time). */
const PRETTY = new JsonWriter(true);
const COMPACT = new JsonWriter(false);

function writeConnection(record: ConnectionRecord, first: boolean): void {
  // No escJson: a record holds no text from the capture (addresses, flags and sentences are all
  // made here from numbers; test/stream.test.ts checks every string of every record of every capture).
  if (!first) PRETTY.byte(0x2c);
  PRETTY.nl(2);
  PRETTY.byte(0x7b);
  writeRecord(PRETTY, record, 2);
}

/** One top-level field of the document (`first`: the opening brace instead of a comma). */
function field(key: string, value: unknown, first: boolean): string {
  return `${first ? '{' : ','}\n  ${JSON.stringify(key)}: ` + escJson(nested(value, 1));
}

/**
 * One input's document in pieces, each small (one top-level field, or one connection record);
 * joined they equal `JSON.stringify(report, null, 2) + '\n'` (with `escJson`), ready to be
 * written one after another.
 */
export function* jsonChunks(report: Report): Generator<string, void, undefined> {
  yield* jsonDocumentChunks(report, report.connections.length, elements(report.connections));
}

/** Each connection as an element of the `connections` array, as jsonChunks writes it. */
function* elements(connections: ConnectionRecord[]): Generator<string, void, undefined> {
  for (let i = 0; i < connections.length; i++) yield jsonConnection(connections[i]!, i === 0);
}

/**
 * jsonChunks with the elements of `connections` given, already rendered (`count` of them, each
 * as jsonConnection writes it, the first without its comma), in any form the writer takes (the
 * threads of `--threads` send them as UTF-8 bytes). The report's own `connections` are not written.
 */
export function* jsonDocumentChunks<T>(report: Report, count: number, connections: Iterable<T>): Generator<string | T, void, undefined> {
  let first = true;
  for (const [key, value] of Object.entries(report)) {
    // JSON.stringify leaves out properties whose value is undefined or a function.
    if (value === undefined || typeof value === 'function') continue;
    if (key === 'connections' && count > 0) {
      yield `${first ? '{' : ','}\n  ${JSON.stringify(key)}: [`;
      yield* connections;
      yield '\n  ]';
    } else if (key === 'connections') {
      yield field(key, [], first);
    } else {
      yield field(key, value, first);
    }
    first = false;
  }
  yield first ? '{}\n' : '\n}\n';
}

/**
 * The start of a document whose connections are written as they end, before the rest is known:
 * `schema`, then the opened `connections` array. `jsonStreamTail` closes it with the other fields
 * (the same document as jsonChunks', its keys in another order).
 */
export function jsonStreamHead(schema: string): string {
  return `${field('schema', schema, true)},\n  "connections": [`;
}

/** The end of a streamed document: the `connections` array closed (`empty`: nothing in it), then every other field. */
export function jsonStreamTail(report: Report, empty: boolean): string {
  let out = empty ? ']' : '\n  ]';
  for (const [key, value] of Object.entries(report)) {
    if (key === 'schema' || key === 'connections' || value === undefined || typeof value === 'function') continue;
    out += field(key, value, false);
  }
  return out + '\n}\n';
}

/** One input's document, pretty-printed, ending with a newline (small reports: tests, the API). */
export function renderJson(report: Report): string {
  let out = '';
  for (const chunk of jsonChunks(report)) out += chunk;
  return out;
}

/**
 * The keys an NDJSON line carries before the record's own: the schema and the input it came from
 * (the document's `input.path`), so lines from several inputs, or files of lines, stay apart.
 * Made once per input (see renderNdjsonLine).
 */
export function ndjsonHead(schema: string, input: string): string {
  return escJson(`{"schema":${JSON.stringify(schema)},"input":${JSON.stringify(input)},`);
}

/** One connection record as one NDJSON line (newline included), after `head` (ndjsonHead). */
export function renderNdjsonLine(record: ConnectionRecord, head: string): string {
  writeNdjsonLine(record, head);
  return COMPACT.text();
}

/** renderNdjsonLine() as UTF-8 bytes, valid until the next record is written (JsonWriter.take): what the CLI copies out. */
export function ndjsonLineBytes(record: ConnectionRecord, head: string): Buffer {
  writeNdjsonLine(record, head);
  return COMPACT.take();
}

function writeNdjsonLine(record: ConnectionRecord, head: string): void {
  // No escJson on the record: see jsonConnection. Its opening brace is the head's.
  COMPACT.raw(head);
  writeRecord(COMPACT, record, 0);
  COMPACT.byte(0x0a);
}
