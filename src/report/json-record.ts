/**
 * A connection record as JSON, byte for byte what `JSON.stringify(jsonRecord(r))` (NDJSON) or
 * `JSON.stringify(jsonRecord(r), null, 2)` nested in the document (`--json`) gives, written by a
 * JsonWriter without JSON.stringify's walk of every key of every object: serialising was the
 * largest single cost of `--ndjson` (a third of its CPU profile on a busy server's capture).
 *
 * The hot parts (the record, its endpoints, opening, closing, timeline, checks, segments and
 * notes) are written key by key in the order of the model's object literals (tcp/record.ts,
 * tcp/segment-record.ts, tcp/timeline.ts, tcp/checks.ts); everything else (options, flags, Zeek,
 * tunnels, metrics) goes through `value()`, which follows JSON.stringify's rules for any plain
 * value. A key added to the model and not here would be missed: test/report/json-record.test.ts
 * compares both serialisations on every record of every capture under fixtures/, in every option
 * that changes a record's shape.
 */
import type { Check, ConnectionRecord, EndpointRecord, SegmentRecord, Transition } from '../tcp/model.js';
import { NOTE_PARAMS, type Note } from '../tcp/notes.js';
import type { JsonWriter } from './json-writer.js';
import { noteText } from './notes.js';

/** Whether JSON.stringify leaves a member with this value out (an array writes null instead). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * Any plain value at depth `d` by JSON.stringify's rules (the caller has left out what omitted()
 * says): non-finite numbers are null, an object with toJSON (none in the model) is handed to
 * JSON.stringify itself.
 */
export function value(w: JsonWriter, v: unknown, d: number): void {
  switch (typeof v) {
    case 'string':
      w.str(v);
      return;
    case 'number':
      w.num(v);
      return;
    case 'boolean':
      w.bool(v);
      return;
    case 'object':
      break;
    case 'bigint':
      JSON.stringify(v); // throws JSON.stringify's own TypeError
      return;
    default:
      w.ascii('null');
      return;
  }
  if (v === null) {
    w.ascii('null');
    return;
  }
  if (Array.isArray(v)) {
    list(w, v, d, value);
    return;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    const text = w.pretty ? JSON.stringify(v, null, 2).replace(/\n/g, `\n${'  '.repeat(d)}`) : JSON.stringify(v);
    // Never in the model; kept so that value() follows JSON.stringify for any value.
    if (text === undefined) w.ascii('null');
    else w.raw(text);
    return;
  }
  const o = v as Record<string, unknown>;
  let first = true;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const x = o[k];
    if (omitted(x)) continue;
    w.byte(first ? 0x7b : 0x2c);
    w.nl(d + 1);
    w.constant(k);
    w.ascii(w.colon);
    value(w, x, d + 1);
    first = false;
  }
  if (first) w.ascii('{}');
  else {
    w.nl(d);
    w.byte(0x7d);
  }
}

/**
 * A list at depth `d`, each element written by `one` at depth d + 1 (JSON.stringify's layout:
 * `[]` when empty, else one element a line when indented).
 */
function list<T>(w: JsonWriter, a: readonly T[], d: number, one: (w: JsonWriter, x: T, d: number) => void): void {
  if (a.length === 0) {
    w.ascii('[]');
    return;
  }
  for (let i = 0; i < a.length; i++) {
    w.byte(i === 0 ? 0x5b : 0x2c);
    w.nl(d + 1);
    one(w, a[i]!, d + 1);
  }
  w.nl(d);
  w.byte(0x5d);
}

const num = (w: JsonWriter, x: number): void => w.num(x);
/** Names (analysis flags, check ids): constants of the model. */
const name = (w: JsonWriter, x: string): void => w.constant(x);
/** A note as its English sentence (the contract's `notes`). */
const sentence = (w: JsonWriter, n: Note): void => w.str(noteText(n, 'en'));

/** The end of an object at depth `d`. */
function close(w: JsonWriter, d: number): void {
  w.nl(d);
  w.byte(0x7d);
}

function endpoint(w: JsonWriter, e: EndpointRecord, d: number): void {
  const m = d + 1;
  w.key(true, m, 'ip');
  w.str(e.ip);
  w.key(false, m, 'port');
  w.num(e.port);
  w.key(false, m, 'state');
  w.constant(e.state);
  w.key(false, m, 'stateBasis');
  w.constant(e.stateBasis);
  w.key(false, m, 'isn');
  w.numOrNull(e.isn);
  w.key(false, m, 'options');
  value(w, e.options, m);
  w.key(false, m, 'segments');
  w.num(e.segments);
  w.key(false, m, 'bytes');
  w.num(e.bytes);
  close(w, d);
}

function transition(w: JsonWriter, t: Transition, d: number): void {
  const m = d + 1;
  w.byte(0x7b);
  w.key(true, m, 'packet');
  w.num(t.packet);
  w.key(false, m, 'time');
  w.num(t.time);
  w.key(false, m, 'side');
  w.constant(t.side);
  w.key(false, m, 'from');
  w.constant(t.from);
  w.key(false, m, 'to');
  w.constant(t.to);
  w.key(false, m, 'why');
  w.constant(t.why);
  w.key(false, m, 'code');
  w.strOrNull(t.code);
  close(w, d);
}

