/**
 * `tcptrace`: parse the command line, trace each input, render, exit. No TCP logic lives here:
 * the model comes from trace(), the words from report/.
 *
 * Exit status: 0 ok; 1 a --fail-on condition held; 2 bad usage, an unreadable input, or output
 * that could not be written; 70 an internal error. Every error is one line on stderr, never a
 * stack trace.
 *
 * Every byte of stdout goes through one writer, write.ts's Output, at the pace of its reader.
 * A reader that goes away (`tcptrace x.pcap | head -1`) is not an error. tcpdump dies of SIGPIPE
 * there (141 in the shell); Node ignores SIGPIPE and gets EPIPE, and tcptrace then stops reading
 * at once, skips the inputs not read yet and exits with the status it had earned so far: 2 if an
 * input had already failed, 0 otherwise, never 141 (that would fail every `set -o pipefail`
 * script that pipes tcptrace into head, and hide the 2). Except where the exit status is a verdict
 * on the whole of the input, `check` and `--fail-on`: there the rest of the output is dropped but
 * the reading goes on, and the status is the full verdict (stopping would turn what was not
 * looked at into a pass). test/cli/pipes.test.ts holds both to it.
 *
 * `main` takes its streams, environment and stage loaders as arguments, so tests drive it
 * directly; bin/tcptrace.js passes the real process.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { openMerged } from '../capture/merge.js';
import { openCapture, STDIN_NAME } from '../capture/open.js';
import { CaptureError, type CaptureSource } from '../capture/frame.js';
import type { LiveInterface } from '../capture/live.js';
import type { CaptureWith, LiveCapture, LiveProgramOptions } from '../capture/live-program.js';
import type { Report } from '../diagnose/types.js';
import { esc } from '../report/format.js';
import { jsonChunks, ndjsonHead, ndjsonLineBytes } from '../report/json.js';
import { renderSummary } from '../report/summary.js';
import { newTextContext, renderConnectionEntry, renderConnectionClosing, renderConnectionOpening, type TextContext, type TextOptions } from '../report/text.js';
import { SCHEMA, type ConnectionRecord } from '../tcp/model.js';
import { traceSharded, type ShardedRender } from '../shard/run.js';
import { trace, type TraceOptions } from '../trace.js';
import { colorLevel, languageFrom, type Env } from './env.js';
import { decidedAtOpening, hostPredicate, portPredicate, type ConnectionPredicate } from './filter.js';
import { parseCommandLine, type CliOptions } from './options.js';
import { uncapYoungGeneration } from './heap.js';
import { PictureOutput, wantsSegments } from './pictures.js';
import { startProgress } from './progress.js';
import { StreamedOutput } from './stream-output.js';
import { directFd, Output, pacedCapture, watchErrors, writeChunks, type OutStream } from './write.js';

/** A stream main() writes to (Node's Writable, or anything with a `write`). */
export type { OutStream } from './write.js';

/** The process as main() sees it. */
export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  env: Env;
  /** What `-` reads; default the process's standard input. */
  stdin?: AsyncIterable<Uint8Array>;
}

/** The live-capture API (src/capture/live-program.ts), loaded only when -i or -D is given. */
export interface LiveApi {
  openLive(o: LiveProgramOptions): Promise<CaptureSource & Partial<Pick<LiveCapture, 'program' | 'notices'>>>;
  listInterfaces(captureWith?: CaptureWith): Promise<LiveInterface[]>;
  /** Kills capture children at once (before dying of a second signal, where no exit handler runs). */
  killCaptureChildren?(): void;
}

/** The CI subcommand (src/check/cli.ts): `tcptrace check ...`. */
export type CheckApi = Pick<typeof import('../check/cli.js'), 'runCheck'>;

/** What main() loads and starts; tests replace some of it. */
export interface CliDeps {
  openCapture(path: string, opts: { stdin?: AsyncIterable<Uint8Array> }): CaptureSource;
  loadLive(): Promise<LiveApi>;
  loadCheck(): Promise<CheckApi>;
  /** Install SIGINT/SIGTERM handlers that stop the trace (the real process only). */
  signals: boolean;
  /** How long a read runs before the spinner appears. */
  progressDelayMs: number;
}

