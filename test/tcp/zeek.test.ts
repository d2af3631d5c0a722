/**
 * Zeek compatibility: conn_state and history as Zeek's conn.log would give them.
 * The first block is Zeek's own RST baseline (testing/btest/Baseline/
 * scripts.base.protocols.conn.conn_state-RST-behavior/out: R OTH, SR RSTOS0, SaR RSTOS0, SaFR OTH);
 * the rest plays one exchange per conn_state code of base/protocols/conn/main.zeek.
 */
import { describe, expect, it } from 'vitest';
import { zeekConnState } from '../../src/tcp/zeek.js';
import { mkSeg, tracker, type SegSpec } from './helpers.js';

const X = 0xfffffff0;
const Y = 500;
const a = (n: number) => (X + n) >>> 0;

function zeek(specs: SegSpec[], heuristic: string | null = null) {
  const tr = tracker({}, heuristic);
  specs.forEach((s, i) => tr.observe(mkSeg({ ...s, packet: i + 1, t: 1e9 + i }), s.dir === 'c'));
  const z = tr.finish(1e9 + 50, 0).zeek;
  // One Zeek record for these short exchanges (zeek.records null; the lifetime tests are below).
  expect(z.records).toBeNull();
  return { conn_state: z.conn_state, history: z.history };
}

const SYN: SegSpec = { dir: 'c', flags: 'S', seq: X };
const SYNACK: SegSpec = { dir: 's', flags: 'S.', seq: Y, ack: a(1) };
const ACK: SegSpec = { dir: 'c', flags: '.', seq: a(1), ack: Y + 1 };
const DATA: SegSpec = { dir: 'c', flags: 'P.', seq: a(1), ack: Y + 1, len: 10 };

describe("Zeek's RST baseline", () => {
  it.each([
    ['R', [{ dir: 'c', flags: 'R', seq: a(1) }], 'OTH'],
    ['SR', [SYN, { dir: 'c', flags: 'R', seq: a(1) }], 'RSTOS0'],
    ['SaR', [SYN, { dir: 's', flags: '.', seq: Y, ack: a(1) }, { dir: 'c', flags: 'R', seq: a(1) }], 'RSTOS0'],
    ['SaFR', [SYN, { dir: 's', flags: '.', seq: Y, ack: a(1) }, { dir: 'c', flags: 'F.', seq: a(1), ack: Y }, { dir: 'c', flags: 'R', seq: a(2) }], 'OTH'],
  ] as Array<[string, SegSpec[], string]>)('%s -> %s', (history, specs, state) => {
    expect(zeek(specs)).toEqual({ history, conn_state: state });
  });
});

describe('every conn_state code from a played exchange', () => {
  const FIN_C: SegSpec = { dir: 'c', flags: 'F.', seq: a(11), ack: Y + 1 };
  const FIN_S: SegSpec = { dir: 's', flags: 'F.', seq: Y + 1, ack: a(11) };
  it.each([
    ['S0', [SYN], 'S'],
    ['S1', [SYN, SYNACK, ACK, DATA], 'ShAD'],
    ['SF', [SYN, SYNACK, ACK, DATA, FIN_S, { ...FIN_C, ack: Y + 2 }, { dir: 's', flags: '.', seq: Y + 2, ack: a(12) }], 'ShADfFa'],
    ['REJ', [SYN, { dir: 's', flags: 'R.', seq: 0, ack: a(1) }], 'Sr'],
    ['S2', [SYN, SYNACK, ACK, DATA, FIN_C], 'ShADF'],
    ['S3', [SYN, SYNACK, ACK, DATA, FIN_S], 'ShADf'],
    ['RSTO', [SYN, SYNACK, ACK, DATA, { dir: 'c', flags: 'R.', seq: a(11), ack: Y + 1 }], 'ShADR'],
    ['RSTR', [SYN, SYNACK, ACK, DATA, { dir: 's', flags: 'R.', seq: Y + 1, ack: a(11) }], 'ShADr'],
    ['RSTOS0', [SYN, { dir: 'c', flags: 'R', seq: a(1) }], 'SR'],
    ['RSTRH', [SYNACK, { dir: 's', flags: 'R', seq: Y + 1 }], '^hr'],
    ['SH', [SYN, { dir: 'c', flags: 'F', seq: a(1) }], 'SF'],
    ['SHR', [SYNACK, { dir: 's', flags: 'F.', seq: Y + 1, ack: a(1) }], '^hf'],
    ['OTH', [DATA, { dir: 's', flags: 'P.', seq: Y + 1, ack: a(11), len: 5 }], 'Dd'],
  ] as Array<[string, SegSpec[], string]>)('%s (history %s)', (state, specs, history) => {
    expect(zeek(specs)).toEqual({ conn_state: state, history });
  });
});

