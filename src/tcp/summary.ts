/** summarize(): the `summary` block of the report, counted from finished connection records. */
import type { ConnectionRecord, FlagCounts, Summary } from './model.js';

const FLAG_KEYS: ReadonlyArray<keyof FlagCounts> = [
  'retransmissions',
  'outOfOrder',
  'dupAcks',
  'keepAlives',
  'zeroWindows',
  'lostSegments',
  'ackedUnseen',
];

/** Counts connections by opening, closing and final states, failed checks and analysis flags (all but `tableFull`). */
export function summarize(records: readonly ConnectionRecord[]): Summary {
  const s: Summary = {
    connections: records.length,
    byOpen: {},
    byClose: {},
    finalStates: { client: {}, server: {} },
    checksFailed: 0,
    anomalies: {},
  };
  for (const r of records) {
    s.byOpen[r.open.kind] = (s.byOpen[r.open.kind] ?? 0) + 1;
    s.byClose[r.close.kind] = (s.byClose[r.close.kind] ?? 0) + 1;
    s.finalStates.client[r.client.state] = (s.finalStates.client[r.client.state] ?? 0) + 1;
    s.finalStates.server[r.server.state] = (s.finalStates.server[r.server.state] ?? 0) + 1;
    for (const c of r.checks) if (!c.ok) s.checksFailed++;
    for (const k of FLAG_KEYS) {
      const n = r.flags[k];
      if (n > 0) s.anomalies[k] = (s.anomalies[k] ?? 0) + n;
    }
  }
  return s;
}
