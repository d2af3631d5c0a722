import { describe, expect, it } from 'vitest';
import { evaluate, offenderText } from '../../src/check/evaluate.js';
import { parseRule } from '../../src/check/rules.js';
import { diagnose } from '../../src/diagnose/diagnose.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { closeWait, conn, endIn, graceful, halfOpen, refused, report, unanswered } from '../diagnose/factory.js';

const T0 = 1_700_000_000;
const run = (rule: string, conns: ConnectionRecord[]) => evaluate(parseRule(rule), report(conns));

describe('handshakes-complete', () => {
  it('holds when every opening completed', () => {
    const v = run('handshakes-complete', [graceful({ id: 1 }), graceful({ id: 2 })]);
    expect(v).toEqual({ ok: true, summary: '2 of 2 handshakes complete', offenders: [] });
  });

  it('names each incomplete opening with its last opening packet', () => {
    const v = run('handshakes-complete', [graceful({ id: 1 }), refused({ id: 2, client: '198.18.0.1:40002', server: '198.18.0.2:81' })]);
    expect(v.ok).toBe(false);
    expect(v.offenders).toEqual([
      { connection: { id: 2, client: '198.18.0.1:40002', server: '198.18.0.2:81' }, packet: 202, detail: 'handshake refused, not complete' },
    ]);
    expect(offenderText(v.offenders[0]!)).toBe('#2 198.18.0.1:40002 \u21c4 198.18.0.2:81 packet 202: handshake refused, not complete');
  });

  it('says mid-stream when no opening was captured', () => {
    const r = conn({ id: 3 }, { open: { kind: 'mid-stream', complete: false, rttMs: null, packets: [], heuristic: 'well-known-port', synRetransmits: null } });
    expect(run('handshakes-complete', [r]).offenders[0]!.detail).toBe('no handshake captured (mid-stream)');
  });

  it('holds vacuously on a capture without connections', () => {
    expect(run('handshakes-complete', []).ok).toBe(true);
  });
});

describe('no-failed-checks', () => {
  it('holds when every check passed', () => {
    expect(run('no-failed-checks', [graceful({ id: 1 })]).ok).toBe(true);
  });

  it('lists each failed check with its packet, expected and actual', () => {
    const r = graceful({ id: 4, client: '198.18.0.1:40004' });
    r.checks.push({ id: 'fin-acked', ok: false, packet: 409, expected: 2001, actual: 2000, side: 'server', message: 'FIN acknowledged with FIN seq + 1' });
    const v = run('no-failed-checks', [r]);
    expect(v.ok).toBe(false);
    expect(v.summary).toBe('1 check failed');
    expect(offenderText(v.offenders[0]!)).toBe(
      '#4 198.18.0.1:40004 \u21c4 198.18.0.2:80 packet 409: check fin-acked failed: FIN acknowledged with FIN seq + 1 (expected 2001, got 2000)',
    );
  });
});

describe('resets', () => {
  const rst = () => {
    const r = graceful({ id: 5, client: '198.18.0.1:40005' });
    r.close = { kind: 'reset', initiator: 'server', dataAfterFin: 0, packets: [507], reset: { by: 'server', state: 'ESTABLISHED', packet: 507 } };
    return r;
  };

  it('counts resets and refused openings', () => {
    const conns = [graceful({ id: 1 }), rst(), refused({ id: 6 })];
    expect(run('resets<=2', conns).ok).toBe(true);
    expect(run('resets=2', conns).ok).toBe(true);
    expect(run('resets>=3', conns)).toEqual({ ok: false, summary: '2 resets, expected >= 3', offenders: [] });
    const v = run('no-resets', conns);
    expect(v.ok).toBe(false);
    expect(v.summary).toBe('2 resets, expected 0');
    expect(v.offenders.map(offenderText)).toEqual([
      '#5 198.18.0.1:40005 \u21c4 198.18.0.2:80 packet 507: reset by server in ESTABLISHED',
      `#6 198.18.0.1:40006 \u21c4 198.18.0.2:80 packet 602: reset by server in CLOSED`,
    ]);
    expect(run('resets<2', conns).offenders).toHaveLength(2);
  });

  it('holds with no resets', () => {
    expect(run('no-resets', [graceful({ id: 1 })]).ok).toBe(true);
  });
});