function check(w: JsonWriter, k: Check, d: number): void {
  const m = d + 1;
  w.byte(0x7b);
  w.key(true, m, 'id');
  w.constant(k.id);
  w.key(false, m, 'ok');
  w.bool(k.ok);
  w.key(false, m, 'packet');
  w.num(k.packet);
  w.key(false, m, 'expected');
  w.numOrNull(k.expected);
  w.key(false, m, 'actual');
  w.numOrNull(k.actual);
  w.key(false, m, 'side');
  w.constant(k.side);
  w.key(false, m, 'message');
  w.constant(k.message);
  close(w, d);
}

function segment(w: JsonWriter, g: SegmentRecord, d: number): void {
  const m = d + 1;
  w.byte(0x7b);
  w.key(true, m, 'packet');
  w.num(g.packet);
  w.key(false, m, 'time');
  w.num(g.time);
  w.key(false, m, 'from');
  w.constant(g.from);
  w.key(false, m, 'flags');
  w.constant(g.flags);
  w.key(false, m, 'seq');
  w.num(g.seq);
  w.key(false, m, 'ack');
  w.numOrNull(g.ack);
  w.key(false, m, 'relSeq');
  w.num(g.relSeq);
  w.key(false, m, 'relAck');
  w.numOrNull(g.relAck);
  w.key(false, m, 'len');
  w.num(g.len);
  w.key(false, m, 'window');
  w.num(g.window);
  w.key(false, m, 'client');
  w.constant(g.client);
  w.key(false, m, 'server');
  w.constant(g.server);
  w.key(false, m, 'analysis');
  list(w, g.analysis, m, name);
  w.key(false, m, 'checks');
  list(w, g.checks, m, name);
  w.key(false, m, 'options');
  value(w, g.options, m);
  // --segment-timestamps: set after the segment is made, so last.
  if (g.ts !== undefined) {
    w.key(false, m, 'ts');
    list(w, g.ts, m, num);
  }
  close(w, d);
}

/** A note as its code with every parameter key, null where its code has none (json.ts fullNote()). */
function noteCode(w: JsonWriter, note: Note, d: number): void {
  const params = note as unknown as Record<string, unknown>;
  w.byte(0x7b);
  w.key(true, d + 1, 'code');
  w.constant(note.code);
  for (const k of NOTE_PARAMS) {
    w.key(false, d + 1, k);
    const x = params[k] ?? null;
    if (omitted(x)) w.ascii('null');
    else value(w, x, d + 1);
  }
  close(w, d);
}

/**
 * Writes record `r` as jsonRecord() makes it, at nesting depth `d`. The caller has written its
 * opening brace (NDJSON writes its schema and input keys after it, and a comma): `first` says whether the
 * record's first key follows the brace directly.
 */
export function writeRecord(w: JsonWriter, r: ConnectionRecord, d: number, first = true): void {
  const m = d + 1;
  const o = r.open;
  const c = r.close;
  w.key(first, m, 'id');
  w.num(r.id);
  w.key(false, m, 'client');
  w.byte(0x7b);
  endpoint(w, r.client, m);
  w.key(false, m, 'server');
  w.byte(0x7b);
  endpoint(w, r.server, m);
  w.key(false, m, 'start');
  w.num(r.start);
  w.key(false, m, 'end');
  w.num(r.end);
  w.key(false, m, 'packets');
  w.num(r.packets);
  w.key(false, m, 'open');
  w.byte(0x7b);
  w.key(true, m + 1, 'kind');
  w.constant(o.kind);
  w.key(false, m + 1, 'complete');
  w.bool(o.complete);
  w.key(false, m + 1, 'rttMs');
  w.numOrNull(o.rttMs);
  w.key(false, m + 1, 'packets');
  list(w, o.packets, m + 1, num);
  w.key(false, m + 1, 'heuristic');
  w.strOrNull(o.heuristic);
  w.key(false, m + 1, 'synRetransmits');
  if (o.synRetransmits === null) w.ascii('null');
  else list(w, o.synRetransmits, m + 1, num);
  close(w, m);
  w.key(false, m, 'close');
  w.byte(0x7b);
  w.key(true, m + 1, 'kind');
  w.constant(c.kind);
  w.key(false, m + 1, 'initiator');
  w.strOrNull(c.initiator);
  w.key(false, m + 1, 'dataAfterFin');
  w.num(c.dataAfterFin);
  w.key(false, m + 1, 'packets');
  list(w, c.packets, m + 1, num);
  w.key(false, m + 1, 'reset');
  value(w, c.reset, m + 1);
  close(w, m);
  w.key(false, m, 'timeline');
  list(w, r.timeline, m, transition);
  w.key(false, m, 'checks');
  list(w, r.checks, m, check);
  w.key(false, m, 'flags');
  value(w, r.flags, m);
  w.key(false, m, 'zeek');
  value(w, r.zeek, m);
  w.key(false, m, 'reusedFrom');
  w.numOrNull(r.reusedFrom);
  w.key(false, m, 'segments');
  list(w, r.segments, m, segment);
  w.key(false, m, 'data');
  value(w, r.data, m);
  w.key(false, m, 'keepAlive');
  value(w, r.keepAlive, m);
  w.key(false, m, 'notes');
  list(w, r.notes, m, sentence);
  w.key(false, m, 'tunnel');
  value(w, r.tunnel, m);
  w.key(false, m, 'metrics');
  value(w, r.metrics, m);
  w.key(false, m, 'noteCodes');
  list(w, r.notes, m, noteCode);
  close(w, d);
}
