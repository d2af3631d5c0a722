/**
 * The text and `--json` outputs of one input, fed one final record at a time while the capture is
 * read (trace()'s `onRecord`), so that no list of every connection is ever kept.
 *
 * Up to `hold` records are held, and if the input has no more, the output is exactly what a
 * finished report prints: the heading with its counts, the connections by id, the summary. Past
 * that, it streams: text gets a heading that says so and the counts before the summary; JSON
 * opens its `connections` array first and writes `input`, `summary` and `diagnostics` after it
 * (the same document, its keys in another order). Streamed connections still come by id: a record
 * is written once every smaller id has had its record (trace()'s frontier), and only when more
 * than `hold` wait (a connection that stays open while thousands of later ones end) does the
 * smallest waiting one go out ahead of it.
 *
 * With `--threads`, the records come rendered (`piece`: an id and its UTF-8 bytes, rendered in the
 * thread that made it), in the order one thread makes them (shard/pieces.ts), and the frontier is
 * the smallest id not received yet, which is then one thread's: the same rules give the same
 * output. A JSON element comes with its comma, dropped here from the first one written.
 */
import { withTotals, type Report } from '../diagnose/types.js';
import { jsonChunks, jsonConnection, jsonConnectionBytes, jsonDocumentChunks, jsonStreamHead, jsonStreamTail } from '../report/json.js';
import { renderSummary } from '../report/summary.js';
import { renderConnectionEntry, renderInputLine, renderStreamLine, textChunks, textDocument, type TextContext, type TextOptions } from '../report/text.js';
import { IdFrontier } from '../shard/ids.js';
import { SCHEMA, type ConnectionRecord } from '../tcp/model.js';
import { Output, writeChunks, type OutStream } from './write.js';

/** Records held before an output starts streaming. */
export const RECORD_HOLD = 4096;

/** `report` with other connections, keeping its non-enumerable totals. */
export function withConnections(report: Report, connections: ConnectionRecord[]): Report {
  return withTotals({ ...report, connections }, report.totals);
}

/** A record rendered elsewhere (a thread of `--threads`): its id and UTF-8 bytes. */
class Rendered {
  constructor(
    readonly id: number,
    readonly bytes: Uint8Array,
  ) {}
}

/** What the output holds: records, or records already rendered. */
type Item = ConnectionRecord | Rendered;

/** One input's text or JSON output. */
export class StreamedOutput {
  private held: Item[] = [];
  private streaming = false;
  private written = 0;
  /** Streaming: the records waiting for their turn, a binary min-heap by id. */
  private readonly waiting: Item[] = [];
  /** Rendered records: the ids that came (their frontier is the one trace() gives records). */
  private ids: IdFrontier | null = null;

  constructor(
    private readonly mode: 'text' | 'json',
    private readonly out: OutStream,
    private readonly name: string,
    /** Written before this input's first line (a blank line between inputs). */
    private readonly sep: string,
    private readonly text: TextOptions,
    private readonly ctx: TextContext,
    private readonly hold = RECORD_HOLD,
  ) {}

  /**
   * One selected connection's final record; `frontier` is the smallest id whose record is not made
   * yet (trace()'s onRecord), Infinity when the caller does not know (then records go out as they come).
   */
  record(r: ConnectionRecord, frontier = Infinity): void {
    this.add(r, frontier);
  }

  /**
   * One rendered record (`bytes` may be a view of a buffer reused after the call), in the order
   * one thread makes records; `first` is the id of the input's first connection.
   */
  piece(id: number, bytes: Uint8Array, first: number): void {
    const frontier = (this.ids ??= new IdFrontier(first)).add(id);
    // Written now, or kept: then a copy (a view would keep the thread's whole batch alive).
    const now = this.streaming && this.waiting.length === 0 && id < frontier;
    this.add(new Rendered(id, now ? bytes : bytes.slice()), frontier);
  }