describe('graceful-close', () => {
  it('holds for four-way closes that ended in TIME-WAIT / CLOSED', () => {
    const v = run('graceful-close', [graceful({ id: 1 }), graceful({ id: 2, closer: 'server', expired: true })]);
    expect(v).toEqual({ ok: true, summary: '2 of 2 connections closed gracefully', offenders: [] });
  });

  it('names resets, open, half-closed, unanswered and unfinished closes', () => {
    const reset = graceful({ id: 1 });
    reset.close = { kind: 'reset', initiator: 'client', dataAfterFin: 0, packets: [107], reset: { by: 'client', state: 'FIN-WAIT-2', packet: 107 } };
    const open = conn({ id: 2 });
    const half = closeWait({ id: 3, closer: 'client' });
    const syn = unanswered({ id: 4 });
    const lastAck = graceful({ id: 5 });
    lastAck.server.state = 'LAST-ACK';
    const v = run('graceful-close', [reset, open, half, syn, lastAck, graceful({ id: 6 })]);
    expect(v.ok).toBe(false);
    expect(v.summary).toBe('1 of 6 connections closed gracefully');
    expect(v.offenders.map((o) => [o.connection!.id, o.packet, o.detail])).toEqual([
      [1, 107, 'reset by client in FIN-WAIT-2'],
      [2, null, 'still open at capture end (client ESTABLISHED, server ESTABLISHED)'],
      [3, 304, 'only the client closed (server in CLOSE-WAIT)'],
      [4, 404, 'never opened (unanswered SYN)'],
      [5, 507, 'four-way close not completed (client TIME-WAIT, server LAST-ACK)'],
    ]);
  });
});

describe('no-state', () => {
  it('holds when no endpoint ended in the state', () => {
    expect(run('no-state CLOSE-WAIT', [graceful({ id: 1 })]).ok).toBe(true);
  });

  it('names the endpoint and the packet where it entered the state', () => {
    const v = run('no-state CLOSE-WAIT', [graceful({ id: 1 }), closeWait({ id: 2, server: '198.18.0.2:8080' })]);
    expect(v.ok).toBe(false);
    expect(v.offenders.map(offenderText)).toEqual(['#2 198.18.0.1:40002 \u21c4 198.18.0.2:8080 packet 204: server 198.18.0.2:8080 left in CLOSE-WAIT']);
  });

  it('checks both sides and ignores states the capture never showed', () => {
    const r = graceful({ id: 1 });
    endIn(r, 'server', 'TIME-WAIT', 150);
    expect(run('no-state TIME-WAIT', [r]).offenders.map((o) => o.detail)).toEqual([
      'client 198.18.0.1:40001 left in TIME-WAIT',
      'server 198.18.0.2:80 left in TIME-WAIT',
    ]);
    const u = closeWait({ id: 2 });
    u.server.stateBasis = 'unseen';
    expect(run('no-state CLOSE-WAIT', [u]).ok).toBe(true);
  });
});

describe('connections', () => {
  const three = () => [graceful({ id: 1 }), graceful({ id: 2 }), graceful({ id: 3 })];
  it.each([
    ['connections=3', true],
    ['connections=4', false],
    ['connections>=3', true],
    ['connections>=4', false],
    ['connections>2', true],
    ['connections<3', false],
    ['connections<=3', true],
  ])('%s on 3 connections: %s', (rule, ok) => {
    expect(run(rule, three()).ok).toBe(ok);
  });

  it('says what it found', () => {
    expect(run('connections=4', three()).summary).toBe('3 connections, expected 4');
    expect(run('connections>=1', []).summary).toBe('0 connections, expected >= 1');
  });
});