describe('history letters', () => {
  it('s/h/f/r repeat only when their sequence number changes; a/d once per direction', () => {
    const h = zeek([SYN, SYN, { ...SYN, seq: 42 }, SYNACK, ACK, ACK, DATA, DATA]).history;
    // The repeated SYN has the same seq: one S. The new ISN adds a second S. DATA again is a retransmission: T.
    expect(h).toBe('SShADT');
  });
  it('FIN+RST is i, SYN+FIN is q', () => {
    expect(zeek([SYN, SYNACK, ACK, { dir: 'c', flags: 'FR.', seq: a(1), ack: Y + 1 }]).history).toBe('ShAI');
    expect(zeek([{ dir: 'c', flags: 'SF', seq: X }]).history).toBe('Q');
  });
  it('retransmissions and zero windows are logarithmic: 1, 10, 100', () => {
    const specs: SegSpec[] = [SYN, SYNACK, ACK, DATA];
    for (let i = 0; i < 100; i++) specs.push(DATA);
    expect(zeek(specs).history).toBe('ShADTTT');
  });
  it('^ when the first packet came from the responder', () => {
    expect(zeek([{ dir: 's', flags: 'P.', seq: Y, ack: a(1), len: 3 }, DATA], 'well-known-port').history).toBe('^dD');
  });
});

describe('zeekConnState is a pure function of the endpoint states, sizes and history', () => {
  it('REJ needs a reset originator with no bytes either way; with bytes it is RSTR', () => {
    expect(zeekConnState('RESET', 'RESET', 0, 0, 'SRr')).toBe('REJ');
    expect(zeekConnState('RESET', 'RESET', 5, 0, 'ShADRr')).toBe('RSTR');
    expect(zeekConnState('SYN_ACK_SENT', 'RESET', 0, 0, 'Hr')).toBe('REJ');
  });
  it('an originator RST with an inactive responder: RSTOS0 only for ^?S[^HAFGIQ]*R', () => {
    expect(zeekConnState('RESET', 'INACTIVE', 0, 0, '^SR')).toBe('RSTOS0');
    expect(zeekConnState('RESET', 'PARTIAL', 0, 0, 'SdR')).toBe('RSTOS0');
    expect(zeekConnState('RESET', 'PARTIAL', 0, 0, 'SAR')).toBe('OTH');
    expect(zeekConnState('RESET', 'ESTABLISHED', 0, 0, 'ShAR')).toBe('RSTO');
  });
});