const DEFAULT_DEPS: CliDeps = {
  openCapture,
  loadLive: () => import('../capture/live-program.js'),
  // Loaded on demand: a plain `tcptrace FILE` never pays for check/'s modules.
  loadCheck: () => import('../check/cli.js'),
  signals: false,
  progressDelayMs: 300,
};

/** The package version, from package.json (two levels up from both src/cli and dist/cli). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * What `--version` prints: `tcptrace 0.1.0 (node 20.x, live capture: cap 0.2.1)`. The live backend
 * is named from its package.json (the addon is not loaded for this): "not installed" when the
 * optional dependency is absent, "not built" when its addon was not compiled (no libpcap headers).
 */
export function versionLine(): string {
  let live: string;
  try {
    const req = createRequire(import.meta.url);
    const pkgPath = req.resolve('cap/package.json');
    const v = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string }).version ?? '?';
    const built = existsSync(join(dirname(pkgPath), 'build', 'Release', 'cap.node'));
    live = `cap ${v}${built ? '' : ', not built'}`;
  } catch {
    live = 'cap not installed';
  }
  return `tcptrace ${packageVersion()} (node ${process.versions.node}, live capture: ${live})`;
}

/**
 * The real process's streams. main() listens for their errors (an Output on stdout, watchErrors on
 * stderr): a closed pipe must not end the process from here, as process.exit() did, with whatever
 * status happened to be set then (0, while an input had already failed).
 */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** One run of the program: the parsed options and what they imply. */
interface Run {
  o: CliOptions;
  io: CliIO;
  /** The one writer of io.stdout: everything printed goes through it. */
  out: Output;
  deps: CliDeps;
  text: TextOptions;
  ctx: TextContext;
  select: ConnectionPredicate | null;
  /** Whether any selected connection failed a check (for --fail-on check). */
  checksFailed: boolean;
  /** Inputs rendered so far (a blank line separates text outputs). */
  rendered: number;
  /** --metrics, --svg, --html: what each record gets before the output sees it (pictures.ts). */
  pictures: PictureOutput | null;
  /** The id the next input's first connection gets: ids go on across inputs. */
  nextId: number;
  /** What each NDJSON line of the input being read starts with (ndjsonHead). */
  ndjsonHead: string;
}

/** The first line of an error's message. */
function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n')[0] ?? '').trim();
}

/** Writes one error line and returns the exit status it implies. */
function fail(io: CliIO, name: string, e: unknown): number {
  if (e instanceof CaptureError) {
    io.stderr.write(`tcptrace: ${esc(e.message)}\n`);
    return 2;
  }
  io.stderr.write(`tcptrace: ${esc(name)}: internal error: ${esc(firstLine(e))}\n`);
  return 70;
}

/** The selection of --conn, --host, --port and --filter, ANDed; null when none is given. */
function selection(o: CliOptions): ConnectionPredicate | null {
  const parts: ConnectionPredicate[] = [];
  if (o.conn.length > 0) {
    const ids = new Set(o.conn);
    parts.push((c) => ids.has(c.id));
  }
  if (o.host.length > 0) {
    const hosts = o.host.map((h) => hostPredicate(h)!);
    parts.push((c) => hosts.some((p) => p(c)));
  }
  if (o.port.length > 0) {
    const ports = o.port.map((p) => portPredicate(p));
    parts.push((c) => ports.some((p) => p(c)));
  }
  for (const f of o.filter) parts.push(f.test);
  if (parts.length === 0) return null;
  return (c) => parts.every((p) => p(c));
}

