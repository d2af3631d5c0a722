// Issue 10: text from outside (file names, rule names, filter text, option values, capture
// contents) never reaches the terminal raw, in any subcommand. Each path is driven through the
// real main() with a hostile string carrying ESC + CSI, BEL, a C1 control (U+009B, CSI in one
// character) and a bidi override (U+202E).
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/cli.js';
import { junitClassname } from '../../src/check/junit.js';
import { main } from '../../src/cli/main.js';
import { esc } from '../../src/report/format.js';
import { parseXml } from '../check/xml.js';
import { report } from '../diagnose/factory.js';
import { captureIo } from '../helpers/io.js';
import { argv, fakeIO, type FakeIO } from './io.js';

const HOSTILE = '\u001b[31mred\u0007\u009b2J\u202eevil';
/** How `esc` writes HOSTILE: every character visible, none obeyed. */
const SHOWN = '\\x1b[31mred\\x07\\x9b2J\\u202eevil';
/** HOSTILE in a message that quotes it (JSON.stringify spells C0 its way), then through `esc`. */
const QUOTED = '"\\u001b[31mred\\u0007\\x9b2J\\u202eevil"';
/** Anything a terminal would act on: C0 but newline, DEL, C1, bidi controls, line separators. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const FIXTURE = path.resolve(import.meta.dirname, '../decode/fixtures/tfo.pcap');

/** Neither stream carries a raw control character, and `shown` (the escaped text) is in one of them. */
function expectEscaped(io: FakeIO, shown = SHOWN): void {
  expect(io.out()).not.toMatch(RAW_CONTROL);
  expect(io.err()).not.toMatch(RAW_CONTROL);
  expect(io.out() + io.err()).toContain(shown);
}

/** A scratch directory holding a copy of a one-connection capture under the hostile name. */
function hostileCapture(): { dir: string; cap: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'esc-'));
  const cap = path.join(dir, `${HOSTILE}.pcap`);
  copyFileSync(FIXTURE, cap);
  return { dir, cap };
}

describe('the main command escapes what it echoes', () => {
  it('--filter text in the parse error', async () => {
    const io = fakeIO();
    expect(await main(argv('--filter', HOSTILE, 'x.pcap'), io)).toBe(2);
    expectEscaped(io);
    expect(io.err()).toMatch(/^tcptrace: --filter: /);
  });

  it("an unknown option, in commander's own error line", async () => {
    const io = fakeIO();
    expect(await main(argv(`--${HOSTILE}`, 'x.pcap'), io)).toBe(2);
    expectEscaped(io);
    expect(io.err()).toBe(`tcptrace: unknown option '--${SHOWN}' (see tcptrace --help)\n`);
  });

  it.each([
    ['--msl', 'a number'],
    ['--lang', 'a language'],
    ['--host', 'an address'],
    ['--port-range', 'a range'],
    ['--conn', 'a list of ids'],
  ])('a bad %s value (%s) in the usage error', async (flag) => {
    const io = fakeIO();
    expect(await main(argv(flag, HOSTILE, 'x.pcap'), io)).toBe(2);
    expectEscaped(io, `(got ${QUOTED})\n`);
    expect(io.err()).toMatch(new RegExp(`^tcptrace: ${flag} must be `));
  });

  it('a capture file name, in the ladder and the error line', async () => {
    const { cap } = hostileCapture();
    const ok = fakeIO();
    expect(await main(argv('--summary', cap), ok)).toBe(0);
    expectEscaped(ok);
    const missing = fakeIO();
    expect(await main(argv(`/nonexistent/${HOSTILE}.pcap`), missing)).toBe(2);
    expectEscaped(missing);
  });
});

