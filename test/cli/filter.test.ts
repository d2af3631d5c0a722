import { describe, expect, it } from 'vitest';
import { compileFilter, FilterError, MAX_FILTER_DEPTH } from '../../src/cli/filter.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { classic, connection, handshake } from '../report/factory.js';

/** Three connections to filter: a closed one, a refused one over IPv6, a CLOSE-WAIT one with a failed check. */
function conns(): ConnectionRecord[] {
  const a = classic(); // 198.18.0.1:41000 -> 198.18.0.2:80, TIME-WAIT / CLOSED, SF
  const b = connection(handshake(), {
    id: 1,
    open: { kind: 'refused', complete: false, rttMs: null, packets: [1, 2], heuristic: null, synRetransmits: null },
    zeek: { conn_state: 'REJ', history: 'Sr', records: null },
    reusedFrom: 0,
  });
  b.client.ip = '2001:db8::1';
  b.server.ip = '2001:db8:0:1::2';
  b.server.port = 443;
  b.client.state = 'CLOSED';
  const c = connection(handshake(), { id: 2, close: { kind: 'half-closed', initiator: 'client', dataAfterFin: 0, packets: [], reset: null } });
  c.client.ip = '198.19.5.5';
  c.server.state = 'CLOSE-WAIT';
  c.checks[0]!.ok = false;
  // b came through GRE (key 7) carrying VXLAN 42; c through GTP-U with TEID 42.
  b.tunnel = [
    { type: 'gre', outer: '198.18.9.1 -> 198.18.9.2', id: 7 },
    { type: 'vxlan', outer: '198.18.8.1 -> 198.18.8.2', id: 42 },
  ];
  c.tunnel = [{ type: 'gtp-u', outer: '198.18.7.1 -> 198.18.7.2', id: 42 }];
  return [a, b, c];
}

const ids = (expr: string) =>
  conns()
    .filter(compileFilter(expr))
    .map((c) => c.id);

describe('filter language', () => {
  it.each<[string, number[]]>([
    ['host 198.18.0.1', [0]],
    ['host 198.18.0.2', [0, 2]],
    ['host 2001:DB8:0::1', [1]],
    ['net 198.18.0.0/15', [0, 2]],
    ['net 198.19.0.0/16', [2]],
    ['net 2001:db8::/32', [1]],
    ['net 2001:db8:0:1::/64', [1]],
    ['client net 198.18.0.0/16', [0]],
    ['port 80', [0, 2]],
    ['server port 443', [1]],
    ['client port 80', []],
    ['host 198.18.0.1 and port 80', [0]],
    ['host 198.18.0.2 port 80', [0, 2]],
    ['state TIME-WAIT', [0]],
    ['state time_wait', [0]],
    ['server state CLOSE-WAIT', [2]],
    ['client state CLOSE-WAIT', []],
    ['open refused', [1]],
    ['open refused or close half-closed', [1, 2]],
    ['close four-way', [0]],
    ['conn 2', [2]],
    ['zeek REJ', [1]],
    ['zeek sf', [0, 2]],
    ['failed', [2]],
    ['reused', [1]],
    ['not port 80', [1]],
    ['! failed && port 80', [0]],
    ['(open refused || failed) and not reused', [2]],
    ['port 80 and (state TIME-WAIT or state CLOSE-WAIT)', [0, 2]],
    ['not not conn 1', [1]],
    ['tunnel any', [1, 2]],
    ['not tunnel any', [0]],
    ['tunnel vxlan', [1]],
    ['tunnel GRE', [1]],
    ['tunnel gtp-u', [2]],
    ['tunnel geneve', []],
    ['vni 42', [1]],
    ['tunnel-id 42', [1, 2]],
    ['tunnel-id 7 and tunnel vxlan', [1]],
  ])('%s', (expr, want) => {
    expect(ids(expr)).toEqual(want);
  });

  it('binds "and" tighter than "or"', () => {
    expect(ids('conn 0 or conn 1 and failed')).toEqual([0]);
    expect(ids('(conn 0 or conn 2) and failed')).toEqual([2]);
  });

  it.each([
    ['', 'the expression is empty'],
    [
      'hots 1.2.3.4',
      'unknown word "hots" (word 1); expected one of: host, net, port, state, open, close, conn, zeek, failed, reused, tunnel, vni, tunnel-id, tcp, ip, ip6, client, server, src, dst, not, (',
    ],
    ['host', 'expected an IPv4 or IPv6 address, found the end of the expression'],
    ['host 1.2.3', 'expected an IPv4 or IPv6 address, found "1.2.3" (word 2)'],
    ['host 10.0.0.0/8', 'expected an IPv4 or IPv6 address, found "10.0.0.0/8" (word 2)'],
    ['net 10.0.0.0/33', 'expected an address or CIDR network (198.18.0.0/15), found "10.0.0.0/33" (word 2)'],
    ['port 65536', 'expected a port number (0-65535), found "65536" (word 2)'],
    [
      'state OPEN',
      'unknown state "OPEN" (one of: CLOSED, LISTEN, SYN-SENT, SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT)',
    ],
    ['open four-way', 'unknown opening kind "four-way" (one of: three-way, simultaneous, fast-open, refused, unanswered, incomplete, mid-stream)'],
    ['client open refused', '"client" cannot qualify "open" (only host, net, port and state)'],
    ['(port 80', 'expected ")", found the end of the expression'],
    ['port 80 )', 'expected "and", "or" or the end of the expression, found ")" (word 3)'],
    [
      'port 80 or',
      'expected a condition (host, net, port, state, open, close, conn, zeek, failed, reused, tunnel, vni, tunnel-id, tcp, ip, ip6, client, server, src, dst, not, (), found the end of the expression',
    ],
  ])('%j is rejected: %s', (expr, message) => {
    expect(() => compileFilter(expr)).toThrow(FilterError);
    expect(() => compileFilter(expr)).toThrow(message);
  });
});