function traceOptions(run: Run): TraceOptions {
  const o = run.o;
  return {
    mslSec: o.msl,
    idleTimeoutSec: o.idleTimeout,
    maxConnections: o.maxConnections,
    // --metrics, --svg and --html measure every segment (the record keeps only its exchanges again after).
    allSegments: o.all || run.pictures !== null,
    segmentTimestamps: run.pictures !== null,
    portRange: o.portRange,
    // Records go to the output as they are made and nothing keeps them: memory follows the
    // connections alive at one moment, not the length of the capture.
    keepRecords: false,
    // NDJSON prints each record once, when its connection finishes: nothing to hold it for.
    finishedHold: o.ndjson ? 0 : undefined,
    // --summary draws no ladder.
    keepSegments: !o.summary || run.pictures !== null,
    // --ndjson prints records only: no summary, no findings.
    diagnostics: !o.ndjson,
    select: run.select ?? undefined,
    firstId: run.nextId,
  };
}

/**
 * Columns the text fits: --width (0: no limit), else the terminal's, else $COLUMNS (as a shell
 * exports it), else 80 (a pipe, a file: what most readers of it have).
 */
export function outputWidth(o: CliOptions, stdout: OutStream, env: Env): number {
  if (o.width !== undefined) return o.width;
  const cols = (stdout as { columns?: number }).columns;
  if (stdout.isTTY === true && typeof cols === 'number' && cols > 0) return cols;
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.max(40, fromEnv);
  return 80;
}

/**
 * SIGINT/SIGTERM stop the trace; a second one ends the process at once. Returns the unhook.
 *
 * The second one ends it by the signal's own default action (status 130 for SIGINT, as a shell
 * shows it; 143 for SIGTERM), not process.exit(130): a second signal is needed only when the
 * first could not end the read, that is when a read is stuck in read(2) on a libuv pool thread
 * (a terminal, a hung mount), and process.exit() first joins every pool thread
 * (uv__threadpool_cleanup), so it waited for that read forever (issue 10).
 */
function onSignals(ac: AbortController, enabled: boolean, onSecondSignal?: () => void): () => void {
  if (!enabled) return () => {};
  // Its own count, not ac.signal.aborted: something else may have stopped the read first.
  let signalled = false;
  const handler = (sig: NodeJS.Signals) => {
    if (!signalled) {
      signalled = true;
      return ac.abort();
    }
    // With no listener left, Node gives the signal back its default action: to end the process.
    unhook();
    // Dying of a signal runs no exit handler: a capture child must be ended here (live-program.ts).
    onSecondSignal?.();
    process.kill(process.pid, sig);
    process.exit(130); // only where the signal did not end the process by itself
  };
  const unhook = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return unhook;
}

/** The text or JSON output of one input, fed while it is read; null for --summary and --ndjson. */
function streamedOutput(run: Run, name: string): StreamedOutput | null {
  const { o } = run;
  if (o.ndjson || o.summary) return null;
  const sep = !o.json && run.rendered++ > 0 ? '\n' : '';
  return new StreamedOutput(o.json ? 'json' : 'text', run.out, name, sep, run.text, run.ctx);
}

/** What is printed once a report is complete (everything except what streamed already). */
async function output(run: Run, report: Report, streamed: StreamedOutput | null, streamedLadders: boolean): Promise<void> {
  const { o, out } = run;
  if (report.summary.checksFailed > 0) run.checksFailed = true;
  // Nobody reads it any more (or it failed): nothing worth rendering.
  if (o.ndjson || out.signal.aborted) return;
  const opts: TextOptions = { ...run.text, totalConnections: run.select ? report.totals?.all : undefined };
  if (streamed !== null) return streamed.end(report, opts);
  if (o.json) return writeChunks(out, jsonChunks(report));
  const sep = run.rendered++ > 0 ? '\n' : '';
  if (o.summary || streamedLadders) out.write(sep + renderSummary(report, opts));
}

/** Warnings of a finished read (damaged input, live drops), one line each on stderr. */
function warnings(run: Run, name: string, report: Report, interrupted: boolean): void {
  for (const w of report.input.warnings) run.io.stderr.write(`tcptrace: ${esc(name)}: ${esc(w)}\n`);
  // NDJSON has no summary to say it: a full table is said here (each evicted record says so too).
  const full = report.summary.tableFull;
  if (run.o.ndjson && full) {
    run.io.stderr.write(
      `tcptrace: ${esc(name)}: more than ${full.cap} connections open at once (--max-connections): ${full.evicted} were ended early to make room${full.dropped > 0 ? `, ${full.dropped} segments not tracked` : ''}\n`,
    );
  }
  if (interrupted) run.io.stderr.write(`tcptrace: ${esc(name)}: interrupted; the results so far follow\n`);
}

