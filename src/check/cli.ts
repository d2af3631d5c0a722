/**
 * `tcptrace check FILE... [--expect RULE ...] [--expect-file F] [--junit FILE] [--msl S] [--port-range A-B]`
 *
 * Reads each capture into the model, evaluates every expectation on it and prints one line per
 * failed expectation (capture, rule, connection `#id client ⇄ server`, packet, what broke).
 * Exit status: 0 every expectation holds, 1 at least one failed, 2 usage or input error (an input
 * error wins: a capture that could not be read was not checked).
 *
 * check/ sits beside report/ in the pipeline and must not import trace.ts (test/architecture.test.ts),
 * so the caller (cli/main.ts) hands in how to turn a path into a Report:
 *
 * ```ts
 * runCheck(args, io, (path, o) => trace(openCapture(path), o))
 * ```
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { plural } from '../diagnose/endpoint.js';
import type { Report } from '../diagnose/types.js';
import { checkHelp, parseCheckArgs, type CheckArgs } from './args.js';
import { evaluate, offenderText, type Verdict } from './evaluate.js';
import { parseExpectFile, type Expectation } from './expect-file.js';
import { failureMessage, renderJunit, type SuiteResult } from './junit.js';
import { parseRule } from './rules.js';
import { quote, UsageError } from './validate.js';

/** Options handed to the loader (undefined: trace()'s defaults). */
export interface LoadOptions {
  mslSec?: number;
  portRange?: [number, number];
}

/** Turns a capture path (or `-`) into the finished model; rejects with a one-line error. */
export type LoadReport = (path: string, options: LoadOptions) => Promise<Report>;

/** Where `check` writes: failures and the summary to stdout, errors and input warnings to stderr. */
export interface CheckIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /**
   * The terminal escaping of text from outside (report/format.ts's `esc`): every line written
   * carries file names, rule names or capture contents. check/ may not import report/
   * (test/architecture.test.ts), so the caller hands it in, as it hands in the loader.
   */
  esc: (text: string) => string;
}

/** Exit statuses of `tcptrace check`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The expectations file that sits next to a capture: `dir/name.pcap` -> `dir/name.expect`. */
export function siblingExpectFile(capture: string): string {
  const ext = path.extname(capture);
  return (ext === '' ? capture : capture.slice(0, -ext.length)) + '.expect';
}

/** Reads and parses the expectations named on the command line (`--expect`, `--expect-file`). */
function explicitExpectations(a: CheckArgs): Expectation[] {
  const out: Expectation[] = [];
  for (const text of a.expect) {
    try {
      const rule = parseRule(text);
      out.push({ name: rule.text, rule, origin: '--expect' });
    } catch (e) {
      throw new UsageError(`--expect ${quote(text)}: ${(e as Error).message}`);
    }
  }
  // A loop, not push(...lines): an expect file's line count is the user's, and a spread of that many arguments overflows the stack.
  for (const f of a.expectFiles) for (const rule of readExpectFile(f)) out.push(rule);
  const seen = new Map<string, string>();
  for (const e of out) {
    const first = seen.get(e.name);
    if (first !== undefined) throw new UsageError(`${e.origin}: duplicate expectation ${quote(e.name)} (also ${first})`);
    seen.set(e.name, e.origin);
  }
  return out;
}