describe('nesting the input controls (issue 10: 5,000 "(" overflowed the stack)', () => {
  const nested = (n: number, inner: string) => '('.repeat(n) + inner + ')'.repeat(n);

  it(`accepts ${MAX_FILTER_DEPTH} levels of parentheses, with and without "not" between them`, () => {
    expect(MAX_FILTER_DEPTH).toBe(100);
    expect(ids(nested(100, 'conn 1'))).toEqual([1]);
    // "( not ( not ( … conn 1 … ) ) )": 100 parentheses and 100 negations, an even number.
    expect(ids(`${'( not '.repeat(100)}conn 1${' )'.repeat(100)}`)).toEqual([1]);
    expect(ids(`${'( ! '.repeat(99)}conn 1${' )'.repeat(99)}`)).toEqual([0, 2]);
    // Depth is nesting, not a count: 1,000 groups side by side are fine.
    expect(ids(Array(1000).fill('(conn 1)').join(' or '))).toEqual([1]);
  });

  it.each([101, 5000, 100_000])('rejects %i levels at the 101st "(" (a FilterError, no RangeError)', (n) => {
    const text = nested(n, 'conn 1');
    expect(() => compileFilter(text)).toThrow(FilterError);
    expect(() => compileFilter(text)).toThrow(/^nested more than 100 deep at "\(" \(word 101\)$/);
  });

  it('a run of negations is not nesting: 100,001 "not"s negate once', () => {
    expect(ids(`${'not '.repeat(100_001)}conn 1`)).toEqual([0, 2]);
    expect(ids(`${'! '.repeat(100_000)}conn 1`)).toEqual([1]);
    expect(() => compileFilter('not not')).toThrow('expected a condition');
  });
});

describe("tcpdump's words in --filter (issue 15)", () => {
  const v4 = connection(handshake(), { id: 7 });
  const v6 = connection(handshake(), { id: 8 });
  v6.client.ip = '2001:db8::1';
  v6.server.ip = '2001:db8::2';
  const t = (expr: string, c = v4) => compileFilter(expr)(c);

  it('src is the client and dst the server, with host, net, port or a bare address', () => {
    expect(t('src host 198.18.0.1')).toBe(true);
    expect(t('src host 198.18.0.2')).toBe(false);
    expect(t('dst host 198.18.0.2 and dst port 80')).toBe(true);
    expect(t('dst port 41000')).toBe(false);
    expect(t('src port 41000')).toBe(true);
    expect(t('src net 198.18.0.0/24')).toBe(true);
    expect(t('src 198.18.0.1')).toBe(true);
    expect(t('dst 198.18.0.1')).toBe(false);
  });

  it('tcp matches every connection; ip and ip6 by family; juxtaposed words are and', () => {
    expect(t('tcp')).toBe(true);
    expect(t('tcp port 80')).toBe(true);
    expect(t('tcp port 81')).toBe(false);
    expect([t('ip'), t('ip6')]).toEqual([true, false]);
    expect([t('ip', v6), t('ip6', v6)]).toEqual([false, true]);
  });

  it('a side cannot qualify tcp', () => {
    expect(() => compileFilter('src tcp')).toThrow(FilterError);
  });
});