/**
 * Whether the end of the output ends the run: a write that failed always does; a reader that went
 * away does unless the exit status is a verdict on the whole input (--fail-on; see the top).
 */
function outputEndsRun(run: Run): boolean {
  return run.out.error !== null || (run.out.closed && run.o.failOn.length === 0);
}

/**
 * Aborts `ac` (the read) as soon as the output ends the run: without it a reader that left would
 * be noticed only once the whole input had been read. Returns the unhook.
 */
function stopWithOutput(run: Run, ac: AbortController): () => void {
  const signal = run.out.signal;
  const onEnd = () => {
    if (outputEndsRun(run)) ac.abort();
  };
  if (signal.aborted) onEnd();
  signal.addEventListener('abort', onEnd, { once: true });
  return () => signal.removeEventListener('abort', onEnd);
}

/** Bytes of the input when it is a regular file (or files), for the spinner's share and time left; else null. */
function inputSize(input: string | string[]): number | null {
  let total = 0;
  for (const p of typeof input === 'string' ? [input] : input) {
    if (p === '-') return null;
    try {
      const st = statSync(p);
      if (!st.isFile()) return null;
      total += st.size;
    } catch {
      return null;
    }
  }
  return total;
}

/**
 * Threads to trace `input` over (shard/run.ts, `--threads`, default 1): only a regular file (every
 * thread reads it), with no selection and no pictures (both read records in this thread), and
 * not with --explain (an explanation is told once per output: which record tells it depends on
 * the order every record is rendered in); else 1. Not by default: it costs memory (a heap per
 * thread) and gains only where cores are idle (README, Performance).
 */
function threadsFor(run: Run, input: string | string[]): number {
  const { o } = run;
  if (o.threads === undefined || o.threads === 1) return 1;
  if (typeof input !== 'string' || input === '-' || run.select !== null || run.pictures !== null || (o.explain && textLadders(o))) return 1;
  return inputSize(input) === null ? 1 : o.threads;
}

/** Whether the output draws ladders (text, not --summary, --json or --ndjson): the only one --explain changes. */
function textLadders(o: CliOptions): boolean {
  return !o.summary && !o.json && !o.ndjson;
}

/** The records of a sharded trace, rendered in its threads, to `streamed` (text, JSON) or straight out (NDJSON). */
function shardedRender(run: Run, streamed: StreamedOutput | null): ShardedRender | undefined {
  const { o, out } = run;
  if (o.summary) return undefined;
  const first = run.nextId;
  return {
    job: { mode: o.ndjson ? 'ndjson' : o.json ? 'json' : 'text', text: run.text, head: run.ndjsonHead },
    take: (p) => {
      // Nobody reads any more (the threads were told): what still comes is dropped.
      if (out.signal.aborted) return null;
      if (streamed === null) out.write(p.bytes);
      else streamed.piece(p.id, p.bytes, first);
      return out.ready();
    },
    ended: out.signal,
  };
}

