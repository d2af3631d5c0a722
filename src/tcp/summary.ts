/**
 * The `summary` block of the report as a reducer: each finished connection is folded in once
 * (`SummaryCounter.add`), and nothing keeps the records. `summarize(records)` is the same fold over
 * a list.
 *
 * Connections arrive in the order they finish, not by id, yet the result must be what a pass over
 * the records in id order gives: the JSON objects (`byOpen`, `finalStates`, `anomalies`) list their
 * keys in order of first appearance, and the text summary breaks ties the same way. So every key
 * remembers the smallest connection id that brought it, and `result()` orders keys by that.
 *
 * Counters fed disjoint sets of connections (worker threads, each tracing some of the flows) merge:
 * `state()` is a counter's content as plain data that survives postMessage, `absorb()` adds one to
 * another. Counts add up and each key keeps the smaller of the two first ids, so the merge gives
 * what one counter fed every record would have.
 */
import type { ConnectionRecord, EndpointRecord, FlagCounts, Summary, TcpState } from './model.js';

type Basis = EndpointRecord['stateBasis'];

/**
 * Of one side's final states, how many were not observed: state -> [inferred, unseen] (the rest of
 * `finalStates[side][state]` were observed). The text summary marks them as the ladder does.
 */
export type FinalBasis = Partial<Record<TcpState, [inferred: number, unseen: number]>>;

const FLAG_KEYS: ReadonlyArray<keyof FlagCounts> = [
  'retransmissions',
  'outOfOrder',
  'dupAcks',
  'keepAlives',
  'zeroWindows',
  'lostSegments',
  'ackedUnseen',
  'duplicates',
  'reordered',
];

/**
 * Counts that the text summary prints besides `summary` (not part of the JSON contract): Zeek
 * conn_state codes, every check evaluated, and connections with an endpoint ending in a state.
 */
export interface SummaryTotals {
  /** conn_state code -> connections, in order of first appearance by id. */
  zeek: Array<[string, number]>;
  /** Checks evaluated over all connections (passed and failed). */
  checks: number;
  /** Connections where either endpoint ends in the state. */
  endingIn: Partial<Record<TcpState, number>>;
  /** Final states per side that were inferred or never seen (the rest were observed). */
  finalBasis: { client: FinalBasis; server: FinalBasis };
}

/** A Tally's keys with their counts and first ids (structured-clone safe). */
type TallyState = Map<string, TallyEntry>;

/**
 * A SummaryCounter's content as plain data: Maps, arrays and plain objects only, so it survives
 * postMessage (which drops class prototypes). Another counter takes it in with `absorb()`.
 */
export interface SummaryState {
  connections: number;
  checks: number;
  checksFailed: number;
  byOpen: TallyState;
  byClose: TallyState;
  client: TallyState;
  server: TallyState;
  zeek: TallyState;
  anomalies: TallyState;
  ending: TallyState;
  basis: { client: FinalBasis; server: FinalBasis };
  /** Records folded without their final states whose `addFinalStates` has not come yet. */
  laterBasis: Map<number, [Basis, Basis]>;
}

/** One key of a Tally: its count and the smallest id that brought it. */
interface TallyEntry {
  n: number;
  first: number;
}

/** A tally whose keys come out in order of the smallest id that brought each. */
class Tally {
  // One map of small mutable entries: an add is one probe (two maps took two or three per key,
  // for every key of every record).
  private readonly m = new Map<string, TallyEntry>();

  add(key: string, id: number, by = 1): void {
    const e = this.m.get(key);
    if (e === undefined) this.m.set(key, { n: by, first: id });
    else {
      if (id < e.first) e.first = id;
      e.n += by;
    }
  }

  /**
   * Entries ordered by first appearance. Ties (two flags of one record) go by `rank`, then by key:
   * never by insertion, which follows the order records arrive in, and a merge's.
   */
  entries(rank?: (key: string) => number): Array<[string, number]> {
    const order = [...this.m];
    order.sort(([ka, a], [kb, b]) => a.first - b.first || (rank ? rank(ka) - rank(kb) : 0) || (ka < kb ? -1 : ka > kb ? 1 : 0));
    return order.map(([k, e]) => [k, e.n]);
  }

