/**
 * JUnit XML for CI systems (the de-facto schema Jenkins, GitLab and GitHub reporters read): one
 * <testsuite> per capture, one <testcase> per rule, <failure> when the rule is broken and <error>
 * when the capture could not be read. Everything user-supplied is XML-escaped, and characters XML 1.0
 * forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF; XML 1.0 §2.2) become U+FFFD.
 */
import { offenderText, type Verdict } from './evaluate.js';

/** One rule's result on one capture. */
export interface CaseResult {
  name: string;
  /** The rule's canonical text (JUnit `type` of a failure). */
  rule: string;
  verdict: Verdict;
  /** Seconds spent evaluating this rule (the reading is the suite's). */
  timeSec: number;
}

/** One capture's results, or the error that kept it from being read. */
export interface SuiteResult {
  capture: string;
  /** Seconds spent reading and evaluating this capture. */
  timeSec: number;
  cases: CaseResult[];
  /** Set when the capture could not be read: every rule is then an <error>. */
  error?: string;
  /** Rule names, when `error` is set (the cases that could not run). */
  errorCases?: Array<{ name: string; rule: string }>;
}

/**
 * A capture's path as a JUnit `classname`: Jenkins (and reporters that copy it) split a classname
 * at its last dot into package and class, so `captures/login.pcap` would show as class "pcap" of
 * package "captures/login". The extension goes, and any other dot becomes `_`.
 */
export function junitClassname(capture: string): string {
  const base = capture.replace(/\.(pcapng|pcap|cap|dmp|ntar)(\.gz)?$/i, '');
  return base.replace(/\./g, '_');
}

/** A time attribute: seconds with microseconds. */
function seconds(t: number): string {
  return t.toFixed(6);
}

/** Most offenders written into one failure body. */
const BODY_CAP = 200;

// Control characters other than TAB, LF, CR; lone surrogates; U+FFFE and U+FFFF.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g;

/**
 * Characters XML 1.0 allows but a terminal obeys or reorders: DEL, the C1 controls (U+009B is CSI,
 * as ESC [ is) and the bidi overrides/isolates (the set report/format.ts's `esc` escapes, beyond
 * C0). The report is a file, but `cat report.xml` is how people read one: these are written as
 * character references, which every XML reader turns back into the same characters.
 */
const TERMINAL_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Escapes text content. */
export function xmlText(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(TERMINAL_UNSAFE, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** Escapes an attribute value (quotes too; whitespace as character references so it survives normalisation). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** Renders the whole JUnit document. */
export function renderJunit(suites: readonly SuiteResult[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const body: string[] = [];
  for (const s of suites) {
    const errorList = s.error === undefined ? [] : s.errorCases && s.errorCases.length > 0 ? s.errorCases : [{ name: 'read capture', rule: 'input' }];
    const sTests = s.error === undefined ? s.cases.length : errorList.length;
    const sFail = s.error === undefined ? s.cases.filter((c) => !c.verdict.ok).length : 0;
    const sErr = errorList.length;
    tests += sTests;
    failures += sFail;
    errors += sErr;
    body.push(`  <testsuite${attrs({ name: s.capture, tests: sTests, failures: sFail, errors: sErr, skipped: 0, time: seconds(s.timeSec) })}>`);
    if (s.error !== undefined) {
      for (const c of errorList) {
        body.push(`    <testcase${attrs({ classname: junitClassname(s.capture), name: c.name, time: seconds(0) })}>`);
        body.push(`      <error${attrs({ message: s.error, type: 'input' })}>${xmlText(s.error)}</error>`);
        body.push('    </testcase>');
      }
    } else {
      for (const c of s.cases) {
        const open = `    <testcase${attrs({ classname: junitClassname(s.capture), name: c.name, time: seconds(c.timeSec) })}`;
        if (c.verdict.ok) {
          body.push(`${open}/>`);
          continue;
        }
        const lines = c.verdict.offenders.slice(0, BODY_CAP).map(offenderText);
        if (c.verdict.offenders.length > BODY_CAP) lines.push(`... and ${c.verdict.offenders.length - BODY_CAP} more`);
        const text = [c.verdict.summary, ...lines].join('\n');
        body.push(`${open}>`);
        body.push(`      <failure${attrs({ message: failureMessage(c.verdict), type: c.rule })}>${xmlText(text)}</failure>`);
        body.push('    </testcase>');
      }
    }
    body.push('  </testsuite>');
  }
  out.push(`<testsuites${attrs({ name: 'tcptrace check', tests, failures, errors })}>`);
  // A loop, not push(...body): body grows with rules × captures, and a spread of that many arguments overflows the stack.
  for (const line of body) out.push(line);
  out.push('</testsuites>', '');
  return out.join('\n');
}

/** The one-line message of a failure: the first offender when there is one, else the summary. */
export function failureMessage(v: Verdict): string {
  if (v.offenders.length === 0) return v.summary;
  const more = v.offenders.length > 1 ? ` (and ${v.offenders.length - 1} more)` : '';
  return `${offenderText(v.offenders[0]!)}${more}`;
}