/** Traces one file (or '-'), or several as one (--merge); returns its exit status contribution (0, 2 or 70). */
async function runFile(run: Run, input: string | string[]): Promise<number> {
  const { o, io, deps } = run;
  const path = typeof input === 'string' ? input : input.join(' + ');
  const name = path === '-' ? STDIN_NAME : path;
  let source: CaptureSource;
  try {
    // Records are written while reading; on a stream with backpressure, reading waits for the output.
    const out = run.out;
    const paced = !o.summary && out.evented;
    if (typeof input !== 'string') source = openMerged(input, paced ? () => out.ready() : undefined);
    else
      source = paced
        ? pacedCapture(
            path,
            io.stdin,
            () => out.ready(),
            (stdin) => deps.openCapture(path, { stdin }),
          )
        : deps.openCapture(path, { stdin: io.stdin });
  } catch (e) {
    return fail(io, name, e);
  }
  const ac = new AbortController();
  const unhook = onSignals(ac, deps.signals);
  const unwatch = stopWithOutput(run, ac);
  const spinner = startProgress(
    esc(name),
    io.stderr as NodeJS.WritableStream,
    io.stderr.isTTY === true && io.env.TERM !== 'dumb',
    deps.progressDelayMs,
    inputSize(input),
  );
  const streamed = streamedOutput(run, name);
  const sink = streamed?.sink();
  const pics = o.ndjson ? null : run.pictures;
  run.pictures?.beginInput(path);
  run.ndjsonHead = ndjsonHead(SCHEMA, source.name);
  let report: Report;
  const threads = threadsFor(run, input);
  if (threads === 1 && (o.threads ?? 1) > 1) {
    io.stderr.write(
      `tcptrace: ${esc(name)}: traced in one thread: --threads applies to a capture file, without --conn, --host, --port, --filter, --explain or pictures\n`,
    );
  }
  // Workers grow their own young generations: bin/'s cap (process-wide) would stop them. Without
  // it (main() called in-process) this sets V8's own factor, which it already has.
  if (threads > 1) uncapYoungGeneration();
  try {
    if (threads > 1) {
      const { select: _s, keepRecords: _k, ...plain } = traceOptions(run);
      report = await traceSharded(path, threads, {
        ...plain,
        signal: ac.signal,
        onProgress: (bytes, packets) => spinner.update(bytes, packets),
        packetLimit: o.count,
        render: shardedRender(run, streamed),
      });
    } else
      report = await trace(source, {
        ...traceOptions(run),
        signal: ac.signal,
        onProgress: (bytes, packets) => spinner.update(bytes, packets),
        onConnection: o.ndjson ? (r: ConnectionRecord) => ndjson(run, r) : undefined,
        onRecord:
          pics === null
            ? sink
            : (r, frontier, selected) => {
                pics.take(r, selected);
                sink?.(r, frontier, selected);
              },
        packetLimit: o.count,
      });
    run.pictures?.endInput(report, run.text);
  } catch (e) {
    return fail(io, name, e);
  } finally {
    spinner.stop();
    unhook();
    unwatch();
    // An interrupted read of the process's stdin leaves a read pending on the pipe (an async
    // iterator cannot cancel its pending next()), which would keep the process alive until the
    // writer closes it: let go of stdin ourselves.
    if (ac.signal.aborted && path === '-' && io.stdin === undefined) process.stdin.destroy();
  }
  run.nextId += report.totals?.all ?? 0;
  // Stopped because nobody reads the output: no "results so far follow", none will.
  warnings(run, name, report, ac.signal.aborted && !run.out.signal.aborted);
  try {
    await output(run, report, streamed, false);
  } catch (e) {
    return fail(io, name, e);
  }
  return 0;
}

function ndjson(run: Run, r: ConnectionRecord): void {
  // The output has ended (the read is being stopped, or goes on for --fail-on): not worth rendering.
  if (run.out.signal.aborted) return;
  const selected = run.select === null || run.select(r);
  run.pictures?.take(r, selected);
  if (selected) run.out.copy(ndjsonLineBytes(r, run.ndjsonHead));
}

/** `-D`: the interfaces, numbered as tcpdump -D numbers them. */
async function listInterfaces(run: Run, live: LiveApi): Promise<number> {
  let list: LiveInterface[];
  try {
    list = await live.listInterfaces(run.o.captureWith);
  } catch (e) {
    return fail(run.io, 'live capture', e);
  }
  list.forEach((d, i) => {
    const desc = d.description ? ` (${esc(d.description)})` : '';
    const addrs = d.addresses.length > 0 ? `  ${d.addresses.map(esc).join(', ')}` : '';
    run.out.write(`${i + 1}. ${esc(d.name)}${desc}${addrs}\n`);
  });
  return 0;
}

/**
 * `-i IFACE [filter]`: each connection's opening prints as soon as it is over, the rest of its
 * ladder when it finishes (issue 5); Ctrl-C prints the summary.
 */