// These go through main() -> check/cli.ts runCheck. check/ may not import report/'s `esc`
// (test/architecture.test.ts), so it escapes with the one main() hands it in CheckIo.esc.
describe('tcptrace check, through main(), escapes what it echoes', () => {
  it('a capture name in a FAIL line', async () => {
    const { dir, cap } = hostileCapture();
    const io = fakeIO();
    expect(await main(argv('check', '-e', 'connections=5', cap), io)).toBe(1);
    expectEscaped(io);
    expect(io.out()).toBe(`FAIL ${dir}/${SHOWN}.pcap: connections=5: 2 connections, expected 5\n1 capture, 1 expectation: 1 failed\n`);
  });

  it('a rule text in the usage error', async () => {
    const io = fakeIO();
    expect(await main(argv('check', '-e', HOSTILE, 'x.pcap'), io)).toBe(2);
    expectEscaped(io, `Invalid rule: ${QUOTED}`);
  });

  it('an unknown option in the usage error', async () => {
    const io = fakeIO();
    expect(await main(argv('check', `--${HOSTILE}`, 'x.pcap'), io)).toBe(2);
    expectEscaped(io, `"--${QUOTED.slice(1)}`);
  });

  it('a capture name in the "write X.expect" line', async () => {
    const { cap } = hostileCapture();
    const io = fakeIO();
    expect(await main(argv('check', cap), io)).toBe(2);
    expectEscaped(io, `or write ${path.dirname(cap)}/${SHOWN}.expect\n`);
  });

  it('a capture name in the load error and in an input warning', async () => {
    const missing = fakeIO();
    expect(await main(argv('check', '-e', 'connections=1', `/nonexistent/${HOSTILE}.pcap`), missing)).toBe(2);
    expectEscaped(missing);

    const { cap } = hostileCapture();
    // Cut inside the second packet record: read, with a warning naming the file.
    writeFileSync(cap, readFileSync(FIXTURE).subarray(0, 300));
    // A damaged capture fails check (1) unless --allow-damaged (0): escaped either way.
    const io = fakeIO();
    expect(await main(argv('check', '-e', 'connections=1', cap), io)).toBe(1);
    expectEscaped(io);
    expect(io.err()).toContain(`${SHOWN}.pcap: warning: `);
    const allowed = fakeIO();
    expect(await main(argv('check', '-e', 'connections=1', '--allow-damaged', cap), allowed)).toBe(0);
    expectEscaped(allowed);
  });

  it('a rule name read from an .expect file, in a FAIL line', async () => {
    const { dir, cap } = hostileCapture();
    const expectFile = path.join(dir, 'rules.expect');
    writeFileSync(expectFile, `${HOSTILE}: connections=5\n`);
    const io = fakeIO();
    expect(await main(argv('check', '-f', expectFile, cap), io)).toBe(1);
    expectEscaped(io, `: ${SHOWN} (connections=5): `);
  });

  it('writes the JUnit report XML-escaped, not terminal-escaped', async () => {
    const { dir, cap } = hostileCapture();
    const junit = path.join(dir, 'out.xml');
    writeFileSync(path.join(dir, 'rules.expect'), `${HOSTILE}: connections=5\n`);
    const io = fakeIO();
    expect(await main(argv('check', '-f', path.join(dir, 'rules.expect'), '--junit', junit, cap), io)).toBe(1);
    expectEscaped(io);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).not.toMatch(RAW_CONTROL);
    expect(xml).not.toContain(SHOWN);
    // ESC and BEL are not XML 1.0 characters (U+FFFD); the others read back as themselves.
    const name = HOSTILE.replace(/[\u001b\u0007]/g, '\ufffd');
    const tc = parseXml(xml).children[0]!.children[0]!;
    // The classname is the path without its extension, any other dot as _ (junitClassname).
    expect([tc.attrs.classname, tc.attrs.name]).toEqual([junitClassname(cap).replace(/[\u001b\u0007]/g, '\ufffd'), name]);
  });
});

describe("tcptrace check's runCheck escapes every line with the esc it is handed", () => {
  const load = async () => {
    throw new Error(`cannot open ${HOSTILE}`);
  };

  it('FAIL lines, errors, warnings and the "write X.expect" hint', async () => {
    const { dir, cap } = hostileCapture();
    const expectFile = path.join(dir, 'rules.expect');
    writeFileSync(expectFile, `${HOSTILE}: connections=5\n`);
    const r = report([], cap);
    r.input.warnings.push(`damaged at ${HOSTILE}`);
    const c = captureIo();
    // A FAIL line naming the capture and the rule name from the file, and the capture's warning.
    expect(await runCheck(['-f', expectFile, cap], { ...c.io, esc }, async () => r)).toBe(1);
    // The load error naming the capture.
    expect(await runCheck(['-e', 'connections=1', cap], { ...c.io, esc }, load)).toBe(2);
    // No expectations: the "write X.expect" hint.
    expect(await runCheck([cap], { ...c.io, esc }, load)).toBe(2);
    // A bad rule and an unknown option, echoed in usage errors.
    expect(await runCheck(['-e', HOSTILE, cap], { ...c.io, esc }, load)).toBe(2);
    expect(await runCheck([`--${HOSTILE}`, cap], { ...c.io, esc }, load)).toBe(2);

    expect(c.out()).not.toMatch(RAW_CONTROL);
    expect(c.err()).not.toMatch(RAW_CONTROL);
    expect(c.out()).toContain(`FAIL ${dir}/${SHOWN}.pcap: ${SHOWN} (connections=5): 0 connections, expected 5\n`);
    expect(c.err().split('\n')).toEqual(
      expect.arrayContaining([
        `tcptrace check: ${dir}/${SHOWN}.pcap: warning: damaged at ${SHOWN}`,
        `tcptrace check: ${dir}/${SHOWN}.pcap: cannot open ${SHOWN}`,
        `tcptrace check: ${dir}/${SHOWN}.pcap: no expectations: give --expect or --expect-file, or write ${dir}/${SHOWN}.expect`,
      ]),
    );
    // quote() (JSON) already spells ESC and BEL as \u001b and \u0007; esc takes the C1 and the override.
    expect(c.err()).toContain(`Invalid rule: ${QUOTED}`);
    expect(c.err()).toContain(`Invalid option for "tcptrace check": "--${QUOTED.slice(1)}`);
  });
});