describe("Zeek's content gap 'g' below a FIN (testing/btest/Baseline/core.tcp.miss-end-data/conn.log)", () => {
  // The shape of Zeek's miss_end_data.pcap: the responder's 2902 bytes were never captured, its FIN
  // comes after them, and the originator's ACK of that FIN passes over the hole. Zeek's conn.log:
  // history ShADafgF, conn_state SF (missed_bytes 2902, content_gap F 1 2902).
  it('ShADafgF, SF', () => {
    const GAP = 2902;
    expect(
      zeek([
        SYN,
        SYNACK,
        ACK,
        { dir: 'c', flags: 'P.', seq: a(1), ack: Y + 1, len: 538 },
        { dir: 's', flags: '.', seq: Y + 1, ack: a(539) },
        { dir: 's', flags: 'F.', seq: Y + 1 + GAP, ack: a(539) },
        { dir: 'c', flags: '.', seq: a(539), ack: Y + 2 + GAP },
        { dir: 'c', flags: 'F.', seq: a(539), ack: Y + 2 + GAP },
      ]),
    ).toEqual({ history: 'ShADafgF', conn_state: 'SF' });
  });

  it('no gap when the data below the FIN was captured', () => {
    expect(
      zeek([
        SYN,
        SYNACK,
        ACK,
        { dir: 's', flags: 'P.', seq: Y + 1, ack: a(1), len: 100 },
        { dir: 's', flags: 'F.', seq: Y + 101, ack: a(1) },
        { dir: 'c', flags: '.', seq: a(1), ack: Y + 102 },
        { dir: 'c', flags: 'F.', seq: a(1), ack: Y + 102 },
      ]).history,
    ).toBe('ShAdfF');
  });
});

describe("Zeek's own connection lifetime (TCPSessionAdapter's timers and IsReuse): zeek.records", () => {
  function zeekAt(specs: Array<SegSpec & { at: number }>) {
    const tr = tracker({});
    specs.forEach((s, i) => tr.observe(mkSeg({ ...s, packet: i + 1, t: 1e9 + s.at }), s.dir === 'c'));
    return tr.finish(1e9 + 100, 0).zeek;
  }
  const FIN_C = { dir: 'c' as const, flags: 'F.', seq: a(1), ack: Y + 1 };
  const FIN_S = { dir: 's' as const, flags: 'F.', seq: Y + 1, ack: a(2) };
  const LAST = { dir: 'c' as const, flags: '.', seq: a(2), ack: Y + 2 };
  const closed = [
    { ...SYN, at: 0 },
    { ...SYNACK, at: 0.001 },
    { ...ACK, at: 0.002 },
    { ...FIN_C, at: 0.003 },
    { ...FIN_S, at: 0.004 },
    { ...LAST, at: 0.005 },
  ];

  it('an attempt unanswered for tcp_attempt_delay (5 s) is removed: the next SYN retransmission is a new record', () => {
    expect(
      zeekAt([
        { ...SYN, at: 0 },
        { ...SYN, at: 1 },
        { ...SYN, at: 3 },
        { ...SYN, at: 7 },
        { ...SYN, at: 15 },
      ]),
    ).toEqual({
      conn_state: 'S0',
      history: 'S',
      records: [
        { conn_state: 'S0', history: 'S', firstPacket: 1 },
        { conn_state: 'S0', history: 'S', firstPacket: 4 },
        // The new record's own attempt timer (7 + 5 s) fired before the SYN at 15 s too.
        { conn_state: 'S0', history: 'S', firstPacket: 5 },
      ],
    });
  });

  it('within 5 s the attempt is one record (fixtures/unanswered.pcap: SYNs at 0-4 s)', () => {
    expect(
      zeekAt([
        { ...SYN, at: 0 },
        { ...SYN, at: 1 },
        { ...SYN, at: 4.9 },
      ]).records,
    ).toBeNull();
  });

  it('a segment more than tcp_close_delay (5 s) after the close completed is a record of its own', () => {
    const z = zeekAt([...closed, { ...LAST, at: 6 }]);
    expect(z).toMatchObject({ conn_state: 'SF', history: 'ShAFf' });
    expect(z.records).toEqual([
      { conn_state: 'SF', history: 'ShAFf', firstPacket: 1 },
      { conn_state: 'OTH', history: 'A', firstPacket: 7 },
    ]);
    expect(zeekAt([...closed, { ...LAST, at: 4.9 }]).records).toBeNull();
  });

  it('a SYN on a closed connection starts a new record even with the old ISN (IsReuse)', () => {
    const z = zeekAt([...closed, { ...SYN, at: 1 }]);
    expect(z.records?.map((r) => [r.history, r.firstPacket])).toEqual([
      ['ShAFf', 1],
      ['S', 7],
    ]);
  });
});