async function runLive(run: Run, bpf: string): Promise<number> {
  const { o, io, out, deps } = run;
  let live: LiveApi;
  try {
    live = await deps.loadLive();
  } catch (e) {
    return fail(io, 'live capture', e);
  }
  if (o.listInterfaces) return listInterfaces(run, live);
  const iface = o.interface!;
  let source: CaptureSource & Partial<Pick<LiveCapture, 'program' | 'notices'>>;
  try {
    source = await live.openLive({
      iface,
      filter: bpf,
      snaplen: o.snaplen,
      bufferSize: o.bufferSize === undefined ? undefined : o.bufferSize * 1024,
      count: o.count,
      durationSec: o.duration,
      writeFile: o.write,
      captureWith: o.captureWith,
    });
  } catch (e) {
    return fail(io, iface, e);
  }
  const via = source.program ? ` with ${source.program}` : '';
  io.stderr.write(`tcptrace: capturing on ${esc(iface)}${bpf ? ` (${esc(bpf)})` : ''}${via}; Ctrl-C stops and prints the summary\n`);
  for (const n of source.notices ?? []) io.stderr.write(`tcptrace: ${esc(iface)}: warning: ${esc(n)}\n`);
  const ac = new AbortController();
  const unhook = onSignals(ac, deps.signals, live.killCaptureChildren);
  const unwatch = stopWithOutput(run, ac);
  const stream = !o.json && !o.summary;
  // Openings print early only when the selection can already be decided then (a --filter on
  // states or kinds is answered by the finished connection): otherwise each ladder prints whole.
  const openings = stream && !o.ndjson && o.filter.every((f) => decidedAtOpening(f.text));
  const opened = new Set<number>();
  const onOpen = (r: ConnectionRecord) => {
    // A SYN answered with RST is over as soon as it opened: its whole ladder follows at once.
    if (r.close.kind === 'reset') return;
    if (run.select !== null && !run.select(r)) return;
    opened.add(r.id);
    out.write(renderConnectionOpening(r, run.text, run.ctx) + '\n');
  };
  const onConnection = (r: ConnectionRecord) => {
    if (o.ndjson) return ndjson(run, r);
    if (!stream) return;
    if (opened.delete(r.id)) out.write(renderConnectionClosing(r, run.text, run.ctx) + '\n');
    else if (run.select === null || run.select(r)) out.write(renderConnectionEntry(r, run.text, run.ctx));
  };
  const streamed = o.json ? streamedOutput(run, iface) : null;
  run.ndjsonHead = ndjsonHead(SCHEMA, source.name);
  let report: Report;
  try {
    report = await trace(source, {
      ...traceOptions(run),
      signal: ac.signal,
      onConnection: o.json ? undefined : onConnection,
      onOpen: openings ? onOpen : undefined,
      onRecord: streamed?.sink(),
    });
  } catch (e) {
    return fail(io, iface, e);
  } finally {
    unhook();
    unwatch();
  }
  // Ctrl-C is how a live capture normally ends: not worth a warning.
  warnings(run, iface, report, false);
  try {
    await output(run, report, streamed, stream);
  } catch (e) {
    return fail(io, iface, e);
  }
  return 0;
}

/**
 * `tcptrace check ...` (issue 6): check/ parses its own arguments and judges; it may not import
 * trace.ts, so it gets the loader from here. (A file named "check" is read as `./check`.)
 */
async function runCheck(args: string[], io: CliIO, deps: CliDeps, out: Output): Promise<number> {
  let api: CheckApi;
  try {
    api = await deps.loadCheck();
  } catch (e) {
    return fail(io, 'check', e);
  }
  // Through the Output like everything else. A reader that leaves does not stop the checking
  // (its exit status is the verdict on every capture; see the top): what it prints is dropped.
  const stdout = out as unknown as NodeJS.WritableStream;
  const streams = { stdout, stderr: io.stderr, esc } as { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; esc: (text: string) => string };
  try {
    return await api.runCheck(args, streams, (path, o) => trace(deps.openCapture(path, { stdin: io.stdin }), o));
  } catch (e) {
    return fail(io, 'check', e);
  }
}

