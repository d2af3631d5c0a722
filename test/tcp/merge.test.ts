/**
 * SummaryCounter merged from parts (state() through structuredClone, absorb()) where records were
 * folded before their final states: a parked record is added with finalStates=false and its final
 * states come later by id (trace.ts completeParked), in the same part, with its bases kept by the
 * counter (keepBasis) or passed by the caller. And the counts the text summary prints besides the
 * summary (`endingIn`, `finalBasis`) list their keys in an order that does not depend on the
 * order records arrive in, or on a merge. test/diagnose/merge.test.ts merges both reducers on
 * every capture.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { type ConnectionRecord, TcpState } from '../../src/tcp/model.js';
import { SummaryCounter } from '../../src/tcp/summary.js';
import { trace } from '../../src/trace.js';
import { parts, seeded, shuffled, splits } from '../helpers/split.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
/** The kernel recordings, whole and one-sided (inferred and unseen final states, TIME-WAIT). */
const captures = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap')),
  ...readdirSync(path.join(FIXTURES, 'one-sided'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => `one-sided/${f}`),
].sort();

async function recordsOf(file: string): Promise<ConnectionRecord[]> {
  return (await trace(openCapture(path.join(FIXTURES, file)), { keepRecords: true })).connections;
}

/** The state at the end of a parked side: a TIME-WAIT that ran out is CLOSED (as trace.ts's parkedEndState). */
const later = (s: TcpState) => (s === TcpState.TimeWait ? TcpState.Closed : s);

/** `r` as if written at the end: its final states are `later` ones. */
function atEnd(r: ConnectionRecord): ConnectionRecord {
  return { ...r, client: { ...r.client, state: later(r.client.state) }, server: { ...r.server, state: later(r.server.state) } };
}

/** One call on a counter. */
type Call = (s: SummaryCounter) => void;

/**
 * The calls a part makes for its records: a parked one (every other, at random) is added without
 * its final states, which come two records later, or at the end; the counter keeps its bases or
 * the caller passes them, as `keepBasis` says.
 */
function calls(records: readonly ConnectionRecord[], random: () => number, keepBasis: boolean): Call[] {
  const out: Call[] = [];
  const pending: Array<{ due: number; call: Call }> = [];
  records.forEach((r, i) => {
    if (random() < 0.5) {
      // Written at the end: the record states its final states.
      out.push((s) => s.add(atEnd(r)));
    } else {
      out.push((s) => s.add(r, false, keepBasis));
      const c = later(r.client.state);
      const sv = later(r.server.state);
      const call: Call = keepBasis ? (s) => s.addFinalStates(r.id, c, sv) : (s) => s.addFinalStates(r.id, c, sv, r.client.stateBasis, r.server.stateBasis);
      pending.push({ due: i + 2, call });
    }
    for (let j = pending.length - 1; j >= 0; j--) {
      if (pending[j]!.due <= i) out.push(...pending.splice(j, 1).map((p) => p.call));
    }
  });
  for (const p of pending) out.push(p.call);
  return out;
}

function run(cs: readonly Call[]): SummaryCounter {
  const s = new SummaryCounter();
  for (const c of cs) c(s);
  return s;
}

const outcome = (s: SummaryCounter) => JSON.stringify({ result: s.result(), totals: s.totals() });

describe('SummaryCounter merged from parts, with final states folded later', () => {
  it('finds the captures', () => expect(captures.length).toBeGreaterThan(30));

  it.each(captures)('%s', async (file) => {
    const records = await recordsOf(file);
    // What a counter fed each record with its final states at once gives.
    const direct = new SummaryCounter();
    for (const r of records) direct.add(atEnd(r));
    const want = outcome(direct);
    const random = seeded(records.length + 3);
    for (const keepBasis of [true, false]) {
      // One counter, every record, the later calls among the adds.
      expect(outcome(run(calls(records, random, keepBasis)))).toBe(want);
      for (const split of splits(records.length)) {
        const states = parts(records, split, random).map((p) => structuredClone(run(calls(p, random, keepBasis)).state()));
        const merged = new SummaryCounter();
        for (const i of shuffled(
          states.map((_, i) => i),
          random,
        ))
          merged.absorb(states[i]!);
        expect(outcome(merged), `${split.name}, keepBasis ${keepBasis}`).toBe(want);
      }
    }
  });

  it('a record waiting for its final states when the state is taken gets them after the merge', async () => {
    const records = await recordsOf('one-sided/client-close.in.pcap');
    expect(records.some((r) => r.client.stateBasis !== 'observed' || r.server.stateBasis !== 'observed')).toBe(true);
    const direct = new SummaryCounter();
    for (const r of records) direct.add(atEnd(r));
    const parked = new SummaryCounter();
    for (const r of records) parked.add(r, false);
    const merged = new SummaryCounter();
    merged.absorb(structuredClone(parked.state()));
    // The bases travel with the state: the later calls need not pass them.
    for (const r of records) merged.addFinalStates(r.id, later(r.client.state), later(r.server.state));
    expect(outcome(merged)).toBe(outcome(direct));
  });

  it('a state is a copy: folding more into its counter does not change it', async () => {
    const records = await recordsOf('timewait-pile.pcap');
    const s = new SummaryCounter();
    for (const r of records.slice(0, 10)) s.add(r);
    const state = s.state();
    const before = structuredClone(state);
    for (const r of records.slice(10)) s.add(r);
    expect(state).toEqual(before);
  });
});

describe('the counts besides the summary do not depend on the order records arrive in', () => {
  // Before, endingIn and finalBasis listed states in order of arrival: these captures came out
  // differently reversed.
  it.each(['port-reuse.pcap', 'one-sided/client-close.in.pcap', 'one-sided/closewait-leak.in.pcap'])('%s', async (file) => {
    const records = await recordsOf(file);
    const byId = new SummaryCounter();
    for (const r of records) byId.add(r);
    for (let seed = 1; seed <= 10; seed++) {
      const s = new SummaryCounter();
      for (const r of shuffled(records, seeded(seed))) s.add(r);
      expect(JSON.stringify(s.totals())).toBe(JSON.stringify(byId.totals()));
    }
  });

  it('endingIn lists states as a pass by id meets them (client before server), finalBasis as finalStates lists them', async () => {
    const records = await recordsOf('one-sided/client-close.in.pcap');
    const s = new SummaryCounter();
    for (const r of [...records].reverse()) s.add(r);
    // #0 ends TIME-WAIT (client) and CLOSED (server); #1 CLOSED on both sides.
    expect(Object.keys(s.totals().endingIn)).toEqual(['TIME-WAIT', 'CLOSED']);
    expect(Object.keys(s.result().finalStates.client)).toEqual(['TIME-WAIT', 'CLOSED']);
    expect(Object.keys(s.totals().finalBasis.client)).toEqual(['TIME-WAIT', 'CLOSED']);
  });
});
