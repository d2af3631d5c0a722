import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureIo } from '../helpers/io.js';
import { describe, expect, it } from 'vitest';
import { checkHelp, parseCheckArgs } from '../../src/check/args.js';
import { runCheck, siblingExpectFile, type LoadReport } from '../../src/check/cli.js';
import { CaptureError } from '../../src/capture/frame.js';
import type { Report } from '../../src/diagnose/types.js';
import { closeWait, graceful, refused, report } from '../diagnose/factory.js';
import { parseXml } from './xml.js';

const io = captureIo;

/** A loader serving hand-built reports by path; unknown paths fail like a missing file. */
function loader(reports: Record<string, Report>, seen: Array<[string, unknown]> = []): LoadReport {
  return async (p, o) => {
    seen.push([p, o]);
    const r = reports[p];
    if (!r) throw new CaptureError(p, null, 'cannot open (ENOENT)');
    return r;
  };
}

const good = () => report([graceful({ id: 1 }), graceful({ id: 2 })], 'good.pcap');
const leaky = () => report([graceful({ id: 1 }), closeWait({ id: 2, server: '198.18.0.2:8080' }), refused({ id: 3 })], 'leaky.pcap');

describe('parseCheckArgs', () => {
  it('reads files and every option, in both --opt value and --opt=value forms', () => {
    const a = parseCheckArgs([
      'a.pcap',
      '--expect',
      'graceful-close',
      '-e',
      'rtt<5ms',
      '--expect=resets<=1',
      'b.pcapng',
      '--expect-file',
      'x.expect',
      '-f',
      'y.expect',
      '--junit=out.xml',
      '--msl',
      '60',
      '--port-range',
      '1024-65535',
      '-v',
    ]);
    expect(a).toEqual({
      files: ['a.pcap', 'b.pcapng'],
      expect: ['graceful-close', 'rtt<5ms', 'resets<=1'],
      expectFiles: ['x.expect', 'y.expect'],
      junit: 'out.xml',
      mslSec: 60,
      portRange: [1024, 65535],
      verbose: true,
      allowDamaged: false,
      help: false,
    });
  });

  it('lets a rule word that needs an argument take the next word (unquoted)', () => {
    expect(parseCheckArgs(['--expect', 'no-state', 'CLOSE-WAIT', 'a.pcap', '--expect', 'accepts', '198.18.0.2:80']).expect).toEqual([
      'no-state CLOSE-WAIT',
      'accepts 198.18.0.2:80',
    ]);
    // ...but never an option.
    expect(parseCheckArgs(['a.pcap', '--expect', 'no-state', '--verbose']).expect).toEqual(['no-state']);
  });

  it('treats - as standard input and everything after -- as files', () => {
    expect(parseCheckArgs(['-', '--', '--weird.pcap']).files).toEqual(['-', '--weird.pcap']);
  });

  it.each([
    [['a.pcap', '--expct', 'x'], 'Invalid option for "tcptrace check": "--expct" (did you mean "--expect"?)'],
    [['a.pcap', '--json'], 'Invalid option for "tcptrace check": "--json"'],
    [['a.pcap', '--expect'], '"--expect" must be followed by RULE'],
    [['a.pcap', '--msl', '0'], '"--msl" must be a positive number (got "0")'],
    [['a.pcap', '--msl=abc'], '"--msl" must be a positive number (got "abc")'],
    [['a.pcap', '--port-range', '60999-32768'], '"--port-range" must be two port numbers LOW-HIGH with LOW <= HIGH, e.g. 32768-60999 (got "60999-32768")'],
    [['a.pcap', '--port-range', '0-10'], '(got "0-10")'],
    [['a.pcap', '--verbose=yes'], '"--verbose" takes no value'],
    [['--expect', 'graceful-close'], 'no capture given'],
    [['-', '-'], 'standard input ("-") can be read only once'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCheckArgs(argv)).toThrow(message);
  });

  it('has help for every option', () => {
    const h = checkHelp();
    for (const k of ['--expect', '--expect-file', '--junit', '--msl', '--port-range', '--verbose', '--help']) expect(h).toContain(k);
  });
});

describe('siblingExpectFile', () => {
  it('replaces the capture extension with .expect', () => {
    expect(siblingExpectFile('captures/login-flow.pcap')).toBe('captures/login-flow.expect');
    expect(siblingExpectFile('a.b/x.pcapng')).toBe('a.b/x.expect');
    expect(siblingExpectFile('dump')).toBe('dump.expect');
  });
});

