/** The checks catalogue: each check passing on a correct exchange and failing, with expected/actual, on a broken one. */
import { describe, expect, it } from 'vitest';
import type { Check, CheckId } from '../../src/tcp/model.js';
import { play, type Row } from './helpers.js';

const u = (n: number) => n >>> 0;
const X = u(0xfffffff8);
const Y = 1000;

function checksOf(rows: Row[], opts: Parameters<typeof play>[1] = {}): Check[] {
  return play(rows, opts).record.checks;
}
function one(checks: Check[], id: CheckId, side?: string): Check {
  const c = checks.filter((x) => x.id === id && (side === undefined || x.side === side));
  expect(c.length, `${id} ${side ?? ''}`).toBe(1);
  return c[0]!;
}

const good: Row[] = [
  ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
  ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
  ['c', '.', u(X + 1), u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
  ['c', 'P.', u(X + 1), u(Y + 1), 10, 'ESTABLISHED', 'ESTABLISHED'],
  ['s', 'F.', u(Y + 1), u(X + 11), 0, 'CLOSE-WAIT', 'FIN-WAIT-1'],
  ['c', 'F.', u(X + 11), u(Y + 2), 0, 'LAST-ACK', 'TIME-WAIT'],
  ['s', '.', u(Y + 2), u(X + 12), 0, 'CLOSED', 'TIME-WAIT'],
];

describe('a correct exchange passes every check it evaluates', () => {
  it('all ok, each with its packet and numbers', () => {
    const cs = checksOf(good);
    expect(cs.filter((c) => !c.ok)).toEqual([]);
    expect(one(cs, 'synack-acks-isn')).toMatchObject({ packet: 2, expected: u(X + 1), actual: u(X + 1), side: 'server' });
    expect(one(cs, 'handshake-ack-acks-isn')).toMatchObject({ packet: 3, expected: Y + 1, actual: Y + 1, side: 'client' });
    expect(one(cs, 'syn-consumes-one', 'client')).toMatchObject({ packet: 3, expected: u(X + 1), actual: u(X + 1) });
    expect(one(cs, 'syn-consumes-one', 'server')).toMatchObject({ packet: 5, expected: Y + 1, actual: Y + 1 });
    expect(one(cs, 'fin-acked', 'server')).toMatchObject({ packet: 6, expected: Y + 2, actual: Y + 2 });
    expect(one(cs, 'fin-acked', 'client')).toMatchObject({ packet: 7, expected: u(X + 12), actual: u(X + 12) });
    expect(one(cs, 'fin-consumes-one', 'server')).toMatchObject({ packet: 7, expected: Y + 2, actual: Y + 2 });
    expect(one(cs, 'time-wait-side')).toMatchObject({ side: 'server', ok: true, expected: null, actual: null });
    expect(one(cs, 'no-data-after-fin', 'client')).toMatchObject({ ok: true, packet: 6, expected: u(X + 12) });
    // Checks are listed on the segments they were decided on.
    const seg2 = play(good).record.segments.find((s) => s.packet === 2)!;
    expect(seg2.checks).toEqual(['synack-no-data', 'synack-acks-isn']);
  });
});

describe('failures carry expected and actual', () => {
  it('SYN-ACK acking the ISN instead of ISN+1', () => {
    const cs = checksOf([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, X, 0, 'SYN-SENT', 'SYN-RECEIVED'],
    ]);
    expect(one(cs, 'synack-acks-isn')).toMatchObject({ ok: false, expected: u(X + 1), actual: X, packet: 2, side: 'server' });
    expect(one(cs, 'synack-acks-isn').message).toMatch(/not the client's ISN \+ 1/);
  });
  it('final handshake ACK acking the server ISN', () => {
    const cs = checksOf([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', u(X + 1), Y, 0, 'ESTABLISHED', 'SYN-RECEIVED'],
    ]);
    expect(one(cs, 'handshake-ack-acks-isn')).toMatchObject({ ok: false, expected: Y + 1, actual: Y });
  });
  it('SYN,ACK carrying data without Fast Open', () => {
    const cs = checksOf([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 7, 'ESTABLISHED', 'SYN-RECEIVED'],
    ]);
    expect(one(cs, 'synack-no-data')).toMatchObject({ ok: false, expected: 0, actual: 7 });
  });
  it('a SYN that does not consume a sequence number', () => {
    const cs = checksOf([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'S.', Y, u(X + 1), 0, 'ESTABLISHED', 'SYN-RECEIVED'],
      ['c', '.', X, u(Y + 1), 0, 'ESTABLISHED', 'ESTABLISHED'],
    ]);
    expect(one(cs, 'syn-consumes-one', 'client')).toMatchObject({ ok: false, expected: u(X + 1), actual: X });
  });
  it('a FIN that does not consume a sequence number, and its ACK covering too much', () => {
    const cs = checksOf([
      ...good.slice(0, 4),
      ['c', 'F.', u(X + 11), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 13), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['c', '.', u(X + 11), u(Y + 1), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
    ]);
    expect(one(cs, 'fin-acked', 'client')).toMatchObject({ ok: false, expected: u(X + 12), actual: u(X + 13), packet: 6 });
    expect(one(cs, 'fin-consumes-one', 'client')).toMatchObject({ ok: false, expected: u(X + 12), actual: u(X + 11), packet: 7 });
  });
  it('a FIN never acknowledged by the end of the capture', () => {
    const cs = checksOf([...good.slice(0, 4), ['c', 'F.', u(X + 11), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT']]);
    expect(one(cs, 'fin-acked', 'client')).toMatchObject({ ok: false, expected: u(X + 12), actual: u(X + 1), packet: 5 });
  });
  it('data after the sender’s own FIN', () => {
    const r = play([
      ...good.slice(0, 4),
      ['c', 'F.', u(X + 11), u(Y + 1), 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
      ['s', '.', u(Y + 1), u(X + 12), 0, 'FIN-WAIT-2', 'CLOSE-WAIT'],
      ['c', 'P.', u(X + 12), u(Y + 1), 30, 'FIN-WAIT-2', 'CLOSE-WAIT'],
    ]).record;
    expect(one(r.checks, 'no-data-after-fin', 'client')).toMatchObject({ ok: false, packet: 7, expected: u(X + 12), actual: u(X + 42) });
  });
  it('an RST outside the receiver’s window, and one that does not acknowledge the SYN', () => {
    const cs = checksOf([...good.slice(0, 4), ['s', 'R.', u(Y + 1_000_000), u(X + 11), 0, 'CLOSED', 'CLOSED']]);
    // The client did not accept it (it stays ESTABLISHED at the end); the check says why.
    expect(one(cs, 'rst-in-window')).toMatchObject({ ok: false, side: 'server', expected: Y + 1, actual: Y + 1_000_000 });
    const cs2 = checksOf([
      ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
      ['s', 'R.', 0, u(X + 5), 0, 'SYN-SENT', 'CLOSED'],
    ]);
    expect(one(cs2, 'rst-in-window')).toMatchObject({ ok: false, expected: u(X + 1), actual: u(X + 5) });
  });
});
