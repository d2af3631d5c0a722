/** summarize(): counts over finished records. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/tcp/summary.js';
import { play, type Row } from './helpers.js';

const X = 100;
const Y = 900;
const closed: Row[] = [
  ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
  ['s', 'S.', Y, X + 1, 0, 'ESTABLISHED', 'SYN-RECEIVED'],
  ['c', '.', X + 1, Y + 1, 0, 'ESTABLISHED', 'ESTABLISHED'],
  ['c', 'F.', X + 1, Y + 1, 0, 'FIN-WAIT-1', 'CLOSE-WAIT'],
  ['s', 'F.', Y + 1, X + 2, 0, 'TIME-WAIT', 'LAST-ACK'],
  ['c', '.', X + 2, Y + 2, 0, 'TIME-WAIT', 'CLOSED'],
];
const refused: Row[] = [
  ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
  ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
  ['s', 'R.', 0, X + 1, 0, 'CLOSED', 'CLOSED'],
];
const badSynAck: Row[] = [
  ['c', 'S', X, null, 0, 'SYN-SENT', 'LISTEN'],
  ['s', 'S.', Y, X, 0, 'SYN-SENT', 'SYN-RECEIVED'],
];

describe('summarize', () => {
  it('counts openings, closings, final states, failed checks and anomalies', () => {
    const recs = [play(closed).record, play(refused).record, play(badSynAck).record];
    const s = summarize(recs);
    expect(s).toEqual({
      connections: 3,
      byOpen: { 'three-way': 1, refused: 1, incomplete: 1 },
      byClose: { 'three-segment': 1, reset: 1, none: 1 },
      finalStates: {
        client: { 'TIME-WAIT': 1, CLOSED: 1, 'SYN-SENT': 1 },
        server: { CLOSED: 2, 'SYN-RECEIVED': 1 },
      },
      checksFailed: 1,
      anomalies: { retransmissions: 1 },
      tableFull: null,
    });
  });
  it('is empty for no connections', () => {
    expect(summarize([])).toEqual({
      connections: 0,
      byOpen: {},
      byClose: {},
      finalStates: { client: {}, server: {} },
      checksFailed: 0,
      anomalies: {},
      tableFull: null,
    });
  });
});