describe('runCheck', () => {
  it('exits 0 when every expectation holds and says so', async () => {
    const c = io();
    const code = await runCheck(['good.pcap', '--expect', 'handshakes-complete', '--expect', 'graceful-close'], c.io, loader({ 'good.pcap': good() }));
    expect(code).toBe(0);
    expect(c.out()).toBe('1 capture, 2 expectations: all hold\n');
    expect(c.err()).toBe('');
  });

  it('exits 1 with one line per failed expectation naming capture, connection and packet', async () => {
    const c = io();
    const code = await runCheck(
      ['good.pcap', 'leaky.pcap', '-e', 'no-state', 'CLOSE-WAIT', '-e', 'no-resets', '-e', 'connections>=2'],
      c.io,
      loader({ 'good.pcap': good(), 'leaky.pcap': leaky() }),
    );
    expect(code).toBe(1);
    expect(c.out().split('\n')).toEqual([
      'FAIL leaky.pcap: no-state CLOSE-WAIT: #2 198.18.0.1:40002 \u21c4 198.18.0.2:8080 packet 204: server 198.18.0.2:8080 left in CLOSE-WAIT',
      'FAIL leaky.pcap: no-resets: #3 198.18.0.1:40003 \u21c4 198.18.0.2:80 packet 302: reset by server in CLOSED',
      '2 captures, 6 expectations: 2 failed',
      '',
    ]);
  });

  it('passes --msl and --port-range to the loader, and nothing when not given', async () => {
    const seen: Array<[string, unknown]> = [];
    await runCheck(['good.pcap', '-e', 'connections=2', '--msl', '60', '--port-range', '1024-2047'], io().io, loader({ 'good.pcap': good() }, seen));
    await runCheck(['good.pcap', '-e', 'connections=2'], io().io, loader({ 'good.pcap': good() }, seen));
    expect(seen).toEqual([
      ['good.pcap', { mslSec: 60, portRange: [1024, 2047] }],
      ['good.pcap', {}],
    ]);
  });

  it('names the rule and its name from an expectations file; --verbose adds passes and every offender', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chk-'));
    const f = path.join(dir, 'svc.expect');
    writeFileSync(f, '# service\nopenings: handshakes-complete\nclean: graceful-close\ncount: connections=3\n');
    const c = io();
    const code = await runCheck(['leaky.pcap', '--expect-file', f, '--verbose'], c.io, loader({ 'leaky.pcap': leaky() }));
    expect(code).toBe(1);
    expect(c.out().split('\n')).toEqual([
      'FAIL leaky.pcap: openings (handshakes-complete): #3 198.18.0.1:40003 \u21c4 198.18.0.2:80 packet 302: handshake refused, not complete',
      'FAIL leaky.pcap: clean (graceful-close): #2 198.18.0.1:40002 \u21c4 198.18.0.2:8080 packet 204: only the client closed (server in CLOSE-WAIT) (and 1 more)',
      '     #3 198.18.0.1:40003 \u21c4 198.18.0.2:80 packet 302: reset by server in CLOSED',
      'ok   leaky.pcap: count (connections=3): 3 connections, expected 3',
      '1 capture, 3 expectations: 2 failed',
      '',
    ]);
  });

  it('uses the .expect file next to each capture when no expectation is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chk-'));
    const cap = path.join(dir, 'login-flow.pcap');
    writeFileSync(path.join(dir, 'login-flow.expect'), 'clean: graceful-close\n');
    const c = io();
    expect(await runCheck([cap], c.io, loader({ [cap]: good() }))).toBe(0);
    expect(c.out()).toBe('1 capture, 1 expectation: all hold\n');

    const d = io();
    const other = path.join(dir, 'other.pcap');
    expect(await runCheck([other], d.io, loader({ [other]: good() }))).toBe(2);
    expect(d.err()).toBe(`tcptrace check: ${other}: no expectations: give --expect or --expect-file, or write ${path.join(dir, 'other.expect')}\n`);
  });

  it('exits 2 on usage errors with one line and a hint, never a stack', async () => {
    const c = io();
    expect(await runCheck(['good.pcap', '--expect', 'handshake-complete'], c.io, loader({}))).toBe(2);
    expect(c.err()).toBe(
      'tcptrace check: --expect "handshake-complete": Invalid rule: "handshake-complete" (did you mean "handshakes-complete"?)\n' +
        'tcptrace check: run "tcptrace check --help" for usage\n',
    );
    expect(c.out()).toBe('');

    const d = io();
    expect(await runCheck(['good.pcap', '--expect-file', '/nonexistent/x.expect'], d.io, loader({}))).toBe(2);
    expect(d.err()).toContain('tcptrace check: /nonexistent/x.expect: cannot read expectations file (ENOENT)\n');

    const e = io();
    expect(await runCheck(['good.pcap', '-e', 'graceful-close', '-e', 'graceful-close'], e.io, loader({}))).toBe(2);
    expect(e.err()).toContain('duplicate expectation "graceful-close"');
  });

  it('exits 2 on an unreadable capture even when the others pass or fail, and still checks them', async () => {
    const c = io();
    const code = await runCheck(['missing.pcap', 'leaky.pcap', '-e', 'no-resets'], c.io, loader({ 'leaky.pcap': leaky() }));
    expect(code).toBe(2);
    expect(c.err()).toBe('tcptrace check: missing.pcap: cannot open (ENOENT)\n');
    expect(c.out()).toContain('FAIL leaky.pcap: no-resets');
    expect(c.out()).toContain('2 captures, 1 expectation: 1 failed, 1 capture not checked\n');
  });

  it('fails a damaged capture (a warning) unless --allow-damaged, saying so on stderr either way', async () => {
    const r = good();
    r.input.warnings.push('offset 4096: file ends inside a packet record');
    const c = io();
    expect(await runCheck(['good.pcap', '-e', 'connections=2'], c.io, loader({ 'good.pcap': r }))).toBe(1);
    expect(c.err()).toBe('tcptrace check: good.pcap: warning: offset 4096: file ends inside a packet record\n');
    expect(c.out()).toBe(
      'FAIL good.pcap: capture undamaged: the capture is damaged (1 warning): offset 4096: file ends inside a packet record; --allow-damaged judges what could be read\n' +
        '1 capture, 2 expectations: 1 failed\n',
    );
    const allowed = io();
    expect(await runCheck(['good.pcap', '-e', 'connections=2', '--allow-damaged'], allowed.io, loader({ 'good.pcap': r }))).toBe(0);
    expect(allowed.err()).toBe('tcptrace check: good.pcap: warning: offset 4096: file ends inside a packet record\n');
    expect(allowed.out()).toBe('1 capture, 1 expectation: all hold\n');
  });

  it('writes JUnit XML with one test case per rule per capture', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chk-'));
    const junit = path.join(dir, 'out.xml');
    const code = await runCheck(
      ['good.pcap', 'leaky.pcap', 'missing.pcap', '-e', 'graceful-close', '-e', 'connections>=2', '--junit', junit],
      io().io,
      loader({ 'good.pcap': good(), 'leaky.pcap': leaky() }),
    );
    expect(code).toBe(2);
    const root = parseXml(readFileSync(junit, 'utf8'));
    expect(root.attrs).toMatchObject({ tests: '6', failures: '1', errors: '2' });
    expect(root.children.map((s) => [s.attrs.name, s.children.map((tc) => `${tc.attrs.name}:${tc.children[0]?.name ?? 'ok'}`)])).toEqual([
      ['good.pcap', ['graceful-close:ok', 'connections>=2:ok']],
      ['leaky.pcap', ['graceful-close:failure', 'connections>=2:ok']],
      ['missing.pcap', ['graceful-close:error', 'connections>=2:error']],
    ]);
  });

  it('exits 2 when the JUnit file cannot be written', async () => {
    const c = io();
    expect(await runCheck(['good.pcap', '-e', 'connections=2', '--junit', '/nonexistent/dir/out.xml'], c.io, loader({ 'good.pcap': good() }))).toBe(2);
    expect(c.err()).toBe('tcptrace check: /nonexistent/dir/out.xml: cannot write JUnit report (ENOENT)\n');
  });

  it('prints help and exits 0', async () => {
    const c = io();
    expect(await runCheck(['--help'], c.io, loader({}))).toBe(0);
    expect(c.out()).toContain('Usage: tcptrace check FILE...');
  });

  it('exits 2 with a clear line when no loader was handed in', async () => {
    const c = io();
    expect(await runCheck(['good.pcap', '-e', 'connections=2'], c.io)).toBe(2);
    expect(c.err()).toContain('no capture loader');
  });
});