describe('accepts', () => {
  it('holds when the endpoint completed an opening', () => {
    const conns = [refused({ id: 1, server: '198.18.0.2:8080' }), graceful({ id: 2, server: '198.18.0.2:8080' })];
    expect(run('accepts 198.18.0.2:8080', conns)).toEqual({ ok: true, summary: '198.18.0.2:8080 accepted 1 connection', offenders: [] });
    expect(run('accepts *:8080', conns).ok).toBe(true);
  });

  it('fails with every attempt named when none was accepted', () => {
    const conns = [
      refused({ id: 1, client: '198.18.0.1:40001', server: '198.18.0.2:8080' }),
      unanswered({ id: 2, client: '198.18.0.1:40002', server: '198.18.0.2:8080' }),
      halfOpen({ id: 3, client: '198.18.0.1:40003', server: '198.18.0.2:8080' }),
      graceful({ id: 4, server: '198.18.0.2:9090' }),
    ];
    const v = run('accepts 198.18.0.2:8080', conns);
    expect(v.ok).toBe(false);
    expect(v.summary).toBe('198.18.0.2:8080 accepted none of 3 attempts');
    expect(v.offenders.map((o) => [o.connection!.id, o.packet, o.detail])).toEqual([
      [1, 102, 'not accepted (refused)'],
      [2, 204, 'not accepted (unanswered)'],
      [3, 302, 'not accepted (incomplete)'],
    ]);
  });

  it('fails when nothing went to the endpoint, and matches IPv6 canonically', () => {
    expect(run('accepts 198.18.0.9:80', [graceful({ id: 1 })]).summary).toBe('no connection to 198.18.0.9:80 in the capture');
    const v6 = graceful({ id: 1, client: '[2001:db8::1]:40000', server: '[2001:db8::2]:443' });
    expect(run('accepts [2001:0db8:0:0::2]:443', [v6]).ok).toBe(true);
    expect(run('accepts [2001:db8::3]:443', [v6]).ok).toBe(false);
  });

  it('does not count a mid-stream connection as accepted', () => {
    const r = conn({ id: 1 }, { open: { kind: 'mid-stream', complete: false, rttMs: null, packets: [], heuristic: null, synRetransmits: null } });
    r.timeline = [];
    const v = run('accepts 198.18.0.2:80', [r]);
    expect(v.ok).toBe(false);
    expect(v.offenders[0]!.detail).toBe('mid-stream, opening not captured');
  });
});

describe('rtt', () => {
  const withRtt = (id: number, rttMs: number | null) => {
    const r = graceful({ id, client: `198.18.0.1:${40000 + id}` });
    r.open.rttMs = rttMs;
    return r;
  };

  it('holds when every measured RTT is under the bound, ignoring unmeasured ones', () => {
    const v = run('rtt<50ms', [withRtt(1, 0.2), withRtt(2, 49.9), withRtt(3, null)]);
    expect(v).toEqual({ ok: true, summary: 'largest handshake RTT 49.9 ms of 2 measured', offenders: [] });
  });

  it('names each connection over the bound with its final ACK', () => {
    const v = run('rtt<50ms', [withRtt(1, 0.2), withRtt(2, 73.25)]);
    expect(v.ok).toBe(false);
    expect(v.offenders.map(offenderText)).toEqual(['#2 198.18.0.1:40002 \u21c4 198.18.0.2:80 packet 203: handshake RTT 73.3 ms, expected < 50 ms']);
    expect(run('rtt<=73.25ms', [withRtt(2, 73.25)]).ok).toBe(true);
    expect(run('rtt<73.25ms', [withRtt(2, 73.25)]).ok).toBe(false);
    expect(run('rtt<100us', [withRtt(1, 0.2)]).ok).toBe(false);
  });

  it('fails when no RTT was measured at all', () => {
    expect(run('rtt<50ms', [refused({ id: 1 })])).toEqual({ ok: false, summary: 'no handshake RTT measured (no complete handshake)', offenders: [] });
  });
});

describe('no-warnings', () => {
  it('fails on a diagnostic warning and holds on info', () => {
    const bad = report([closeWait({ id: 1, start: T0 }), graceful({ id: 2, start: T0 + 10 })]);
    bad.diagnostics = diagnose(bad.connections, { mslSec: 30, portRange: [32768, 60999] });
    const v = evaluate(parseRule('no-warnings'), bad);
    expect(v.ok).toBe(false);
    expect(v.offenders).toHaveLength(1);
    expect(v.offenders[0]!.detail).toMatch(/^close-wait-leak 198\.18\.0\.2:80: /);

    const fine = report([conn({ id: 1 }, { keepAlive: { probes: 2, intervalSec: 75 } })]);
    fine.diagnostics = diagnose(fine.connections, { mslSec: 30, portRange: [32768, 60999] });
    expect(fine.diagnostics.findings).toHaveLength(1);
    expect(evaluate(parseRule('no-warnings'), fine).ok).toBe(true);
  });

  it('computes diagnostics when the report has none', () => {
    const r = report([refused({ id: 1 })]);
    expect(evaluate(parseRule('no-warnings'), r).offenders[0]!.detail).toMatch(/^refused /);
  });
});