/** The program. `argv` is process.argv (node, script, then the arguments). */
export async function main(argv: string[], io: CliIO = processIO(), deps: Partial<CliDeps> = {}): Promise<number> {
  const d: CliDeps = { ...DEFAULT_DEPS, signals: io.stdout === process.stdout, ...deps };
  const out = new Output(io.stdout, directFd(io.stdout));
  const stderrError = watchErrors(io.stderr);
  let status = await program(argv.slice(2), io, d, out);
  // Everything is written before the status is final: the last write can fail too (a full disk).
  await out.flush();
  if (out.error !== null) {
    io.stderr.write(`tcptrace: cannot write the output: ${esc(firstLine(out.error))}\n`);
    status = Math.max(status, 2);
  }
  // A failing stderr cannot say so anywhere: the status is all that is left to tell it.
  if (stderrError() !== null) status = Math.max(status, 2);
  return status;
}

/** main() without the output's last word: the status the run earned. */
async function program(args: string[], io: CliIO, d: CliDeps, out: Output): Promise<number> {
  if (args[0] === 'check') return runCheck(args.slice(1), io, d, out);

  // --help fits the terminal (or $COLUMNS, else 80); --width is not parsed yet then.
  const helpWidth = outputWidth({ width: undefined } as CliOptions, io.stdout, io.env);
  const inv = parseCommandLine(args, versionLine(), { stdout: (s) => void out.write(s), stderr: (s) => void io.stderr.write(s) }, helpWidth);
  if (inv.kind === 'exit') return inv.code;
  const o = inv.options;
  const run: Run = {
    o,
    io,
    out,
    deps: d,
    text: {
      lang: languageFrom(o.lang, io.env),
      color: colorLevel(o.color, io.env, io.stdout.isTTY === true),
      absolute: o.absolute,
      all: o.all,
      explain: o.explain,
      mslSec: o.msl,
      width: outputWidth(o, io.stdout, io.env),
    },
    ctx: newTextContext(),
    select: selection(o),
    checksFailed: false,
    rendered: 0,
    pictures: null,
    nextId: 0,
    ndjsonHead: '',
  };
  const settings = { svgDir: o.svg, htmlFile: o.html, metrics: o.metrics, all: o.all, lang: run.text.lang };
  if (wantsSegments(settings)) {
    if (o.interface !== undefined || o.listInterfaces) {
      io.stderr.write('tcptrace: --metrics, --svg and --html read capture files, not live capture (write one with -w)\n');
      return 2;
    }
    run.pictures = new PictureOutput(settings);
    try {
      run.pictures.open(inv.inputs.map((i) => (i === '-' ? STDIN_NAME : i)).join(', '));
    } catch (e) {
      io.stderr.write(`tcptrace: cannot write ${esc(o.html ?? o.svg ?? '')}: ${esc(firstLine(e))}\n`);
      return 2;
    }
  }

  let status = 0;
  if (o.interface !== undefined || o.listInterfaces) {
    status = await runLive(run, inv.bpf);
  } else if (o.merge) {
    status = await runFile(run, inv.inputs);
  } else {
    for (const path of inv.inputs) {
      if (outputEndsRun(run)) break; // the inputs after it are not read (see the top)
      status = Math.max(status, await runFile(run, path));
    }
  }
  try {
    run.pictures?.close();
  } catch (e) {
    io.stderr.write(`tcptrace: cannot write the pictures: ${esc(firstLine(e))}\n`);
    status = Math.max(status, 2);
  }
  // --conn naming an id no input had: say so (ids run on across the inputs).
  const missing = o.conn.filter((id) => id >= run.nextId);
  if (missing.length > 0 && !outputEndsRun(run)) {
    const held = run.nextId === 0 ? 'no connections' : run.nextId === 1 ? 'only connection 0' : `connections 0-${run.nextId - 1}`;
    io.stderr.write(`tcptrace: --conn ${missing.join(',')}: no such connection (the input${inv.inputs.length > 1 ? 's hold' : ' holds'} ${held})\n`);
  }
  if (status === 0 && o.failOn.includes('check') && run.checksFailed) return 1;
  return status;
}