  /** The entries as plain data (a copy). */
  state(): TallyState {
    const out: TallyState = new Map();
    for (const [k, e] of this.m) out.set(k, { n: e.n, first: e.first });
    return out;
  }

  /** Adds another tally's entries: counts add up, each key keeps the smaller first id. */
  absorb(s: TallyState): void {
    for (const [k, e] of s) this.add(k, e.first, e.n);
  }

  object<K extends string>(rank?: (key: string) => number): Partial<Record<K, number>> {
    const out: Partial<Record<K, number>> = {};
    for (const [k, n] of this.entries(rank)) out[k as K] = n;
    return out;
  }
}

/** The summary of a stream of finished connections. */
export class SummaryCounter {
  private connections = 0;
  private readonly byOpen = new Tally();
  private readonly byClose = new Tally();
  private readonly client = new Tally();
  private readonly server = new Tally();
  private readonly zeek = new Tally();
  private readonly anomalies = new Tally();
  /**
   * Connections with either endpoint ending in a state, keys in the order a pass by id meets them
   * (a record's client state before its server's: `first` is 2·id, plus 1 for the server). Not in
   * order of arrival, which differs between runs, and between one counter and merged ones.
   */
  private readonly ending = new Tally();
  private readonly basis: { client: FinalBasis; server: FinalBasis } = { client: {}, server: {} };
  /** The bases of a record folded before its final states (a parked one), by id, when not both observed. */
  private readonly laterBasis = new Map<number, [Basis, Basis]>();
  private checksFailed = 0;
  private checks = 0;

  /**
   * Folds one finished connection in. `finalStates` overrides the record's own end states, for a
   * record written before its connection's end was known (see trace.ts: an early-written record
   * still in TIME-WAIT), whose final states are folded later with `addFinalStates`. `keepBasis`:
   * remember such a record's state bases for that call; false when the caller will pass them
   * (trace.ts keeps them with the parked tuple: a map entry per parked record was 140 ms and
   * 150 k entries of old generation on the short benchmark).
   */
  add(r: ConnectionRecord, finalStates = true, keepBasis = true): void {
    const id = r.id;
    this.connections++;
    this.byOpen.add(r.open.kind, id);
    this.byClose.add(r.close.kind, id);
    const cb = r.client.stateBasis;
    const sb = r.server.stateBasis;
    if (finalStates) this.addFinalStates(id, r.client.state, r.server.state, cb, sb);
    else if (keepBasis && (cb !== 'observed' || sb !== 'observed')) this.laterBasis.set(id, [cb, sb]);
    this.zeek.add(r.zeek.conn_state, id);
    const checks = r.checks;
    this.checks += checks.length;
    for (let i = 0; i < checks.length; i++) if (!checks[i]!.ok) this.checksFailed++;
    const flags = r.flags;
    for (const k of FLAG_KEYS) {
      const n = flags[k];
      if (n > 0) this.anomalies.add(k, id, n);
    }
  }

  /**
   * Folds the end states of connection `id` (once per connection, with or after `add`), and how each
   * is known (by default as its record said, when it was folded without its final states).
   */
  addFinalStates(id: number, client: TcpState, server: TcpState, clientBasis?: Basis, serverBasis?: Basis): void {
    if (clientBasis === undefined || serverBasis === undefined) {
      const later = this.laterBasis.get(id);
      if (later !== undefined) this.laterBasis.delete(id);
      clientBasis ??= later?.[0] ?? 'observed';
      serverBasis ??= later?.[1] ?? 'observed';
    }
    markBasis(this.basis.client, client, clientBasis);
    markBasis(this.basis.server, server, serverBasis);
    this.client.add(client, id);
    this.server.add(server, id);
    this.ending.add(client, 2 * id);
    if (server !== client) this.ending.add(server, 2 * id + 1);
  }

