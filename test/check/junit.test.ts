import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/check/evaluate.js';
import { junitClassname, renderJunit, xmlAttr, xmlText, type SuiteResult } from '../../src/check/junit.js';
import { parseRule } from '../../src/check/rules.js';
import { closeWait, graceful, report } from '../diagnose/factory.js';
import { parseXml } from './xml.js';

const NASTY = 'a<b>&c"d\'e\u0001f\u0000\ud800g\n\th]]>';

describe('XML escaping', () => {
  it('escapes markup and replaces characters XML forbids', () => {
    expect(xmlText(NASTY)).toBe('a&lt;b&gt;&amp;c"d\'e\ufffdf\ufffd\ufffdg\n\th]]&gt;');
    expect(xmlAttr(NASTY)).toBe('a&lt;b&gt;&amp;c&quot;d&apos;e\ufffdf\ufffd\ufffdg&#10;&#9;h]]&gt;');
    // A valid surrogate pair (an emoji) survives.
    expect(xmlText('\ud83d\ude00')).toBe('\ud83d\ude00');
  });
});

describe('characters a terminal obeys (issue 10)', () => {
  // DEL, CSI as one C1 character, NEL, a bidi override and isolate: valid XML 1.0, but `cat out.xml` would run them.
  const TTY = 'a\u007f\u009b2J\u0085b\u202ec\u2066d';

  it('are written as character references, which read back as the same characters', () => {
    expect(xmlText(TTY)).toBe('a&#x7F;&#x9B;2J&#x85;b&#x202E;c&#x2066;d');
    expect(xmlAttr(TTY)).toBe('a&#x7F;&#x9B;2J&#x85;b&#x202E;c&#x2066;d');
    const xml = renderJunit([{ capture: `cap${TTY}.pcap`, timeSec: 0, cases: [], error: `broken ${TTY}`, errorCases: [{ name: TTY, rule: 'no-resets' }] }]);
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    const tc = parseXml(xml).children[0]!.children[0]!;
    expect([tc.attrs.classname, tc.attrs.name, tc.children[0]!.attrs.message, tc.children[0]!.text]).toEqual([
      `cap${TTY}`,
      TTY,
      `broken ${TTY}`,
      `broken ${TTY}`,
    ]);
  });
});

describe('the XML reader used here', () => {
  it('rejects what is not well-formed', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    expect(() => parseXml(`${head}<a><b></a></b>`)).toThrow('mismatched');
    expect(() => parseXml(`${head}<a x="1<2"/>`)).toThrow('raw <');
    expect(() => parseXml(`${head}<a>&nbsp;</a>`)).toThrow('raw < or &');
    expect(() => parseXml(`${head}<a>\u0001</a>`)).toThrow('not allowed');
    expect(() => parseXml(`${head}<a/><b/>`)).toThrow('second root');
    expect(() => parseXml(`${head}<a x="1" x="2"/>`)).toThrow('duplicate');
    expect(parseXml(`${head}<a x="&quot;&#10;"><b>t&amp;</b></a>`)).toEqual({
      name: 'a',
      attrs: { x: '"\n' },
      children: [{ name: 'b', attrs: {}, children: [], text: 't&' }],
      text: '',
    });
  });
});

describe('renderJunit', () => {
  const conns = [graceful({ id: 1 }), closeWait({ id: 2, server: '198.18.0.2:8080' })];
  const rep = report(conns, 'caps/login.pcap');
  const rules = ['handshakes-complete', 'no-state CLOSE-WAIT', 'graceful-close', 'connections>=3'];
  const suites: SuiteResult[] = [
    {
      capture: 'caps/login.pcap',
      timeSec: 0.0123,
      cases: rules.map((r, i) => ({
        name: i === 1 ? `left "open" <${NASTY}>` : r,
        rule: parseRule(r).text,
        verdict: evaluate(parseRule(r), rep),
        timeSec: 0.000042 * (i + 1),
      })),
    },
    {
      capture: 'caps/gone & lost.pcap',
      timeSec: 0,
      cases: [],
      error: 'caps/gone & lost.pcap: offset 24: truncated <header>',
      errorCases: [
        { name: 'handshakes-complete', rule: 'handshakes-complete' },
        { name: 'graceful-close', rule: 'graceful-close' },
      ],
    },
  ];
  const xml = renderJunit(suites);
  const root = parseXml(xml);

  it('is well-formed, with counts that add up', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toEqual({ name: 'tcptrace check', tests: '6', failures: '3', errors: '2' });
    expect(root.children.map((s) => [s.name, s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.errors])).toEqual([
      ['testsuite', 'caps/login.pcap', '4', '3', '0'],
      ['testsuite', 'caps/gone & lost.pcap', '2', '0', '2'],
    ]);
    expect(root.children[0]!.attrs.time).toBe('0.012300');
  });

  it('has one test case per rule, failures carrying the offender and its packet', () => {
    const cases = root.children[0]!.children;
    expect(cases.map((c) => [c.attrs.classname, c.attrs.name, c.children.map((x) => x.name)])).toEqual([
      ['caps/login', 'handshakes-complete', []],
      ['caps/login', `left "open" <${NASTY.replace(/[\u0000\u0001]|\ud800/g, '\ufffd')}>`, ['failure']],
      ['caps/login', 'graceful-close', ['failure']],
      ['caps/login', 'connections>=3', ['failure']],
    ]);
    // Each rule's own evaluation time, not 0.
    expect(cases.map((c) => c.attrs.time)).toEqual(['0.000042', '0.000084', '0.000126', '0.000168']);
    const closeWaitFailure = cases[1]!.children[0]!;
    expect(closeWaitFailure.attrs.type).toBe('no-state CLOSE-WAIT');
    expect(closeWaitFailure.attrs.message).toBe('#2 198.18.0.1:40002 \u21c4 198.18.0.2:8080 packet 204: server 198.18.0.2:8080 left in CLOSE-WAIT');
    expect(closeWaitFailure.text).toBe(
      '1 endpoint in CLOSE-WAIT at capture end\n#2 198.18.0.1:40002 \u21c4 198.18.0.2:8080 packet 204: server 198.18.0.2:8080 left in CLOSE-WAIT',
    );
    expect(cases[3]!.children[0]!.attrs.message).toBe('2 connections, expected >= 3');
  });

  it('reports an unreadable capture as an error on each of its rules', () => {
    const cases = root.children[1]!.children;
    expect(cases.map((c) => c.attrs.name)).toEqual(['handshakes-complete', 'graceful-close']);
    for (const c of cases) {
      expect(c.children[0]!.name).toBe('error');
      expect(c.children[0]!.attrs.message).toBe('caps/gone & lost.pcap: offset 24: truncated <header>');
      expect(c.children[0]!.text).toBe('caps/gone & lost.pcap: offset 24: truncated <header>');
    }
  });

  it('writes classnames Jenkins does not split at the extension (no dot left)', () => {
    expect(junitClassname('caps/login.pcap')).toBe('caps/login');
    expect(junitClassname('./caps/v1.2/x.in.pcapng')).toBe('_/caps/v1_2/x_in');
    expect(junitClassname('trace.pcap.gz')).toBe('trace');
    expect(junitClassname('-')).toBe('-');
    const suite = root.children[1]!;
    expect(suite.attrs.name).toBe('caps/gone & lost.pcap');
    for (const c of suite.children) expect(c.attrs.classname).toBe('caps/gone & lost');
  });

  it('renders an empty run as a valid empty document', () => {
    expect(parseXml(renderJunit([])).attrs).toEqual({ name: 'tcptrace check', tests: '0', failures: '0', errors: '0' });
  });
});
