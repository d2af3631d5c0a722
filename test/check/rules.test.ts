import { describe, expect, it } from 'vitest';
import { parseExpectFile } from '../../src/check/expect-file.js';
import { parseRule } from '../../src/check/rules.js';

describe('parseRule', () => {
  it.each([
    ['handshakes-complete', { kind: 'handshakes-complete', text: 'handshakes-complete' }],
    ['no-failed-checks', { kind: 'no-failed-checks', text: 'no-failed-checks' }],
    ['graceful-close', { kind: 'graceful-close', text: 'graceful-close' }],
    ['no-warnings', { kind: 'no-warnings', text: 'no-warnings' }],
    ['no-resets', { kind: 'resets', op: '=', n: 0, text: 'no-resets' }],
    ['resets<=2', { kind: 'resets', op: '<=', n: 2, text: 'resets<=2' }],
    ['  resets <= 02 ', { kind: 'resets', op: '<=', n: 2, text: 'resets<=2' }],
    ['connections=3', { kind: 'connections', op: '=', n: 3, text: 'connections=3' }],
    ['connections>=1', { kind: 'connections', op: '>=', n: 1, text: 'connections>=1' }],
    ['connections>0', { kind: 'connections', op: '>', n: 0, text: 'connections>0' }],
    ['connections<10', { kind: 'connections', op: '<', n: 10, text: 'connections<10' }],
    ['rtt<50ms', { kind: 'rtt', op: '<', ms: 50, text: 'rtt<50ms' }],
    ['rtt<=1.5s', { kind: 'rtt', op: '<=', ms: 1500, text: 'rtt<=1.5s' }],
    ['rtt < 800 us', { kind: 'rtt', op: '<', ms: 0.8, text: 'rtt<800us' }],
    ['rtt<250µs', { kind: 'rtt', op: '<', ms: 0.25, text: 'rtt<250µs' }],
    ['no-state CLOSE-WAIT', { kind: 'no-state', state: 'CLOSE-WAIT', text: 'no-state CLOSE-WAIT' }],
    ['no-state time_wait', { kind: 'no-state', state: 'TIME-WAIT', text: 'no-state TIME-WAIT' }],
    ['accepts 198.18.0.2:8080', { kind: 'accepts', ip: '198.18.0.2', port: 8080, text: 'accepts 198.18.0.2:8080' }],
    ['accepts [2001:DB8:0::2]:443', { kind: 'accepts', ip: '2001:db8::2', port: 443, text: 'accepts [2001:db8::2]:443' }],
    ['accepts *:80', { kind: 'accepts', ip: null, port: 80, text: 'accepts *:80' }],
  ])('parses %j', (src, want) => {
    expect(parseRule(src)).toEqual(want);
  });

  it.each([
    ['', 'Empty rule'],
    ['handshake-complete', 'Invalid rule: "handshake-complete" (did you mean "handshakes-complete"?)'],
    ['Graceful-Close', 'Invalid rule: "Graceful-Close" (did you mean "graceful-close"?)'],
    ['frobnicate', 'Invalid rule: "frobnicate"'],
    ['latency<5ms', 'Invalid rule: "latency"'],
    ['resets', '"resets" must be followed by an operator (=, <, <=, >, >=) and a non-negative integer, e.g. resets>=1'],
    ['resets<=many', '"resets" must be compared with a non-negative integer (got "many")'],
    ['connections==3', '"connections" must be compared with a non-negative integer (got "=3")'],
    ['connections>=-1', '"connections" must be compared with a non-negative integer (got "-1")'],
    ['rtt>5ms', '"rtt" must be compared with < or <= (got ">")'],
    ['rtt<50', '"rtt" bound must be a duration with a unit, e.g. 50ms, 1.5s, 800us (got "50")'],
    ['rtt', '"rtt" must be followed by < or <= and a duration, e.g. rtt<50ms'],
    ['graceful-close=1', '"graceful-close" takes no operator (got "graceful-close=1")'],
    ['graceful-close now', '"graceful-close" takes no argument (got "now")'],
    [
      'no-state',
      '"no-state" must be followed by a TCP state (CLOSED, LISTEN, SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT)',
    ],
    ['no-state HALF-OPEN', '(got "HALF-OPEN")'],
    ['accepts 198.18.0.2', '"accepts" must be followed by host:port, e.g. 198.18.0.2:8080, [2001:db8::2]:443 or *:80 (got "198.18.0.2")'],
    ['accepts 198.18.0.2:0', '(got "198.18.0.2:0")'],
    ['accepts 198.18.0.2:70000', '(got "198.18.0.2:70000")'],
    ['accepts 198.18.0.256:80', '(got "198.18.0.256:80")'],
    ['accepts 2001:db8::2:443', '(got "2001:db8::2:443")'],
    ['accepts [198.18.0.2]:80', '(got "[198.18.0.2]:80")'],
    ['accepts [*]:80', '(got "[*]:80")'],
  ])('rejects %j', (src, message) => {
    expect(() => parseRule(src)).toThrow(message);
  });
});

describe('parseExpectFile', () => {
  it('reads named and unnamed rules, comments, blank lines and CRLF', () => {
    const text = [
      '\uFEFF# login-flow: what the login service must do',
      '',
      'handshakes: handshakes-complete',
      'clean close : graceful-close   # both FINs',
      'accepts 198.18.0.2:8443',
      'v6 service: accepts [2001:db8::2]:443',
      '   rtt<50ms\r',
      'left open: no-state CLOSE-WAIT',
    ].join('\n');
    const got = parseExpectFile(text, 'login.expect');
    expect(got.map((e) => [e.name, e.rule.text, e.origin])).toEqual([
      ['handshakes', 'handshakes-complete', 'login.expect:3'],
      ['clean close', 'graceful-close', 'login.expect:4'],
      ['accepts 198.18.0.2:8443', 'accepts 198.18.0.2:8443', 'login.expect:5'],
      ['v6 service', 'accepts [2001:db8::2]:443', 'login.expect:6'],
      ['rtt<50ms', 'rtt<50ms', 'login.expect:7'],
      ['left open', 'no-state CLOSE-WAIT', 'login.expect:8'],
    ]);
  });

  it.each([
    ['a: handshakes-complete\nb: resetz<=1\n', 'x.expect:2: Invalid rule: "resetz" (did you mean "resets"?)'],
    ['a: handshakes-complete\na: graceful-close\n', 'x.expect:2: duplicate name "a" (first on line 1)'],
    ['rtt<5ms\nrtt<5ms\n', 'x.expect:2: duplicate name "rtt<5ms" (first on line 1)'],
    ['name:\n', 'x.expect:1: missing rule after "name:"'],
    ['# only comments\n\n', 'x.expect: no rules'],
    ['x: rtt<5\n', 'x.expect:1: "rtt" bound must be a duration'],
  ])('rejects %j', (text, message) => {
    expect(() => parseExpectFile(text, 'x.expect')).toThrow(message);
  });
});