  private add(r: Item, frontier: number): void {
    if (!this.streaming) {
      this.held.push(r);
      if (this.held.length <= this.hold) return;
      this.streaming = true;
      const held = this.held;
      this.held = [];
      this.out.write(this.sep + (this.mode === 'json' ? jsonStreamHead(SCHEMA) : renderStreamLine(this.name, this.hold, this.text)));
      for (const h of held) this.push(h);
    } else this.push(r);
    const w = this.waiting;
    while (w.length > 0 && (w[0]!.id < frontier || w.length > this.hold)) this.write(this.pop());
  }

  /** trace()'s onRecord for this output: the records the selection accepted, with the frontier. */
  sink(): (r: ConnectionRecord, frontier: number, selected: boolean) => void {
    const out = this.out;
    const ended = out instanceof Output ? out.signal : null;
    return (r, frontier, selected) => {
      // Once nobody reads the output, the records still coming (trace() ends every open connection
      // when its read is stopped: 0.5 s of rendering on the bench capture) are not worth rendering.
      if (selected && ended?.aborted !== true) this.record(r, frontier);
    };
  }

  private push(r: Item): void {
    const w = this.waiting;
    let i = w.length;
    w.push(r);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (w[p]!.id <= r.id) break;
      w[i] = w[p]!;
      i = p;
    }
    w[i] = r;
  }

  private pop(): Item {
    const w = this.waiting;
    const top = w[0]!;
    const last = w.pop()!;
    if (w.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= w.length) break;
        const c = l + 1 < w.length && w[l + 1]!.id < w[l]!.id ? l + 1 : l;
        if (w[c]!.id >= last.id) break;
        w[i] = w[c]!;
        i = c;
      }
      w[i] = last;
    }
    return top;
  }

  private write(r: Item): void {
    const first = this.written === 0;
    if (r instanceof Rendered) writeBytes(this.out, this.element(r, first));
    else if (this.mode === 'text') this.out.write(renderConnectionEntry(r, this.text, this.ctx));
    // To the CLI's Output as UTF-8 bytes, as the JSON writer makes them (no string in between).
    else if (this.out instanceof Output) this.out.copy(jsonConnectionBytes(r, first));
    else this.out.write(jsonConnection(r, first));
    this.written++;
  }

  /** A rendered record as written: a JSON element loses its comma when it is the first. */
  private element(r: Rendered, first: boolean): Uint8Array {
    return this.mode === 'json' && first ? r.bytes.subarray(1) : r.bytes;
  }

  /** Everything after the last record; `report` is the finished run's (its `connections` empty). */
  async end(report: Report, opts: TextOptions): Promise<void> {
    if (this.streaming) {
      while (this.waiting.length > 0) this.write(this.pop());
      if (this.mode === 'json') this.out.write(jsonStreamTail(report, this.written === 0));
      else this.out.write(renderInputLine(report, opts) + '\n' + renderSummary(report, opts));
      return;
    }
    const held = this.held.sort((a, b) => a.id - b.id);
    this.held = [];
    if (this.ids !== null) {
      const pieces = (held as Rendered[]).map((r, i) => this.element(r, i === 0));
      const chunks = this.mode === 'json' ? jsonDocumentChunks(report, pieces.length, pieces) : textDocument(report, opts, pieces.length, pieces);
      return writeChunks(this.out, prefixed(this.sep, chunks));
    }
    const full = withConnections(report, held as ConnectionRecord[]);
    if (this.mode === 'json') return writeChunks(this.out, prefixed(this.sep, jsonChunks(full)));
    return writeChunks(this.out, prefixed(this.sep, textChunks(full, opts, this.ctx)));
  }
}

/** Bytes to `out`: an Output takes them as they are, another stream as text. */
function writeBytes(out: OutStream, b: Uint8Array): void {
  if (out instanceof Output) out.write(b);
  else out.write(Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8'));
}

/** `first`, then the pieces of `rest` (lazily: a big output is never all in memory). */
function* prefixed<T>(first: string, rest: Iterable<T>): Generator<string | T, void, undefined> {
  yield first;
  yield* rest;
}