function readExpectFile(f: string): Expectation[] {
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${f}: cannot read expectations file${code ? ` (${code})` : ''}`);
  }
  return parseExpectFile(text, f);
}

/** One line for an error thrown while loading a capture (never a stack trace). */
function loadErrorText(file: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // CaptureError messages already start with the source name.
  return msg.startsWith(file) ? msg : `${file}: ${msg}`;
}

/** Runs `tcptrace check`; `args` are the words after `check`. Resolves to the exit status. */
export async function runCheck(args: string[], io: CheckIo, load?: LoadReport): Promise<number> {
  // Whole lines are escaped at the one place they are written, so no message can miss it.
  const esc = io.esc;
  const say = (s: string) => void io.stdout.write(`${esc(s)}\n`);
  const err = (s: string) => void io.stderr.write(`tcptrace check: ${esc(s)}\n`);

  let a: CheckArgs;
  let explicit: Expectation[];
  try {
    a = parseCheckArgs(args);
    if (a.help) {
      io.stdout.write(checkHelp());
      return EXIT.ok;
    }
    explicit = explicitExpectations(a);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(e.message);
    err(`run "tcptrace check --help" for usage`);
    return EXIT.usage;
  }
  if (load === undefined) {
    err('internal error: no capture loader (cli/main.ts must call runCheck(args, io, (p, o) => trace(openCapture(p), o)))');
    return EXIT.usage;
  }

  const loadOptions: LoadOptions = {};
  if (a.mslSec !== null) loadOptions.mslSec = a.mslSec;
  if (a.portRange !== null) loadOptions.portRange = a.portRange;

  const suites: SuiteResult[] = [];
  let inputErrors = 0;
  let checked = 0;
  let failed = 0;
  for (const file of a.files) {
    const t0 = performance.now();
    let expectations = explicit;
    if (expectations.length === 0) {
      const sibling = file === '-' ? null : siblingExpectFile(file);
      try {
        if (sibling === null || !existsSync(sibling)) {
          throw new UsageError(`${file}: no expectations: give --expect or --expect-file${sibling === null ? '' : `, or write ${sibling}`}`);
        }
        expectations = readExpectFile(sibling);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(e.message);
        inputErrors++;
        suites.push({ capture: file, timeSec: 0, cases: [], error: e.message, errorCases: [] });
        continue;
      }
    }

    let report: Report;
    try {
      report = await load(file, loadOptions);
    } catch (e) {
      const msg = loadErrorText(file, e);
      err(msg);
      inputErrors++;
      suites.push({
        capture: file,
        timeSec: (performance.now() - t0) / 1000,
        cases: [],
        error: msg,
        errorCases: expectations.map((x) => ({ name: x.name, rule: x.rule.text })),
      });
      continue;
    }
    for (const w of report.input.warnings) err(`${file}: warning: ${w}`);

    const suite: SuiteResult = { capture: file, timeSec: 0, cases: [] };
    // A capture read only up to damage is a failure of its own (the rules would judge part of it
    // as if it were all), unless --allow-damaged says that part is enough.
    if (!a.allowDamaged && report.input.warnings.length > 0) {
      const n = report.input.warnings.length;
      const verdict: Verdict = {
        ok: false,
        summary: `the capture is damaged (${plural(n, 'warning')}): ${report.input.warnings[0]}${n > 1 ? ` (and ${n - 1} more)` : ''}; --allow-damaged judges what could be read`,
        offenders: [],
      };
      checked++;
      failed++;
      suite.cases.push({ name: 'capture undamaged', rule: 'undamaged', verdict, timeSec: 0 });
      say(`FAIL ${file}: capture undamaged: ${verdict.summary}`);
    }
    for (const x of expectations) {
      const e0 = performance.now();
      const verdict = evaluate(x.rule, report);
      checked++;
      suite.cases.push({ name: x.name, rule: x.rule.text, verdict, timeSec: (performance.now() - e0) / 1000 });
      const label = x.name === x.rule.text ? x.name : `${x.name} (${x.rule.text})`;
      if (!verdict.ok) {
        failed++;
        say(`FAIL ${file}: ${label}: ${failureMessage(verdict)}`);
        if (a.verbose) for (const o of verdict.offenders.slice(1)) say(`     ${offenderText(o)}`);
      } else if (a.verbose) {
        say(`ok   ${file}: ${label}: ${verdict.summary}`);
      }
    }
    suite.timeSec = (performance.now() - t0) / 1000;
    suites.push(suite);
  }

  if (a.junit !== null) {
    try {
      writeFileSync(a.junit, renderJunit(suites));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      err(`${a.junit}: cannot write JUnit report${code ? ` (${code})` : ''}`);
      return EXIT.usage;
    }
  }

  const errors = inputErrors > 0 ? `, ${plural(inputErrors, 'capture')} not checked` : '';
  say(`${plural(a.files.length, 'capture')}, ${plural(checked, 'expectation')}: ${failed === 0 ? 'all hold' : `${failed} failed`}${errors}`);
  return inputErrors > 0 ? EXIT.usage : failed > 0 ? EXIT.failed : EXIT.ok;
}
