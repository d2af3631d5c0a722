/**
 * `--metrics`, `--svg DIR` and `--html FILE`: what is done with each record before the usual output
 * sees it. These need every segment of a connection (the trace keeps them, as for --all); once the
 * metrics and pictures are made, the record goes on with only its exchanges (unless --all), so the
 * text and JSON outputs are what they are without these options, plus `metrics` with --metrics.
 *
 * SVG files are written as records come; the HTML page is written in blocks of BLOCK connections
 * (compressed), so memory holds one block at a time, whatever the number of connections.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { computeMetrics } from '../metrics/metrics.js';
import type { Report } from '../diagnose/types.js';
import { htmlHead, htmlPictures, htmlRows, htmlSummary, htmlTail, type TableRow } from '../report/html/page.js';
import { messages, type Lang, type Messages } from '../report/messages.js';
import { renderSummary } from '../report/summary.js';
import { drawLadder } from '../report/svg/draw-ladder.js';
import { drawSeq } from '../report/svg/draw-seq.js';
import { buildPictures, type Pictures } from '../report/svg/picture.js';
import type { TextOptions } from '../report/text.js';
import type { ConnectionRecord } from '../tcp/model.js';

/** Connections per block of the HTML page. */
const BLOCK = 250;
/** Segments per direction a connection's graph keeps in the page (the page's size limit per connection). */
export const HTML_SEQ_MAX = 5000;

export interface PictureSettings {
  svgDir: string | undefined;
  htmlFile: string | undefined;
  metrics: boolean;
  all: boolean;
  lang: Lang;
}

/** Whether any of these options is given (the trace then keeps every segment, with timestamps). */
export function wantsSegments(s: PictureSettings): boolean {
  return s.metrics || s.svgDir !== undefined || s.htmlFile !== undefined;
}

/**
 * The record as the output would have had it without these options: only the segments of its
 * opening and closing (unless --all), and no timestamp values (they were kept for the metrics).
 */
function asUsual(r: ConnectionRecord, all: boolean): void {
  const keep = all ? null : new Set([...r.open.packets, ...r.close.packets]);
  const out: ConnectionRecord['segments'] = [];
  for (const s of r.segments) {
    if (keep !== null && !keep.has(s.packet)) continue;
    if (s.ts !== undefined) delete s.ts;
    out.push(s);
  }
  r.segments = out;
}

/** A file-system-safe stem for an input's pictures: its base name without the extension. */
function stem(input: string): string {
  const base = input === '-' ? 'stdin' : path.basename(input).replace(/\.(pcapng|pcap|cap|dmp)(\.gz)?$/i, '');
  return base.replace(/[^\w.-]+/g, '_') || 'capture';
}

export class PictureOutput {
  private readonly m: Messages;
  private fd: number | null = null;
  private input = -1;
  private stem = 'capture';
  private rows: TableRow[] = [];
  private pics: Record<string, Pictures> = {};
  private first = -1;
  private last = -1;
  private readonly summaries: string[] = [];
  /** The first write that failed (a full disk, a removed directory): nothing more is written, close() throws it. */
  private error: unknown = null;

  constructor(readonly s: PictureSettings) {
    this.m = messages(s.lang);
  }

  /** Opens the outputs (the SVG directory, the HTML file); throws on failure, for a one-line error. */
  open(title: string): void {
    if (this.s.svgDir !== undefined) mkdirSync(this.s.svgDir, { recursive: true });
    if (this.s.htmlFile !== undefined) {
      this.fd = openSync(this.s.htmlFile, 'w');
      writeSync(this.fd, htmlHead(this.s.lang, this.m, title, HTML_SEQ_MAX));
    }
  }

  /** A new input begins (its connection ids start again at 0). */
  beginInput(name: string): void {
    this.flush();
    this.input++;
    this.stem = stem(name);
  }

  /** Takes each record before the output does: metrics, pictures, then back to its exchanges. */
  take(r: ConnectionRecord, selected: boolean): void {
    if (selected && this.error === null && (this.s.svgDir !== undefined || this.fd !== null)) {
      try {
        this.draw(r);
      } catch (e) {
        // Said once, at the end (close), as "cannot write": the trace and its usual output go on.
        this.error = e;
      }
    }
    if (this.s.metrics && r.metrics === null) r.metrics = computeMetrics(r);
    asUsual(r, this.s.all);
  }

  /** The record's metrics and pictures, written to the SVG directory and into the page. */
  private draw(r: ConnectionRecord): void {
    const metrics = computeMetrics(r);
    if (this.s.metrics) r.metrics = metrics;
    if (this.s.svgDir !== undefined) this.svg(r, buildPictures(r, this.m, metrics));
    if (this.fd !== null) {
      const retrans = metrics.client.retransmittedBytes + metrics.server.retransmittedBytes;
      this.html(r, buildPictures(r, this.m, metrics, HTML_SEQ_MAX), metrics.client.rtt?.meanMs ?? null, retrans);
    }
  }

  /** An input's report is complete: its summary goes into the page. */
  endInput(report: Report, text: TextOptions): void {
    if (this.fd === null) return;
    this.flush();
    this.summaries.push(renderSummary(report, { ...text, color: 0 }));
  }

  /** Writes the rest of the page and closes it; throws the first write that failed. */
  close(): void {
    if (this.error !== null) {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      throw this.error;
    }
    if (this.fd === null) return;
    this.flush();
    for (const s of this.summaries) writeSync(this.fd, htmlSummary(s));
    writeSync(this.fd, htmlTail());
    closeSync(this.fd);
    this.fd = null;
  }

  private svg(r: ConnectionRecord, p: Pictures): void {
    const base = path.join(this.s.svgDir!, `${this.stem}.${r.id}`);
    writeFileSync(`${base}.ladder.svg`, drawLadder(p.ladder, this.m.picture));
    writeFileSync(`${base}.seq-client.svg`, drawSeq(p.seq[0], this.m.picture));
    writeFileSync(`${base}.seq-server.svg`, drawSeq(p.seq[1], this.m.picture));
  }

  private html(r: ConnectionRecord, p: Pictures, rtt: number | null, retrans: number): void {
    const m = this.m;
    const state = (e: ConnectionRecord['client']) => e.state + (e.stateBasis === 'inferred' ? '*' : e.stateBasis === 'unseen' ? '?' : '');
    this.rows.push([
      this.input,
      r.id,
      `${r.client.ip}:${r.client.port}`,
      `${r.server.ip}:${r.server.port}`,
      state(r.client),
      state(r.server),
      m.openKind[r.open.kind],
      m.closeKind[r.close.kind],
      rtt ?? r.open.rttMs,
      r.client.bytes + r.server.bytes,
      retrans,
      r.zeek.conn_state,
      r.checks.filter((k) => !k.ok).length,
    ]);
    this.pics[String(r.id)] = p;
    if (this.first < 0 || r.id < this.first) this.first = r.id;
    if (r.id > this.last) this.last = r.id;
    if (this.rows.length >= BLOCK) this.flush();
  }

  /** Writes the held block (records come in about id order; a block names its id range). */
  private flush(): void {
    if (this.fd === null || this.rows.length === 0) return;
    const pack = (v: unknown) => gzipSync(JSON.stringify(v)).toString('base64');
    try {
      if (this.error === null) {
        writeSync(this.fd, htmlRows(pack(this.rows)));
        writeSync(this.fd, htmlPictures(this.input, this.first, this.last, pack(this.pics)));
      }
    } catch (e) {
      this.error = e;
    }
    this.rows = [];
    this.pics = {};
    this.first = -1;
    this.last = -1;
  }
}