  /** The `summary` block (without `tableFull`, which only the run knows). */
  result(): Summary {
    const flagRank = (k: string) => FLAG_KEYS.indexOf(k as keyof FlagCounts);
    return {
      connections: this.connections,
      byOpen: this.byOpen.object(),
      byClose: this.byClose.object(),
      finalStates: { client: this.client.object(), server: this.server.object() },
      checksFailed: this.checksFailed,
      anomalies: this.anomalies.object(flagRank),
      tableFull: null,
    };
  }

  /** The counts the text summary prints besides `summary`. */
  totals(): SummaryTotals {
    return {
      zeek: this.zeek.entries(),
      checks: this.checks,
      endingIn: this.ending.object(),
      finalBasis: { client: orderedBasis(this.basis.client, this.client), server: orderedBasis(this.basis.server, this.server) },
    };
  }

  /** The counter's content as plain data (a copy: later adds do not change it). */
  state(): SummaryState {
    return {
      connections: this.connections,
      checks: this.checks,
      checksFailed: this.checksFailed,
      byOpen: this.byOpen.state(),
      byClose: this.byClose.state(),
      client: this.client.state(),
      server: this.server.state(),
      zeek: this.zeek.state(),
      anomalies: this.anomalies.state(),
      ending: this.ending.state(),
      basis: { client: copyBasis(this.basis.client), server: copyBasis(this.basis.server) },
      laterBasis: new Map([...this.laterBasis].map(([id, [c, s]]) => [id, [c, s]])),
    };
  }

  /**
   * Adds the connections of another counter's `state()`: afterwards this counter is what one fed
   * both sets of records would be. The two must have folded different connections (ids are global).
   */
  absorb(s: SummaryState): void {
    this.connections += s.connections;
    this.checks += s.checks;
    this.checksFailed += s.checksFailed;
    this.byOpen.absorb(s.byOpen);
    this.byClose.absorb(s.byClose);
    this.client.absorb(s.client);
    this.server.absorb(s.server);
    this.zeek.absorb(s.zeek);
    this.anomalies.absorb(s.anomalies);
    this.ending.absorb(s.ending);
    for (const side of ['client', 'server'] as const) {
      const into = this.basis[side];
      for (const [k, v] of Object.entries(s.basis[side]) as Array<[TcpState, [number, number]]>) {
        const n = (into[k] ??= [0, 0]);
        n[0] += v[0];
        n[1] += v[1];
      }
    }
    // A record folded there whose final states are still to come may get them here.
    for (const [id, [c, sb]] of s.laterBasis) this.laterBasis.set(id, [c, sb]);
  }
}

function copyBasis(b: FinalBasis): FinalBasis {
  const out: FinalBasis = {};
  for (const [k, v] of Object.entries(b) as Array<[TcpState, [number, number]]>) out[k] = [v[0], v[1]];
  return out;
}

/**
 * A side's bases keyed in the order of its final states (every state with a basis is one of them):
 * a deterministic order, where the order of first marking followed the order records arrive in.
 */
function orderedBasis(b: FinalBasis, states: Tally): FinalBasis {
  const out: FinalBasis = {};
  for (const [k] of states.entries()) {
    const v = b[k as TcpState];
    if (v !== undefined) out[k as TcpState] = [v[0], v[1]];
  }
  return out;
}

/** Counts a final state that was not observed. */
function markBasis(into: FinalBasis, state: TcpState, basis: Basis): void {
  if (basis === 'observed') return;
  const n = (into[state] ??= [0, 0]);
  n[basis === 'inferred' ? 0 : 1]++;
}

/** A counter with every record of a list folded in. */
function counted(records: readonly ConnectionRecord[]): SummaryCounter {
  const s = new SummaryCounter();
  for (const r of records) s.add(r);
  return s;
}

/** Counts connections by opening, closing and final states, failed checks and analysis flags (all but `tableFull`). */
export function summarize(records: readonly ConnectionRecord[]): Summary {
  return counted(records).result();
}

/** The text summary's extra counts over a list of records. */
export function summaryTotals(records: readonly ConnectionRecord[]): SummaryTotals {
  return counted(records).totals();
}
