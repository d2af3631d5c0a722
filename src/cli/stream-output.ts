/**
 * The text and `--json` outputs of one input, fed one final record at a time while the capture is
 * read (trace()'s `onRecord`), so that no list of every connection is ever kept.
 *
 * Up to `hold` records are held, and if the input has no more, the output is exactly what a
 * finished report prints: the heading with its counts, the connections by id, the summary. Past
 * that, the held records are printed and every later one as it arrives, in the order they end
 * (their TIME-WAIT over, idle, written early, or at the end of the capture by id): text gets a
 * heading that says so and the counts before the summary; JSON opens its `connections` array
 * first and writes `input`, `summary` and `diagnostics` after it (the same document, its keys in
 * another order).
 */
import type { Report } from '../diagnose/types.js';
import { jsonChunks, jsonConnection, jsonStreamHead, jsonStreamTail } from '../report/json.js';
import { renderSummary } from '../report/summary.js';
import { renderConnection, renderInputLine, renderStreamLine, textChunks, type TextContext, type TextOptions } from '../report/text.js';
import { SCHEMA, type ConnectionRecord } from '../tcp/model.js';
import { writeChunks, type OutStream } from './write.js';

/** Records held before an output starts streaming. */
export const RECORD_HOLD = 4096;

/** `report` with other connections, keeping its non-enumerable totals. */
export function withConnections(report: Report, connections: ConnectionRecord[]): Report {
  const out: Report = { ...report, connections };
  if (report.totals) Object.defineProperty(out, 'totals', { value: report.totals, enumerable: false });
  return out;
}

/** One input's text or JSON output. */
export class StreamedOutput {
  private held: ConnectionRecord[] = [];
  private streaming = false;
  private written = 0;

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

  /** One selected connection's final record. */
  record(r: ConnectionRecord): void {
    if (!this.streaming) {
      this.held.push(r);
      if (this.held.length <= this.hold) return;
      this.streaming = true;
      const held = this.held.sort((a, b) => a.id - b.id);
      this.held = [];
      this.out.write(this.sep + (this.mode === 'json' ? jsonStreamHead(SCHEMA) : renderStreamLine(this.name, this.hold, this.text)));
      for (const h of held) this.write(h);
      return;
    }
    this.write(r);
  }

  private write(r: ConnectionRecord): void {
    this.out.write(this.mode === 'json' ? jsonConnection(r, this.written === 0) : renderConnection(r, this.text, this.ctx) + '\n');
    this.written++;
  }

  /** Everything after the last record; `report` is the finished run's (its `connections` empty). */
  async end(report: Report, opts: TextOptions): Promise<void> {
    if (this.streaming) {
      if (this.mode === 'json') this.out.write(jsonStreamTail(report, this.written === 0));
      else this.out.write(renderInputLine(report, opts) + '\n' + renderSummary(report, opts));
      return;
    }
    const full = withConnections(report, this.held.sort((a, b) => a.id - b.id));
    this.held = [];
    if (this.mode === 'json') return writeChunks(this.out, prefixed(this.sep, jsonChunks(full)));
    return writeChunks(this.out, prefixed(this.sep, textChunks(full, opts, this.ctx)));
  }
}

/** `first`, then the pieces of `rest` (lazily: a big output is never all in memory). */
function* prefixed(first: string, rest: Iterable<string>): Generator<string, void, undefined> {
  yield first;
  yield* rest;
}
